/**
 * The floor under issue #2's goal (docs/performance.md). A reader that does almost nothing reads the
 * 10,000-service dump: it splits each rule into words, keeps each `-m`/`-j`/`-g` section's text in a Map
 * and makes one object per rule, with no validation, no types and no diagnostics. Together with Node's own
 * start it is set against `iptables-restore --test` in the same run, beside nfwalk's parse in this process.
 * Usage: node --import=tsx bench/parse-floor.ts [--services N --runs N]
 */
import { parseArgs } from 'node:util';
import { parseIptablesSave } from '../grammar/iptables-save/index';
import { kubeProxyBenchFile, withBaselineNetns } from './kube-proxy-input';
import { fmtMs, median, timeCommand } from './measure';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } },
});
const runs = Number(values.runs);
const { text, rules } = kubeProxyBenchFile(Number(values.services));

const QUOTE = 34;
const SECTION_STARTS = new Set(['-m', '-j', '-g']);

/** The words of a rule line: split at spaces, a double-quoted word whole (kube-proxy's comments). */
function words(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; ) {
    if (line[i] === ' ') {
      i++;
    } else if (line.charCodeAt(i) === QUOTE) {
      const close = line.indexOf('"', i + 1);
      const end = close < 0 ? line.length : close;
      out.push(line.slice(i + 1, end));
      i = end + 1;
    } else {
      const space = line.indexOf(' ', i);
      const end = space < 0 ? line.length : space;
      out.push(line.slice(i, end));
      i = end;
    }
  }
  return out;
}

/** The almost-nothing reader: returns how many rules it made. */
function floorRead(dump: string): number {
  const sections = new Map<string, { readonly text: string }>();
  const chains = new Map<string, object[]>();
  let made = 0;
  let line = 0;
  for (let start = 0; start < dump.length; line++) {
    const newline = dump.indexOf('\n', start);
    const end = newline < 0 ? dump.length : newline;
    if (dump.startsWith('-A ', start)) {
      const [, chain = '', ...rest] = words(dump.slice(start, end));
      const parts: object[] = [];
      for (let i = 0; i < rest.length; ) {
        let j = i + 1;
        while (j < rest.length && !SECTION_STARTS.has(rest[j]!)) j++;
        const key = rest.slice(i, j).join(' ');
        let part = sections.get(key);
        if (!part) sections.set(key, (part = { text: key }));
        parts.push(part);
        i = j;
      }
      let list = chains.get(chain);
      if (!list) chains.set(chain, (list = []));
      list.push({ parts, line });
      made++;
    }
    start = end + 1;
  }
  return made;
}

/** The first run (a CLI reads a dump once, before the JIT has warmed up) and the median of all runs. */
function timed(run: () => void): { readonly first: number; readonly median: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return { first: times[0]!, median: median(times) };
}

let made = 0;
const floor = timed(() => {
  made = floorRead(text);
});
if (made !== rules) throw new Error(`the floor reader made ${made} rules of ${rules}`);
const nfwalk = timed(() => parseIptablesSave(text, 'bench'));
const nodeStart = timeCommand(process.execPath, ['-e', ''], runs).medianMs;

const row = (label: string, t: { readonly first: number; readonly median: number }) =>
  `  ${label.padEnd(38)}${fmtMs(t.first)}  ${fmtMs(t.median)}`;
console.log(
  `parse floor: ${rules} rules, ${(text.length / 1e6).toFixed(1)} MB; in this process, first run and median of ${runs}`,
);
console.log(row('almost-nothing reader', floor));
console.log(row('nfwalk parse', nfwalk));
console.log(`  node -e '' (start of any CLI run)     ${fmtMs(nodeStart)}`);
withBaselineNetns((netns) => {
  const restore = timeCommand('ip', ['netns', 'exec', netns, 'iptables-restore', '--test'], runs, text).medianMs;
  const ratio = (nodeStart + floor.first) / restore;
  console.log(`  iptables-restore --test               ${fmtMs(restore)}`);
  console.log(`
start + first run of the almost-nothing reader = ${ratio.toFixed(2)} × iptables-restore --test (issue #2's goal for all of nfwalk parse: 0.5)`);
});
