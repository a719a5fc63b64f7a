/**
 * `nfwalk services`: every Kubernetes service the nodes' dumps program, each entry point tried on every
 * node with a new connection, the share each endpoint gets, and what is wrong with it. Entry points are
 * gathered across nodes first, so a node that lacks one (a stale kube-proxy) is tried on it too.
 */
import type { NodeDumps } from '../../model/node';
import type { ServicesAnalysis } from './model';
import { type ServicesOptions, collected, servicesStream } from './stream';

export type * from './model';
export type { EntryPoint } from '../../graph/service-model';
export { consensusEndpoints } from './consensus';
export { type ServicesOptions, type ServicesStream, collected, servicesStream } from './stream';

/** The whole analysis at once: the stream of services collected, with the nodes' summaries and the findings. */
export function analyzeServices(nodes: readonly NodeDumps[], options: ServicesOptions = {}): ServicesAnalysis {
  return collected(servicesStream(nodes, options));
}
