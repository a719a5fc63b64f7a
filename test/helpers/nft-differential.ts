/**
 * The nft walk against the kernel, for either family: random rulesets (kube-proxy's nftables table in a random
 * layout, random native `ip`/`ip6` and `inet` tables with base chains at many priorities on every hook, random
 * iptables-nft rules; test/generators/nft-mixed.ts) are loaded into the trace lab; real packets come from the
 * client namespace and from the node itself. A tracing table that the dumps given to nfwalk do not contain sets
 * `meta nftrace set 1` first; the events of `nft -a monitor trace` for each probe must be the steps of one of
 * nfwalk's paths (rules by their position in their chain, policies), and the NAT `conntrack -L` records the
 * final header of such a path. Then many new connections to one Service must split over its endpoints in
 * nfwalk's shares, within 3 standard errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import type { ExecutionContext } from 'ava';
import { type Tracer, isNftStep, prepareTracer } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import { singleNode } from '../../src/model/node';
import { type MixedRuleset, legacyRules, mixedAddress, mixedProbes, mixedRuleset } from '../generators/nft-mixed';
import { seeded } from '../generators/trace-ruleset';
import { run } from './exec';
import { kernelTest } from './kernel';
import type { LabFamily } from './lab-family';
import { nftTracedPackets } from './nft-trace';
import { compareRound, labConntrack } from './trace-compare';
import { type KernelStep, type KernelTrace, type LabProbe, TraceLab } from './trace-lab';
import { startTraceMonitor } from './trace-monitor';

const NFT = '/usr/sbin/nft';
const TRACE_TABLE = 'nfww-trace';
const IPTABLES_TABLES = /^(filter|nat|mangle|raw|security)$/;

const tracing = (family: LabFamily) => `table ${family.nft} ${TRACE_TABLE} {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		meta nftrace set 1
	}
	chain out {
		type filter hook output priority -400; policy accept;
		meta nftrace set 1
	}
}
table netdev ${TRACE_TABLE} {
	chain in {
		type filter hook ingress device "eth0" priority -500; policy accept;
		meta nftrace set 1
	}
}
`;

const iptablesNft = (lab: TraceLab, what: 'restore' | 'save') =>
  `${lab.family.family === 'ipv6' ? 'ip6' : 'ip'}tables-nft-${what}`;

/**
 * The lab's ruleset replaced by this one: iptables-legacy's tables (`legacy`) or iptables-nft's first, then
 * nft's, then the tracing table. Of two chains at one priority the kernel runs the one registered last first;
 * the listing cannot say when legacy tables were made, and nfwalk takes them as made first, as here.
 */
function loadMixed(lab: TraceLab, m: MixedRuleset, legacy = ''): void {
  lab.exec(lab.node, NFT, ['flush', 'ruleset']);
  if (legacy) lab.exec(lab.node, `${lab.family.family === 'ipv6' ? 'ip6' : 'ip'}tables-legacy-restore`, [], legacy);
  if (m.iptables) lab.exec(lab.node, iptablesNft(lab, 'restore'), [], m.iptables);
  lab.exec(lab.node, NFT, ['-f', '-'], m.nft);
  lab.exec(lab.node, NFT, ['-f', '-'], tracing(lab.family));
  run('ip', ['netns', 'exec', lab.node, 'conntrack', '-F']);
}

/** `nft list ruleset` without the tracing tables, as a bundle of the node would hold it. */
function listing(lab: TraceLab, flags: readonly string[] = []): string {
  let text = lab.exec(lab.node, NFT, [...flags, 'list', 'ruleset']);
  for (const family of [lab.family.nft, 'netdev']) {
    const start = text.indexOf(`table ${family} ${TRACE_TABLE} {`);
    if (start < 0) continue;
    const end = text.indexOf('\n}\n', start);
    text = text.slice(0, start) + text.slice(end + 3);
  }
  return text;
}

