/** How the services analysis names things in messages and reports: shares, entry points, endpoints, kubectl targets. */
import type { EntryPoint, KubeService } from '../graph/service-model';

/** `ip:port`, with the address in brackets when it is IPv6, as URLs and ipvsadm write it. */
export const hostPort = (e: { readonly ip: string; readonly port: number }) =>
  e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;

/** `hostPort`, or the address alone for protocols without ports (icmp). */
export const endpointText = (ip: string, port?: number) => (port === undefined ? ip : hostPort({ ip, port }));

/** The endpoints and their shares as one string: equal strings, equal outcomes (for grouping nodes). */
export const sharesKey = (
  endpoints: readonly { readonly ip: string; readonly port: number; readonly probability: number }[],
) => endpoints.map((e) => `${hostPort(e)}=${e.probability}`).join(' ');

/**
 * The first `limit` items joined, and how many more there are: findings name a few and count the rest. `count` is
 * how many there are in all, when `items` holds only the first ones.
 */
export const firstOf = (items: readonly string[], limit: number, separator: string, count = items.length) =>
  `${items.slice(0, limit).join(separator)}${count > limit ? ` and ${count - limit} more` : ''}`;

export const percent = (p: number) => `${(p * 100).toFixed(p > 0 && p < 0.001 ? 4 : 1)}%`;

export function entryText(entry: Pick<EntryPoint, 'kind' | 'ip' | 'port'>): string {
  const label: Record<EntryPoint['kind'], string> = {
    clusterIP: 'cluster IP',
    externalIP: 'external IP',
    loadBalancer: 'load-balancer IP',
    external: 'external IP',
    nodePort: 'NodePort',
    healthCheckNodePort: 'health-check NodePort',
  };
  return `${label[entry.kind]} ${entry.ip === null ? `<node>:${entry.port}` : hostPort({ ip: entry.ip, port: entry.port })}`;
}

/** `kubectl` needs the namespace and name; kube-proxy's `ns/svc:port` holds both. */
export function kubectlTarget(service: KubeService): { ns: string; svc: string } | undefined {
  const m = service.named ? /^([^/\s]+)\/([^:\s]+)/.exec(service.name) : null;
  return m ? { ns: m[1]!, svc: m[2]! } : undefined;
}
