/**
 * The fast path (fast-rule.ts) tells base options and extension options apart on the line itself, without
 * copying a word: baseOptionIn and optionArityIn must answer as the lookups of the copied word do.
 */
import test from 'ava';
import { optionArities, optionArity, optionArityIn } from '../../../grammar/iptables-save/extension';
import { matchExtensions, targetExtensions } from '../../../grammar/iptables-save/extensions/index';
import { BASE_OPTIONS, baseOptionIn, baseOptionNamed } from '../../../grammar/iptables-save/rule-clauses';

/** Every spelling, and words one character off: longer, shorter, another character, no dash. */
function nearWords(words: readonly string[]): string[] {
  const near = new Set(['', '-', '--', '!', '-x', '---', '--comment', '--dport', '--to-destination', 'constructor']);
  for (const w of words) {
    near.add(w);
    near.add(`${w}x`);
    near.add(w.slice(0, -1));
    near.add(w.slice(1));
    near.add(`${w.slice(0, -1)}${w.endsWith('z') ? 'y' : 'z'}`);
  }
  return [...near];
}

test('baseOptionIn reads a word in place as baseOptionNamed reads its copy', (t) => {
  for (const word of nearWords(Object.keys(BASE_OPTIONS))) {
    const line = `-A X ${word} y`;
    t.is(baseOptionIn(line, 5, 5 + word.length), baseOptionNamed(word), word);
  }
});

test('optionArityIn reads a word in place as optionArity reads its copy, for every extension', (t) => {
  for (const spec of [...matchExtensions.values(), ...targetExtensions.values()]) {
    const table = optionArities(spec);
    for (const word of nearWords(spec.options.flatMap((o) => o.names))) {
      const line = `x ${word} y`;
      t.is(optionArityIn(table, line, 2, 2 + word.length), optionArity(spec, word), `${spec.name} ${word}`);
    }
  }
});
