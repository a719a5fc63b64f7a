/** `trace`: one packet walked through a node as the kernel would (= `nfwalk trace --json`). */
import { rulesReadingFindings } from '../analyses/analyze/input-findings';
import type { Finding } from '../analyses/finding';
import { type Probe, type ProbeProtocol, TraceError, tracePacket } from '../analyses/trace/index';
import type { TraceResult } from '../analyses/trace/path';
import { mayChange, unshownRules } from '../model/gaps';
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
    const walked = tracePacket(node, { ...probe, proto: probe.proto ?? 'tcp' }, { nodeIps: options.nodeIps ?? [] });
    // On rules pasted in part every path rests on what the paste does not show, as services' answers do.
    const unshown = unshownRules(node);
    const result = unshown.length
      ? {
          ...walked,
          paths: walked.paths.map((p) => ({
            ...p,
            assumptions: [...(p.assumptions ?? []), mayChange(unshown.join('; '))],
          })),
        }
      : walked;
    // Lines not read and dumps shown in part bound every path: said first among what the walk did not have.
    const reading = rulesReadingFindings(node).map(noteOf);
    return reading.length ? { ...result, warnings: [...reading, ...result.warnings] } : result;
  } catch (e) {
    if (e instanceof TraceError) throw new NfwalkError('BAD_PROBE', e.message);
    throw e;
  }
}

/** A finding about the input as one note, with where it shows (file:line:column, the first three). */
function noteOf(f: Finding): string {
  const where = f.evidence.slice(0, 3).map((e) => `${e.path}:${e.line}:${e.column}`);
  return `${f.message} (${where.join(', ')}${f.evidence.length > 3 ? ', …' : ''})`;
}

export type TraceReport = Json<TraceResult>;

export function trace(inputs: Inputs, probe: TraceProbe, options: TraceOptions = {}): TraceReport {
  return plain(traceResult(inputs, probe, options));
}
