/**
 * kube-proxy's TestTracePacket node as files: its ruleset (samples/kube-proxy-trace-packet.iptables, Apache-2.0)
 * and the addresses and routes that test treats as the node's (127.0.0.1, 192.168.0.2, 192.168.1.2,
 * 192.168.99.11 on eth0, a default route out of eth0), in a temporary folder named as ../shared/conformance names them.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './shared';

const IP_ADDR = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
${['192.168.0.2', '192.168.1.2', '192.168.99.11'].map((a) => `2: eth0    inet ${a}/24 brd ${a.replace(/\.\d+$/, '.255')} scope global eth0\\       valid_lft forever preferred_lft forever`).join('\n')}
`;

const IP_ROUTE = `default via 192.168.0.1 dev eth0
${['192.168.0.2', '192.168.1.2', '192.168.99.11'].map((a) => `${a.replace(/\.\d+$/, '.0')}/24 dev eth0 proto kernel scope link src ${a}`).join('\n')}
`;

/** The three files' paths: trace-packet.iptables, ip-addr.txt, ip-route.txt. */
export function kubeProxyNodeFiles(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-kube-proxy-'));
  const files = ['trace-packet.iptables', 'ip-addr.txt', 'ip-route.txt'].map((f) => join(dir, f));
  copyFileSync(join(repoRoot, 'samples', 'kube-proxy-trace-packet.iptables'), files[0]!);
  writeFileSync(files[1]!, IP_ADDR);
  writeFileSync(files[2]!, IP_ROUTE);
  return files;
}
