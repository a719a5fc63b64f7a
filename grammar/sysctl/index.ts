/**
 * `sysctl -a` and `key = value` subsets, also with `/proc/sys/…` paths for keys (Troubleshoot's in-cluster
 * collector). sysctl's own complaints on stderr (`sysctl: permission denied on key …`) are kept as warnings.
 */
import type { SysctlBody } from '../../src/model/section';
import type { SysctlEntry } from '../../src/model/sysctl';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import type { LineProblem } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine } from '../shared/word-lines';

const ENTRY = /^\s*(\S+?)\s*=\s?(.*)$/;
const KEY = /^([a-z0-9_]+(\.[A-Za-z0-9_@:+\-/]+)+|\/proc\/sys\/\S+)$/;

class SysctlReader extends WordLineReader<SysctlBody> {
  private readonly entries: SysctlEntry[] = [];

  protected line(l: WordLine): LineProblem | undefined {
    if (l.words[0]!.text === 'sysctl:') {
      this.warn(l.line, 1, `sysctl said: ${l.raw.slice(l.raw.indexOf(':') + 1).trim()}`);
      return undefined;
    }
    const m = ENTRY.exec(l.raw);
    if (!m || !KEY.test(m[1]!))
      return { problem: 'broken', message: 'expected key = value', column: l.words[0]!.column };
    const key = m[1]!.startsWith('/proc/sys/')
      ? m[1]!.slice(10).replaceAll('.', '\u0000').replaceAll('/', '.').replaceAll('\u0000', '/')
      : m[1]!;
    this.entries.push({ line: l.line, key, value: m[2]!.trimEnd() });
    return undefined;
  }

  protected body(): SysctlBody {
    return { kind: 'sysctl', records: this.entries.length, diagnostics: this.diagnostics, entries: this.entries };
  }
}

export const sysctlFormat: DumpFormat = {
  name: 'sysctl',
  distinctive: false,
  starts: startsWithAny([/^([a-z0-9_]+(\.[A-Za-z0-9_@:+\-/]+)+|\/proc\/sys\/\S+) = /]),
  reader: () => new SysctlReader(),
};
