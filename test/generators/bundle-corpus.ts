/**
 * A corpus of support bundles, as a support team's incident archive holds them: kube-proxy nodes of a
 * chosen size in the layouts of different collectors (EKS log collector archives, sos reports, Calico
 * cluster diags with two nodes, plain directories, pastes), and some bundles that are broken (a truncated
 * archive, an archive with nothing readable, an empty directory). Each node's conntrack table holds a
 * share of entries to pods that are gone, so there is something to find. Deterministic for given options.
 */
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { serviceConntrackLines } from './conntrack-table';
import { kubeProxyDump } from './kube-proxy-dump';

export type Layout = 'eks' | 'sos' | 'calico' | 'plain' | 'paste' | 'broken-archive' | 'unreadable-archive' | 'empty';

export interface CorpusOptions {
  readonly bundles: number;
  readonly services: number;
  readonly entries: number;
  /** Every n-th bundle is broken (default: none). */
  readonly brokenEvery?: number;
}

export interface CorpusBundle {
  readonly path: string;
  readonly layout: Layout;
  /** Node names as nfwalk should attribute them. */
  readonly nodes: readonly string[];
}

const HEALTHY: readonly Layout[] = ['eks', 'sos', 'calico', 'plain', 'paste'];
const BROKEN: readonly Layout[] = ['broken-archive', 'unreadable-archive', 'empty'];

interface NodeDumps {
  readonly iptables: string;
  readonly conntrack: string;
  readonly ipAddr: string;
  readonly sysctl: string;
}

function nodeDumps(
  rules: string,
  services: ReturnType<typeof kubeProxyDump>['services'],
  entries: number,
  nodeIp: string,
  seed: number,
): NodeDumps {
  return {
    iptables: rules,
    conntrack: `${[...serviceConntrackLines(services, entries, { nodeIp, staleShare: 0.01, seed })].join('\n')}\n`,
    ipAddr: [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      `2: eth0    inet ${nodeIp}/24 brd ${nodeIp.replace(/\.\d+$/, '.255')} scope global eth0\\       valid_lft forever preferred_lft forever`,
      '3: cni0    inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0\\       valid_lft forever preferred_lft forever',
      '',
    ].join('\n'),
    sysctl: [
      `net.netfilter.nf_conntrack_count = ${entries}`,
      `net.netfilter.nf_conntrack_max = ${Math.max(65536, entries * 2)}`,
      'net.netfilter.nf_conntrack_buckets = 16384',
      '',
    ].join('\n'),
  };
}

