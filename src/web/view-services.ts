/** Services as the page shows them: per service and node, each entry point with a bar per endpoint's share. */
import type { ServicesReport } from '../library/services';
import { el } from './dom';

type Service = ServicesReport['services'][number];
type EntryPoint = Service['nodes'][number]['entryPoints'][number];

const percent = (p: number) => `${(p * 100).toFixed(p > 0 && p < 0.001 ? 3 : 1)}%`;
const hostPort = (ip: string | null, port: number | null) =>
  `${ip === null ? '*' : ip.includes(':') ? `[${ip}]` : ip}${port === null ? '' : `:${port}`}`;

/** Services shown open with their bars; more than this are listed closed, each built when opened. */
const OPEN_UP_TO = 50;

export function renderServices(into: HTMLElement, report: ServicesReport): void {
  if (report.services.length === 0) into.append(el('p', {}, 'No services in the rules.'));
  const several = new Set(report.services.flatMap((s) => s.nodes.map((n) => n.node))).size > 1;
  const open = report.services.length <= OPEN_UP_TO;
  for (const s of report.services) {
    const head = [
      s.protocol,
      s.clusterIP === null ? '' : `cluster IP ${hostPort(s.clusterIP, s.port)}`,
      s.nodePort === null ? '' : `NodePort ${s.nodePort}`,
      s.proxyMode,
    ].filter(Boolean);
    const item = el(
      'details',
      { class: 'service', 'data-service': s.name, ...(open ? { open: '' } : {}) },
      el('summary', {}, el('strong', {}, s.name), ' ', el('small', {}, head.join(' · '))),
    );
    const build = () => item.append(...s.nodes.map((n) => nodeView(n, several)));
    if (open) build();
    else item.addEventListener('toggle', build, { once: true });
    into.append(item);
  }
}

function nodeView(n: Service['nodes'][number], several: boolean): HTMLElement {
  if (!n.present && several) return el('p', { class: 'node-name' }, `${n.node}: no rules for this service`);
  const box = el('div', { class: 'service-node', 'data-node': n.node });
  if (several) box.append(el('p', { class: 'node-name' }, `on ${n.node}`));
  for (const e of n.entryPoints) box.append(entryPoint(e));
  return box;
}

function entryPoint(e: EntryPoint): HTMLElement {
  const lost = [
    e.drop ? `dropped ${percent(e.drop)}` : '',
    e.reject ? `rejected ${percent(e.reject)}` : '',
    e.unhandled ? `not handled ${percent(e.unhandled)}` : '',
  ].filter(Boolean);
  const bars = el('ul', { class: 'bars', 'aria-label': `endpoints of ${e.kind} ${hostPort(e.ip, e.port)}` });
  for (const p of e.endpoints)
    bars.append(
      el(
        'li',
        {},
        el('span', { class: 'bar-label' }, hostPort(p.ip, p.port)),
        el(
          'span',
          {
            class: 'bar',
            role: 'meter',
            'aria-valuemin': '0',
            'aria-valuemax': '1',
            'aria-valuenow': String(p.probability),
          },
          el('span', { class: 'fill', style: `width:${(p.probability * 100).toFixed(2)}%` }),
        ),
        el('span', { class: 'bar-value' }, percent(p.probability)),
      ),
    );
  return el(
    'div',
    { class: `entry verdict-${e.verdict}` },
    el(
      'p',
      {},
      el('strong', {}, e.kind),
      ` ${hostPort(e.ip, e.port)} → ${e.verdict}`,
      lost.length ? ` (${lost.join(', ')})` : '',
      'estimate' in e && e.estimate ? ' (estimate)' : '',
    ),
    e.endpoints.length ? bars : '',
  );
}
