/** A trace as people read one in a postmortem: one line per step with the rule, the packet after each NAT. */
import { endpointText } from '../analyses/finding-text';
import { type Header, type TracePath, type TraceResult, type TraceStep, isNftStep } from '../analyses/trace/index';

export function formatHeader(h: Header): string {
  return `${endpointText(h.src, h.sport)} → ${endpointText(h.dst, h.dport)}`;
}

export function formatProbe(r: TraceResult): string {
  const p = r.packet;
  const where = p.local ? 'sent by the node' : p.in ? `arriving on ${p.in}` : 'arriving';
  return `${p.proto} ${formatHeader(p)}, ${where}${p.ctstate && p.ctstate !== 'NEW' ? ` (${p.ctstate})` : ''}`;
}

export function formatOutcome(path: TracePath): string {
  const where =
    path.delivered === 'local'
      ? 'delivered locally'
      : path.delivered === 'forwarded'
        ? `sent out${path.out ? ` of ${path.out}` : ''}`
        : (path.reason ?? 'stopped');
  return `${path.verdict}, ${where}`;
}

/** The table a step is in: with its backend when the node runs both (`nat (legacy)`), with its family for nft (`ip kube-proxy`). */
export function tableOf(s: { readonly table: string; readonly backend?: string; readonly family?: string }): string {
  if (s.family) return `${s.family} ${s.table}`;
  return s.backend ? `${s.table} (${s.backend})` : s.table;
}

function stepLine(s: TraceStep): string {
  const place = `${tableOf(s).padEnd(8)} ${s.chain}`;
  if ('policy' in s) return `  ${place}: policy ${s.policy}`;
  if (isNftStep(s)) {
    const rewrote = s.rewrote ? `\n${' '.repeat(6)}⇒ ${formatHeader(s.rewrote)}` : '';
    return `  ${place} rule ${s.rule}: ${s.text} (verdict ${s.verdict})${rewrote}`;
  }
  const rewrote = s.rewrote ? `\n${' '.repeat(6)}⇒ ${formatHeader(s.rewrote)}` : '';
  return `  ${place} rule ${s.rule}: ${s.text}${rewrote}`;
}

export function formatTrace(r: TraceResult): string {
  const lines = [`trace on ${r.node}: ${formatProbe(r)}`, ''];
  r.paths.forEach((path, i) => {
    const share = r.paths.length > 1 ? ` (probability ${+path.probability.toFixed(6)})` : '';
    // An outcome that rests on what the dumps do not decide or show says so where it is read first.
    const given = path.assumptions?.length ? ', if what it assumes (below) holds' : '';
    lines.push(`path ${i + 1} of ${r.paths.length}${share}: ${formatOutcome(path)}${given}`);
    for (const s of path.steps) lines.push(stepLine(s));
    lines.push(`  final: ${formatHeader(path.final)}${path.masquerade ? ', masqueraded' : ''}`);
    for (const a of path.assumptions ?? []) lines.push(`  assumes: ${a}`);
    lines.push('');
  });
  for (const w of r.warnings) lines.push(`note: ${w}`);
  return `${lines.join('\n').trimEnd()}\n`;
}
