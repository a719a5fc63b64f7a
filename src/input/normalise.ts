/**
 * What pastes and collectors do to a dump, undone before any grammar sees it (bundles.md §3 step 0 and 4):
 * a BOM, CRLF line ends, ANSI colours, non-breaking spaces, and a log prefix on every line (journald, CRI,
 * klog, `> ` mail quoting). Line numbers never change; columns on prefixed lines count from the prefix's end.
 */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

const PREFIXES: readonly RegExp[] = [
  /^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ [\w.-]+(\[\d+\])?: /,
  /^\S+Z (stdout|stderr) [FP] /,
  /^[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] /,
  /^> /,
];

export function normaliseChunk(text: string, first: boolean): string {
  let t = first && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.includes('\r')) t = t.replace(/\r+\n/g, '\n');
  if (t.includes('\x1b')) t = t.replace(ANSI, '');
  if (t.includes('\u00a0')) t = t.replace(/\u00a0/g, ' ');
  return t;
}

/** The prefix that at least 80% of the sample's non-blank lines share, as a line-start regex for the whole input. */
export function detectLinePrefix(sample: string): RegExp | undefined {
  const lines = sample.split('\n', 400).filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const prefix = PREFIXES.find((p) => lines.filter((l) => p.test(l)).length >= lines.length * 0.8);
  return prefix && new RegExp(prefix.source, 'gm');
}
