/**
 * A listing's chain names are one string per name and table: every jump, goto and verdict map element that names
 * a chain holds the very string the chain is named by (ChainNames), not a slice of its own line, which V8 compares
 * with a call into its runtime every time the walks look the chain up.
 */
import { setFlagsFromString } from 'node:v8';
import test from 'ava';
import { parseNft } from '../../../grammar/nft/index';
import type { NftElement, NftTable, NftVerdictStmt } from '../../../src/model/nft';
import { kubeProxyNftRuleset } from '../../generators/kube-proxy-nft';

setFlagsFromString('--allow-natives-syntax');
/** Whether two strings are the same object (=== compares their text). */
const sameObject = new Function('a', 'b', 'return %ReferenceEqual(a, b)') as (a: string, b: string) => boolean;

/** Every verdict that names a chain: in rules, their verdict maps, and the maps of the table. */
function namedVerdicts(t: NftTable): NftVerdictStmt[] {
  const out: NftVerdictStmt[] = [];
  const ofElements = (es: readonly NftElement[]) => {
    for (const e of es) if (e.value?.kind === 'verdict') out.push(e.value.verdict);
  };
  for (const c of t.chains)
    for (const r of c.rules)
      for (const st of r.stmts)
        if (st.kind === 'verdict') out.push(st);
        else if (st.kind === 'vmap' && st.map.kind === 'set') ofElements(st.map.elements);
  for (const s of t.sets) ofElements(s.elements ?? []);
  return out.filter((v) => v.verdict === 'jump' || v.verdict === 'goto');
}

test('a jump, goto or verdict map names its chain with the string the chain is named by', (t) => {
  const { text } = kubeProxyNftRuleset({ services: 20, seed: 3, layout: 'v1.34' });
  const b = 'the-chain-named-b';
  const c = 'the-chain-named-c';
  const listing = `${text}table inet other {\n\tchain a {\n\t\tjump ${b}\n\t\tmeta mark 1 goto ${b}\n\t\tip daddr vmap { 10.0.0.1 : jump ${b}, 10.0.0.2 : goto ${c} }\n\t}\n\n\tchain ${b} {\n\t}\n\n\tchain ${c} {\n\t\tjump missing\n\t}\n}\n`;
  const body = parseNft(listing);
  t.deepEqual(body.diagnostics, []);
  let checked = 0;
  for (const table of body.ruleset.tables) {
    const names = new Map(table.chains.map((c) => [c.name, c.name]));
    for (const v of namedVerdicts(table)) {
      if (v.verdict !== 'jump' && v.verdict !== 'goto') continue;
      const name = names.get(v.chain);
      if (name === undefined) continue;
      t.true(sameObject(v.chain, name), `${table.name}: ${v.verdict} ${v.chain}`);
      checked++;
    }
  }
  t.true(checked > 100, `checked ${checked}`);
});

test('a name of another table, or of no chain, is still read as written', (t) => {
  const body = parseNft(
    'table ip a {\n\tchain x {\n\t\tjump a-chain-named-y\n\t}\n\n\tchain a-chain-named-y {\n\t}\n}\ntable ip b {\n\tchain a-chain-named-y {\n\t\tgoto nowhere\n\t}\n}\n',
  );
  t.deepEqual(body.diagnostics, []);
  const [a, b] = body.ruleset.tables;
  const jump = a!.chains[0]!.rules[0]!.stmts[0] as NftVerdictStmt & { chain: string };
  const goto = b!.chains[0]!.rules[0]!.stmts[0] as NftVerdictStmt & { chain: string };
  t.is(jump.chain, 'a-chain-named-y');
  t.is(goto.chain, 'nowhere');
  t.true(sameObject(jump.chain, a!.chains[1]!.name));
  t.false(sameObject(jump.chain, b!.chains[0]!.name));
});
