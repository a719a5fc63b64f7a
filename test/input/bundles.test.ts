/**
 * Support bundles: directories and tar, tar.gz, tar.xz and zip archives in the collectors' layouts
 * (bundles.md §1). Every dump is found by content, attributed to its node, and a broken archive is reported
 * while the rest is read.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import test from 'ava';
import { pack } from 'tar-stream';
import { ZipFile } from 'yazl';
import { buildCli, nfwalk } from '../helpers/cli';
import { readFixture, repoRoot } from '../helpers/shared';

test.before(() => buildCli());

const sample = (name: string) => readFileSync(join(repoRoot, 'samples', name), 'utf8');

async function tarGz(files: Record<string, string | Buffer>): Promise<Buffer> {
  const p = pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name }, content);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(Buffer.from(c as Uint8Array));
  return gzipSync(Buffer.concat(chunks));
}

/** A zip as Go's archive/zip (Cilium's sysdump) writes it: sizes in data descriptors after each member. */
async function zip(files: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, content] of Object.entries(files)) z.addReadStream(Readable.from([Buffer.from(content)]), name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** xz-utils' own compression, as sos and supportconfig archives are made. */
function xz(content: Buffer | string): Buffer {
  const r = spawnSync('xz', ['-c', '-6'], { input: content, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`xz failed (install xz-utils): ${r.stderr}`);
  return r.stdout;
}

const ipvsadmTxt = () => {
  const l = sample('kube-node-ipvs.ipvsadm.txt').split('\n');
  const from = (title: string, n: number) => l.slice(l.indexOf(title) + 1, l.indexOf(title) + 1 + n).join('\n');
  return `${from('root@node-b:~# ipvsadm -Sn', 29)}\n\n${from('root@node-b:~# ipvsadm -Ln --rate', 32)}\n\n${from('root@node-b:~# ipvsadm -Ln --stats', 32)}\n`;
};

interface Row {
  kind: string;
  node: string;
  path: string;
  records: number;
  command?: string;
}

function parseJson(args: string[]): {
  rows: Row[];
  skipped: { path: string; reason: string }[];
  failures: { path: string }[];
  status: number;
  stderr: string;
} {
  const r = nfwalk(['parse', '--json', ...args]);
  const doc = JSON.parse(r.stdout || '{"sections":[],"skipped":[],"failures":[]}');
  const rows = doc.sections.map(
    (s: { kind: string; records: number; source: { node: string; path: string; command?: string } }) => ({
      kind: s.kind,
      node: s.source.node,
      path: s.source.path,
      records: s.records,
      ...(s.source.command ? { command: s.source.command } : {}),
    }),
  );
  return { rows, skipped: doc.skipped, failures: doc.failures, status: r.status ?? -1, stderr: r.stderr };
}

test('an EKS log collector archive: every dump of the node found, by content, attributed to the instance', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-eks-'));
  const root = 'eks_i-0abc123def4567890_2024-05-01_0930-UTC_0.7.9';
  const archive = join(dir, `${root}.tar.gz`);
  writeFileSync(
    archive,
    await tarGz({
      [`./${root}/networking/iptables-save.txt`]: readFixture('iptables-save.txt'),
      [`./${root}/networking/conntrack.txt`]: `*** Output of conntrack -S *** \n${sample('incident-node/conntrack-S.txt')}*** Output of conntrack -L ***\n${readFixture('conntrack-L.txt')}`,
      [`./${root}/networking/ipvsadm.txt`]: ipvsadmTxt(),
      [`./${root}/networking/ipset.txt`]: sample('kube-node-ipvs.ipset.txt'),
      [`./${root}/networking/iproute.txt`]: sample('kube-node-ipvs.ip.txt')
        .split('root@node-b:~# ip route show table all\n')[1]!
        .split('root@node-b:~#')[0]!,
      [`./${root}/sysctls/sysctl_all.txt`]: sample('kube-node-ipvs.sysctl.txt'),
      [`./${root}/kernel/dmesg.boot`]: 'Linux version 6.1.0\n',
      [`./${root}/ipamd/ipam.bin`]: Buffer.from([0, 1, 2, 3, 0, 255]),
    }),
  );
  const { rows, skipped, status } = parseJson([archive]);
  t.is(status, 0);
  t.true(
    rows.every((r) => r.node === 'i-0abc123def4567890'),
    JSON.stringify(rows.map((r) => r.node)),
  );
  t.deepEqual(
    rows.map((r) => [r.path.slice(archive.length + 1), r.kind, r.records, r.command ?? null]),
    [
      [`${root}/networking/iptables-save.txt`, 'iptables-save', 90, null],
      [`${root}/networking/conntrack.txt`, 'conntrack-stats', 2, 'conntrack -S'],
      [`${root}/networking/conntrack.txt`, 'conntrack', 10, 'conntrack -L'],
      [`${root}/networking/ipvsadm.txt`, 'ipvsadm', 19, null],
      [`${root}/networking/ipvsadm.txt`, 'ipvsadm', 19, null],
      [`${root}/networking/ipvsadm.txt`, 'ipvsadm', 19, null],
      [`${root}/networking/ipset.txt`, 'ipset', 18, null],
      [`${root}/networking/ipset.txt`, 'ipset', 18, null],
      [`${root}/networking/iproute.txt`, 'ip-route', 17, null],
      [`${root}/sysctls/sysctl_all.txt`, 'sysctl', 64, null],
    ],
  );
  t.deepEqual(
    skipped.filter((s) => s.reason === 'binary content').map((s) => s.path.slice(archive.length + 1)),
    [`${root}/ipamd/ipam.bin`],
  );
});

test('a directory of Calico cluster diags and an unpacked sos report: one node per nodes/<node>/ and per sosreport-<host>', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-dirs-'));
  const files: Record<string, string> = {
    'calico-diagnostics-20240501_093000/nodes/node-a/iptables-nft-save.txt': readFixture('iptables-save-c.txt'),
    'calico-diagnostics-20240501_093000/nodes/node-a/ipset-list.txt':
      sample('kube-node-ipvs.ipset.txt').split('\ncreate ')[0]!,
    'calico-diagnostics-20240501_093000/nodes/node-b/iptables-nft-save.txt': readFixture('iptables-legacy-save.txt'),
    'calico-diagnostics-20240501_093000/nodes/node-b/conntrack-list.txt': readFixture('conntrack-L-o-extended.txt'),
    'sosreport-worker7-case42-2024-05-01-xkqzbde/sos_commands/networking/ip_-o_addr': sample('kube-node-ipvs.ip.txt')
      .split('root@node-b:~# ip -o addr\n')[1]!
      .split('root@node-b:~#')[0]!,
    'sosreport-worker7-case42-2024-05-01-xkqzbde/sos_commands/conntrack/conntrack_-L_-o_extended': readFixture(
      'conntrack-L-o-extended.txt',
    )
      .split('\n')
      .slice(1)
      .join('\n'),
    'sosreport-worker7-case42-2024-05-01-xkqzbde/proc/net/ip_vs': sample('kube-node-ipvs.proc-net-ip_vs.txt'),
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const { rows, status } = parseJson([dir]);
  t.is(status, 0);
  t.deepEqual(
    rows.map((r) => [r.node, r.kind, r.records]),
    [
      ['node-a', 'ipset', 18],
      ['node-a', 'iptables-save', 90],
      ['node-b', 'conntrack', 10],
      ['node-b', 'iptables-save', 85],
      ['worker7-case42', 'ipvsadm', 18],
      ['worker7-case42', 'conntrack', 9],
      ['worker7-case42', 'ip-addr', 5],
    ],
  );
});

test('a broken archive is reported and the other inputs are still read; unsupported archives are named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-broken-'));
  const good = await tarGz({ 'node-x/iptables-save': readFixture('iptables-save.txt') });
  writeFileSync(join(dir, 'cut.tgz'), good.subarray(0, Math.floor(good.length / 2)));
  const goodZip = await zip({ 'node-y/iptables-save': readFixture('iptables-save.txt') });
  writeFileSync(join(dir, 'cut.zip'), goodZip.subarray(0, Math.floor(goodZip.length / 2)));
  writeFileSync(join(dir, 'bundle.tar.xz'), 'not really');
  writeFileSync(join(dir, 'bundle.tar.bz2'), 'not read');
  writeFileSync(join(dir, 'conntrack.txt'), readFixture('conntrack-L.txt'));
  const { rows, failures, status, stderr } = parseJson([dir]);
  t.is(status, 0);
  t.deepEqual(
    rows.map((r) => [r.kind, r.records]),
    [['conntrack', 10]],
  );
  // The member being read when the archive broke is named too: its dump may be incomplete.
  t.deepEqual(failures.map((f) => f.path.slice(dir.length + 1)).sort(), [
    'bundle.tar.bz2',
    'bundle.tar.xz',
    'cut.tgz',
    'cut.tgz/node-x/iptables-save',
    'cut.zip',
  ]);
  t.regex(stderr, /warning: cannot read .*cut\.tgz: broken archive/);
  t.regex(stderr, /warning: cannot read .*cut\.zip: broken archive/);
  t.regex(stderr, /warning: cannot read .*bundle\.tar\.xz: broken archive/);
  t.regex(stderr, /bundle\.tar\.bz2: archive format not supported/);
});

