/**
 * The hand reader of kube-proxy's rule lines (grammar/nft/fast-rule.ts) against the rule grammar it stands in
 * for: on every line of every listing here (../shared's captures and real-world listings, kube-proxy's nft
 * tables in every layout and family, random rulesets, and each of those lines mutated: words deleted, doubled,
 * swapped, quoted, replaced by operators and keywords, blanks doubled), whatever the fast reader returns is
 * what the grammar reads, down to the order of object keys; what it cannot match, it declines.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { fastStatements } from '../../../grammar/nft/fast-rule';
import { parseChunk } from '../../../grammar/nft/parser';
import { byGrammar, ruleBody } from '../../../grammar/nft/rule';
import type { NftLine } from '../../../grammar/nft/syntax';
import { lineChunks } from '../../../grammar/shared/chunks';
import { kubeProxyNftRuleset } from '../../generators/kube-proxy-nft';
import { type Random, seeded } from '../../generators/trace-ruleset';
import { sharedAvailable, sharedDir } from '../../helpers/shared';
import { randomNftRuleset } from './random-nft';

function linesOf(text: string): NftLine[] {
  const out: NftLine[] = [];
  for (const chunk of lineChunks(text)) parseChunk(chunk, out);
  return out;
}

/** Checks every line with tokens; returns how many the fast reader took. */
function sameAsGrammar(t: ExecutionContext, text: string, where: string): number {
  let taken = 0;
  for (const l of linesOf(text)) {
    if (l.tokens.length === 0) continue;
    const { end, comment } = ruleBody(l.tokens);
    const fast = fastStatements(l.tokens, end);
    if (!fast) continue;
    taken++;
    const reference = byGrammar(l.tokens.slice(0, end), comment);
    t.is(reference.problem, undefined, `${where}:${l.line}: the grammar finds a problem in a line the fast path took`);
    t.deepEqual(fast, reference.stmts, `${where}:${l.line}`);
    t.is(JSON.stringify(fast), JSON.stringify(reference.stmts), `${where}:${l.line}: key order`);
  }
  return taken;
}

function kubeProxyListings(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const layout of ['v1.33', 'v1.34', '2026'] as const)
    for (const family of ['ipv4', 'ipv6'] as const)
      for (const nodePortAddresses of ['nodeIPs', 'all'] as const)
        out.push({
          name: `kube-proxy ${layout} ${family} ${nodePortAddresses}`,
          text: kubeProxyNftRuleset({
            services: 60,
            seed: 3,
            layout,
            family,
            nodePortAddresses,
            affinityClients: true,
            localDetector: nodePortAddresses === 'all' ? 'none' : 'podCIDR',
          }).text,
        });
  return out;
}

type Mutation = (words: string[], r: Random) => string[];
const at = (words: readonly string[], r: Random) => Math.floor(r() * words.length);
const insertAt = (w: string[], r: Random, x: string) => {
  const i = at(w, r);
  return [...w.slice(0, i), x, ...w.slice(i)];
};
/** Words that change what the words around them mean: operators, keywords, a set's and a map's punctuation. */
const TWISTS = [
  '.',
  ':',
  'map',
  'set',
  'vmap',
  '&',
  'or',
  '==',
  'mark',
  'ct',
  'meta',
  '{',
  '}',
  ',',
  '@s',
  'tcp',
  'dport',
  'offset',
  'to',
  'ip',
  'comment',
  '"x"',
  'timeout',
  'counter',
];
const MUTATIONS: readonly Mutation[] = [
  (w, r) => w.filter((_, i) => i !== at(w, r)),
  (w, r) => {
    const i = at(w, r);
    return [...w.slice(0, i + 1), ...w.slice(i)];
  },
  (w, r) => {
    const i = Math.max(1, at(w, r));
    const s = [...w];
    [s[i], s[i - 1]] = [s[i - 1]!, s[i]!];
    return s;
  },
  (w, r) => w.map((x, i) => (i === at(w, r) ? `"${x}"` : x)),
  (w, r) => insertAt(w, r, TWISTS[Math.floor(r() * TWISTS.length)]!),
  (w, r) => w.map((x, i) => (i === at(w, r) ? TWISTS[Math.floor(r() * TWISTS.length)]! : x)),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x} ` : x)),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `@${x}` : x)),
];

/** Each rule line of the text, mutated, as the lines of one chain. */
function mutated(text: string, r: Random, rounds: number): string {
  const rules = text.split('\n').filter((l) => /^\t\t[^\t]/.test(l));
  const out = ['table ip t {', '\tchain c {'];
  for (let k = 0; k < rounds; k++)
    for (const line of rules) {
      const words = line.trim().split(' ');
      out.push(`\t\t${MUTATIONS[Math.floor(r() * MUTATIONS.length)]!(words, r).join(' ')}`);
    }
  out.push('\t}', '}', '');
  return out.join('\n');
}

test("the fast path reads kube-proxy's rule lines as the grammar does, and most of them", (t) => {
  for (const { name, text } of kubeProxyListings()) {
    const rules = linesOf(text).filter((l) =>
      /^(ip6?|meta|numgen|jump|goto|update|fib) /.test(l.tokens.map((x) => x.text).join(' ')),
    );
    const taken = sameAsGrammar(t, text, name);
    // The 2026 layout marks for masquerading with `meta mark set meta mark | 0x4000`, which the grammar reads.
    if (!name.includes('2026'))
      t.true(taken >= rules.length * 0.9, `${name}: the fast path took ${taken} of ${rules.length} rule lines`);
    t.log(`${name}: ${taken} of ${rules.length}`);
  }
});

test('the fast path reads random rulesets as the grammar does', (t) => {
  for (let seed = 1; seed <= 150; seed++) sameAsGrammar(t, randomNftRuleset(seed), `random ${seed}`);
});

test('the fast path declines the lines it cannot read as the grammar does: mutated rule lines', (t) => {
  const r = seeded(30);
  for (const { name, text } of kubeProxyListings()) sameAsGrammar(t, mutated(text, r, 4), `mutated ${name}`);
  for (let seed = 1; seed <= 60; seed++)
    sameAsGrammar(t, mutated(randomNftRuleset(seed), r, 3), `mutated random ${seed}`);
});

(sharedAvailable ? test : test.skip)("the fast path reads ../shared's nft listings as the grammar does", (t) => {
  const r = seeded(31);
  let files = 0;
  for (const dir of ['realworld/nft', 'captures/nft'])
    for (const f of readdirSync(join(sharedDir, dir))) {
      if (!/\.(nft|txt)$/.test(f)) continue;
      const text = readFileSync(join(sharedDir, dir, f), 'utf8');
      sameAsGrammar(t, text, f);
      sameAsGrammar(t, mutated(text, r, 2), `mutated ${f}`);
      files++;
    }
  t.true(files >= 20, `found ${files} files`);
});
