/** Every dump format nfwalk reads, in the order their start lines are tried (most specific first). */
import { conntrackCountFormat, conntrackStatsFormat } from '../../grammar/conntrack-stats/index';
import { conntrackFormat } from '../../grammar/conntrack/index';
import { ipAddrFormat } from '../../grammar/ip-addr/index';
import { ipRouteFormat } from '../../grammar/ip-route/index';
import { ipsetFormat } from '../../grammar/ipset/index';
import { iptablesListFormat } from '../../grammar/iptables-list/index';
import { iptablesSaveFormat } from '../../grammar/iptables-save/index';
import { ipvsadmFormat } from '../../grammar/ipvsadm/index';
import { nftFormat } from '../../grammar/nft/index';
import type { DumpFormat } from '../../grammar/shared/reader';
import { sysctlFormat } from '../../grammar/sysctl/index';

// conntrack's `-o save` lines (`-A -t 431981 -u …`) before ipvsadm's (`-A -t ADDR:PORT`) before iptables' (`-A CHAIN`).
const FORMATS: readonly DumpFormat[] = [
  conntrackFormat,
  conntrackStatsFormat,
  conntrackCountFormat,
  ipvsadmFormat,
  iptablesSaveFormat,
  iptablesListFormat,
  ipsetFormat,
  ipAddrFormat,
  ipRouteFormat,
  sysctlFormat,
  nftFormat,
];

export function formatStartingAt(line: string, hint: string): DumpFormat | undefined {
  return FORMATS.find((f) => f.starts(line, hint));
}
