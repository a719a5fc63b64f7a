/**
 * An incident archive unlike bundle-corpus.ts's: nodes of every proxy mode (kube-proxy in nftables mode whose
 * bundle holds no iptables dump at all, iptables mode, IPVS mode), every container a bundle comes in (folders,
 * .tar.gz, .tgz, .tar.xz, .zip, an archive inside an archive, a link to a folder elsewhere), and the awkward
 * cases of a real archive: a truncated tarball and zip, an empty folder and an empty archive, a dangling link, a
 * ticket with a pasted session, the same file and bundle names in different folders, names with spaces and
 * non-ASCII letters, and bundles sorted into year/month folders below a second root (found through a glob).
 * The real-world dumps of ../shared are used where they lie (linked or named, never copied).
 * Deterministic for given options; small enough for a CI run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { writeTarGz } from './bundle-corpus';
import { serviceConntrackLines } from './conntrack-table';
import { kubeProxyDump } from './kube-proxy-dump';
import { kubeProxyNftRuleset } from './kube-proxy-nft';

export type MixedKind =
  | 'sos-nft'
  | 'iptables'
  | 'ipvs'
  | 'nested'
  | 'paste'
  | 'realworld'
  | 'corrupt'
  | 'empty'
  | 'dangling';

export interface MixedBundle {
  /** As a run lists it: below `archive`, below `deep` (through the glob), or the ../shared file itself. */
  readonly path: string;
  readonly kind: MixedKind;
}

export interface MixedCorpus {
  /** A folder of bundles, its name with parentheses and brackets. */
  readonly archive: string;
  /** A second root whose bundles lie in year/month folders: given through `glob`. */
  readonly deep: string;
  readonly glob: string;
  /** Files of ../shared given to the run as bundles of their own (none when ../shared is missing). */
  readonly loose: readonly string[];
  readonly bundles: readonly MixedBundle[];
}

export interface MixedOptions {
  readonly services: number;
  readonly entries: number;
  /** ../shared, when it is there. */
  readonly shared?: string;
  readonly samples: string;
}

async function zipOf(members: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, content] of Object.entries(members))
    z.addBuffer(typeof content === 'string' ? Buffer.from(content) : content, name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

const ipAddr = (ip: string) =>
  [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    `2: eth0    inet ${ip}/24 brd ${ip.replace(/\.\d+$/, '.255')} scope global eth0\\       valid_lft forever preferred_lft forever`,
    '',
  ].join('\n');

/** An iptables-mode node's files, the n-th of the corpus: its own address, table and stale share. */
function iptablesNode(o: MixedOptions, n: number): Record<string, string> {
  const { text, services } = kubeProxyDump({ services: o.services + n, clusterCidr: '10.244.0.0/16' });
  const ip = `192.168.7.${10 + n}`;
  const table = [...serviceConntrackLines(services, o.entries, { nodeIp: ip, staleShare: 0.05 * n, seed: 31 + n })];
  return { 'iptables-save.txt': text, 'conntrack.txt': `${table.join('\n')}\n`, 'ip-addr.txt': ipAddr(ip) };
}

/** An nftables-mode node as a sos report has it: nft's ruleset and no iptables dump at all. */
function sosNftNode(o: MixedOptions, n: number): Record<string, string> {
  const r = kubeProxyNftRuleset({ services: o.services, seed: n, layout: n % 2 ? 'v1.34' : '2026' });
  const table = serviceConntrackLines(r.services, o.entries, { nodeIp: r.nodeIP, staleShare: 0.1, seed: 50 + n });
  return {
    'sos_commands/nftables/nft_-a_list_ruleset': r.text,
    'sos_commands/networking/ip_-o_addr': ipAddr(r.nodeIP),
    'sos_commands/conntrack/conntrack_-L_-o_extended': `${[...table].join('\n').replace(/^(?=tcp|udp|sctp)/gm, 'ipv4     2 ')}\n`,
    'sos_reports/manifest.json': '{}\n',
  };
}

/** An IPVS-mode node: the repository's kube-node-ipvs samples. */
function ipvsNode(o: MixedOptions): Record<string, string> {
  const read = (f: string) => readFileSync(join(o.samples, `kube-node-ipvs.${f}`), 'utf8');
  return {
    'ipvsadm.txt': read('ipvsadm.txt'),
    'ip.txt': read('ip.txt'),
    'ipset.txt': read('ipset.txt'),
    'proc-net-ip_vs.txt': read('proc-net-ip_vs.txt'),
    'sysctl.txt': read('sysctl.txt'),
  };
}

const under = (root: string, files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [`${root}/${k}`, v]));