/** What a support bundle of the lab node holds; (ip6)iptables-nft-save or -legacy-save too when they have rules. */
function mixedDumps(lab: TraceLab, m: MixedRuleset, legacy = ''): string {
  const f = lab.family;
  const legacySave = `${f.family === 'ipv6' ? 'ip6' : 'ip'}tables-legacy-save`;
  return [
    ...(legacy ? [`root@lab:~# ${legacySave}\n${lab.exec(lab.node, legacySave, [])}`] : []),
    `root@lab:~# ip -o addr\n${lab.exec(lab.node, 'ip', ['-o', 'addr'])}`,
    `root@lab:~# ip ${f.ipFlag} route show table all\n${lab.exec(lab.node, 'ip', [f.ipFlag, 'route', 'show', 'table', 'all'])}`,
    `root@lab:~# sysctl ${f.sysctls.join(' ')}\n${lab.exec(lab.node, 'sysctl', f.sysctls)}`,
    `root@lab:~# nft list ruleset\n${listing(lab)}`,
    ...(m.iptables
      ? [`root@lab:~# ${iptablesNft(lab, 'save')}\n${lab.exec(lab.node, iptablesNft(lab, 'save'), [])}`]
      : []),
  ].join('');
}

function tracerOf(text: string, family: LabFamily): Tracer {
  const found = findSectionsInText(text, 'lab', 'lab');
  const diagnostics = found.sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error'));
  if (diagnostics.length) throw new Error(`the lab's dumps do not read: ${JSON.stringify(diagnostics.slice(0, 3))}`);
  return prepareTracer(singleNode(found.sections)!, family.family);
}

