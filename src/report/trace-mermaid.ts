/**
 * A trace as a Mermaid flowchart: chains are nodes; an edge carries the rule that jumped into a chain,
 * or the rule or policy that ended one, and the share of packets that take it; every distinct ending is
 * a node with its verdict, the header after NAT and whether it was masqueraded.
 */
import type { TraceResult, TraceStep } from '../analyses/trace/index';
import { formatHeader, formatOutcome, formatProbe } from './trace-text';

const MAX_LABEL = 100;

/** Mermaid labels are quoted strings: quotes and angle brackets become entities, long rules are cut. */
export function mermaidLabel(text: string): string {
  const cut = text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
  return cut.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** Targets after which the walk leaves the chain (for the next table or hook, or back to the caller). */
const LEAVES = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'QUEUE', 'NFQUEUE', 'TPROXY']);

function stepLabel(s: TraceStep): string {
  if ('policy' in s) return `policy ${s.policy}`;
  // Comments take most of a kube-proxy rule's width and say nothing the chain names don't.
  const body = s.text.replace(/^-A \S+ /, '').replace(/ ?-m comment --comment ("(?:[^"\\]|\\.)*"|\S+)/g, '');
  return `rule ${s.rule}: ${body.replace(/\s+/g, ' ').trim()}`;
}

const share = (p: number) => (p < 1 ? ` (p=${+p.toFixed(4)})` : '');

export function formatTraceMermaid(r: TraceResult): string {
  const nodes = new Map<string, { id: string; text: string; ending: boolean }>();
  const node = (key: string, text: string, ending = false) => {
    let n = nodes.get(key);
    if (!n) nodes.set(key, (n = { id: `n${nodes.size}`, text, ending }));
    return n.id;
  };
  const edges = new Map<string, { from: string; to: string; label: string; p: number }>();
  const edge = (from: string, to: string, label: string, p: number) => {
    const key = `${from} ${to} ${label}`;
    const e = edges.get(key);
    if (e) e.p += p;
    else edges.set(key, { from, to, label, p });
  };
  const start = node('start', formatProbe(r), true);
  for (const path of r.paths) {
    let at = start;
    let leaving = '';
    for (const s of path.steps) {
      const here = node(`${s.table}:${s.chain}`, `${s.table} ${s.chain}`);
      if (here !== at) edge(at, here, leaving, path.probability);
      at = here;
      leaving = 'policy' in s || LEAVES.has(s.target ?? '') ? stepLabel(s) : 'return';
      if ('rule' in s && s.jump) {
        const into = node(`${s.table}:${s.target}`, `${s.table} ${s.target}`);
        edge(at, into, stepLabel(s), path.probability);
        at = into;
        leaving = 'return';
      }
    }
    const ending = [formatOutcome(path), formatHeader(path.final), ...(path.masquerade ? ['MASQUERADE'] : [])];
    const last = path.steps.at(-1);
    const why = last && !('rule' in last && last.jump) && leaving !== 'return' ? leaving : '';
    edge(at, node(`end:${ending.join('|')}`, ending.join('\n'), true), why, path.probability);
  }
  const lines = ['flowchart LR'];
  for (const n of nodes.values()) {
    const text = n.text.split('\n').map(mermaidLabel).join('<br/>');
    lines.push(n.ending ? `  ${n.id}(["${text}"])` : `  ${n.id}["${text}"]`);
  }
  for (const e of edges.values()) {
    const label = `${mermaidLabel(e.label)}${share(e.p)}`.trim();
    lines.push(label ? `  ${e.from} -->|"${label}"| ${e.to}` : `  ${e.from} --> ${e.to}`);
  }
  return `${lines.join('\n')}\n`;
}
