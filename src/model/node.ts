/**
 * One node's dumps gathered together: what the analyses of that node read. Sections are grouped by the
 * node their input belongs to (bundle layout, else the input's name); within a node, later dumps of the
 * same kind add to earlier ones, so a node's v4 and v6 rulesets or several `ip route` tables all count.
 */
import type { IpInterface, Route } from './ip';
import type { IpSet } from './ipset';
import type { Ruleset } from './ruleset';
import { type RulesetSection, type Section, isRulesetSection } from './section';
import { groupBy } from './group-by';

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
  return [...groupBy(sections, (s) => s.source.node)].map(([name, list]) => nodeOf(name, list));
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

/** A node named after its own single file (or stdin): loose dumps given one by one, not a bundle's node. */
function isLoose(node: NodeDumps): boolean {
  const paths = new Set(node.sections.map((s) => s.source.path));
  const [path] = paths;
  return paths.size === 1 && (node.name === 'stdin' || path!.split('/').at(-1) === node.name);
}

/** Dumps that one node has at most one of: two of them in loose files mean the files are different nodes. */
function exclusiveKinds(node: NodeDumps): string[] {
  return [...new Set([...node.rulesets.map((r) => r.ruleset.family), ...node.sections.filter((s) => s.kind === 'ipvsadm' && s.services.length > 0).map(() => 'ipvs')])];
}

/**
 * The nodes of a set of inputs: bundles and directories name theirs; loose files given one by one (a
 * ruleset, its `ip addr`, its `ipset`) are one node's dumps, named after the file with the ruleset,
 * unless two of them hold the same kind of ruleset or IPVS table: then each file is a node of its own.
 */
export function nodesOfInputs(sections: readonly Section[]): NodeDumps[] {
  const nodes = nodesOf(sections);
  const loose = nodes.filter(isLoose);
  const kinds = loose.flatMap(exclusiveKinds);
  if (loose.length < 2 || new Set(kinds).size < kinds.length) return nodes;
  const named = loose.find((n) => exclusiveKinds(n).length > 0) ?? loose[0]!;
  const merged = nodeOf(named.name, loose.flatMap((n) => n.sections));
  return [...nodes.filter((n) => !loose.includes(n)), merged];
}
