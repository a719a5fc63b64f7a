/** Stale entries as the page shows them: what is pinned where, why, and the command that deletes it. */
import type { StaleReport } from '../library/stale';
import { el } from './dom';

/** Rows shown; the copy button takes every command, however many. */
const SHOWN = 500;

export function renderStale(into: HTMLElement, report: StaleReport): void {
  const checked = report.nodes.length;
  if (report.stale.length === 0) {
    into.append(el('p', {}, `No stale entries (${checked} node${checked === 1 ? '' : 's'} checked).`));
    return;
  }
  const all = report.stale.map((s) => s.cleanup).join('\n');
  into.append(
    el(
      'p',
      {},
      `${report.stale.length.toLocaleString('en')} stale entries. `,
      el('button', { type: 'button', 'data-copy': `${all}\n` }, 'Copy all cleanup commands'),
    ),
  );
  const table = el(
    'table',
    { class: 'stale' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['node', 'entry', 'pinned to', 'service', 'why', 'cleanup'].map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
  );
  const body = el('tbody');
  for (const s of report.stale.slice(0, SHOWN))
    body.append(
      el(
        'tr',
        {},
        el('td', {}, String(s.node)),
        el(
          'td',
          {},
          `${s.proto} ${s.src}:${s.sport} → ${s.dst}:${s.dport}`,
          el('br'),
          el('small', {}, `${s.file}:${s.line}`),
        ),
        el('td', {}, s.natTarget ?? ''),
        el('td', {}, s.service ?? ''),
        el('td', {}, s.reason),
        el(
          'td',
          { class: 'cleanup' },
          el('code', {}, s.cleanup),
          ' ',
          el('button', { type: 'button', 'data-copy': s.cleanup, 'aria-label': `copy: ${s.cleanup}` }, 'Copy'),
        ),
      ),
    );
  table.append(body);
  into.append(table);
  if (report.stale.length > SHOWN)
    into.append(el('p', {}, `… ${report.stale.length - SHOWN} more: “Copy all cleanup commands” has them all.`));
}
