/**
 * `sysctl -a` and `key = value` subsets, also with `/proc/sys/…` paths for keys (Troubleshoot's in-cluster
 * collector). sysctl's own complaints on stderr (`sysctl: permission denied on key …`) are kept as warnings.
 */
import type { SysctlBody } from '../../src/model/section';
import type { SysctlEntry } from '../../src/model/sysctl';
import type { DumpFormat } from '../shared/reader';
import type { LineProblem } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine } from '../shared/word-lines';

const ENTRY = /^\s*(\S+?)\s*=\s?(.*)$/;
const KEY = /^([a-z0-9_]+(\.[A-Za-z0-9_@:+\-/]+)+|\/proc\/sys\/\S+)$/;
/** `grep . /proc/sys/net/netfilter/*` (or `grep -r`): each file's path, a colon, its value. */
const PATH_VALUE = /^(\/proc\/sys\/[^:\s]+):(.*)$/;
/** `cat /proc/sys/…` of one file: the value alone, its key in the command. */
const CAT_ONE = /(?:^|\s)cat\s+(\/proc\/sys\/[^\s*?]+)\s*$/;

/** `/proc/sys/net/netfilter/nf_conntrack_max` → `net.netfilter.nf_conntrack_max` (a dot in a name becomes `/`). */
const keyOfPath = (path: string) =>
  path.slice(10).replaceAll('.', '\u0000').replaceAll('/', '.').replaceAll('\u0000', '/');

class SysctlReader extends WordLineReader<SysctlBody> {
  private readonly entries: SysctlEntry[] = [];

  /** `catPath`: the file a `cat` printed, whose value is the dump's one line. */
  constructor(private readonly catPath: string | undefined) {
    super();
  }

  protected line(l: WordLine): LineProblem | undefined {
    if (l.words[0]!.text === 'sysctl:') {
      this.warn(l.line, 1, `sysctl said: ${l.raw.slice(l.raw.indexOf(':') + 1).trim()}`);
      return undefined;
    }
    if (this.catPath && this.entries.length === 0) {
      this.entries.push({ line: l.line, key: keyOfPath(this.catPath), value: l.raw.trim() });
      return undefined;
    }
    const m = PATH_VALUE.exec(l.raw) ?? ENTRY.exec(l.raw);
    if (!m || !KEY.test(m[1]!))
      return { problem: 'broken', message: 'expected key = value', column: l.words[0]!.column };
    const key = m[1]!.startsWith('/proc/sys/') ? keyOfPath(m[1]!) : m[1]!;
    this.entries.push({ line: l.line, key, value: m[2]!.trim() });
    return undefined;
  }

  protected body(): SysctlBody {
    return { kind: 'sysctl', records: this.entries.length, diagnostics: this.diagnostics, entries: this.entries };
  }
}

export const sysctlFormat: DumpFormat = {
  name: 'sysctl',
  distinctive: false,
  starts: (line, hint) =>
    /^([a-z0-9_]+(\.[A-Za-z0-9_@:+\-/]+)+|\/proc\/sys\/\S+) = |^\/proc\/sys\/[^:\s]+:/.test(line) ||
    (CAT_ONE.test(hint) && /^\S/.test(line)),
  reader: (_path, hint) => new SysctlReader(CAT_ONE.exec(hint)?.[1]),
};
