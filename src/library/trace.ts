/** `trace`: one packet walked through a node as the kernel would (= `nfwalk trace --json`). */
import { type Probe, type ProbeProtocol, TraceError, tracePacket } from '../analyses/trace/index';
import type { TraceResult } from '../analyses/trace/path';
import { NfwalkError } from './errors';
import type { Inputs } from './inputs';
import { pickNode } from './pick-node';
import { type Json, plain } from './plain';

/** The packet: the first of a new connection unless `ctstate` says otherwise; tcp unless `proto` says otherwise. */
export type TraceProbe = Omit<Probe, 'proto'> & { readonly proto?: ProbeProtocol };

export interface TraceOptions {
  /** The node's addresses when its dumps have no `ip addr`. */
  readonly nodeIps?: readonly string[];
  /** Which node, when the inputs hold several nodes' rulesets. */
  readonly node?: string;
}

/**
 * The walk behind the report. Throws NfwalkError: NODE_AMBIGUOUS or NODE_NOT_FOUND when the node is not
 * clear, BAD_PROBE when the probe cannot be walked.
 */
export function traceResult(inputs: Inputs, probe: TraceProbe, options: TraceOptions = {}): TraceResult {
  const node = pickNode(inputs.sections, options.node);
  try {
    return tracePacket(node, { ...probe, proto: probe.proto ?? 'tcp' }, { nodeIps: options.nodeIps ?? [] });
  } catch (e) {
    if (e instanceof TraceError) throw new NfwalkError('BAD_PROBE', e.message);
    throw e;
  }
}

export type TraceReport = Json<TraceResult>;

export function trace(inputs: Inputs, probe: TraceProbe, options: TraceOptions = {}): TraceReport {
  return plain(traceResult(inputs, probe, options));
}
