/**
 * What each line of a listing is, by its fixed columns (iptables print_header / print_firewall): a chain
 * header, the column header (which says whether -v and --line-numbers were given), or a rule:
 * `[num] [pkts bytes] target prot opt [in out] source destination [goto] extension text…`.
 */
import { protocolNumber } from '../../src/model/protocols';
import type { ListLine, ListWord } from './syntax';

export interface ChainHeader {
  readonly kind: 'chain';
  readonly name: string;
  /** Built-in chains: their policy, and its counters with -v. */
  readonly policy?: 'ACCEPT' | 'DROP';
  readonly counters?: { readonly packets: ListWord; readonly bytes: ListWord };
  /** User chains: how many rules jump to them. */
  readonly references?: number;
}

/** What the column header shows: the columns -v and --line-numbers add. */
export interface Layout {
  readonly kind: 'columns';
  readonly lineNumbers: boolean;
  readonly verbose: boolean;
}

export interface RuleColumns {
  readonly kind: 'rule';
  readonly num?: ListWord;
  readonly packets?: ListWord;
  readonly bytes?: ListWord;
  /** Absent for a rule without a target (it only counts). */
  readonly target?: ListWord;
  readonly prot: ListWord;
  /** Absent where ip6tables left the column blank (iptables 1.8.8 and older print no fragment flag for IPv6). */
  readonly opt?: ListWord;
  readonly in?: ListWord;
  readonly out?: ListWord;
  readonly source: ListWord;
  readonly destination: ListWord;
  /** `[goto]`: the target is a chain reached with -g. */
  readonly goto: boolean;
  /** What the matches and the target printed. */
  readonly rest: readonly ListWord[];
}

export type ListingLineKind = ChainHeader | Layout | RuleColumns;

const CHAIN = /^Chain (\S+) \((?:policy (ACCEPT|DROP)(?: (\S+) packets, (\S+) bytes)?|(\d+) references)\)$/;
/** The opt column: `--`, or the fragment flag (`-f`, `!f`); ip6tables prints blanks in old versions. */
const OPT = /^(--|-f|!f)$/;
/** The prot column: a number, `all`, or a name of the host's protocol table, `!` before it when negated. */
const isProtocol = (w: ListWord | undefined) =>
  w !== undefined && ((t) => t === 'all' || protocolNumber(t) !== undefined)(w.text.replace(/^!/, ''));

/** The line's kind, or a reason it is none; `layout` is the column header read last (undefined before one). */
export function classify(l: ListLine, layout: Layout | undefined): ListingLineKind | string {
  const w = l.words;
  const first = w[0]!.text;
  if (first === 'Chain') {
    const text = w.map((x) => x.text).join(' ');
    const m = CHAIN.exec(text);
    if (!m) return 'not a chain header (expected Chain NAME (policy P) or Chain NAME (N references))';
    const counters = m[3] && m[4] ? { packets: w[4]!, bytes: w[6]! } : undefined;
    return {
      kind: 'chain',
      name: m[1]!,
      ...(m[2] ? { policy: m[2] as 'ACCEPT' | 'DROP' } : {}),
      ...(counters ? { counters } : {}),
      ...(m[5] ? { references: Number(m[5]) } : {}),
    };
  }
  const names = w.map((x) => x.text);
  if (names.includes('target') && names.includes('prot') && names.includes('source') && names.includes('destination')) {
    return { kind: 'columns', lineNumbers: first === 'num', verbose: names.includes('pkts') };
  }
  if (!layout) return 'a rule line before any column header';
  return ruleColumns(w, layout);
}

function ruleColumns(words: readonly ListWord[], layout: Layout): RuleColumns | string {
  let i = 0;
  const take = () => words[i++];
  const num = layout.lineNumbers ? take() : undefined;
  if (num && !/^\d+$/.test(num.text)) return `expected a rule number, got '${num.text}'`;
  const packets = layout.verbose ? take() : undefined;
  const bytes = layout.verbose ? take() : undefined;
  if (layout.verbose && !(packets && bytes && COUNT.test(packets.text) && COUNT.test(bytes.text)))
    return 'expected packet and byte counters';
  // A rule without a target leaves its column blank: then the word after the protocol's is the opt column.
  // With the opt column blank too (old ip6tables), a protocol followed by no protocol starts the rule.
  const optAt = (k: number) => words[k] !== undefined && OPT.test(words[k]!.text);
  const blankOpt = !optAt(i + 1) && !optAt(i + 2);
  const noTarget = blankOpt ? isProtocol(words[i]) && !isProtocol(words[i + 1]) : optAt(i + 1);
  const target = noTarget ? undefined : take();
  const prot = take();
  const opt = blankOpt ? undefined : take();
  if (!prot || (blankOpt ? !isProtocol(prot) : !opt || !OPT.test(opt.text)))
    return 'expected target, prot and opt columns';
  const ifIn = layout.verbose ? take() : undefined;
  const ifOut = layout.verbose ? take() : undefined;
  const source = take();
  const destination = take();
  if (!source || !destination || (layout.verbose && !ifOut))
    return 'the rule ends before its source and destination columns';
  // Only ip6tables leaves the opt column blank: its addresses, not words of prose, must follow.
  if (blankOpt && ![source, destination].every((w) => w.text === 'anywhere' || w.text.includes(':')))
    return 'expected target, prot and opt columns';
  const goto = words[i]?.text === '[goto]';
  if (goto) i++;
  return {
    kind: 'rule',
    ...(num ? { num } : {}),
    ...(packets && bytes ? { packets, bytes } : {}),
    ...(target ? { target } : {}),
    prot,
    ...(opt ? { opt } : {}),
    ...(ifIn && ifOut ? { in: ifIn, out: ifOut } : {}),
    source,
    destination,
    goto,
    rest: words.slice(i),
  };
}

/** A counter as -v prints it: exact with -x, else with a K, M, G or T suffix above 99999. */
const COUNT = /^\d+[KMGT]?$/;
