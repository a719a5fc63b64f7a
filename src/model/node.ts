/**
 * One node's dumps gathered together: what the analyses of that node read. Sections are grouped by the
 * node their input belongs to (bundle layout, else the input's name); within a node, later dumps of the
 * same kind add to earlier ones, so a node's v4 and v6 rulesets or several `ip route` tables all count.
 */
import type { IpInterface, Route } from './ip';
import type { IpSet } from './ipset';
import type { Ruleset } from './ruleset';
import { type RulesetSection, type Section, isRulesetSection } from './section';

export interface NodeDumps {
  readonly name: string;
  readonly rulesets: readonly RulesetSection[];
  readonly interfaces: readonly IpInterface[];
  readonly routes: readonly Route[];
  readonly sets: ReadonlyMap<string, IpSet>;
  readonly sysctl: ReadonlyMap<string, string>;
  readonly sections: readonly Section[];
}

export function nodesOf(sections: readonly Section[]): NodeDumps[] {
  const byName = new Map<string, Section[]>();
  for (const s of sections) {
    const list = byName.get(s.source.node);
    if (list) list.push(s);
    else byName.set(s.source.node, [s]);
  }
  return [...byName].map(([name, list]) => nodeOf(name, list));
}

function nodeOf(name: string, sections: readonly Section[]): NodeDumps {
  const interfaces: IpInterface[] = [];
  const routes: Route[] = [];
  const sets = new Map<string, IpSet>();
  const sysctl = new Map<string, string>();
  for (const s of sections) {
    if (s.kind === 'ip-addr') interfaces.push(...s.interfaces);
    else if (s.kind === 'ip-route') routes.push(...s.routes);
    else if (s.kind === 'ipset') for (const set of s.sets) sets.set(set.name, set);
    else if (s.kind === 'sysctl') for (const e of s.entries) sysctl.set(e.key, e.value);
  }
  return { name, rulesets: sections.filter(isRulesetSection), interfaces, routes, sets, sysctl, sections };
}

/** The node's ruleset of one family: the last dump of that family wins, as the latest state. */
export function rulesetOf(node: NodeDumps, family: Ruleset['family']): RulesetSection | undefined {
  return node.rulesets.filter((r) => r.ruleset.family === family).at(-1);
}

/**
 * Loose files given together (a ruleset, an `ip addr`, an `ip route`) are one node's dumps unless two of
 * them are rulesets of different nodes: then the node is undetermined and undefined is returned.
 */
export function singleNode(sections: readonly Section[]): NodeDumps | undefined {
  const nodes = nodesOf(sections);
  const withRules = nodes.filter((n) => n.rulesets.length > 0);
  if (withRules.length > 1) return undefined;
  return nodeOf((withRules[0] ?? nodes[0])?.name ?? '', sections);
}
