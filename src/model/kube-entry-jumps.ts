/**
 * kube-proxy's entry jumps, supplied where part of a ruleset was pasted (`iptables-save | grep kube-dns`,
 * `iptables -t nat -S KUBE-SVC-…`) and its chains are there but the jumps into them are not: nat PREROUTING
 * and OUTPUT to KUBE-SERVICES, KUBE-SERVICES to each service chain (its rule is the service chain's own
 * masquerade rule for the cluster IP, as kube-proxy writes both), KUBE-SERVICES to KUBE-NODEPORTS, and
 * POSTROUTING to KUBE-POSTROUTING. Each supplied rule says it was assumed, so every path through it lists
 * that; a whole dump gets none.
 */
import type { Match } from './match';
import type { Chain, Rule, Ruleset, Table } from './ruleset';

const assumption = (from: string, to: string) => `the paste does not show kube-proxy's jump from nat ${from} to ${to}; assumed to be there, as kube-proxy writes it`;

const jumpsTo = (chain: Chain | undefined, to: string) => chain?.rules.some((r) => r.target?.kind === 'jump' && r.target.chain === to) ?? false;

/** A supplied jump from chain `from` (where the dump's `at` stands for its place) to `to`; `base` gives its matches. */
function jumpRule(from: string, at: Table | Chain, to: string, matches: readonly Match[] = [], base: Partial<Rule> = {}): Rule {
  return { ...base, index: 0, matches, target: { kind: 'jump', chain: to, goto: false }, location: base.location ?? at.location, assumed: assumption(from, to) };
}

/** KUBE-SERVICES' rule for a service chain nothing jumps to: its cluster-IP masquerade rule, jumping to the chain. */
function serviceEntries(nat: Table, services: Chain | undefined): Rule[] {
  const entered = new Set(nat.chains.flatMap((c) => c.rules.flatMap((r) => (r.target?.kind === 'jump' ? [r.target.chain] : []))));
  return nat.chains.flatMap((c) => {
    if (!c.name.startsWith('KUBE-SVC-') || entered.has(c.name)) return [];
    const masq = c.rules.find((r) => r.target?.kind === 'jump' && r.target.chain === 'KUBE-MARK-MASQ' && r.destination && !r.destination.negated);
    if (!masq) return [];
    const { source: _clients, target: _mark, assumed: _a, ...entry } = masq;
    return [jumpRule('KUBE-SERVICES', c, c.name, entry.matches, entry)];
  });
}

function completeNat(nat: Table): Table {
  const byName = new Map(nat.chains.map((c) => [c.name, c]));
  const services = byName.get('KUBE-SERVICES');
  const entries = serviceEntries(nat, services);
  const added = new Map<string, Rule[]>();
  const add = (from: string, to: string) => {
    const chain = byName.get(from);
    if (chain && !jumpsTo(chain, to)) added.set(from, [...(added.get(from) ?? []), jumpRule(from, chain, to)]);
  };
  if (services || entries.length > 0) for (const hook of ['PREROUTING', 'OUTPUT']) add(hook, 'KUBE-SERVICES');
  if (byName.has('KUBE-POSTROUTING')) add('POSTROUTING', 'KUBE-POSTROUTING');
  const nodePorts = byName.get('KUBE-NODEPORTS');
  const toNodePorts = nodePorts && nodePorts.rules.length > 0 && !jumpsTo(services, 'KUBE-NODEPORTS');
  if (added.size === 0 && entries.length === 0 && !toNodePorts) return nat;
  const local: Match = { module: 'addrtype', dstType: { negated: false, value: ['LOCAL'] } };
  const servicesRules = (c: Chain | undefined): Rule[] => [
    ...entries,
    ...(c?.rules ?? []),
    ...(toNodePorts ? [jumpRule('KUBE-SERVICES', c ?? nat, 'KUBE-NODEPORTS', [local])] : []),
  ];
  const numbered = (rules: readonly Rule[]) => rules.map((r, i) => (r.index === i + 1 ? r : { ...r, index: i + 1 }));
  const chains = nat.chains.map((c) => {
    if (c === services) return { ...c, rules: numbered(servicesRules(c)) };
    const more = added.get(c.name);
    return more ? { ...c, rules: numbered([...c.rules, ...more]) } : c;
  });
  if (!services && (entries.length > 0 || toNodePorts)) {
    chains.push({ name: 'KUBE-SERVICES', builtin: false, policy: null, rules: numbered(servicesRules(undefined)), location: nat.location });
  }
  return { ...nat, chains };
}

/** The ruleset with kube-proxy's missing entry jumps supplied in its nat table (see above). */
export function withKubeEntryJumps(ruleset: Ruleset): Ruleset {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  if (!nat) return ruleset;
  const completed = completeNat(nat);
  return completed === nat ? ruleset : { ...ruleset, tables: ruleset.tables.map((t) => (t === nat ? completed : t)) };
}
