/**
 * One rule's words (after `-A CHAIN`) into a rule of the model: split into clauses, base options set, each match
 * and target clause read by its extension's descriptor (or kept verbatim), values shared within the table.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type { Match } from '../../src/model/match';
import type { Target } from '../../src/model/target';
import type { Counters, Family, RuleAddress } from '../../src/model/values';
import { ReadRule } from '../../src/model/read-located';
import { lookup } from '../shared/lookup';
import { type LineProblem, type ValueProblem, broken, isProblem, valueProblem } from '../shared/problem';
import { type ExtensionSpec, optionArity, readExtensionOptions } from './extension';
import { IMPLICIT_PROTOCOL_MODULES, matchExtensions, targetExtensions } from './extensions/index';
import { internedClause, internedOption, jumpTarget } from './interned';
import { canonicalProtocol } from './protocols';
import { type BaseOption, type ClauseContext, type RuleClause, splitRuleClauses } from './rule-clauses';
import type { RuleDraft, TableDraft } from './table-draft';
import { parseRuleAddress, unknownAddressWarnings } from './unknown-address';
import type { WordSyntax } from './syntax';

export type Report = (severity: Diagnostic['severity'], line: number, column: number, message: string) => void;

/** Where the rule is read, and where its diagnostics go. */
export interface RuleSite {
  readonly path: string;
  readonly family: Family;
  readonly line: number;
  readonly report: Report;
}

/** The rule, or undefined when it cannot be one (the problem is reported). */
export function buildRule(
  words: readonly WordSyntax[],
  t: TableDraft,
  counters: Counters | undefined,
  { path, family, line, report }: RuleSite,
): RuleDraft | undefined {
  const clauses = splitRuleClauses(words, clauseContext);
  if (!Array.isArray(clauses)) {
    report('error', line, clauses.column, clauses.message);
    return undefined;
  }
  const matches: Match[] = [];
  const rule = new ReadRule(matches, path, line) as unknown as RuleDraft;
  if (counters) rule.counters = counters;
  for (const s of clauses) {
    if (s.kind === 'base') {
      const problem = applyBase(rule, s, family, t);
      if (problem) {
        report('error', line, problem.column, problem.message);
        return undefined;
      }
      if (s.option === 'c') rule.counters = { packets: BigInt(s.args[0]!.text), bytes: BigInt(s.args[1]!.text) };
    } else if (s.kind === 'match') {
      matches.push(
        internedClause(t.matchClauses, s, report, (rep) =>
          readExtension(
            matchExtensions.get(s.name),
            s,
            family,
            line,
            rep,
            'match',
            (): Match => ({
              module: 'opaque',
              name: s.name,
              words: s.words.map(verbatimWord),
            }),
          ),
        ),
      );
    } else if (rule.target) {
      report('error', line, s.at.column, 'a rule has one target; this one has two');
      return undefined;
    } else if (s.goto || t.chains.has(s.name)) {
      rule.target = jump(s, t, line, report);
    } else if (targetExtensions.has(s.name) || s.words.length > 0) {
      rule.target = internedClause(t.targetClauses, s, report, (rep) =>
        readExtension(
          targetExtensions.get(s.name),
          s,
          family,
          line,
          rep,
          'target',
          (): Target => ({
            kind: 'opaque',
            name: s.name,
            words: s.words.map(verbatimWord),
          }),
        ),
      );
    } else {
      rule.target = jumpTarget(t, s.name, false);
      t.unresolved.push({ rule, clause: s, line });
    }
  }
  for (const w of unknownAddressWarnings(rule, clauses)) report('warning', line, w.column, w.message);
  return rule;
}

const clauseContext: ClauseContext = {
  implicitModule: (p) => lookup(IMPLICIT_PROTOCOL_MODULES, p),
  optionArity: (kind, name, option) => {
    const spec = (kind === 'match' ? matchExtensions : targetExtensions).get(name);
    return spec && optionArity(spec, option);
  },
};

type BaseField = 'source' | 'destination' | 'inInterface' | 'outInterface' | 'protocol' | 'fragment';
const BASE_FIELD: Readonly<Partial<Record<BaseOption, BaseField>>> = {
  s: 'source',
  d: 'destination',
  i: 'inInterface',
  o: 'outInterface',
  p: 'protocol',
  f: 'fragment',
};

