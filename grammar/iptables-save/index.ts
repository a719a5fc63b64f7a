/** iptables-save / ip6tables-save: text → typed ruleset, with diagnostics and an account of every line. */
import type { IptablesSaveBody } from '../../src/model/section';
import type { Backend } from '../../src/model/ruleset';
import type { Family } from '../../src/model/values';
import { type Chunk, lineChunks } from '../shared/chunks';
import { type DumpFormat, type DumpReader, type StopAt, startsWithAny } from '../shared/reader';
import { detectBackend, detectFamily } from './detect';
import { SAVE_HEADER, UNPRINTABLE_TABLE } from './dump-boundaries';
import { type Extraction, IptablesSaveExtractor } from './extract';
import { feedChunk } from './fast-chunk';
import { tableOfCommand } from './implied-table';

export interface IptablesSaveParse extends Extraction {
  readonly kind: 'iptables-save' | 'ip6tables-save';
}

/** Streams chunks into the extractor: a chunk's syntax records are consumed before the next is parsed. */
class IptablesSaveReader implements DumpReader<IptablesSaveBody> {
  private extractor: IptablesSaveExtractor | undefined;
  private family: Family | undefined;
  private backend: Backend | undefined;

  constructor(
    private readonly path: string,
    family?: Family,
    /** The command that printed the dump, or the file's name: it may name the table of `iptables -S` output. */
    private readonly hint = '',
  ) {
    this.family = family;
  }

  read(chunk: Chunk, stop: StopAt): number | undefined {
    if (!this.extractor) {
      this.family ??= detectFamily(chunk.text, this.hint);
      this.backend = detectBackend(chunk.text);
      this.extractor = new IptablesSaveExtractor(this.path, this.family, tableOfCommand(this.hint));
    }
    return feedChunk(chunk, this.extractor, stop);
  }

  finish(): IptablesSaveBody {
    this.extractor ??= new IptablesSaveExtractor(this.path, this.family ?? 'ipv4');
    const { ruleset: read, diagnostics, lines } = this.extractor.finish();
    const ruleset = this.backend ? { ...read, backend: this.backend } : read;
    return {
      kind: ruleset.family === 'ipv6' ? 'ip6tables-save' : 'iptables-save',
      records: lines.rules,
      diagnostics,
      ruleset,
      lines,
    };
  }
}

/** A whole text known to be one iptables-save dump. */
export function parseIptablesSave(text: string, path: string, family?: Family, hint?: string): IptablesSaveParse {
  const reader = new IptablesSaveReader(path, family, hint);
  for (const chunk of lineChunks(text)) reader.read(chunk, () => false);
  const { kind, ruleset, diagnostics, lines } = reader.finish();
  return { kind, ruleset, diagnostics, lines };
}

export { printRuleset, printRule } from './print';
export type { LineAccount } from '../../src/model/section';

export const iptablesSaveFormat: DumpFormat = {
  name: 'iptables-save',
  distinctive: true,
  starts: startsWithAny([
    SAVE_HEADER,
    UNPRINTABLE_TABLE,
    /^\*(raw|mangle|nat|filter|security)\s*$/,
    /^:\S+ (ACCEPT|DROP|RETURN|-)( \[\d+:\d+\])?\s*$/,
    /^(\[\d+:\d+\] )?-A [^-\s]\S*(\s|$)/,
    /^-P (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) (ACCEPT|DROP)( -c \d+ \d+)?\s*$/,
    /^-N [^-\s]\S*\s*$/,
  ]),
  reader: (path, hint) => new IptablesSaveReader(path, undefined, hint),
};
