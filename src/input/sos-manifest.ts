/**
 * sos report's `sos_reports/manifest.json` records, per command, the file it wrote and whether sos truncated the
 * output (bundles.md: the kept tail goes to `sos_strings/…/<name>.tailed`, the `sos_commands/` entry links to it).
 * Big `conntrack -L` dumps are the usual case: the table read is then the end of the node's, not all of it.
 */

const MANIFEST = 'sos_reports/manifest.json';

export const isSosManifest = (path: string) => path === MANIFEST || path.endsWith(`/${MANIFEST}`);

/** The paths, as `path` names files of its bundle, of the outputs the manifest at `path` says sos truncated. */
export function truncatedBySos(path: string, text: string): string[] {
  const root = path.slice(0, path.length - MANIFEST.length);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.truncated === true && typeof o.filepath === 'string') out.push(`${root}${o.filepath}`);
      Object.values(o).forEach(visit);
    }
  };
  visit(doc);
  return out;
}

/** Where sos keeps the tail of an output it truncated, whether the bundle's link to it was followed or not. */
export const isSosTail = (path: string) => /(?:^|\/)sos_strings\/[^/]+\/[^/]+\.tailed$/.test(path);

export const SOS_CUT = 'sos kept only the end of its output (truncated, says sos_reports/manifest.json)';
