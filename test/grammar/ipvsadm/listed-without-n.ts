/**
 * The sample's `ipvsadm -Ln` listing printed again the way `ipvsadm -L` (without -n) prints it
 * (print_service_entry in ipvsadm.c): `addr:port` through a resolver and /etc/services (an RHEL node's IANA
 * names), an IPv4 service column cut to 33 characters with its `TCP  ` and a real-server column to 28.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/shared';

export const NAMED_WIDTH = 28;

const sample = readFileSync(join(repoRoot, 'samples', 'kube-node-ipvs.ipvsadm.txt'), 'utf8').split('\n');
const from = sample.indexOf('root@node-b:~# ipvsadm -Ln') + 1;
export const numericListing = `${sample
  .slice(
    from,
    sample.findIndex((l, i) => i > from && l.startsWith('root@')),
  )
  .join('\n')}\n`;

/** What reverse DNS and /etc/services would say on such a node; anything else prints as a number. */
const HOSTS: Readonly<Record<string, string>> = {
  '10.96.0.1': 'kubernetes.default.svc.cluster.local',
  '10.96.0.10': 'kube-dns.kube-system.svc.cluster.local',
  '172.18.0.2': 'node-b',
  '172.18.0.3': 'node-b',
  '10.244.1.5': '10-244-1-5.web.shop.svc.cluster.local',
};
const SERVICES: Readonly<Record<string, string>> = {
  443: 'https',
  53: 'domain',
  80: 'http',
  8080: 'http-alt',
  6443: 'sun-sr-https',
  3868: 'diameter',
};

export interface Printed {
  readonly full: string;
  readonly shown: string;
}

/** `addr:port` as -L prints it before the cut. */
export function printedName(addrPort: string): string {
  const m = /^(\[?[^\]]+?\]?):(\d+)$/.exec(addrPort);
  if (!m) return addrPort;
  return `${HOSTS[m[1]!] ?? m[1]}:${SERVICES[m[2]!] ?? m[2]}`;
}

/** The listing as -L prints it, and each service's and real server's column as printed and as it was before the cut. */
export function withoutN(listing: string): { text: string; printed: Printed[] } {
  const printed: Printed[] = [];
  const show = (full: string) => {
    const shown = full.startsWith('[') ? full : full.slice(0, NAMED_WIDTH);
    printed.push({ full, shown });
    return shown;
  };
  const lines = listing.split('\n').map((l) => {
    const service = /^(TCP|UDP|SCTP)(\s+)(\S+)(.*)$/.exec(l);
    if (service) return `${service[1]}${service[2]}${show(printedName(service[3]!))}${service[4]}`;
    const dest = /^ {2}-> (\S+)\s+(\S.*)$/.exec(l);
    if (dest && dest[1] !== 'RemoteAddress:Port')
      return `  -> ${show(printedName(dest[1]!)).padEnd(NAMED_WIDTH)} ${dest[2]}`;
    return l;
  });
  return { text: lines.join('\n'), printed };
}
