/**
 * One node's dumps gathered together: what the analyses of that node read. Sections are grouped by the
 * node their input belongs to (bundle layout, else the input's name); within a node, later dumps of the
 * same kind add to earlier ones, so a node's v4 and v6 rulesets or several `ip route` tables all count.
 */
import { type ConntrackSection, conntrackTable } from './conntrack-table';
import type { IpInterface, Route } from './ip';
import type { IpSet } from './ipset';
import { backendOf } from './node-backend';
import type { Ruleset } from './ruleset';
import { richestViews } from './ruleset-views';
import { type ForeignDump, type RulesetSection, type Section, isRulesetSection } from './section';
import { groupBy } from './group-by';
import { gapsOf, inShownTables } from './gaps';
import { joinHeaderless } from './headerless';
import { withKubePlumbing } from './kube-plumbing';
import { KUBE_SERVICES } from './kube-proxy-chains';

export interface NodeDumps {
  readonly name: string;
  readonly rulesets: readonly RulesetSection[];
  readonly interfaces: readonly IpInterface[];
  readonly routes: readonly Route[];
  readonly sets: ReadonlyMap<string, IpSet>;
  readonly sysctl: ReadonlyMap<string, string>;
  /** Its conntrack listings, each entry once however many listings show it (conntrack-table.ts). */
  readonly conntrack: readonly ConntrackSection[];
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
    else if (s.kind === 'ipset')
      for (const set of s.sets) sets.set(set.name, s.source.partial ? { ...set, partial: true } : set);
    else if (s.kind === 'sysctl') for (const e of s.entries) sysctl.set(e.key, e.value);
  }
  return {
    name,
    rulesets: joinHeaderless(richestViews(sections.filter(isRulesetSection))).map(withPlumbingIfPartial),
    interfaces,
    routes,
    sets,
    sysctl,
    conntrack: conntrackTable(sections),
    sections,
  };
}

/** Part of a ruleset is walked with the kube-proxy plumbing it does not show, each rule marked as assumed. */
const withPlumbingIfPartial = (r: RulesetSection): RulesetSection =>
  gapsOf(r).some(inShownTables) ? { ...r, ruleset: withKubePlumbing(r.ruleset) } : r;

/** iptables' warning that legacy tables exist is answered when a legacy dump of its family is among the rulesets. */
export function legacyTablesShown(dump: ForeignDump, rulesets: readonly RulesetSection[]): boolean {
  const family = dump === 'iptables-legacy' ? 'ipv4' : dump === 'ip6tables-legacy' ? 'ipv6' : undefined;
  return family !== undefined && rulesets.some((r) => r.ruleset.family === family && backendOf(r) === 'legacy');
}

/** Tables without a rule that accept everything: such a backend changes no packet. */
const inert = (r: RulesetSection) =>
  r.ruleset.tables.every((t) => t.chains.every((c) => c.rules.length === 0 && c.policy !== 'DROP'));

const holdsKubeProxy = (r: RulesetSection) =>
  r.ruleset.tables.some((t) => t.name === 'nat' && t.chains.some((c) => c.name === KUBE_SERVICES));

/**
 * The rulesets of one family the kernel runs. Dumps of one backend replace each other: the last is the
 * latest state. A legacy and an nft dump are both live, since the kernel runs x_tables and nf_tables tables
 * side by side (formats.md §1.6), unless one of them holds no rule and accepts everything (the tables a
 * module load leaves behind). Of two tables at one priority the kernel runs the one registered last
 * first (nf_hook_entries_grow), which no dump records: kube-proxy's backend comes first, as kube-proxy
 * usually makes its tables after the host's firewall has made its own at boot.
 */
export function rulesetsOf(node: NodeDumps, family: Ruleset['family']): readonly RulesetSection[] {
  const ofFamily = node.rulesets.filter((r) => r.ruleset.family === family);
  const legacy = ofFamily.filter((r) => backendOf(r) === 'legacy').at(-1);
  const nft = ofFamily.filter((r) => backendOf(r) === 'nft').at(-1);
  if (!legacy || !nft) return ofFamily.slice(-1);
  if (inert(legacy) || inert(nft)) return [inert(legacy) ? nft : legacy];
  return holdsKubeProxy(nft) && !holdsKubeProxy(legacy) ? [nft, legacy] : [legacy, nft];
}

/**
 * The one node of the inputs: loose files merge as in `nodesOfInputs`, and when one node has rulesets the
 * other dumps are its too. Undefined when several nodes have rulesets.
 */
export function singleNode(sections: readonly Section[]): NodeDumps | undefined {
  const nodes = nodesOfInputs(sections);
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

/**
 * Dumps that one node has at most one of: two of them in loose files mean the files are different nodes.
 * A node has a ruleset per family and backend (one of no known backend could be either), and its IPVS
 * table once per listing: `ipvsadm -Ln` and `/proc/net/ip_vs` are two views of one table.
 */
function exclusiveKinds(node: NodeDumps): string[] {
  const rulesets = node.rulesets.flatMap((r) => {
    const backend = backendOf(r);
    return backend ? [`${r.ruleset.family} ${backend}`] : [`${r.ruleset.family} legacy`, `${r.ruleset.family} nft`];
  });
  const ipvs = node.sections.flatMap((s) =>
    s.kind === 'ipvsadm' && s.services.length > 0 ? [`ipvs ${s.listing}`] : [],
  );
  return [...new Set([...rulesets, ...ipvs])];
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
  const merged = nodeOf(
    named.name,
    loose.flatMap((n) => n.sections),
  );
  return [...nodes.filter((n) => !loose.includes(n)), merged];
}