export async function writeMixedCorpus(dir: string, o: MixedOptions): Promise<MixedCorpus> {
  // Glob characters in a folder's name (a case number, a year) do not make it a pattern.
  const archive = join(dir, 'incidents (2024) [eu]');
  const deep = join(dir, 'deep');
  mkdirSync(archive, { recursive: true });
  const bundles: MixedBundle[] = [];
  const add = (path: string, kind: MixedKind) => bundles.push({ path, kind });

  for (const n of [1, 3]) {
    const path = join(archive, `sosreport-nftnode-0${n}-2024-06-0${n}-abcdef`);
    writeTree(path, sosNftNode(o, n));
    add(path, 'sos-nft');
  }
  const sosArchive = join(archive, 'sosreport-nftnode-02-2024-06-02-fedcba.tar.gz');
  await writeTarGz(sosArchive, under('./sosreport-nftnode-02-2024-06-02-fedcba', sosNftNode(o, 2)));
  add(sosArchive, 'sos-nft');

  // The same file names in every plain node; a space and non-ASCII letters in the bundles' names.
  const spaced = join(archive, 'kube proxy node 4.tgz');
  await writeTarGz(spaced, under('./kube proxy node 4', iptablesNode(o, 4)));
  add(spaced, 'iptables');
  const cjk = join(archive, '事件-5');
  writeTree(cjk, iptablesNode(o, 5));
  add(cjk, 'iptables');
  const umlaut = join(archive, 'Störung Knoten 6');
  writeTree(umlaut, iptablesNode(o, 6));
  add(umlaut, 'iptables');
  const xz = join(archive, 'node-7.tar.xz');
  writeTree(join(dir, 'node-7'), iptablesNode(o, 7));
  execFileSync('tar', ['-cJf', xz, '-C', dir, 'node-7']);
  rmSync(join(dir, 'node-7'), { recursive: true });
  add(xz, 'iptables');

  const ipvs = join(archive, 'ipvs-nöde-8.zip');
  writeFileSync(ipvs, await zipOf(under('ipvs-nöde-8', ipvsNode(o))));
  add(ipvs, 'ipvs');

  // An EKS collector's archive inside a ticket's tarball.
  const inner = join(dir, 'eks_i-0nested99_2024-06-09_0930-UTC_0.7.9.tgz');
  await writeTarGz(inner, under('./eks_i-0nested99_2024-06-09_0930-UTC_0.7.9/networking', iptablesNode(o, 9)));
  const nested = join(archive, 'ticket-9 attachments.tar.gz');
  await writeTarGz(nested, {
    './attachments/eks_i-0nested99_2024-06-09_0930-UTC_0.7.9.tgz': readFileSync(inner),
    './attachments/notes.md': '# customer says NodePort 30007 times out\n',
  });
  rmSync(inner);
  add(nested, 'nested');

  const paste = join(archive, 'ticket 10 (paste)');
  const pasted = iptablesNode(o, 10);
  writeTree(paste, {
    'ticket.txt': [
      'Hi, here is what you asked for:',
      'root@worker-10:~# ip -o addr',
      pasted['ip-addr.txt'],
      'root@worker-10:~# iptables-save',
      pasted['iptables-save.txt'],
      'root@worker-10:~# conntrack -L',
      pasted['conntrack.txt'],
      'Thanks',
      '',
    ].join('\n'),
  });
  add(paste, 'paste');

  const whole = readFileSync(spaced);
  const cutTgz = join(archive, 'cut-11.tgz');
  writeFileSync(cutTgz, whole.subarray(0, Math.floor(whole.length / 2)));
  add(cutTgz, 'corrupt');
  const zip = await zipOf(under('node-12', iptablesNode(o, 12)));
  const cutZip = join(archive, 'cut-12.zip');
  writeFileSync(cutZip, zip.subarray(0, Math.floor(zip.length / 2)));
  add(cutZip, 'corrupt');
  const emptyDir = join(archive, 'empty-13');
  mkdirSync(emptyDir);
  add(emptyDir, 'empty');
  const emptyTar = join(archive, 'empty-14.tar.gz');
  writeFileSync(emptyTar, '');
  add(emptyTar, 'empty');
  const dangling = join(archive, 'gone-15.tgz');
  symlinkSync(join(dir, 'no-such-bundle.tgz'), dangling);
  add(dangling, 'dangling');

  // Year/month folders below a second root; the same bundle name in two of them.
  for (const [sub, n] of [
    ['2024/06', 16],
    ['2025/01', 17],
    ['2025/01/late', 18],
  ] as const) {
    const path = join(deep, sub, 'node-a.tgz');
    mkdirSync(join(path, '..'), { recursive: true });
    await writeTarGz(path, under('./node-a', iptablesNode(o, n)));
    add(path, 'iptables');
  }
  const deepZip = join(deep, '2025', 'Ünïcode node b.zip');
  writeFileSync(deepZip, await zipOf(under('Ünïcode node b', iptablesNode(o, 19))));
  add(deepZip, 'iptables');

  const loose: string[] = [];
  if (o.shared !== undefined) {
    // The ../shared nft dumps, a folder of loose files, linked in as one bundle; two dumps named as bundles.
    const nft = join(archive, 'realworld-nft');
    symlinkSync(join(o.shared, 'realworld', 'nft'), nft);
    add(nft, 'realworld');
    for (const f of [
      'azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt',
      'venera66_router_proc-net-nf_conntrack.txt',
    ]) {
      const path = join(o.shared, 'realworld', f);
      loose.push(path);
      add(path, 'realworld');
    }
  }
  return { archive, deep, glob: `${deep}/**/*.{tgz,zip}`, loose, bundles };
}