/** nft handle → 1-based rule position, per `table:chain`. */
function positions(lab: TraceLab): Map<string, number> {
  const out = new Map<string, number>();
  let table = '';
  let chain = '';
  let n = 0;
  for (const line of listing(lab, ['-a']).split('\n')) {
    const t = /^table \S+ (\S+) \{/.exec(line);
    if (t) {
      table = t[1]!;
      continue;
    }
    const c = /^\s*chain (\S+) \{/.exec(line);
    if (c) {
      chain = c[1]!;
      n = 0;
      continue;
    }
    const h = /# handle (\d+)$/.exec(line);
    if (h && chain && !/^\s*(set|map) /.test(line)) out.set(`${table}:${chain}:${h[1]}`, ++n);
    if (/^\t}$/.test(line)) chain = '';
  }
  return out;
}

/** Sends the probes with the monitor running; per probe, the kernel's steps for its first packet (and its way back in on lo). */
async function send(lab: TraceLab, m: MixedRuleset, probes: readonly LabProbe[]): Promise<(KernelTrace | undefined)[]> {
  const at = positions(lab);
  const dir = mkdtempSync(join(tmpdir(), 'nfww-trace-'));
  try {
    const out = join(dir, 'trace.txt');
    const { text } = await lab.untilTraced(async () => {
      const monitor = await startTraceMonitor(lab.node, [NFT, '-a', 'monitor', 'trace'], out, join(dir, 'trace.err'));
      lab.fire(probes);
      return (await monitor.stop()) ?? { text: readFileSync(out, 'utf8') };
    });
    const packets = nftTracedPackets(text, (t) => t !== TRACE_TABLE);
    const key = (p: { proto: string; src: string; dst: string; sport?: number }) =>
      p.proto === 'icmp' ? `icmp ${p.src} ${p.dst}` : `${p.proto} ${p.src} ${p.sport}`;
    const index = new Map(probes.map((p, i) => [key(p), i] as const));
    const traces: KernelStep[][] = probes.map(() => []);
    const taken = new Set<number>();
    const sports = new Set(probes.flatMap((q) => (q.sport === undefined ? [] : [q.sport])));
    const looped = new Set<number>();
    for (const p of packets) {
      let i: number | undefined;
      // Only a probe's own echo request, not the replies, errors and neighbour discovery it causes.
      if (p.proto === 'icmp' && p.icmpType !== 'echo-request') continue;
      if (p.in === 'lo') {
        // Back in on lo under a new id: the local probe with this source port, or sent from this source (to
        // this destination when one was, as NAT may have changed it).
        const open = (q: LabProbe, n: number) =>
          q.local &&
          taken.has(n) &&
          !looped.has(n) &&
          q.proto === p.proto &&
          (q.proto === 'icmp' ? q.src === p.src : q.sport === p.sport);
        i = probes.findIndex((q, n) => open(q, n) && (q.proto !== 'icmp' || q.dst === p.dst));
        if (i < 0) i = probes.findIndex(open);
        // SNAT on the way out changed the source: the probe traced last, when it was a local one, comes back in
        // right after (not a reset or error sent back to a probe, which is addressed to a probe's source port).
        const last = [...taken].at(-1);
        const lastProbe = last === undefined ? undefined : probes[last]!;
        if (
          i < 0 &&
          lastProbe?.local &&
          !looped.has(last!) &&
          lastProbe.proto === p.proto &&
          (p.proto === 'icmp' || !sports.has(p.dport!))
        )
          i = last;
        if (i !== undefined && i < 0) i = undefined;
        if (i !== undefined) looped.add(i);
      } else {
        i = index.get(key(p));
        if (i !== undefined && taken.has(i)) i = undefined;
        if (i !== undefined) taken.add(i);
      }
      if (i === undefined) continue;
      for (const s of p.steps) {
        const iptables = m.iptables !== '' && IPTABLES_TABLES.test(s.table);
        if ('policy' in s)
          traces[i]!.push({ table: s.table, chain: s.chain, policy: iptables ? s.policy.toUpperCase() : s.policy });
        else {
          const rule = s.handle === undefined ? undefined : at.get(`${s.table}:${s.chain}:${s.handle}`);
          if (rule === undefined) throw new Error(`no rule with handle ${s.handle} in ${s.table} ${s.chain}`);
          traces[i]!.push({ table: s.table, chain: s.chain, rule });
        }
      }
    }
    return traces.map((steps) => (steps.length ? { steps } : undefined));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The seeds a run compares: NFWALK_NFT_SEEDS of them (`count` by default) from NFWALK_NFT_FIRST_SEED (1). */
export function seedsFromEnv(count: number): number[] {
  const n = Number(process.env.NFWALK_NFT_SEEDS ?? count);
  const first = Number(process.env.NFWALK_NFT_FIRST_SEED ?? 1);
  return Array.from({ length: n }, (_, i) => first + i);
}

/** One address family's two kernel tests: every probe's trace is one of nfwalk's paths, and numgen's shares. */
export function nftWalkTests(label: string, family: LabFamily, seeds: number): void {
  kernelTest(
    `trace (${label}): the kernel's nft monitor trace of every probe is one of nfwalk's paths, with the NAT conntrack records`,
    (t) => compareMixedSeeds(t, family, seedsFromEnv(seeds), 60),
  );
  kernelTest(`trace (${label}): numgen splits real connections to a Service in nfwalk's shares`, (t) =>
    compareMixedShares(t, family),
  );
}

/**
 * Every seed's ruleset loaded, its probes sent and compared; the counts and each disagreement, printed.
 * `legacy`: the seeds' iptables rules go to iptables-legacy instead of iptables-nft. The kernel's nft trace
 * cannot show legacy tables' rules, so nfwalk's paths are compared on their nft steps: legacy verdicts, NAT
 * and marks still show in which nft rules the packet meets, and in the NAT conntrack records.
 */
export async function compareMixedSeeds(
  t: ExecutionContext,
  family: LabFamily,
  seeds: readonly number[],
  probesPerRuleset: number,
  { legacy = false }: { readonly legacy?: boolean } = {},
): Promise<void> {
  const lab = new TraceLab(family);
  let packets = 0;
  let natChecked = 0;
  const disagreements: string[] = [];
  try {
    for (const seed of seeds) {
      const r = seeded(seed);
      const mixed = mixedRuleset(r, seed, family);
      const m = legacy ? { ...mixed, iptables: '' } : mixed;
      const legacyRuleset = legacy ? legacyRules(r, family) : '';
      loadMixed(lab, m, legacyRuleset);
      const tracer = tracerOf(mixedDumps(lab, m, legacyRuleset), family);
      const probes = mixedProbes(r, m.services, probesPerRuleset, 20000 + seed * 100, family);
      const kernel = await send(lab, m, probes);
      const counts = compareRound(
        `seed ${seed} (${family.family}, ${m.layout}${m.iptables ? ', iptables-nft' : ''}${legacy ? ', iptables-legacy' : ''})`,
        tracer,
        probes,
        kernel,
        labConntrack(lab),
        disagreements,
        legacy ? isNftStep : undefined,
      );
      packets += counts.packets;
      natChecked += counts.natChecked;
    }
  } finally {
    lab.close();
  }
  t.deepEqual(disagreements, []);
  t.true(packets >= seeds.length * probesPerRuleset * 0.9, `${packets} packets sent`);
  t.true(natChecked > packets / 8, `${natChecked} conntrack entries compared`);
  t.log(
    `${seeds.length} rulesets, ${packets} packets, ${natChecked} NAT records compared, ${disagreements.length} disagreements`,
  );
}

/** Many new connections to one Service with several endpoints: the kernel's split against nfwalk's shares. */
async function compareMixedShares(t: ExecutionContext, family: LabFamily): Promise<void> {
  const lab = new TraceLab(family);
  const at = mixedAddress(family);
  try {
    // A seed whose kube-proxy table has a tcp ClusterIP service with several endpoints and no affinity.
    let chosen: { m: MixedRuleset; ip: string; port: number } | undefined;
    for (let seed = 500; !chosen && seed < 600; seed++) {
      const m = mixedRuleset(seeded(seed), seed, family);
      const s = m.services.find(
        (x) =>
          x.protocol === 'tcp' &&
          x.internal === 'endpoints' &&
          x.endpoints.length >= 3 &&
          x.affinitySeconds === undefined &&
          x.internalTrafficPolicy === 'Cluster',
      );
      if (s) chosen = { m: { ...m, nft: m.kubeProxy, iptables: '' }, ip: s.clusterIP, port: s.port };
    }
    t.truthy(chosen, 'a service with several endpoints');
    const { m, ip, port } = chosen!;
    loadMixed(lab, m);
    const tracer = tracerOf(mixedDumps(lab, m), family);
    const N = 1200;
    const client = at('192.168.50.2');
    const probes: LabProbe[] = Array.from({ length: N }, (_, i) => ({
      proto: 'tcp',
      src: client,
      dst: ip,
      sport: 30000 + i,
      dport: port,
      local: false,
    }));
    lab.fire(probes);
    const seen = new Map<string, number>();
    for (const e of labConntrack(lab))
      if (e.orig.dst === ip && e.orig.dport === port) seen.set(e.reply.src, (seen.get(e.reply.src) ?? 0) + 1);
    const result = tracer.trace({ src: client, dst: ip, proto: 'tcp', sport: 30000, dport: port, in: 'eth0' });
    const shares = new Map<string, number>();
    for (const p of result.paths)
      if (p.verdict === 'ACCEPT') shares.set(p.final.dst, (shares.get(p.final.dst) ?? 0) + p.probability);
    t.true(shares.size >= 3, `${shares.size} endpoints in nfwalk's walk`);
    const total = [...seen.values()].reduce((a, n) => a + n, 0);
    t.true(total > N * 0.95, `${total} of ${N} connections in conntrack`);
    t.deepEqual(
      [...seen.keys()].filter((e) => !shares.has(e)),
      [],
      'every endpoint the kernel chose is one nfwalk gives',
    );
    // One goodness-of-fit test over all endpoints: per-endpoint 3-sigma bounds fail about once in a
    // hundred runs by chance; a 1e-6 test fails once in a million, and a wrong share fails it every time here.
    const forward = [...shares.values()].reduce((a, p) => a + p, 0);
    const rows = [...shares].map(([endpoint, p]) => ({ endpoint, p: p / forward, observed: seen.get(endpoint) ?? 0 }));
    const statistic = rows.reduce((a, r) => a + (r.observed - total * r.p) ** 2 / (total * r.p), 0);
    const pValue = 1 - chisquareCdf(statistic, rows.length - 1);
    const table = rows.map((r) => `${r.endpoint}: kernel ${r.observed}, nfwalk ${(total * r.p).toFixed(0)}`).join('; ');
    t.true(pValue > 1e-6, `${table}; chi-square ${statistic.toFixed(1)}, p = ${pValue.toExponential(1)}`);
    t.log(`${table}; chi-square p = ${pValue.toFixed(3)}`);
  } finally {
    lab.close();
  }
}
