/**
 * The kernel makes the conntrack entries: DNAT'd and masqueraded tcp, udp and icmp flows between two network
 * namespaces joined by a veth pair. nfwalk must read back exactly the tuples conntrack reports, from the
 * default listing, `-o extended` and /proc/net/nf_conntrack; `-o xml`, read here with a few regexes of the
 * test's own, is the independent reference.
 */
import { spawn } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import type { ConntrackEntry } from '../../src/model/conntrack';
import { type Exec, kernelTest, run, withNetnsAsync } from '../helpers/kernel';
import { errorsOf, only } from '../helpers/sections';

const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.5:8080
-A OUTPUT -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.1.5:5353
-A OUTPUT -d 10.96.0.10/32 -p icmp -j DNAT --to-destination 10.244.1.6
-A POSTROUTING -s 172.31.0.10/32 -j MASQUERADE --random-fully
COMMIT
`;

// A TCP server that holds connections open and a UDP echo, in the "pod" namespace.
const SERVER = `
const net = require('net'), dgram = require('dgram');
const held = [];
for (const [ip, port] of [['10.244.1.5', 8080], ['10.244.1.6', 8080]]) net.createServer((s) => held.push(s)).listen(port, ip);
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(5353, '10.244.1.5', () => console.log('ready'));
`;

// Clients in the "node" namespace: open connections (kept while the listing is taken), closed ones, udp with
// and without an answer, a SYN to nobody.
const CLIENT = `
const net = require('net'), dgram = require('dgram');
const open = [];
const connect = (opts) => new Promise((ok) => { const s = net.connect(opts, () => ok(s)); s.on('error', () => ok(s)); });
(async () => {
  for (let i = 0; i < 3; i++) open.push(await connect({ host: '10.96.0.10', port: 80 }));
  open.push(await connect({ host: '10.96.0.10', port: 80, localAddress: '172.31.0.10' }));
  open.push(await connect({ host: '10.244.1.6', port: 8080 }));
  (await connect({ host: '10.96.0.10', port: 80 })).end();
  net.connect({ host: '10.244.1.99', port: 80 }).on('error', () => {});
  for (const [host, port] of [['10.96.0.10', 53], ['10.244.1.5', 5353], ['10.244.1.5', 7777]]) {
    const u = dgram.createSocket('udp4');
    await new Promise((ok) => { u.on('message', ok); u.send('x', port, host); setTimeout(ok, 300); });
    u.close();
  }
  console.log('ready');
  setTimeout(() => process.exit(0), 4000);
})();
`;

function background(ns: string, script: string): Promise<() => void> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(() => child.kill()));
    child.on('exit', (code) => reject(new Error(`${script.slice(0, 40)}… exited with ${code}`)));
  });
}

/** The reference: tuples from `conntrack -L -o xml`, read with the test's own regexes. */
function xmlTuples(xml: string): string[] {
  return [...xml.matchAll(/<flow>(.*?)<\/flow>/g)]
    .map(([, flow]) => {
      const dir = (d: string) => {
        const body = new RegExp(`<meta direction="${d}">(.*?)</meta>`).exec(flow!)![1]!;
        const get = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1] ?? '-';
        return `${get('src')} ${get('dst')} ${get('sport')} ${get('dport')}`;
      };
      const proto = /<layer4 protonum="\d+" protoname="(\w+)">/.exec(flow!)![1];
      return `${proto} ${dir('original')} | ${dir('reply')}`;
    })
    .sort();
}

const tuple = (e: ConntrackEntry) =>
  `${e.proto} ${e.orig.src} ${e.orig.dst} ${e.orig.sport ?? '-'} ${e.orig.dport ?? '-'} | ${e.reply.src} ${e.reply.dst} ${e.reply.sport ?? '-'} ${e.reply.dport ?? '-'}`;

function readBack(t: ExecutionContext, exec: Exec, args: string[], label: string): ConntrackEntry[] {
  const r = exec(args[0]!, args.slice(1));
  t.is(r.status, 0, `${label}: ${r.stderr}`);
  // conntrack prints its summary on stderr; a collector merges both streams, so give nfwalk both.
  const s = only(`${r.stderr}${r.stdout}`, 'conntrack', label);
  t.deepEqual(errorsOf(s), [], label);
  return [...s.entries];
}

kernelTest(
  'kernel: nfwalk reads back exactly the tuples conntrack shows (default, -o extended, /proc) for DNAT/MASQUERADE flows',
  async (t) => {
    await withNetnsAsync(async (node, nodeNs) =>
      withNetnsAsync(async (pod, podNs) => {
        const link = run('ip', [
          'link',
          'add',
          'v-node',
          'netns',
          nodeNs,
          'type',
          'veth',
          'peer',
          'name',
          'v-pod',
          'netns',
          podNs,
        ]);
        t.is(link.status, 0, link.stderr);
        for (const [exec, cmds] of [
          [
            node,
            [
              ['ip', 'link', 'set', 'lo', 'up'],
              ['ip', 'link', 'set', 'v-node', 'up'],
              ['ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'v-node'],
              ['ip', 'addr', 'add', '172.31.0.10/32', 'dev', 'lo'],
              ['ip', 'route', 'add', '10.96.0.0/12', 'dev', 'v-node'],
            ],
          ],
          [
            pod,
            [
              ['ip', 'link', 'set', 'lo', 'up'],
              ['ip', 'link', 'set', 'v-pod', 'up'],
              ['ip', 'addr', 'add', '10.244.1.5/24', 'dev', 'v-pod'],
              ['ip', 'addr', 'add', '10.244.1.6/24', 'dev', 'v-pod'],
              ['ip', 'route', 'add', '172.31.0.10/32', 'dev', 'v-pod'],
            ],
          ],
        ] as const) {
          for (const [cmd, ...args] of cmds) t.is(exec(cmd, args).status, 0, `${cmd} ${args.join(' ')}`);
        }
        t.is(node('iptables-restore', [], RULES).status, 0);
        const stopServer = await background(podNs, SERVER);
        try {
          const stopClient = await background(nodeNs, CLIENT);
          try {
            t.is(node('ping', ['-c', '1', '-W', '1', '10.96.0.10']).status, 0);
            const xml = node('conntrack', ['-L', '-o', 'xml']);
            const reference = xmlTuples(xml.stdout);
            t.true(reference.length >= 10, `the kernel tracked ${reference.length} flows`);
            for (const [label, args] of [
              ['conntrack -L', ['conntrack', '-L']],
              ['conntrack -L -o extended', ['conntrack', '-L', '-o', 'extended']],
              ['/proc/net/nf_conntrack', ['cat', '/proc/net/nf_conntrack']],
            ] as const) {
              const entries = readBack(t, node, [...args], label);
              t.deepEqual(entries.map(tuple).sort(), reference, label);
              const dnat = entries.filter((e) => e.orig.dst === '10.96.0.10' && e.orig.dport === 80);
              t.true(
                dnat.length >= 4 && dnat.every((e) => e.reply.src === '10.244.1.5' && e.reply.sport === 8080),
                label,
              );
              const masq = dnat.find((e) => e.orig.src === '172.31.0.10')!;
              t.is(masq.reply.dst, '10.244.1.1', `${label}: MASQUERADE shows as the reply's destination`);
              t.true(
                entries.some((e) => e.proto === 'tcp' && e.unreplied && e.state === 'SYN_SENT'),
                label,
              );
              t.like(entries.find((e) => e.proto === 'icmp')!, {
                orig: { dst: '10.96.0.10', type: 8 },
                reply: { src: '10.244.1.6', type: 0 },
              });
            }
          } finally {
            stopClient();
          }
        } finally {
          stopServer();
        }
      }),
    );
  },
);
