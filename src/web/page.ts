/**
 * The paste page's main thread: takes what the person gives (the DOM hooks of contracts.md "The paste page"),
 * hands it to the analysis worker and shows what comes back, in the order an on-call reader needs it. No
 * analysis happens here; mermaid (loaded beside this script) draws the worker's Mermaid sources.
 */
import type { Finding } from '../analyses/finding';
import { sortFindings } from '../report/findings-text';
import { MERMAID_CONFIG } from '../report/render/mermaid-config';
import { resolveEntityCodes } from '../report/render/svg-entities';
import { formatSourceRef } from '../report/source-ref';
import type { PickedFile } from './browser-sources';
import { collectDropped, sortedPicks } from './dropped-files';
import { $, clear, el, must } from './dom';
import type { Analysis, DiagramSource, Extras, FromWorker, Lines, ToWorker, TraceAnswer } from './protocol';
import { renderServices } from './view-services';
import { renderStale } from './view-stale';
import { renderTrace } from './view-trace';
import { copyText, download } from './clipboard';

interface MermaidGlobal {
  initialize(config: unknown): void;
  render(id: string, source: string): Promise<{ svg: string }>;
}
const mermaid = (globalThis as unknown as { mermaid: MermaidGlobal }).mermaid;
mermaid.initialize(MERMAID_CONFIG);

const worker = new Worker(URL.createObjectURL(new Blob([must('nfwalk-worker').textContent ?? ''])));
const send = (m: ToWorker) => worker.postMessage(m);

const paste = must<HTMLTextAreaElement>('paste');
const filesInput = must<HTMLInputElement>('files');
const folderInput = must<HTMLInputElement>('folder');
const statusEl = must('status');
const progress = must<HTMLProgressElement>('progress');
const results = must('results');

let dropped: PickedFile[] = [];
let analysis: Analysis | undefined;
let extras: Extras | undefined;
let diagramCount = 0;
/** Answers the worker owes, in the order asked: it answers one message at a time. */
const waiting: ((m: FromWorker) => void)[] = [];

function setStatus(state: 'idle' | 'running' | 'done' | 'error', message: string): void {
  statusEl.dataset.state = state;
  statusEl.textContent = message;
  progress.hidden = state !== 'running';
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'progress') {
    setStatus('running', `${m.phase}…`);
    if (m.fraction === null) progress.removeAttribute('value');
    else progress.value = m.fraction;
    return;
  }
  waiting.shift()?.(m);
};
worker.onerror = (e) => {
  e.preventDefault();
  waiting.shift()?.({ type: 'error', message: e.message || 'the analysis stopped' });
};

const ask = (m: ToWorker) =>
  new Promise<FromWorker>((resolve) => {
    waiting.push(resolve);
    send(m);
  });