export async function writeTarGz(file: string, members: Record<string, string | Buffer>): Promise<void> {
  const archive = pack();
  const out = archive.pipe(createGzip()).pipe(createWriteStream(file));
  for (const [name, content] of Object.entries(members)) archive.entry({ name }, content);
  archive.finalize();
  await finished(out);
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

export async function writeCorpus(dir: string, opts: CorpusOptions): Promise<CorpusBundle[]> {
  mkdirSync(dir, { recursive: true });
  const { text: rules, services } = kubeProxyDump({ services: opts.services, clusterCidr: '10.244.0.0/16' });
  const out: CorpusBundle[] = [];
  for (let i = 0; i < opts.bundles; i++) {
    const n = String(i).padStart(4, '0');
    const broken = opts.brokenEvery !== undefined && i % opts.brokenEvery === opts.brokenEvery - 1;
    const layout = broken
      ? (BROKEN[Math.floor(i / opts.brokenEvery!) % BROKEN.length] as Layout)
      : (HEALTHY[i % HEALTHY.length] as Layout);
    const ip = (k: number) => `192.168.${(i >> 7) + 1}.${((i * 2 + k) % 250) + 2}`;
    const dumps = (k: number) => nodeDumps(rules, services, opts.entries, ip(k), i * 2 + k + 1);
    if (layout === 'eks') {
      const instance = `i-${(0xabc000 + i).toString(16)}def4567890`;
      const root = `eks_${instance}_2024-05-01_0930-UTC_0.7.9`;
      const d = dumps(0);
      const path = join(dir, `${root}.tar.gz`);
      await writeTarGz(path, {
        [`./${root}/networking/iptables-save.txt`]: d.iptables,
        [`./${root}/networking/conntrack.txt`]: `*** Output of conntrack -L ***\n${d.conntrack}`,
        [`./${root}/networking/ipaddr.txt`]: d.ipAddr,
        [`./${root}/sysctls/sysctl_all.txt`]: d.sysctl,
      });
      out.push({ path, layout, nodes: [instance] });
    } else if (layout === 'sos') {
      const host = `node${n}`;
      const path = join(dir, `sosreport-${host}-2024-05-01-abcdef`);
      const d = dumps(0);
      writeTree(path, {
        // sos lists the root namespace's tables (-nvL) and saves only named namespaces' (bundles.md): the corpus
        // places the node's iptables-save beside the listings so that every layout has the same ruleset.
        'sos_commands/firewall_tables/iptables-save': d.iptables,
        'sos_commands/conntrack/conntrack_-L_-o_extended': d.conntrack.replace(/^(?=tcp|udp|sctp)/gm, 'ipv4     2 '),
        'sos_commands/networking/ip_-o_addr': d.ipAddr,
        'sos_commands/kernel/sysctl_-a': d.sysctl,
        'sos_reports/manifest.json': '{}\n',
      });
      out.push({ path, layout, nodes: [host] });
    } else if (layout === 'calico') {
      const path = join(dir, `calico-diags-${n}`);
      const names = [`worker-${n}-a`, `worker-${n}-b`];
      names.forEach((name, k) => {
        const d = dumps(k);
        writeTree(path, {
          [`nodes/${name}/iptables-save.txt`]: d.iptables,
          [`nodes/${name}/conntrack.txt`]: d.conntrack,
          [`nodes/${name}/ip-addr.txt`]: d.ipAddr,
          [`nodes/${name}/sysctl.txt`]: d.sysctl,
        });
      });
      out.push({ path, layout, nodes: names });
    } else if (layout === 'plain') {
      const path = join(dir, `node-${n}`);
      const d = dumps(0);
      writeTree(path, {
        'iptables-save.txt': d.iptables,
        'conntrack-L.txt': d.conntrack,
        'ip-addr.txt': d.ipAddr,
        'sysctl.txt': d.sysctl,
      });
      out.push({ path, layout, nodes: [`node-${n}`] });
    } else if (layout === 'paste') {
      const path = join(dir, `paste-${n}`);
      const d = dumps(0);
      const prompt = `root@paste-${n}:~#`;
      writeTree(path, {
        'ticket.txt': `${prompt} ip -o addr\n${d.ipAddr}${prompt} iptables-save\n${d.iptables}${prompt} conntrack -L\n${d.conntrack}${prompt} sysctl -a | grep conntrack\n${d.sysctl}`,
      });
      out.push({ path, layout, nodes: [`paste-${n}`] });
    } else if (layout === 'broken-archive') {
      const path = join(dir, `eks_i-broken${n}_2024-05-01_0930-UTC_0.7.9.tar.gz`);
      const whole = join(dir, `.whole-${n}.tar.gz`);
      await writeTarGz(whole, { './x/networking/iptables-save.txt': rules });
      const bytes = readFileSync(whole);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 3)));
      rmSync(whole);
      out.push({ path, layout, nodes: [] });
    } else if (layout === 'unreadable-archive') {
      const path = join(dir, `bundle-${n}.tgz`);
      await writeTarGz(path, { './core.bin': Buffer.alloc(4096, 0), './README': 'collected by hand\n' });
      out.push({ path, layout, nodes: [] });
    } else {
      const path = join(dir, `empty-${n}`);
      mkdirSync(path, { recursive: true });
      out.push({ path, layout, nodes: [] });
    }
  }
  return out;
}
