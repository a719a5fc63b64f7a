/**
 * The library's one exception type: a failure the caller can act on, with a stable code to branch on. The
 * messages name what is wrong in the caller's terms (inputs, options), never a command-line flag.
 */
export type NfwalkErrorCode =
  /** A path given to readInputs does not exist. */
  | 'INPUT_NOT_FOUND'
  /** The inputs hold no dump nfwalk reads (perhaps a listing it recognises but does not read). */
  | 'NO_DUMP'
  /** services: no iptables-save or ipvsadm dump, so nothing programs services. */
  | 'NO_RULES'
  /** stale: no conntrack or IPVS connection listing to check. */
  | 'NO_ENTRIES'
  /** trace: several nodes have rulesets and no `node` option names one; `nodes` lists them. */
  | 'NODE_AMBIGUOUS'
  /** trace: the `node` option names no node of the inputs; `nodes` lists those there are. */
  | 'NODE_NOT_FOUND'
  /** trace: the probe cannot be walked (a bad address, a missing port, a walk that splits too far). */
  | 'BAD_PROBE';

export class NfwalkError extends Error {
  override readonly name = 'NfwalkError';

  constructor(
    readonly code: NfwalkErrorCode,
    message: string,
    /** For NODE_AMBIGUOUS and NODE_NOT_FOUND: the nodes that have rulesets. */
    readonly nodes: readonly string[] = [],
  ) {
    super(message);
  }
}
