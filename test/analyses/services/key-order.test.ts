/**
 * The report's order of services by hand (key-order.ts) is the collator's: compareAscii against
 * `Intl.Collator('en')` over random strings of printable ASCII made to differ where the root collation departs from
 * code-unit order (punctuation, digits, case, prefixes), keyOrder against the collator's sort over random keys and
 * the generated services' names, and the locales rootOrderLocale lets through against ICU's own default locale.
 */
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { compareAscii, keyOrder, rootOrderLocale } from '../../../src/analyses/services/key-order';
import { type Rng, prng } from '../../generators/messy-paste';

const en = new Intl.Collator('en').compare;
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
/** Mostly the characters of service names, so that random strings share prefixes and differ in case. */
const ALPHABETS = [PRINTABLE, 'aAbB01-/:. _', 'nsNSvc0123456789/:-'];

function text(rng: Rng): string {
  const alphabet = ALPHABETS[rng.int(ALPHABETS.length)]!;
  const length = rng.int(12);
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** A string and a variant of it: a character changed, its case flipped, or one cut or added at the end. */
function near(rng: Rng, s: string): string {
  const at = rng.int(s.length + 1);
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, at) + text(rng).slice(0, 1) + s.slice(at + 1);
    case 1:
      return s.slice(0, at) + (s[at] ?? '').toUpperCase() + s.slice(at + 1);
    case 2:
      return s.slice(0, at);
    default:
      return s + text(rng);
  }
}

test('compareAscii orders as the root collation', (t) => {
  const rng = prng(30);
  for (let i = 0; i < 40_000; i++) {
    const a = text(rng);
    const b = i % 2 ? near(rng, a) : text(rng);
    if (Math.sign(compareAscii(a, b)) !== Math.sign(en(a, b))) t.fail(`${JSON.stringify(a)} ${JSON.stringify(b)}`);
  }
  // Every pair of printable characters, alone and before a common tail.
  for (const x of PRINTABLE)
    for (const y of PRINTABLE)
      for (const [a, b] of [
        [x, y],
        [`${x}a`, `${y}A`],
        [`s${x}`, `s${y}1`],
      ] as const)
        if (Math.sign(compareAscii(a, b)) !== Math.sign(en(a, b))) t.fail(`${JSON.stringify(a)} ${JSON.stringify(b)}`);
  t.pass();
});

test("keyOrder is the collator's sort, ties in index order", (t) => {
  const rng = prng(31);
  for (let round = 0; round < 200; round++) {
    const keys = Array.from(
      { length: rng.int(60) },
      () => `ipv${rng.int(2) ? 4 : 6} ${['tcp', 'udp', 'sctp'][rng.int(3)]} ${text(rng)}`,
    );
    if (keys.length > 1) keys.push(keys[rng.int(keys.length)]!);
    const expected = keys.map((_, i) => i).sort((a, b) => en(keys[a]!, keys[b]!));
    t.deepEqual(keyOrder(keys, true), expected);
    t.deepEqual(keyOrder(keys, false), expected);
  }
  const names = Array.from(
    { length: 3000 },
    (_, i) => `ipv4 tcp ns${i % 97}/svc-${(i * 7919) % 3001}:${i % 3 ? 'http' : 'DNS-tcp'}`,
  );
  t.deepEqual(
    keyOrder(names, true),
    names.map((_, i) => i).sort((a, b) => en(names[a]!, names[b]!)),
  );
  // A key beyond printable ASCII goes to the collator.
  const accented = ['ipv4 tcp é', 'ipv4 tcp f', 'ipv4 tcp e'];
  t.deepEqual(keyOrder(accented, true), [2, 0, 1]);
});

/** The default locale's collation of printable ASCII, in a node started with `env`. */
function defaultOrder(env: Record<string, string>): string {
  const script = `const c=[];for(let i=32;i<127;i++)c.push(String.fromCharCode(i),'a'+String.fromCharCode(i));process.stdout.write(JSON.stringify(c.sort(new Intl.Collator().compare)))`;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LC_|LANG)/.test(k)));
  return spawnSync(process.execPath, ['-e', script], { env: { ...clean, ...env }, encoding: 'utf8' }).stdout;
}

test('rootOrderLocale lets through only locales that ICU collates as the root collation', (t) => {
  const root = defaultOrder({ LANG: 'en' });
  const cases: [Record<string, string>, boolean][] = [
    [{}, true],
    [{ LANG: 'C' }, true],
    [{ LANG: 'C.UTF-8' }, true],
    [{ LANG: 'POSIX' }, true],
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'en_GB' }, true],
    [{ LC_ALL: '', LANG: 'C.UTF-8' }, true],
    [{ LANG: 'da_DK.UTF-8' }, false],
    [{ LC_ALL: 'da_DK.UTF-8', LANG: 'en_US.UTF-8' }, false],
    [{ LC_MESSAGES: 'lt_LT.UTF-8', LANG: 'C' }, false],
    [{ LANG: 'tr_TR.UTF-8' }, false],
    [{ LANG: 'en_US.UTF-8@euro' }, false],
  ];
  for (const [env, expected] of cases) {
    t.is(rootOrderLocale(env), expected, JSON.stringify(env));
    if (expected) t.is(defaultOrder(env), root, JSON.stringify(env));
  }
  // The locales turned away do reorder ASCII: the reason for the collator.
  t.not(defaultOrder({ LANG: 'da_DK.UTF-8' }), root);
  t.is(rootOrderLocale(undefined), false);
});
