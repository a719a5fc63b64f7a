/**
 * What pastes and collectors do to a dump, undone before any grammar sees it (bundles.md §3 step 0 and 4):
 * a BOM, CRLF line ends, ANSI colours, non-breaking spaces, and a prefix on every line (journald, CRI,
 * klog, `> ` quoting, `# ` commenting out, `grep -n`'s `12:` and `file:12:`). Line numbers never change;
 * columns on prefixed lines count from the prefix's end.
 */
import { UNPRINTABLE_TABLE, isSaveHeader } from '../../grammar/iptables-save/dump-boundaries';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

interface LinePrefix {
  readonly pattern: RegExp;
  /** A further check on the sample's lines, where the pattern alone could be a dump's own text. */
  readonly holds?: (lines: readonly string[]) => boolean;
}

// `ip addr`'s `1: lo:` has a space after its number; grep's prefix is followed by the line itself.
const GREP_N = /^(?:[\w./-]+:)?(\d+)[:-](?! )/;

/** `grep -n` numbers its lines in increasing order; an IPv6 route (`2001:db8::/32`) has no such run. */
function increasingLineNumbers(lines: readonly string[]): boolean {
  const numbers = lines.map((l) => Number(GREP_N.exec(l)?.[1] ?? Number.NaN)).filter((n) => !Number.isNaN(n));
  return numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);
}

/** iptables-nft-save's own comments: a dump of tables it could not print is all such lines, and no `# ` prefix. */
const isSaveComment = (l: string) => isSaveHeader(l) || l.startsWith('# Completed on ') || UNPRINTABLE_TABLE.test(l);

const PREFIXES: readonly LinePrefix[] = [
  { pattern: /^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ [\w.-]+(\[\d+\])?: / },
  { pattern: /^\S+Z (stdout|stderr) [FP] / },
  { pattern: /^[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] / },
  // `> `, and `> > ` or `>> ` of a reply to a reply.
  { pattern: /^(?:> ?)+/ },
  { pattern: /^#(?: |$)/, holds: (lines) => !lines.every(isSaveComment) },
  { pattern: GREP_N, holds: increasingLineNumbers },
];

export function normaliseChunk(text: string, first: boolean): string {
  let t = first && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.includes('\r')) t = t.replace(/\r+\n/g, '\n');
  if (t.includes('\x1b')) t = t.replace(ANSI, '');
  if (t.includes('\u00a0')) t = t.replace(/\u00a0/g, ' ');
  // grep's separator between groups of context (`grep -A1`): no line of any dump, read as a blank one.
  if (t.includes('\n--')) t = t.replace(GREP_GROUP_SEPARATOR, '');
  return t;
}

const GREP_GROUP_SEPARATOR = /^--$/gm;

/** The prefix that at least 80% of the sample's non-blank lines share, as a line-start regex for the whole input. */
export function detectLinePrefix(sample: string): RegExp | undefined {
  const lines = sample.split('\n', 400).filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const prefix = PREFIXES.find(
    (p) => lines.filter((l) => p.pattern.test(l)).length >= lines.length * 0.8 && (p.holds?.(lines) ?? true),
  );
  return prefix && new RegExp(prefix.pattern.source, 'gm');
}
