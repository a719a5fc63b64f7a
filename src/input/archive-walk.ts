/**
 * What an archive's members become, the same in Node (archives.ts) and in the paste page (web/browser-sources.ts):
 * a source per file, an archive inside read the same way down to MAX_DEPTH, a failure for a member that leads
 * out of the archive or nests too deep, and one failure for the whole archive when it breaks. Free of Node's
 * modules; each side brings its own way of listing members and of decoding their bytes.
 */
import { type ArchiveKind, MAX_DEPTH, archiveKind, leavesArchive } from './archive-names';
import { nodeOf } from './nodes';
import type { InputFailure } from '../model/section';
import type { InputSource } from './text-input';

/** Where the archive sits: its path as reported, and the input it came from (for the node's name). */
export interface ArchiveAt {
  readonly path: string;
  /** The input's own name (a directory or archive), as `nodeOf` takes it. */
  readonly root: string;
  /** The archive's path from the input's root, the input's own name first. */
  readonly inBundle: string;
  /** Where its bytes are, when not at `path` (an object store's archive copied aside). */
  readonly file?: string;
}

export interface ArchiveMember<Content> {
  readonly name: string;
  readonly content: Content;
}

export interface ArchiveReading<Content extends AsyncIterable<unknown>> {
  /** The members of the archive at `at`, from `bytes` when it is itself a member. */
  members(at: ArchiveAt, kind: ArchiveKind, bytes: Content | undefined): Promise<AsyncIterable<ArchiveMember<Content>>>;
  decode(content: Content): AsyncIterable<string>;
}

/** Every file member of the archive at `at` as a source, archives inside it read the same way. */
export async function* memberSources<Content extends AsyncIterable<unknown>>(
  reading: ArchiveReading<Content>,
  at: ArchiveAt,
  kind: ArchiveKind,
  failures: InputFailure[],
  bytes?: Content,
  depth = 1,
): AsyncGenerator<InputSource> {
  try {
    for await (const { name, content } of await reading.members(at, kind, bytes)) {
      const member: ArchiveAt = { path: `${at.path}/${name}`, root: at.root, inBundle: `${at.inBundle}/${name}` };
      const nested = archiveKind(name);
      // Such a name would put a copy (`nfwalk anonymize`) outside its folder; no collector writes one.
      if (leavesArchive(name))
        failures.push({ path: member.path, reason: 'member name leads out of the archive (absolute or ..): not read' });
      else if (nested && depth < MAX_DEPTH) yield* memberSources(reading, member, nested, failures, content, depth + 1);
      else if (nested)
        failures.push({ path: member.path, reason: `archive nested more than ${MAX_DEPTH} deep: unpack it` });
      else yield { path: member.path, node: nodeOf(at.root, member.inBundle), chunks: () => reading.decode(content) };
      // Whatever the reader left (a binary member it gave up on) must drain before the next member arrives.
      for await (const _ of content) void _;
    }
  } catch (e) {
    failures.push({ path: at.path, reason: `broken archive: ${(e as Error).message}` });
  }
}
