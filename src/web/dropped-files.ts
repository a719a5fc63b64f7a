/**
 * Files and folders dropped on the page, with their paths (`folder/sub/file`), in the order the CLI reads a
 * directory: each folder's entries sorted by name, folders walked where they sort (src/input/sources.ts).
 */
import type { PickedFile } from './browser-sources';

export async function collectDropped(data: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken while the drop event runs; the files are read later. An item with no entry (a file
  // dropped from another page) is taken as the file it is.
  const items = [...data.items]
    .filter((i) => i.kind === 'file')
    .map((i) => ({ entry: i.webkitGetAsEntry(), file: i.getAsFile() }));
  const out: PickedFile[] = [];
  for (const { entry, file } of items)
    if (entry) out.push(...(await walk(entry, entry.name)));
    else if (file) out.push({ path: file.name, file });
  return out;
}

async function walk(entry: FileSystemEntry, path: string): Promise<PickedFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    return [{ path, file }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches until it answers with none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  children.sort((a, b) => byName(a.name, b.name));
  const out: PickedFile[] = [];
  for (const child of children) out.push(...(await walk(child, `${path}/${child.name}`)));
  return out;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A chosen folder's files (`webkitRelativePath`s) in the same order. */
export function sortedPicks(files: readonly PickedFile[]): PickedFile[] {
  const compare = (a: string[], b: string[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = byName(a[i]!, b[i]!);
      if (c) return c;
    }
    return a.length - b.length;
  };
  return [...files].sort((a, b) => compare(a.path.split('/'), b.path.split('/')));
}
