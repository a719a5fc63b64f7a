/** A trace as the page shows it: each path with its share, verdict, NAT and the rules it went through. */
import type { TraceReport } from '../library/trace';
import { el } from './dom';

type Path = TraceReport['paths'][number];
type Step = Path['steps'][number];
type Header = Path['final'];

const at = (ip: string, port: number | undefined) =>
  `${ip.includes(':') ? `[${ip}]` : ip}${port === undefined ? '' : `:${port}`}`;
const header = (h: Header) => `${at(h.src, h.sport)} → ${at(h.dst, h.dport)}`;

export function renderTrace(into: HTMLElement, r: TraceReport): void {
  const p = r.packet;
  into.append(
    el(
      'p',
      {},
      `${p.proto} ${at(p.src, p.sport)} → ${at(p.dst, p.dport)} on ${r.node}, `,
      p.local ? 'sent by the node itself' : p.in ? `arriving on ${p.in}` : 'arriving',
      `: ${r.paths.length} path${r.paths.length === 1 ? '' : 's'}`,
    ),
  );
  if (r.warnings.length) into.append(el('ul', { class: 'warnings' }, ...r.warnings.map((w) => el('li', {}, w))));
  r.paths.forEach((path, i) => into.append(pathView(path, i + 1)));
}

function pathView(path: Path, n: number): HTMLElement {
  const nat = header(path.final);
  const steps = el('ol', { class: 'steps' });
  for (const s of path.steps) steps.append(stepView(s));
  return el(
    'details',
    { class: `path verdict-${path.verdict}`, ...(n === 1 ? { open: '' } : {}) },
    el(
      'summary',
      {},
      el('strong', {}, `${(path.probability * 100).toFixed(path.probability < 0.001 ? 3 : 1)}%`),
      ` ${path.verdict}`,
      path.delivered
        ? ` (${path.delivered === 'local' ? 'delivered locally' : `forwarded${path.out ? ` out of ${path.out}` : ''}`})`
        : '',
      ` as ${nat}`,
      path.masquerade ? ', masqueraded' : '',
    ),
    path.reason ? el('p', {}, path.reason) : '',
    path.assumptions?.length
      ? el('ul', { class: 'assumptions' }, ...path.assumptions.map((a) => el('li', {}, `assumed: ${a}`)))
      : '',
    steps,
  );
}

function stepView(s: Step): HTMLElement {
  const where = 'family' in s ? `${s.family} ${s.table} ${s.chain}` : `${s.table} ${s.chain}`;
  if ('policy' in s) return el('li', {}, el('code', {}, where), ` policy ${s.policy}`);
  const rewrote = 'rewrote' in s && s.rewrote ? el('span', { class: 'nat' }, ` ⇒ ${header(s.rewrote)}`) : '';
  const what = 'verdict' in s ? ` ${s.verdict}` : s.target ? ` → ${s.target}` : '';
  const text = 'text' in s && s.text ? el('div', {}, el('code', { class: 'rule' }, s.text)) : '';
  return el('li', {}, el('code', {}, `${where} #${s.rule}`), what, rewrote, text);
}
