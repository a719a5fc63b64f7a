/** `nfwalk stale` as text: per node how many entries were checked and found stale, then the findings with their cleanup commands. */
import type { StaleAnalysis } from '../analyses/stale/index';
import { formatFindings } from './findings-text';

export function formatStale(a: StaleAnalysis): string {
  if (a.nodes.length === 0) return 'no conntrack or IPVS connection table among the inputs\n';
  const lines = a.nodes.map((n) => {
    const undecided = n.undecided.reduce((sum, u) => sum + u.count, 0);
    return `${n.node}: ${n.checked.toLocaleString('en-US')} entries checked, ${n.stale.toLocaleString('en-US')} stale${undecided ? `, ${undecided.toLocaleString('en-US')} not checked` : ''}`;
  });
  return `${lines.join('\n')}\n\n${formatFindings(a.findings)}`;
}
