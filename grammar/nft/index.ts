/** `nft list ruleset` text (every print mode, and the partial `nft list table|chain|set|map` forms): text → typed model. */
import type { NftBody, NftRuleset } from '../../src/model/nft';
import { type Chunk, lineChunks } from '../shared/chunks';
import { type DumpFormat, type DumpReader, type StopAt, sortDiagnostics, startsWithAny } from '../shared/reader';
import { NftExtractor } from './extract';
import { NftJsonReader, nftJsonFormat, parseNftJson } from './json';
import { parseChunk } from './parser';
import { printNftRuleset } from './print';
import type { NftLine } from './syntax';

class NftReader implements DumpReader<NftBody> {
  private readonly extractor: NftExtractor;

  constructor() {
    this.extractor = new NftExtractor();
  }

  read(chunk: Chunk, stop: StopAt): number | undefined {
    const lines: NftLine[] = [];
    parseChunk(chunk, lines);
    return this.extractor.feed(lines, stop);
  }

  finish(): NftBody {
    const lines = this.extractor.finish();
    const ruleset: NftRuleset = {
      tables: this.extractor.tables,
      source: 'text',
      ...(this.extractor.cut ? { cut: true } : {}),
    };
    return {
      kind: 'nft',
      records: lines.rules,
      diagnostics: sortDiagnostics(this.extractor.diagnostics),
      ruleset,
      lines,
    };
  }
}

/** A whole text known to be one nft listing. */
export function parseNft(text: string): NftBody {
  const reader = new NftReader();
  for (const chunk of lineChunks(text)) reader.read(chunk, () => false);
  return reader.finish();
}

export const nftFormat: DumpFormat = {
  name: 'nft',
  distinctive: true,
  // `-a` adds `# handle N`; iptables-nft's warning goes to stderr, which collectors keep, before its table.
  // `nft -j list ruleset` too (json.ts): the same section kind, read by the JSON reader.
  starts: (line, hint) => textStarts(line) || nftJsonFormat.starts(line, hint),
  reader: () => new NftAnyReader(),
};

const textStarts = startsWithAny([
  /^table (ip|ip6|inet|arp|bridge|netdev) \S+ \{( # handle \d+.*)?\s*$/,
  /^# Warning: table \S+ \S+ is managed by iptables-nft, do not touch!$/,
]);

/** The text reader, or the JSON one when the dump's first line opens a JSON document. */
class NftAnyReader implements DumpReader<NftBody> {
  private inner: DumpReader<NftBody> | undefined;
  read(chunk: Chunk, stop: StopAt): number | undefined {
    this.inner ??= /^\s*\{/.test(chunk.text) ? new NftJsonReader() : new NftReader();
    return this.inner.read(chunk, stop);
  }
  finish(): NftBody {
    return (this.inner ?? new NftReader()).finish();
  }
}

/** `fmt`: the listing in canonical form, with handles when it had them (nft -a, and the JSON of a kernel). */
export function printNftSection(s: NftBody): string {
  return printNftRuleset(s.ruleset, { handles: hasHandles(s.ruleset) });
}

/** Handle 0 is no handle: the kernel numbers from 1, and sanitized JSON (nftables' own test dumps) has 0 everywhere. */
function hasHandles(r: NftRuleset): boolean {
  const real = (h: number | undefined) => h !== undefined && h > 0;
  return r.tables.some(
    (t) => real(t.handle) || t.chains.some((c) => real(c.handle) || c.rules.some((x) => real(x.handle))),
  );
}

export { parseNftJson };
