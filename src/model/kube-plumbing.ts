/**
 * kube-proxy's nat plumbing, supplied where part of a ruleset was pasted (`iptables-save | grep kube-dns`,
 * `iptables -t nat -S KUBE-SVC-…`) and its chains are there but what ties them together is not: nat
 * PREROUTING and OUTPUT to KUBE-SERVICES, KUBE-SERVICES to each service chain (its rule is the service
 * chain's own masquerade rule for the cluster IP, as kube-proxy writes both) and to KUBE-NODEPORTS, a
 * KUBE-EXT chain to its service's KUBE-SVL or KUBE-SVC chain, an endpoint chain's DNAT from the comment that
 * names its endpoint, and the masquerade mark: KUBE-MARK-MASQ's
 * MARK rule, KUBE-POSTROUTING's MASQUERADE and POSTROUTING's jump to it. Each supplied rule says it was
 * assumed, so every path through it lists that; a whole dump gets none.
 */
import type { Match } from './match';
import { copiedWith, copiedWithout } from './read-located';
import type { Chain, Rule, Ruleset, Table } from './ruleset';
import type { Target } from './target';
import { KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_SERVICES, serviceChainName } from './kube-proxy-chains';

/** kube-proxy's default `--iptables-masquerade-bit` 14. */
const MASQ_MARK = 0x4000;

interface Supply {
  readonly chain: string;
  readonly rules: readonly Rule[];
  readonly at: 'start' | 'end';
}

const jump = (chain: string): Target => ({ kind: 'jump', chain, goto: false });
const jumpsTo = (chain: Chain | undefined, to: string) =>
  chain?.rules.some((r) => r.target?.kind === 'jump' && r.target.chain === to) ?? false;
const jumpedTo = (nat: Table, to: string) => nat.chains.some((c) => jumpsTo(c, to));

function assumedRule(nat: Table, target: Target, assumed: string, matches: readonly Match[] = [], base?: Entry): Rule {
  return base
    ? copiedWith(base as Rule, { index: 0, matches, target, assumed })
    : { index: 0, matches, target, location: nat.location, assumed };
}

/** A rule's fields but those an assumed jump sets. */
type Entry = Omit<Rule, 'source' | 'target' | 'assumed'>;

const assumedJump = (nat: Table, from: string, to: string, matches: readonly Match[] = [], base?: Entry) =>
  assumedRule(
    nat,
    jump(to),
    `the paste does not show kube-proxy's jump from nat ${from} to ${to}; assumed to be there, as kube-proxy writes it`,
    matches,
    base,
  );

/** KUBE-SERVICES' rule for a service chain nothing jumps to: its cluster-IP masquerade rule, jumping to the chain. */
function serviceEntries(nat: Table): Rule[] {
  return nat.chains.flatMap((c) => {
    if (!c.name.startsWith(serviceChainName('SVC', '')) || jumpedTo(nat, c.name)) return [];
    const masq = c.rules.find(
      (r) => r.target?.kind === 'jump' && r.target.chain === KUBE_MARK_MASQ && r.destination && !r.destination.negated,
    );
    if (!masq) return [];
    const entry = copiedWithout(masq, ['source', 'target', 'assumed']);
    return [assumedJump(nat, KUBE_SERVICES, c.name, entry.matches, entry)];
  });
}

function entryJumps(nat: Table, byName: ReadonlyMap<string, Chain>): Supply[] {
  const out: Supply[] = [];
  const services = byName.get(KUBE_SERVICES);
  const entries = serviceEntries(nat);
  if (entries.length > 0) out.push({ chain: KUBE_SERVICES, rules: entries, at: 'start' });
  if (services || entries.length > 0) {
    for (const hook of ['PREROUTING', 'OUTPUT'])
      if (!jumpsTo(byName.get(hook), KUBE_SERVICES))
        out.push({ chain: hook, rules: [assumedJump(nat, hook, KUBE_SERVICES)], at: 'end' });
  }
  if ((byName.get(KUBE_NODEPORTS)?.rules.length ?? 0) > 0 && !jumpsTo(services, KUBE_NODEPORTS)) {
    const local: Match = { module: 'addrtype', dstType: { negated: false, value: ['LOCAL'] } };
    out.push({
      chain: KUBE_SERVICES,
      rules: [assumedJump(nat, KUBE_SERVICES, KUBE_NODEPORTS, [local])],
      at: 'end',
    });
  }
  // An external entry chain ends in its service chain with an uncommented jump, which a grep for the service drops.
  for (const ext of nat.chains) {
    const hash = /^KUBE-EXT-(.+)$/.exec(ext.name)?.[1];
    if (!hash) continue;
    const to = [serviceChainName('SVL', hash), serviceChainName('SVC', hash)].find((c) => byName.has(c));
    if (to && !jumpsTo(ext, to)) out.push({ chain: ext.name, rules: [assumedJump(nat, ext.name, to)], at: 'end' });
  }
  return out;
}

/** kube-proxy's comment on a service chain's jump to an endpoint chain: `ns/svc:port -> 10.244.1.5:8080`. */
const ENDPOINT_COMMENT = /^\S+ -> (?:\[([0-9a-fA-F:.]+)\]|(\d+\.\d+\.\d+\.\d+)):(\d+)$/;

