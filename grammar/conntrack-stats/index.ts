/**
 * `conntrack -S` (`cpu=N found=… …` per CPU, decimal) and /proc/net/stat/nf_conntrack (a header, then one row
 * of 8-digit hex per CPU), formats.md §3.4; and `conntrack -C` / nf_conntrack_count, a single number.
 */
import type { ConntrackStatsBody, ConntrackCountBody } from '../../src/model/section';
import type { ConntrackCpuStats } from '../../src/model/conntrack';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import { decimalWord } from '../shared/decimal';
import type { LineProblem } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine } from '../shared/word-lines';

const HEX = /^[0-9a-fA-F]+$/;

class ConntrackStatsReader extends WordLineReader<ConntrackStatsBody> {
  private readonly cpus: ConntrackCpuStats[] = [];
  private header: readonly string[] | undefined;
  private format: ConntrackStatsBody['format'] = 'conntrack -S';

  protected line(l: WordLine): LineProblem | undefined {
    const first = l.words[0]!;
    if (first.text.startsWith('cpu=')) return this.perCpu(l);
    if (first.text === 'entries') {
      this.header = l.words.map((w) => w.text);
      this.format = '/proc/net/stat/nf_conntrack';
      return undefined;
    }
    if (this.header && l.words.every((w) => HEX.test(w.text))) {
      if (l.words.length !== this.header.length)
        return {
          problem: 'broken',
          message: `${l.words.length} columns under a header of ${this.header.length}`,
          column: first.column,
        };
      const counters = Object.fromEntries(this.header.map((k, i) => [k, Number.parseInt(l.words[i]!.text, 16)]));
      this.cpus.push({ line: l.line, cpu: this.cpus.length, counters });
      return undefined;
    }
    return { problem: 'broken', message: 'expected cpu=N key=value … or a row of hex counters', column: first.column };
  }

  private perCpu(l: WordLine): LineProblem | undefined {
    const counters: Record<string, number> = {};
    let cpu = -1;
    for (const w of l.words) {
      const eq = w.text.indexOf('=');
      const value = decimalWord(w.text.slice(eq + 1));
      if (eq < 1 || value === undefined)
        return { problem: 'broken', message: `expected key=number, got '${w.text}'`, column: w.column };
      if (w.text.startsWith('cpu=')) cpu = value;
      else counters[w.text.slice(0, eq)] = value;
    }
    this.cpus.push({ line: l.line, cpu, counters });
    return undefined;
  }

  protected body(): ConntrackStatsBody {
    return {
      kind: 'conntrack-stats',
      format: this.format,
      records: this.cpus.length,
      diagnostics: this.diagnostics,
      cpus: this.cpus,
    };
  }
}

/** One number, recognised only where a prompt, a collector header or the file's path says what it counts. */
class ConntrackCountReader extends WordLineReader<ConntrackCountBody> {
  private count: number | undefined;

  protected line(l: WordLine): LineProblem | undefined {
    const n = decimalWord(l.words[0]!.text);
    if (n === undefined || l.words.length > 1 || this.count !== undefined)
      return {
        problem: 'broken',
        message: 'expected the single number conntrack -C prints',
        column: l.words[0]!.column,
      };
    this.count = n;
    return undefined;
  }

  protected body(): ConntrackCountBody {
    return {
      kind: 'conntrack-count',
      records: this.count === undefined ? 0 : 1,
      diagnostics: this.diagnostics,
      count: this.count,
    };
  }
}

export const conntrackStatsFormat: DumpFormat = {
  name: 'conntrack-stats',
  distinctive: true,
  starts: startsWithAny([/^cpu=\d+\s+[a-z_]+=\d+/, /^entries\s+(clashres\s+)?(searched|found)\s/]),
  reader: () => new ConntrackStatsReader(),
};

export const conntrackCountFormat: DumpFormat = {
  name: 'conntrack-count',
  distinctive: false,
  starts: (line, hint) => /^\d+\s*$/.test(line) && /conntrack\s+(-C|--count)|nf_conntrack_count|conntrack-C/.test(hint),
  reader: () => new ConntrackCountReader(),
};
