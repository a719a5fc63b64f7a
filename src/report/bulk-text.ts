/** The end of a bulk run: findings by code, by bundle and by node, as tables; and one progress line per bundle. */
import type { BulkSummary, BundleResult } from '../analyses/bulk/model';
import type { Severity } from '../analyses/finding';
import { plainTable } from './plain-table';

const counts = (f: Readonly<Record<Severity, number>>) => `${f.error}/${f.warning}/${f.info}`;
const codeList = (codes: readonly string[], most = 4) =>
  codes.length > most ? `${codes.slice(0, most).join(' ')} +${codes.length - most}` : codes.join(' ');

/** How many rows of the bundle and node tables are printed; --json and --ndjson have all of them. */
const MOST_ROWS = 20;

/** The same for one run and for the merge of its shards: how long each took is said apart (formatBulkTime). */
export function formatBulkSummary(s: BulkSummary): string {
  const out = [`bulk: ${s.bundles} bundles (${s.analysed} analysed, ${s.failed} failed), ${s.nodes} nodes`, ''];
  if (s.byCode.length === 0) out.push('no findings', '');
  else
    out.push(
      'findings by code',
      plainTable(
        ['code', 'severity', 'findings', 'bundles', 'nodes'],
        s.byCode.map((c) => [c.code, c.severity, String(c.findings), String(c.bundles), String(c.nodes)]),
      ),
      '',
    );
  const bundles = s.byBundle.slice(0, MOST_ROWS);
  out.push(
    `bundles${s.byBundle.length > MOST_ROWS ? ` (the ${MOST_ROWS} with most findings of ${s.byBundle.length})` : ''}`,
  );
  out.push(
    plainTable(
      ['bundle', 'nodes', 'err/warn/info', 'codes'],
      bundles.map((b) => [
        b.path,
        String(b.nodes),
        b.error ? 'failed' : counts(b.findings),
        b.error ?? codeList(b.codes),
      ]),
    ),
    '',
  );
  const nodes = s.byNode.filter((n) => n.codes.length > 0).slice(0, MOST_ROWS);
  if (nodes.length) {
    out.push(`nodes with findings${s.byNode.length > MOST_ROWS ? ` (the ${MOST_ROWS} with most)` : ''}`);
    out.push(
      plainTable(
        ['bundle', 'node', 'err/warn/info', 'codes'],
        nodes.map((n) => [n.path, n.node, counts(n.findings), codeList(n.codes)]),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** How long the bundles analysed by this run took; those a resumed run found done are said apart. */
export function formatBulkTime(analysed: number, reused: number, elapsedMs: number): string {
  const rate = analysed / Math.max(elapsedMs / 1000, 1e-3);
  const before = reused > 0 ? `; ${reused} were done before` : '';
  return `analysed ${analysed} bundles in ${(elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(1)} bundles/s)${before}`;
}

export function formatBundleLine(r: BundleResult, index: number, total: number): string {
  const head = `[${index}/${total}] ${r.path}`;
  if (r.error) return `${head}: failed: ${r.error}`;
  const f = { error: 0, warning: 0, info: 0 };
  for (const x of r.findings) f[x.severity]++;
  const n = (count: number, what: string) => `${count} ${what}${count === 1 || what === 'info' ? '' : 's'}`;
  return `${head}: ${n(r.nodes.length, 'node')}, ${n(f.error, 'error')}, ${n(f.warning, 'warning')}, ${n(f.info, 'info')} (${(r.ms / 1000).toFixed(1)} s)`;
}