/** Sets the rule field of a base option, its value read once per table (interned.ts). */
function applyBase(
  rule: RuleDraft,
  s: Extract<RuleClause, { kind: 'base' }>,
  family: Family,
  t: TableDraft,
): LineProblem | undefined {
  const arg = s.args[0];
  if (s.option === 'c') {
    if (!/^\d+$/.test(arg!.text) || !/^\d+$/.test(s.args[1]!.text)) return broken(arg!.column, '-c takes two counters');
    return undefined;
  }
  const field = BASE_FIELD[s.option];
  if (!field) return broken(s.at.column, `unexpected ${s.at.text}`);
  const key = `${s.option}${s.negated ? '!' : ' '}${arg?.text ?? ''}`;
  const opt = internedOption(t, key, () => {
    const value = baseValue(s, family);
    if (isProblem(value)) return broken(arg!.column, value.message);
    return value === null ? null : { negated: s.negated, value };
  });
  if (opt === null) return undefined;
  if (isProblem(opt)) return opt;
  const r = rule as Record<BaseField, unknown>;
  if (r[field] !== undefined) return broken(s.at.column, `${s.at.text} given twice`);
  r[field] = opt;
  return undefined;
}

/** The value of a base option with one argument or none; null when the option matches every packet. */
function baseValue(
  s: Extract<RuleClause, { kind: 'base' }>,
  family: Family,
): RuleAddress | string | true | null | ValueProblem {
  const arg = s.args[0];
  switch (s.option) {
    case 's':
    case 'd': {
      const a = parseRuleAddress(arg!.text, family);
      if (isProblem(a) || 'unknown' in a) return a;
      if (a.family !== family) return valueProblem(`${a.family} address in an ${family} ruleset`);
      // `-s 0.0.0.0/0` matches everything; iptables-save leaves it out.
      return a.prefix === 0 && !a.mask && !s.negated ? null : a;
    }
    case 'p':
      return canonicalProtocol(arg!.text);
    case 'f':
      return true;
    case 'i':
    case 'o':
    // -c, -m, -j and -g set no field (applyBase), and are read elsewhere.
    case 'c':
    case 'm':
    case 'j':
    case 'g':
      return arg!.text;
    default:
      return s.option satisfies never;
  }
}

/** A clause read by its descriptor; kept verbatim (`opaque`) when there is none or it cannot be read. */
function readExtension<R extends Match | Target>(
  spec: ExtensionSpec<R> | undefined,
  s: { readonly name: string; readonly words: readonly WordSyntax[]; readonly at: WordSyntax },
  family: Family,
  line: number,
  report: Report,
  what: 'match' | 'target',
  opaque: () => R,
): R {
  if (!spec) {
    report(
      'warning',
      line,
      s.at.column,
      `${what} extension '${s.name}' is not modelled; kept verbatim and treated as undecidable`,
    );
    return opaque();
  }
  const read = readExtensionOptions(spec, s.words, family, s.at.column);
  if (!isProblem(read)) return read;
  report(severityOf(read), line, read.column, `${read.message}; ${what} kept verbatim`);
  return opaque();
}

/** An option nfwalk does not know is a gap in nfwalk (a warning); anything else a broken dump (an error). */
function severityOf(p: LineProblem): Diagnostic['severity'] {
  switch (p.problem) {
    case 'unknown':
      return 'warning';
    case 'broken':
    case 'broken-in-dump':
    case 'restart':
    case 'ends':
      return 'error';
    default:
      return p satisfies never;
  }
}

const verbatimWord = (w: WordSyntax) => ({ text: w.text, bang: w.bang, quoted: w.quoted });

/** `-g CHAIN`, or `-j CHAIN` of a declared chain (chains are looked up before targets, as iptables does). */
function jump(s: Extract<RuleClause, { kind: 'target' }>, t: TableDraft, line: number, report: Report): Target {
  if (s.words[0])
    report('error', line, s.words[0].column, `unexpected '${s.words[0].text}' after jump to chain ${s.name}`);
  if (!t.chains.has(s.name)) report('error', line, s.at.column, `goto to undeclared chain ${s.name}`);
  return jumpTarget(t, s.name, s.goto);
}
