/**
 * Rules that cannot do anything: ones an earlier rule of the same chain always decides first, exact
 * duplicates, and (in `iptables-save -c` dumps) rules that never matched since the counters were zeroed.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import type { Chain, Rule, Ruleset } from '../../model/ruleset';
import type { Finding } from '../finding';
import { pinnedHost, pinnedPort } from '../pinned';
import { covers, decides, mayBeSame, repeatable, ruleKey } from './coverage';
import { groupBy } from '../../model/group-by';

/** Evidence lines listed per finding; the message gives the count. */
const EVIDENCE = 20;

/** Shorter chains are compared rule by rule: keying their rules by host costs more than it saves. */
const INDEX_FROM = 64;

interface Buckets {
  /** The rule's own: destination host, source host, port. */
  readonly hosts: string;
  readonly port: string;
  /** Host keys of the rules that can cover it: its own hosts or none, in each place. */
  readonly coveringHosts: readonly string[];
}

/** The keys of what a rule pins ('' where it pins nothing): its hosts and its port. */
function bucketsOf(r: Rule): Buckets {
  const [dst, src] = [pinnedHost(r.destination)?.toString() ?? '', pinnedHost(r.source)?.toString() ?? ''];
  const port = pinnedPort(r);
  return {
    hosts: `${dst} ${src}`,
    port: port ? `${port.module} ${port.port}` : '',
    coveringHosts: [...new Set([`${dst} ${src}`, `${dst} `, ` ${src}`, ' '])],
  };
}

/**
 * The earlier rules of a long chain, kept by what decides whether one can cover another (coverage.ts). A rule
 * naming a host can only be covered or repeated by rules naming the same host or none; one whose only
 * tcp/udp/sctp match names a single destination port, only by rules naming that port with that module or
 * none; a rule without such a port, by rules with any. That keeps kube-proxy's 10,000-rule KUBE-SERVICES (one
 * destination each), firewalls with rules per source host and long lists of ports linear.
 */
class EarlierRules {
  private readonly byHosts = new Map<string, Map<string, Rule[]>>();

  /** The earlier rules that can cover a rule with these buckets, in chain order. */
  before(at: Buckets): readonly Rule[] {
    const lists: (readonly Rule[])[] = [];
    for (const hosts of at.coveringHosts) {
      const byPort = this.byHosts.get(hosts);
      if (!byPort) continue;
      if (at.port === '') lists.push(...byPort.values());
      else lists.push(byPort.get(at.port) ?? [], byPort.get('') ?? []);
    }
    const full = lists.filter((l) => l.length > 0);
    return full.length === 1 ? full[0]! : full.flat().sort((x, y) => x.index - y.index);
  }

  add(r: Rule, at: Buckets): void {
    let byPort = this.byHosts.get(at.hosts);
    if (!byPort) this.byHosts.set(at.hosts, (byPort = new Map()));
    const list = byPort.get(at.port);
    if (list) list.push(r);
    else byPort.set(at.port, [r]);
  }
}

/** The earlier rule that makes each rule dead (covers it and decides), or that it repeats. */
function deadRules(chain: Chain, family: Ruleset['family']): { rule: Rule; by: Rule; duplicate: boolean }[] {
  const printed = (r: Rule) => printRule(chain, r, family);
  const keys = new Map<Rule, string>();
  const key = (r: Rule) => {
    let k = keys.get(r);
    if (k === undefined) keys.set(r, (k = ruleKey(r, printed)));
    return k;
  };
  const out: { rule: Rule; by: Rule; duplicate: boolean }[] = [];
  const earlierRules = chain.rules.length >= INDEX_FROM ? new EarlierRules() : undefined;
  for (const b of chain.rules) {
    const at = earlierRules ? bucketsOf(b) : undefined;
    const earlier = earlierRules && at ? earlierRules.before(at) : chain.rules.slice(0, b.index - 1);
    for (const a of earlier) {
      if (repeatable(b) && mayBeSame(a, b) && key(a) === key(b)) {
        out.push({ rule: b, by: a, duplicate: true });
        break;
      }
      if (decides(a) && covers(a, b, family)) {
        out.push({ rule: b, by: a, duplicate: false });
        break;
      }
    }
    if (earlierRules && at) earlierRules.add(b, at);
  }
  return out;
}

const ref = (r: Rule) => r.location;

export function ruleFindings(node: string, ruleset: Ruleset): Finding[] {
  const findings: Finding[] = [];
  const counted = ruleset.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.counters)));
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      for (const [by, list] of groupBy(deadRules(chain, ruleset.family), (d) => d.by)) {
        const dups = list.filter((d) => d.duplicate);
        const shadowed = list.filter((d) => !d.duplicate);
        const where = `${table.name} ${chain.name}`;
        if (dups.length) {
          findings.push({
            code: 'LINT_DUPLICATE_RULE',
            severity: 'warning',
            node,
            subject: where,
            message: `rule ${dups.map((d) => d.rule.index).join(', ')} of ${where} ${dups.length === 1 ? 'repeats' : 'repeat'} rule ${by.index} exactly${decides(by) ? ', which always decides first: ' + (dups.length === 1 ? 'it never matches' : 'they never match') : ': the same work is done twice'}`,
            evidence: [ref(by), ...dups.slice(0, EVIDENCE).map((d) => ref(d.rule))],
            remedy: `delete the repeated rule${dups.length === 1 ? '' : 's'} (iptables -t ${table.name} -D ${chain.name} ${dups[0]!.rule.index}); if a controller writes them, it adds rules without checking for its own`,
          });
        }
        if (shadowed.length) {
          findings.push({
            code: 'LINT_UNREACHABLE_RULE',
            severity: 'warning',
            node,
            subject: where,
            message: `rule ${by.index} of ${where} matches every packet that rule${shadowed.length === 1 ? '' : 's'} ${shadowed.map((d) => d.rule.index).join(', ')} ${shadowed.length === 1 ? 'matches' : 'match'} and decides (${by.target?.kind === 'jump' ? `-g ${by.target.chain}` : by.target?.kind}) first: ${shadowed.length === 1 ? 'it can' : 'they can'} never match`,
            evidence: [ref(by), ...shadowed.slice(0, EVIDENCE).map((d) => ref(d.rule))],
            remedy: `move the narrower rule${shadowed.length === 1 ? '' : 's'} above rule ${by.index}, or delete ${shadowed.length === 1 ? 'it' : 'them'} if the broad rule is what was meant`,
          });
        }
      }
    }
  }
  if (counted) findings.push(...zeroCounterFindings(node, ruleset));
  return findings;
}

/** Per table: rules with `[0:0]` in a dump whose counters are on. Info only: an idle service has them too. */
function zeroCounterFindings(node: string, ruleset: Ruleset): Finding[] {
  return ruleset.tables.flatMap((table) => {
    const all = table.chains.flatMap((c) => c.rules);
    const zero = all.filter((r) => r.counters && r.counters.packets === 0n);
    if (!zero.length) return [];
    return [
      {
        code: 'LINT_ZERO_COUNTERS',
        severity: 'info' as const,
        node,
        subject: `${table.name} table`,
        message: `${zero.length} of ${all.length} rules in the ${table.name} table have not matched a packet since their counters were last zeroed`,
        evidence: zero.slice(0, EVIDENCE).map(ref),
        remedy:
          'rules that should see traffic but do not point at a path that is never taken: trace one such packet (nfwalk trace) to see which rule takes it first',
      },
    ];
  });
}
