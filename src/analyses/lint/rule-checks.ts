/**
 * Rules that cannot do anything: ones an earlier rule of the same chain always decides first, exact
 * duplicates, and (in `iptables-save -c` dumps) rules that never matched since the counters were zeroed.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import type { Opt } from '../../model/match';
import type { Chain, Rule, Ruleset } from '../../model/ruleset';
import type { AddressMask } from '../../model/values';
import type { Finding } from '../finding';
import { isHostPrefix, prefixOfMask } from '../trace/address';
import { covers, decides, mayBeSame, repeatable, ruleKey } from './coverage';
import { groupBy } from '../../model/group-by';

/** Evidence lines listed per finding; the message gives the count. */
const EVIDENCE = 20;

/** Shorter chains are compared rule by rule: keying their rules by host costs more than it saves. */
const INDEX_FROM = 64;

/** The one host an address option names, as a key; '' when it names none (absent, negated or a network). */
function hostOf(o: Opt<AddressMask> | undefined): string {
  if (!o || o.negated) return '';
  const p = prefixOfMask(o.value);
  return isHostPrefix(p) ? p.network.toString() : '';
}

/**
 * The earlier rule that makes each rule dead (covers it and decides), or that it repeats. Earlier rules are
 * kept by the hosts they name as destination and source: a rule naming a host can only be covered (or
 * repeated) by rules naming the same host or none, and a rule naming none only by rules naming none. That
 * keeps kube-proxy's 10,000-rule KUBE-SERVICES (one destination each) and firewalls with a rule or two per
 * source host linear.
 */
function deadRules(chain: Chain, family: Ruleset['family']): { rule: Rule; by: Rule; duplicate: boolean }[] {
  const printed = (r: Rule) => printRule(chain, r, family);
  const byHosts = new Map<string, Rule[]>();
  const keys = new Map<Rule, string>();
  const key = (r: Rule) => {
    let k = keys.get(r);
    if (k === undefined) keys.set(r, (k = ruleKey(r, printed)));
    return k;
  };
  const out: { rule: Rule; by: Rule; duplicate: boolean }[] = [];
  const indexed = chain.rules.length >= INDEX_FROM;
  for (const b of chain.rules) {
    const [dst, src] = indexed ? [hostOf(b.destination), hostOf(b.source)] : ['', ''];
    const own = `${dst} ${src}`;
    const earlier = indexed ? inIndexOrder([...new Set([own, `${dst} `, ` ${src}`, ' '])].map((k) => byHosts.get(k) ?? [])) : chain.rules.slice(0, b.index - 1);
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
    if (!indexed) continue;
    const list = byHosts.get(own);
    if (list) list.push(b);
    else byHosts.set(own, [b]);
  }
  return out;
}

/** The earlier rules of some buckets, in chain order; one bucket already is. */
function inIndexOrder(buckets: readonly (readonly Rule[])[]): readonly Rule[] {
  const full = buckets.filter((b) => b.length > 0);
  return full.length === 1 ? full[0]! : full.flat().sort((x, y) => x.index - y.index);
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
