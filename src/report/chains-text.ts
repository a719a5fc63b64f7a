/**
 * The chain call graph as an outline: each group with its size, and under it the groups it calls; then what the
 * dumps did not show, when they are partial (a chain drawn empty or without a jump may have them there).
 */
import type { ChainCallGraph } from '../analyses/chains/index';
import type { Finding } from '../analyses/finding';
import { formatFindings } from './findings-text';
import { counted } from './mermaid/style';

export function formatChains(g: ChainCallGraph, node: string, reading: readonly Finding[] = []): string {
  const scope = g.from ? `reachable from ${g.from}` : `${counted(g.chains, 'chain')}`;
  const folded = g.folded > 0 ? `, ${counted(g.folded, 'family', 'families')} of alike-named chains folded` : '';
  const lines = [
    `chains on ${node} (${g.family ?? g.format}): ${scope} in ${counted(g.groups.length, 'group')}${folded}`,
    '',
  ];
  const out = new Map<string, string[]>();
  const nameOf = new Map(g.groups.map((x) => [x.key, x.name]));
  for (const c of g.calls) {
    const how = [...(c.jumps ? [counted(c.jumps, 'jump')] : []), ...(c.gotos ? [counted(c.gotos, 'goto')] : [])].join(
      ', ',
    );
    out.set(c.from, [...(out.get(c.from) ?? []), `    → ${nameOf.get(c.to) ?? c.to} (${how})`]);
  }
  for (const group of g.groups) {
    const size = [
      ...(group.chains > 1 ? [counted(group.chains, 'chain')] : []),
      ...(group.policy ? [`policy ${group.policy}`] : []),
      counted(group.rules, 'rule'),
    ].join(', ');
    lines.push(
      `  ${group.table.padEnd(8)} ${group.name} (${size})${group.comment ? ` "${group.comment}"` : ''}`,
      ...(out.get(group.key) ?? []),
    );
  }
  return `${lines.join('\n')}\n${reading.length ? `\n${formatFindings(reading)}` : ''}`;
}
