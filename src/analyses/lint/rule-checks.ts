/**
 * Rules that cannot do anything: ones an earlier rule of the same chain always decides first, exact
 * duplicates, and (in `iptables-save -c` dumps) rules that never matched since the counters were zeroed.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import type { Chain, Rule, Ruleset } from '../../model/ruleset';
import type { Finding } from '../finding';
import { isHostPrefix, prefixOfMask } from '../trace/address';
import { covers, decides, mayBeSame, repeatable, ruleKey } from './coverage';
import { groupBy } from '../../model/group-by';

/** Evidence lines listed per finding; the message gives the count. */
const EVIDENCE = 20;

const hostDestination = (r: Rule): string | undefined => {
  if (!r.destination || r.destination.negated) return undefined;
  const p = prefixOfMask(r.destination.value);
  return isHostPrefix(p) ? p.network.toString() : undefined;
};

/**
 * The earlier rule that makes each rule dead (covers it and decides), or that it repeats. Rules naming one
 * host as destination are only compared with rules for that host and rules for no single host, which keeps
 * kube-proxy's 10,000-rule KUBE-SERVICES linear.
 */
function deadRules(chain: Chain, family: Ruleset['family']): { rule: Rule; by: Rule; duplicate: boolean }[] {
  const printed = (r: Rule) => printRule(chain, r, family);
  const byHost = new Map<string, Rule[]>();
  const general: Rule[] = [];
  const keys = new Map<Rule, string>();
  const key = (r: Rule) => {
    let k = keys.get(r);
    if (k === undefined) keys.set(r, (k = ruleKey(r, printed)));
    return k;
  };
  const out: { rule: Rule; by: Rule; duplicate: boolean }[] = [];
  for (const b of chain.rules) {
    const host = hostDestination(b);
    const earlier = host === undefined ? chain.rules.slice(0, b.index - 1) : mergeByIndex(byHost.get(host) ?? [], general);
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
    if (host === undefined) general.push(b);
    else {
      const list = byHost.get(host);
      if (list) list.push(b);
      else byHost.set(host, [b]);
    }
  }
  return out;
}

function mergeByIndex(a: readonly Rule[], b: readonly Rule[]): Rule[] {
  return [...a, ...b].sort((x, y) => x.index - y.index);
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
        remedy: 'rules that should see traffic but do not point at a path that is never taken: trace one such packet (nfwalk trace) to see which rule takes it first',
      },
    ];
  });
}