/** Everything the page was given: the hooked file input's files (a folder's too), then what was dropped. */
function picked(): PickedFile[] {
  const fromInput = (input: HTMLInputElement) =>
    [...(input.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  return [...fromInput(filesInput), ...sortedPicks(fromInput(folderInput)), ...dropped];
}

function showPicked(): void {
  const list = must('picked');
  clear(list);
  const files = picked();
  for (const f of files) list.append(el('li', {}, `${f.path} (${f.file.size.toLocaleString('en')} bytes)`));
  must('clear-files').hidden = files.length === 0;
}

async function analyze(): Promise<void> {
  const files = picked();
  if (!paste.value.trim() && files.length === 0) {
    setStatus('error', 'Paste a dump or choose files first.');
    return;
  }
  setStatus('running', 'starting…');
  // Marks for bench/page.ts: when the analysis was asked for, shown, and drawn.
  performance.clearMarks();
  performance.mark('nfwalk:start');
  progress.removeAttribute('value');
  must<HTMLButtonElement>('analyze').disabled = true;
  try {
    const answer = await ask({ type: 'analyze', text: paste.value, files });
    if (answer.type !== 'analysis') throw new Error(answer.type === 'error' ? answer.message : 'no answer');
    analysis = answer.analysis;
    extras = undefined;
    showResults(answer.analysis);
    performance.mark('nfwalk:shown');
    setStatus('running', 'drawing the diagrams…');
    const more = await ask({ type: 'extras' });
    if (more.type !== 'extras') throw new Error(more.type === 'error' ? more.message : 'no answer');
    extras = more.extras;
    await drawDiagrams(more.extras);
    performance.mark('nfwalk:drawn');
    const counts = countBySeverity(answer.analysis.analyze.findings);
    setStatus(
      'done',
      `Done: ${plural(answer.analysis.analyze.nodes.length, 'node')}, ${counts.error} errors, ${counts.warning} warnings, ${counts.info} info.`,
    );
  } catch (e) {
    setStatus('error', e instanceof Error ? e.message : String(e));
  } finally {
    must<HTMLButtonElement>('analyze').disabled = false;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function countBySeverity(findings: readonly { severity: string }[]) {
  const c = { error: 0, warning: 0, info: 0 } as Record<string, number>;
  for (const f of findings) c[f.severity] = (c[f.severity] ?? 0) + 1;
  return c as { error: number; warning: number; info: number };
}

function showResults(a: Analysis): void {
  results.hidden = false;
  showNodes(a);
  showFindings(a.analyze.findings as unknown as Finding[]);
  const services = must('service-list');
  clear(services);
  must('services-note').hidden = 'ok' in a.services;
  if ('ok' in a.services) renderServices(services, a.services.ok);
  else must('services-note').textContent = a.services.error;
  const stale = must('stale-list');
  clear(stale);
  if ('ok' in a.stale) renderStale(stale, a.stale.ok);
  else stale.append(el('p', {}, a.stale.error));
  showTraceForm(a);
  clear(must('trace-result'));
  must('trace-result').dataset.state = 'idle';
  clear(must('trace-diagram'));
}

async function drawDiagrams(a: Extras): Promise<void> {
  await drawInto(must('services-diagram'), a.diagrams.services);
  await drawInto(must('stale-diagram'), a.diagrams.stale);
  const chains = must('chains-diagrams');
  clear(chains);
  if (a.diagrams.chains.length === 0) chains.append(el('p', {}, 'No ruleset to draw.'));
  for (const d of a.diagrams.chains) {
    const figure = el('figure', { class: 'diagram', 'data-nfwalk': 'diagram' });
    chains.append(figure);
    await drawInto(figure, d);
  }
}

function showNodes(a: Analysis): void {
  const list = must('node-lines');
  clear(list);
  for (const n of a.analyze.nodes) {
    const fill = n.conntrackFill === null ? '' : ` (table ${(n.conntrackFill * 100).toFixed(0)}% full)`;
    list.append(
      el(
        'li',
        { 'data-node': n.node },
        el('strong', {}, n.node),
        `: ${plural(n.rules, 'rule')}, ${plural(n.services, 'service')}, ${plural(n.conntrackEntries, 'conntrack entry', 'conntrack entries')}${fill}, ${n.stale} stale; `,
        el(
          'span',
          { class: 'sev-error' },
          `${n.unreadLines ? `${plural(n.unreadLines, 'line')} not read, ` : ''}${plural(n.findings.error, 'error')}`,
        ),
        ', ',
        el('span', { class: 'sev-warning' }, plural(n.findings.warning, 'warning')),
        `, ${n.findings.info} info`,
      ),
    );
  }
  const together = countBySeverity(a.analyze.findings.filter((f) => f.node === undefined));
  if (together.error + together.warning + together.info > 0)
    list.append(
      el(
        'li',
        {},
        el('strong', {}, 'all nodes together'),
        ': ',
        el('span', { class: 'sev-error' }, plural(together.error, 'error')),
        ', ',
        el('span', { class: 'sev-warning' }, plural(together.warning, 'warning')),
        `, ${together.info} info`,
      ),
    );
  const unread = [...a.failures.map((f) => `could not read ${f}`), ...a.skipped];
  must('unread').hidden = unread.length === 0;
  const lines = must('unread-lines');
  clear(lines);
  for (const u of unread.slice(0, 500)) lines.append(el('li', {}, u));
  if (unread.length > 500) lines.append(el('li', {}, `… and ${unread.length - 500} more`));
}

/** Evidence references shown per finding: a stale-entries finding may cite thousands of conntrack lines. */
const SHOWN_REFS = 12;

function showFindings(findings: readonly Finding[]): void {
  const list = must('finding-list');
  clear(list);
  if (findings.length === 0) list.append(el('li', {}, 'No findings.'));
  for (const f of sortFindings(findings)) {
    const refs = [...new Map(f.evidence.map((r) => [formatSourceRef(r), r])).entries()];
    list.append(
      el(
        'li',
        { class: `finding sev-${f.severity}`, 'data-finding-code': f.code, 'data-severity': f.severity, tabindex: '0' },
        el(
          'div',
          { class: 'finding-head' },
          el('span', { class: 'badge' }, f.severity.toUpperCase()),
          ' ',
          el('code', {}, f.code),
          ' ',
          el('span', { class: 'subject' }, f.subject),
          f.node ? el('span', { class: 'on' }, ` on ${f.node}`) : '',
        ),
        el('p', {}, f.message),
        refs.length
          ? el(
              'p',
              { class: 'refs' },
              'Evidence: ',
              ...refs
                .slice(0, SHOWN_REFS)
                .flatMap(([text, r], i) => [
                  i ? ', ' : '',
                  el(
                    'button',
                    { type: 'button', class: 'ref', 'data-path': r.path, 'data-line': String(r.line) },
                    text,
                  ),
                ]),
              refs.length > SHOWN_REFS
                ? ` and ${refs.length - SHOWN_REFS} more (the Markdown report lists them all)`
                : '',
            )
          : '',
        el('details', {}, el('summary', {}, 'Fix'), el('pre', { class: 'remedy' }, f.remedy)),
      ),
    );
  }
}

async function showEvidence(path: string, line: number, opener: HTMLElement): Promise<void> {
  const answer = await ask({ type: 'lines', path, line, context: 8 });
  const box = must('evidence');
  const pre = must('evidence-lines');
  clear(pre);
  must('evidence-title').textContent = formatSourceRef({ path, line, column: 1 });
  const lines: Lines | null = answer.type === 'lines' ? answer.lines : null;
  if (!lines) pre.append('The text of this input was not kept (too large), so its lines cannot be shown here.');
  else
    lines.lines.forEach((text, i) => {
      const n = lines.from + i;
      pre.append(
        el(
          'span',
          { class: n === line ? 'line hit' : 'line', ...(n === line ? { 'aria-current': 'true' } : {}) },
          el('span', { class: 'ln' }, String(n).padStart(6)),
          ` ${text}\n`,
        ),
      );
    });
  box.hidden = false;
  returnFocus = opener;
  box.focus();
  box.querySelector('.hit')?.scrollIntoView({ block: 'center' });
}
let returnFocus: HTMLElement | undefined;

function closeEvidence(): void {
  must('evidence').hidden = true;
  returnFocus?.focus();
}

function showTraceForm(a: Analysis): void {
  const select = must<HTMLSelectElement>('trace-node');
  clear(select);
  for (const n of a.traceNodes) select.append(el('option', { value: n.node }, n.node));
  (select.closest('label') as HTMLElement).hidden = a.traceNodes.length < 2;
  fillInterfaces();
}

function fillInterfaces(): void {
  const node = must<HTMLSelectElement>('trace-node').value;
  const list = must('trace-interfaces');
  clear(list);
  for (const i of analysis?.traceNodes.find((n) => n.node === node)?.interfaces ?? [])
    list.append(el('option', { value: i }));
}

async function runTrace(form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const text = (k: string) => String(data.get(k) ?? '').trim();
  const port = (k: string) => (text(k) === '' ? undefined : Number(text(k)));
  const sport = port('sport');
  const dport = port('dport');
  // As the CLI: --local, else --in IFACE, else neither (the walk starts at PREROUTING on no interface).
  const local = data.get('local') !== null;
  const probe = {
    src: text('src'),
    dst: text('dst'),
    proto: text('proto') as 'tcp' | 'udp' | 'icmp' | 'sctp',
    ...(sport !== undefined ? { sport } : {}),
    ...(dport !== undefined ? { dport } : {}),
    ...(local ? { local: true } : text('in') !== '' ? { in: text('in') } : {}),
  };
  const out = must('trace-result');
  out.dataset.state = 'running';
  clear(out);
  out.append('Tracing…');
  const diagram = must('trace-diagram');
  clear(diagram);
  const node = (analysis?.traceNodes.length ?? 0) > 1 ? text('node') : undefined;
  const answer = await ask({ type: 'trace', probe, ...(node ? { node } : {}) });
  clear(out);
  if (answer.type !== 'trace' || 'error' in answer.trace) {
    out.dataset.state = 'error';
    out.append(
      el(
        'p',
        { class: 'error' },
        answer.type === 'trace' && 'error' in answer.trace
          ? answer.trace.error
          : answer.type === 'error'
            ? answer.message
            : 'no answer',
      ),
    );
    return;
  }
  const traced: TraceAnswer = answer.trace.ok;
  renderTrace(out, traced.report);
  out.append(
    el(
      'p',
      {},
      button('Download trace JSON', () => download('nfwalk-trace.json', json(traced.report), 'application/json')),
    ),
  );
  await drawInto(diagram, traced.diagram);
  out.dataset.state = 'done';
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button' }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A task boundary: the status and what is already shown get painted, and clicks are taken, between diagrams. */
const yieldToPage = () => new Promise((go) => setTimeout(go, 0));

async function drawInto(figure: HTMLElement, d: DiagramSource | undefined): Promise<void> {
  clear(figure);
  if (!d) return;
  await yieldToPage();
  const id = `nfwalk-diagram-${++diagramCount}`;
  const caption = el('figcaption', {}, d.title, ' ');
  figure.append(caption);
  try {
    const { svg } = await mermaid.render(id, d.source);
    if (svg.includes('Maximum text size in diagram exceeded'))
      throw new Error('the diagram is larger than mermaid renders');
    const holder = el('div', { class: 'svg' });
    holder.innerHTML = resolveEntityCodes(svg);
    figure.append(holder);
    const drawn = holder.querySelector('svg');
    drawn?.setAttribute('role', 'img');
    drawn?.setAttribute('aria-label', d.title);
    caption.append(
      button('Download SVG', () =>
        download(`nfwalk-${d.title.replace(/[^A-Za-z0-9.-]+/g, '-')}.svg`, serialise(holder), 'image/svg+xml'),
      ),
      ' ',
      button('Copy Mermaid source', () => void copyText(d.source)),
    );
  } catch (e) {
    figure.append(el('p', { class: 'error' }, `Could not draw ${d.title}: ${e instanceof Error ? e.message : e}`));
    document.getElementById(id)?.remove();
    document.getElementById(`d${id}`)?.remove();
  }
}

const serialise = (holder: HTMLElement) => {
  const svg = holder.querySelector('svg');
  return svg ? new XMLSerializer().serializeToString(svg) : '';
};

// Wiring: the DOM hooks first, then the comforts.
must('analyze').addEventListener('click', () => void analyze());
paste.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    void analyze();
  }
});
filesInput.addEventListener('change', showPicked);
folderInput.addEventListener('change', showPicked);
must('clear-files').addEventListener('click', () => {
  filesInput.value = '';
  folderInput.value = '';
  dropped = [];
  showPicked();
});
const drop = must('drop');
for (const target of [drop, paste]) {
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  target.addEventListener('dragleave', () => drop.classList.remove('over'));
  target.addEventListener('drop', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    drop.classList.remove('over');
    void collectDropped(e.dataTransfer).then((files) => {
      dropped = [...dropped, ...files];
      showPicked();
    });
  });
}
must('copy-markdown').addEventListener('click', (e) => {
  const button = e.currentTarget as HTMLElement;
  if (extras) void copyText(extras.markdown).then((ok) => flash(button, ok));
});
must('download-json').addEventListener('click', () => {
  if (analysis) download('nfwalk-analyze.json', json(analysis.analyze), 'application/json');
});
must('trace-node').addEventListener('change', fillInterfaces);
must<HTMLFormElement>('trace-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void runTrace(e.currentTarget as HTMLFormElement);
});
must('evidence-close').addEventListener('click', closeEvidence);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !must('evidence').hidden) closeEvidence();
});
must('finding-list').addEventListener('click', (e) => {
  const ref = (e.target as HTMLElement).closest<HTMLElement>('button.ref');
  if (ref) void showEvidence(ref.dataset.path ?? '', Number(ref.dataset.line), ref);
});
must('finding-list').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const items = [...$<HTMLElement>('#finding-list > li.finding')];
  const at = items.findIndex((i) => i.contains(document.activeElement));
  const next = items[at + (e.key === 'ArrowDown' ? 1 : -1)];
  if (!next) return;
  e.preventDefault();
  next.focus();
});
document.addEventListener('click', (e) => {
  const copy = (e.target as HTMLElement).closest<HTMLElement>('[data-copy]');
  if (copy) void copyText(copy.dataset.copy ?? '').then((ok) => flash(copy, ok));
});

// Printed, every path, fix and list shows: closed <details> would print closed.
window.addEventListener('beforeprint', () => {
  for (const d of $<HTMLDetailsElement>('details')) d.open = true;
});

function flash(b: HTMLElement, ok: boolean): void {
  const was = b.textContent;
  b.textContent = ok ? 'Copied' : 'Copy failed: select the text and copy it';
  setTimeout(() => (b.textContent = was), 1500);
}
