/**
 * The flow key reads the rules of the chains a new connection can pass before DNAT: raw, mangle and nat from
 * PREROUTING and OUTPUT, and every chain they reach by jumps and gotos. It finds them from the walk's chain index;
 * here each chain of random jump graphs tests a source prefix of its own, so the key's source spans name exactly
 * the chains the rule graph (graphology) reaches from those hooks.
 */
import test from 'ava';
import { flowKeyOf } from '../../../src/analyses/stale/flow-key';
import { nodeContexts } from '../../../src/analyses/node/index';
import { reachableChains } from '../../../src/graph/chain-graph';
import { chainKey, ruleGraphOf } from '../../../src/graph/rule-graph';
import { SMALL_NODE } from '../../helpers/small-node';
import { nodesOfText } from '../../helpers/sections';
import { seeded } from '../../generators/trace-ruleset';

const TABLES = ['raw', 'mangle', 'nat', 'filter'] as const;
const HOOKS: Record<(typeof TABLES)[number], readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** A dump whose every chain tests a source prefix of its own (10.<n>.0.0/16), with random jumps between chains. */
function randomDump(random: () => number): { text: string; prefixOf: Map<string, string> } {
  const prefixOf = new Map<string, string>();
  const lines: string[] = [];
  for (const table of TABLES) {
    const own = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => `C${i}`);
    lines.push(`*${table}`, ...HOOKS[table].map((h) => `:${h} ACCEPT [0:0]`), ...own.map((c) => `:${c} - [0:0]`));
    for (const chain of [...HOOKS[table], ...own]) {
      const prefix = `10.${prefixOf.size}.0.0/16`;
      prefixOf.set(chainKey(table, chain), prefix);
      lines.push(`-A ${chain} -s ${prefix} -j ACCEPT`);
      for (let j = Math.floor(random() * 3); j > 0; j--) {
        const to = own[Math.floor(random() * own.length)]!;
        lines.push(`-A ${chain} -p tcp ${random() < 0.3 ? '-g' : '-j'} ${to}`);
      }
    }
    lines.push('COMMIT');
  }
  return { text: lines.join('\n'), prefixOf };
}

test('the flow key tests the rules of exactly the chains the rule graph reaches from the NAT-deciding hooks', (t) => {
  const random = seeded(7);
  for (let run = 0; run < 40; run++) {
    const { text, prefixOf } = randomDump(random);
    const [node] = nodesOfText(`${SMALL_NODE}\nroot@n1:~# iptables-save\n${text}\n`);
    const tracer = nodeContexts(node!, []).find((c) => c.family === 'ipv4')!.tracer!;
    const ruleset = tracer.rulesets[0]!;
    const graph = ruleGraphOf(ruleset);
    const hooks = ['raw', 'mangle', 'nat']
      .flatMap((table) => ['PREROUTING', 'OUTPUT'].map((hook) => chainKey(table as 'nat', hook)))
      .filter((k) => graph.hasNode(k));
    const expected = [...reachableChains(graph, hooks)].map((k) => prefixOf.get(k)!).sort();
    const key = flowKeyOf(tracer.rulesets, tracer.network);
    const spans = (key.sourceSpans ?? []).map((s) => {
      const v = Number(s.from);
      return `${v >>> 24}.${(v >>> 16) & 255}.0.0/16`;
    });
    t.deepEqual([...new Set(spans)].sort(), expected, `run ${run}:\n${text}`);
  }
});