/**
 * The DNAT of an endpoint chain the paste does not show (`iptables -S KUBE-SVC-…` alone), from the comment of the
 * service chain's rule that jumps to it: kube-proxy names the endpoint there. Its hairpin masquerade rule (for the
 * endpoint's own connections to the service) is not supplied.
 */
function endpointChains(nat: Table, family: Ruleset['family'], byName: ReadonlyMap<string, Chain>): Supply[] {
  const out = new Map<string, Supply>();
  for (const c of nat.chains) {
    if (!/^KUBE-SV[CL]-/.test(c.name)) continue;
    for (const r of c.rules) {
      const to = r.target?.kind === 'jump' ? r.target.chain : undefined;
      if (!to?.startsWith(serviceChainName('SEP', '')) || (byName.get(to)?.rules.length ?? 0) > 0 || out.has(to))
        continue;
      const comment = r.matches.find((m) => m.module === 'comment')?.comment;
      const endpoint = comment === undefined ? null : ENDPOINT_COMMENT.exec(comment);
      if (!endpoint) continue;
      const address = (endpoint[1] ?? endpoint[2])!;
      if (address.includes(':') !== (family === 'ipv6')) continue;
      const port = Number(endpoint[3]);
      const dnat: Target = {
        kind: 'DNAT',
        toDestination: [{ family, addresses: { from: address, to: address }, ports: { from: port, to: port } }],
      };
      const why = `the paste does not show ${to}; assumed kube-proxy's DNAT to ${endpoint[1] ? `[${address}]` : address}:${port}, the endpoint the comment of ${c.name} rule ${r.index} names`;
      out.set(to, { chain: to, rules: [assumedRule(nat, dnat, why)], at: 'end' });
    }
  }
  return [...out.values()];
}

/** The masquerade mark, where rules jump to KUBE-MARK-MASQ but the paste does not show what it and KUBE-POSTROUTING do. */
function masqueradeMark(nat: Table, byName: ReadonlyMap<string, Chain>): Supply[] {
  if (!jumpedTo(nat, KUBE_MARK_MASQ)) return [];
  const out: Supply[] = [];
  const mark = { value: MASQ_MARK, mask: MASQ_MARK };
  if (!byName.get(KUBE_MARK_MASQ)?.rules.some((r) => r.target?.kind === 'MARK')) {
    const why = `the paste does not show KUBE-MARK-MASQ's rule; assumed kube-proxy's default, -j MARK --set-xmark 0x4000/0x4000`;
    out.push({ chain: KUBE_MARK_MASQ, rules: [assumedRule(nat, { kind: 'MARK', xmark: mark }, why)], at: 'end' });
  }
  if (!byName.get(KUBE_POSTROUTING)?.rules.some((r) => r.target?.kind === 'MASQUERADE')) {
    const why =
      "the paste does not show KUBE-POSTROUTING's rules; assumed kube-proxy's: packets marked 0x4000 are masqueraded";
    const unmarked: Match = { module: 'mark', mark: { negated: true, value: mark } };
    const rules = [
      assumedRule(nat, { kind: 'RETURN' }, why, [unmarked]),
      assumedRule(nat, { kind: 'MARK', xmark: { value: MASQ_MARK, mask: 0 } }, why),
      assumedRule(nat, { kind: 'MASQUERADE' }, why),
    ];
    out.push({ chain: KUBE_POSTROUTING, rules, at: 'end' });
  }
  if (!jumpsTo(byName.get('POSTROUTING'), KUBE_POSTROUTING))
    out.push({ chain: 'POSTROUTING', rules: [assumedJump(nat, 'POSTROUTING', KUBE_POSTROUTING)], at: 'end' });
  return out;
}

const numbered = (rules: readonly Rule[]) =>
  rules.map((r, i) => (r.index === i + 1 ? r : copiedWith(r, { index: i + 1 })));

function supplied(nat: Table, supplies: readonly Supply[]): Table {
  const chains = new Map(nat.chains.map((c) => [c.name, c]));
  for (const s of supplies) {
    const chain = chains.get(s.chain) ?? {
      name: s.chain,
      builtin: false,
      policy: null,
      rules: [],
      location: nat.location,
    };
    chains.set(
      s.chain,
      copiedWith(chain, {
        rules: numbered(s.at === 'start' ? [...s.rules, ...chain.rules] : [...chain.rules, ...s.rules]),
      }),
    );
  }
  return { ...nat, chains: [...chains.values()] };
}

/** The ruleset with the kube-proxy plumbing its nat table does not show supplied (see above). */
export function withKubePlumbing(ruleset: Ruleset): Ruleset {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  if (!nat) return ruleset;
  const byName = new Map(nat.chains.map((c) => [c.name, c]));
  const supplies = [
    ...entryJumps(nat, byName),
    ...endpointChains(nat, ruleset.family, byName),
    ...masqueradeMark(nat, byName),
  ];
  if (supplies.length === 0) return ruleset;
  const completed = supplied(nat, supplies);
  return { ...ruleset, tables: ruleset.tables.map((t) => (t === nat ? completed : t)) };
}
