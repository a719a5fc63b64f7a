/**
 * A packet walk as a flowchart: chains are nodes; an edge carries the rule that jumped into a chain, or
 * the rule or policy that ended one, with the share of packets taking it and the header after any NAT;
 * every distinct ending is a node with its verdict, the final header and whether it was masqueraded.
 * A walk with more paths than a diagram can hold draws the likeliest and folds the rest into one node.
 */
import { type TracePath, type TraceResult, type TraceStep, isNftStep } from '../../analyses/trace/index';
import { formatHeader, formatOutcome, formatProbe, tableOf } from '../trace-text';
import type { FlowEdge, Flowchart } from './flowchart';
import { NodeSet } from './node-set';
import { MAX_LINE, cutLine } from './label';
import { share, VERDICT_CLASSES, verdictClass } from './style';

/** Targets after which the walk leaves the chain (for the next table or hook, or back to the caller). */
const LEAVES = new Set([
  'ACCEPT',
  'DROP',
  'REJECT',
  'RETURN',
  'DNAT',
  'SNAT',
  'MASQUERADE',
  'REDIRECT',
  'NETMAP',
  'QUEUE',
  'NFQUEUE',
  'TPROXY',
]);

/** How many paths are drawn in full; the rest become one node. */
const MAX_PATHS = 40;

function stepLabel(s: TraceStep): string {
  if ('policy' in s) return `policy ${s.policy}`;
  if (isNftStep(s)) {
    const rule = `rule ${s.rule}: ${s.text.replace(/ comment "(?:[^"\\]|\\.)*"/g, '')}`;
    return s.rewrote ? `${rule}\n⇒ ${formatHeader(s.rewrote)}` : rule;
  }
  // Comments take most of a kube-proxy rule's width and say nothing the chain names don't.
  const body = s.text
    .replace(/^(\[\d+:\d+\] )?-A \S+ /, '')
    .replace(/ ?-m comment --comment ("(?:[^"\\]|\\.)*"|\S+)/g, '');
  const rule = `rule ${s.rule}: ${body.replace(/\s+/g, ' ').trim()}`;
  return s.rewrote ? `${rule}\n⇒ ${formatHeader(s.rewrote)}` : rule;
}

/** The share goes on the label's last line, which is cut here rather than when printed so the share always shows. */
function withShare(label: string, p: number): string {
  const lines = label.split('\n');
  const text = share(p);
  const last = cutLine(lines.pop() ?? '', MAX_LINE - text.length);
  return [...lines, `${last}${text}`].join('\n').trim();
}

/** The chain an nft rule's verdict enters (`jump X`, `goto X`). */
const nftEntered = (verdict: string) => /^(?:jump|goto) (.+)$/.exec(verdict)?.[1];

const leaves = (s: TraceStep) =>
  'policy' in s || (isNftStep(s) ? !nftEntered(s.verdict) && s.verdict !== 'continue' : LEAVES.has(s.target ?? ''));

/** The chain a step's rule enters, with its table, when it jumps or goes to one. */
function entered(s: TraceStep): { table: string; chain: string; backend?: string; family?: string } | undefined {
  if ('policy' in s) return undefined;
  if (isNftStep(s)) {
    const chain = nftEntered(s.verdict);
    return chain === undefined ? undefined : { family: s.family, table: s.table, chain };
  }
  return s.jump ? { table: s.table, chain: s.target ?? '', ...(s.backend ? { backend: s.backend } : {}) } : undefined;
}

export function traceFlowchart(r: TraceResult): Flowchart {
  const nodes = new NodeSet();
  const node = nodes.add.bind(nodes);
  const edges = new Map<string, FlowEdge & { p: number }>();
  const edge = (from: string, to: string, label: string, p: number) => {
    const key = `${from} ${to} ${label}`;
    const e = edges.get(key);
    if (e) e.p += p;
    else edges.set(key, { from, to, label, p });
  };
  const chain = (s: {
    readonly table: string;
    readonly chain: string;
    readonly backend?: string;
    readonly family?: string;
  }) => node('c', `${tableOf(s)} ${s.chain}`, `${tableOf(s)} ${s.chain}`);
  const start = node('probe', 'packet', formatProbe(r), { shape: 'stadium' });

  const ranked = [...r.paths].sort((a, b) => b.probability - a.probability);
  const drawn = ranked.length > MAX_PATHS ? ranked.slice(0, MAX_PATHS) : ranked;
  for (const path of drawn) drawPath(path);
  const rest = ranked.slice(drawn.length);
  if (rest.length > 0) foldRest(rest);

  function drawPath(path: TracePath) {
    let at = start;
    let leaving = '';
    for (const s of path.steps) {
      const here = chain(s);
      if (here !== at) edge(at, here, leaving, path.probability);
      at = here;
      leaving = leaves(s) ? stepLabel(s) : 'return';
      const enters = entered(s);
      if (enters) {
        const into = chain(enters);
        edge(at, into, stepLabel(s), path.probability);
        at = into;
        leaving = 'return';
      }
    }
    const ending = [formatOutcome(path), formatHeader(path.final), ...(path.masquerade ? ['MASQUERADE'] : [])].join(
      '\n',
    );
    const end = node('end', ending, ending, { shape: 'stadium', className: verdictClass(path.verdict) });
    const last = path.steps.at(-1);
    const why = last && !entered(last) && leaving !== 'return' ? leaving : '';
    edge(at, end, why, path.probability);
  }

  /** The undrawn paths leave the drawing where they first step off it. */
  function foldRest(rest: readonly TracePath[]) {
    const others = node('end', 'others', `${rest.length} less likely paths\n(nfwalk trace lists them)`, {
      shape: 'stadium',
    });
    for (const path of rest) {
      let at = start;
      for (const s of path.steps) {
        if (!nodes.drawn('c', `${tableOf(s)} ${s.chain}`)) break;
        at = chain(s);
      }
      edge(at, others, '', path.probability);
    }
  }

  // Top-down: a walk passes a dozen chains, which left-to-right makes a strip too wide to read.
  return {
    direction: 'TD',
    nodes: nodes.list(),
    edges: [...edges.values()].map(({ p, label, ...e }) => ({ ...e, label: withShare(label ?? '', p) })),
    classes: VERDICT_CLASSES,
  };
}
