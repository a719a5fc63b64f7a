/**
 * The chain call graph as a flowchart: a subgraph per table, built-in chains as stadiums with their
 * policy, folded families as rounded boxes with how many chains and rules they hold, and on each edge
 * how many rules jump (or go) along it when more than one does.
 */
import type { ChainCall, ChainCallGraph, ChainGroup } from '../../analyses/chains/index';
import type { Flowchart, FlowNode, Subgraph } from './flowchart';
import { NodeIds } from './ids';
import { VERDICT_CLASSES, counted } from './style';

function groupLabel(g: ChainGroup): string {
  if (g.policy) return `${g.name}\npolicy ${g.policy}, ${counted(g.rules, 'rule')}`;
  if (g.chains > 1) return `${g.name}\n${counted(g.chains, 'chain')}, ${counted(g.rules, 'rule')}`;
  return `${g.name}${g.comment ? `\n${g.comment}` : ''}\n${counted(g.rules, 'rule')}`;
}

function callLabel(c: ChainCall): string {
  const parts = [
    ...(c.jumps > 1 ? [counted(c.jumps, 'jump')] : []),
    ...(c.gotos === 1 && c.jumps === 0 ? ['goto'] : c.gotos > 0 ? [counted(c.gotos, 'goto')] : []),
  ];
  return parts.join(', ');
}

export function chainsFlowchart(g: ChainCallGraph): Flowchart {
  const ids = new NodeIds();
  const idOf = new Map(g.groups.map((x) => [x.key, ids.id('c', x.key)]));
  const nodes: FlowNode[] = g.groups.map((x) => ({
    id: idOf.get(x.key) as string,
    label: groupLabel(x),
    shape: x.policy ? 'stadium' : x.chains > 1 ? 'rounded' : 'box',
    ...(x.policy?.toUpperCase() === 'DROP' ? { className: 'dropped' } : {}),
  }));
  const tables = [...new Set(g.groups.map((x) => x.table))];
  const subgraphs: Subgraph[] =
    tables.length > 1
      ? tables.map((t) => ({
          id: ids.id('t', t),
          label: t,
          nodes: g.groups.filter((x) => x.table === t).map((x) => idOf.get(x.key) as string),
        }))
      : [];
  return {
    direction: 'LR',
    nodes,
    edges: g.calls.map((c) => ({
      from: idOf.get(c.from) as string,
      to: idOf.get(c.to) as string,
      label: callLabel(c),
      ...(c.gotos > 0 && c.jumps === 0 ? { line: 'dashed' as const } : {}),
    })),
    subgraphs,
    classes: { dropped: VERDICT_CLASSES.dropped },
  };
}
