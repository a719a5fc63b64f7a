/** Kernel parameters as `sysctl -a` (or any `key = value` subset, or `/proc/sys/...` paths) prints them. */
export interface SysctlEntry {
  readonly line: number;
  /** Dotted key (`net.netfilter.nf_conntrack_max`), also for `/proc/sys/...` paths. */
  readonly key: string;
  readonly value: string;
}
