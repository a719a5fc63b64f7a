/** `nfwalk services` as text: one row per entry point and node, the endpoint shares in the row, then the findings. */
import { entryText, hostPort, percent } from '../analyses/finding-text';
import type { EntryOutcome, ServicesAnalysis } from '../analyses/services/index';
import { formatFindings } from './findings-text';
import { plainTable } from './plain-table';

function endpointsCell(o: EntryOutcome): string {
  const lines = o.endpoints.map(
    (e) => `${hostPort(e)} ${percent(e.probability)}${e.weight === 0 ? ' (weight 0)' : ''}`,
  );
  const forward = o.endpoints.reduce((a, e) => a + e.probability, 0);
  // What DNAT sent to an endpoint before a rule stopped it reached one: said apart from what reached none.
  const stopped = o.afterDnat ? o.afterDnat.drop + o.afterDnat.reject : 0;
  if (o.verdict === 'forward' && stopped > 1e-9) lines.push(`(stopped after DNAT ${percent(stopped)})`);
  if (forward + stopped < 1 - 1e-9 && o.verdict === 'forward')
    lines.push(`(no endpoint ${percent(1 - forward - stopped)})`);
  if (o.estimate) lines.push('(estimate)');
  return lines.join('\n') || '-';
}

const masq = (o: EntryOutcome) =>
  o.masquerade === null ? '?' : o.masquerade === 0 ? 'no' : o.masquerade === 1 ? 'yes' : percent(o.masquerade);

/** Sticky clients listed per service and node in text. */
const STICKY_ROWS = 20;

/** Session affinity's pinned clients, per service and node: client, endpoint, time left. */
function stickyText(a: ServicesAnalysis): string {
  const several = a.nodes.length > 1;
  const rows = a.services.flatMap((v) =>
    v.nodes.flatMap((n) => {
      // Those pinned to a gone endpoint first; a busy service can have thousands of clients.
      const sorted = [...n.stickyClients].sort((x, y) => Number(x.endpointLive) - Number(y.endpointLive));
      const shown = sorted
        .slice(0, STICKY_ROWS)
        .map((c) => [
          v.service.name,
          ...(several ? [n.node] : []),
          c.client,
          `${hostPort(c.endpoint)}${c.endpointLive ? '' : ' (gone)'}`,
          c.expiresSeconds === null ? '-' : `${Math.round(c.expiresSeconds)} s`,
        ]);
      const more = sorted.length - shown.length;
      return more > 0
        ? [...shown, [v.service.name, ...(several ? [n.node] : []), `… ${more} more (--json lists all)`, '', '']]
        : shown;
    }),
  );
  if (rows.length === 0) return '';
  const table = plainTable(['SERVICE', ...(several ? ['NODE'] : []), 'CLIENT', 'PINNED TO', 'EXPIRES IN'], rows);
  return `\n\nsticky clients (session affinity records in the dump):\n${table}`;
}

export function formatServices(a: ServicesAnalysis): string {
  const several = a.nodes.length > 1;
  const header = a.nodes
    .map(
      (n) =>
        `node ${n.name}: ${n.services} service ports${n.proxyMode ? ` (${n.proxyMode} mode)` : ''}${n.warnings.map((w) => `\n  note: ${w}`).join('')}`,
    )
    .join('\n');
  const rows = a.services.flatMap((v) =>
    v.nodes.flatMap((n) =>
      n.outcomes.map((o, i) => [
        i === 0 && (n === v.nodes[0] || several)
          ? `${v.service.name} ${v.service.protocol}${v.service.affinitySeconds !== null ? `\naffinity ${v.service.affinitySeconds}s` : ''}`
          : '',
        ...(several ? [i === 0 ? `${n.node}${n.present ? '' : ' (absent)'}` : ''] : []),
        entryText(o.entry),
        `${o.verdict}${o.assumptions.length ? '?' : ''}`,
        endpointsCell(o),
        masq(o),
      ]),
    ),
  );
  const table = rows.length
    ? plainTable(
        ['SERVICE', ...(several ? ['NODE'] : []), 'ENTRY', 'VERDICT', 'ENDPOINTS (share of new connections)', 'MASQ'],
        rows,
      )
    : 'no Kubernetes services in the dumps';
  const assumed = a.services.some((v) => v.nodes.some((n) => n.outcomes.some((o) => o.assumptions.length > 0)));
  const footnote = assumed
    ? '\n? the answer rests on what the dumps cannot decide (sets not dumped, recent, …) or do not show (a paste in part); the findings say which, `nfwalk trace` shows each path'
    : '';
  return `${header}\n\n${table}${footnote}${stickyText(a)}\n\n${formatFindings(a.findings)}`;
}
