/**
 * Archive names, in one place: which members nfwalk reads (`tar`, gzipped or not), which it recognises
 * only to say it cannot read them, and how a member of a read archive is named (`bundle.tgz/member`).
 */
const READABLE = String.raw`tar\.gz|tgz|tar`;
const UNREADABLE = String.raw`tar\.xz|txz|tar\.bz2|tbz2?|zip|xz|bz2|7z`;

const READABLE_ARCHIVE = new RegExp(String.raw`\.(?:${READABLE})$`, 'i');
const UNREADABLE_ARCHIVE = new RegExp(String.raw`\.(?:${UNREADABLE})$`, 'i');
const GZIPPED_ARCHIVE = /\.(?:tar\.gz|tgz)$/i;
/** An archive suffix, or a lone `.gz`, that a node name drops (case kept: `.TGZ` names are rare and odd). */
const NODE_NAME_SUFFIX = new RegExp(String.raw`\.(?:${READABLE}|gz)$`);
const MEMBER = new RegExp(String.raw`^(.*?)\.(?:${READABLE})\/(?:\.\/)?(.*)$`, 'i');

export const isReadableArchive = (name: string): boolean => READABLE_ARCHIVE.test(name);
export const isUnreadableArchive = (name: string): boolean => UNREADABLE_ARCHIVE.test(name);
export const isGzippedArchive = (name: string): boolean => GZIPPED_ARCHIVE.test(name);

/** Any archive a bulk run counts as a bundle, readable or not (an unreadable one is reported, not skipped). */
export const isBundleArchive = (name: string): boolean => isReadableArchive(name) || /\.(?:tar\.xz|txz|zip)$/i.test(name);

export const withoutArchiveSuffix = (name: string): string => name.replace(NODE_NAME_SUFFIX, '');

/** `x/bundle.tgz/./a/b` → the archive path without its suffix and the member path; undefined outside archives. */
export function archiveMember(path: string): { readonly stem: string; readonly inside: string } | undefined {
  const m = MEMBER.exec(path);
  return m ? { stem: m[1]!, inside: m[2]! } : undefined;
}