test('tar.xz, zip, archives inside a zip and single .xz files are read as tar.gz is: same sections, nodes from the layout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-packed-'));
  const rules = readFixture('iptables-save.txt');
  const conntrack = readFixture('conntrack-L.txt');
  // A Cilium sysdump: a zip holding each agent's bugtool tarball, members with data descriptors.
  const bugtool = 'cilium-bugtool-cilium-x7k2p-20240501-093012';
  writeFileSync(
    join(dir, 'cilium-sysdump-20240501-093000.zip'),
    await zip({
      'cilium-sysdump-20240501-093000/cilium-sysdump.log': 'collected 1 bugtool archive\n',
      [`cilium-sysdump-20240501-093000/${bugtool}.tar`]: gunzipSync(
        await tarGz({ [`./${bugtool}/cmd/iptables-save--c.md`]: rules }),
      ),
    }),
  );
  // A SUSE supportconfig: a .txz of network.txt with command blocks.
  const scc = 'scc_worker3_240501_0930';
  const networkTxt = `#==[ Command ]======================================#\n# /usr/sbin/iptables-save\n${rules}\n#==[ Command ]======================================#\n# /usr/sbin/conntrack -L\n${conntrack}`;
  writeFileSync(join(dir, `${scc}.txz`), xz(gunzipSync(await tarGz({ [`${scc}/network.txt`]: networkTxt }))));
  writeFileSync(join(dir, 'node9-conntrack.txt.xz'), xz(conntrack));
  const { rows, failures, status, stderr } = parseJson([dir]);
  t.is(status, 0, stderr);
  t.deepEqual(failures, []);
  t.deepEqual(
    rows.map((r) => [r.path.slice(dir.length + 1), r.node, r.kind, r.records]),
    [
      [
        `cilium-sysdump-20240501-093000.zip/cilium-sysdump-20240501-093000/${bugtool}.tar/${bugtool}/cmd/iptables-save--c.md`,
        'cilium-x7k2p',
        'iptables-save',
        90,
      ],
      ['node9-conntrack.txt.xz', basename(dir), 'conntrack', 10],
      [`${scc}.txz/${scc}/network.txt`, 'worker3', 'iptables-save', 90],
      [`${scc}.txz/${scc}/network.txt`, 'worker3', 'conntrack', 10],
    ],
  );
});

test("an AKS Periscope export: each node's iptables file and zip are that node's, not the run's", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-periscope-'));
  const run = join(dir, '2026-11-21T13-30-00Z');
  const rules = readFixture('iptables-t-nat-S.txt');
  const nodes = ['aks-nodepool1-12345678-vmss000000', 'aks-nodepool1-12345678-vmss000001'];
  for (const node of nodes) {
    mkdirSync(join(run, node), { recursive: true });
    writeFileSync(join(run, node, 'iptables'), rules);
    writeFileSync(join(run, node, `${node}.zip`), await zip({ 'iptables/iptables': rules }));
  }
  const { rows, status, stderr } = parseJson([run]);
  t.is(status, 0, stderr);
  t.deepEqual(
    rows.map((r) => [r.path.slice(run.length + 1), r.node]),
    nodes.flatMap((node) => [
      [`${node}/${node}.zip/iptables/iptables`, node],
      [`${node}/iptables`, node],
    ]),
  );
});
