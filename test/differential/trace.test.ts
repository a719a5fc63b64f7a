/**
 * `nfwalk trace` against the kernel: random kube-proxy style rulesets with random rules in raw, mangle,
 * nat and filter are loaded into a lab namespace; real packets come from a client namespace and from the
 * node itself. The kernel's TRACE sequence of matched rules and policies must be one of nfwalk's paths,
 * and the NAT conntrack recorded must be that path's final header. A statistic ladder is then hit many
 * times and the observed shares are compared with nfwalk's probabilities.
 */
import type { ExecutionContext } from 'ava';
import { type TracePath, type TraceStep, prepareTracer } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import type { ConntrackEntry } from '../../src/model/conntrack';
import { singleNode } from '../../src/model/node';
import { labProbes, labRuleset, labServices, seeded } from '../generators/trace-ruleset';
import { kernelTest } from '../helpers/kernel';
import { type KernelStep, type LabProbe, TraceLab } from '../helpers/trace-lab';

const SEEDS = 40;
const PROBES_PER_RULESET = 60;

const stepKey = (s: KernelStep | TraceStep) => ('policy' in s ? `${s.table} ${s.chain} policy ${s.policy}` : `${s.table} ${s.chain} #${s.rule}`);

function tracerFor(lab: TraceLab, extra = '') {
  const found = findSectionsInText(lab.dumps() + extra, 'lab', 'lab');
  const node = singleNode(found.sections);
  if (!node) throw new Error('the lab dumps hold no node');
  return { tracer: prepareTracer(node, 'ipv4'), found };
}

function conntrackEntries(lab: TraceLab): ConntrackEntry[] {
  const found = findSectionsInText(lab.conntrack(), 'conntrack', 'lab');
  return found.sections.flatMap((s) => (s.kind === 'conntrack' ? s.entries : []));
}

const asProbe = (p: LabProbe) => ({ ...p, ...(p.local ? { local: true } : { in: 'eth0' }) });

/** The NAT conntrack recorded for a probe must be the final header of a path the kernel's steps took. */
function natAgrees(paths: readonly TracePath[], e: ConntrackEntry): boolean {
  return paths.some(
    (p) => e.reply.src === p.final.dst && e.reply.sport === p.final.dport && e.reply.dst === p.final.src && (p.final.sport === undefined || e.reply.dport === p.final.sport),
  );
}

kernelTest('trace: the kernel’s TRACE of every probe is one of nfwalk’s paths, with the NAT conntrack records', async (t: ExecutionContext) => {
  const lab = new TraceLab();
  let packets = 0;
  let natChecked = 0;
  const disagreements: string[] = [];
  try {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = seeded(seed);
      const services = labServices(r, 4);
      const ruleset = labRuleset(r, services, 25);
      lab.load(ruleset.text, ruleset.ipsets);
      const probes = labProbes(r, services, PROBES_PER_RULESET, 20000);
      const kernel = await lab.send(probes);
      const entries = conntrackEntries(lab);
      const { tracer, found } = tracerFor(lab);
      t.deepEqual(found.sections.flatMap((s) => s.diagnostics), [], `seed ${seed}: the lab's own dumps parse cleanly`);
      probes.forEach((probe, i) => {
        packets++;
        const result = tracer.trace(asProbe(probe));
        const sum = result.paths.reduce((a, p) => a + p.probability, 0);
        if (Math.abs(sum - 1) > 1e-9) disagreements.push(`seed ${seed} ${JSON.stringify(probe)}: path probabilities sum to ${sum}`);
        // No kernel trace means no packet: the socket could not even route it, and nfwalk must say the same.
        const seen = (kernel[i]?.steps ?? []).map(stepKey).join(' | ');
        const same = result.paths.filter((p) => p.steps.map(stepKey).join(' | ') === seen);
        if (same.length === 0) {
          disagreements.push(`seed ${seed} ${JSON.stringify(probe)}\n  kernel: ${seen}\n${result.paths.map((p) => `  nfwalk: ${p.steps.map(stepKey).join(' | ')}`).join('\n')}`);
          return;
        }
        const entry = entries.find((e) => e.orig.src === probe.src && e.orig.sport === probe.sport && e.orig.dst === probe.dst && probe.proto !== 'icmp');
        if (!entry) return;
        natChecked++;
        if (!natAgrees(same, entry)) disagreements.push(`seed ${seed} ${JSON.stringify(probe)}: conntrack reply ${JSON.stringify(entry.reply)}, nfwalk final ${same.map((p) => JSON.stringify(p.final)).join(' or ')}`);
      });
    }
  } finally {
    lab.close();
  }
  t.deepEqual(disagreements, []);
  t.true(packets >= SEEDS * PROBES_PER_RULESET * 0.9, `${packets} packets sent`);
  t.true(natChecked > packets / 4, `${natChecked} conntrack entries compared`);
  t.log(`${packets} packets, ${natChecked} NAT records compared, 0 disagreements`);
});

kernelTest('trace: a statistic ladder splits real traffic in the shares nfwalk gives', async (t: ExecutionContext) => {
  const lab = new TraceLab();
  try {
    const r = seeded(7);
    const service = { name: 'shop/web:http', proto: 'udp' as const, clusterIP: '10.96.0.50', port: 53, local: false, endpoints: ['10.244.1.11', '10.244.1.12', '10.244.2.13', '10.244.3.14'] };
    const ruleset = labRuleset(r, [service], 0);
    lab.load(ruleset.text, ruleset.ipsets);
    const count = 1200;
    const probes: LabProbe[] = Array.from({ length: count }, (_, i) => ({ proto: 'udp', src: '192.168.50.2', dst: service.clusterIP, sport: 30000 + i, dport: 53, local: false }));
    // The trace monitor is not needed for counting: conntrack records where each one went.
    await lab.send(probes);
    const observed = new Map<string, number>();
    for (const e of conntrackEntries(lab)) if (e.orig.dst === service.clusterIP) observed.set(e.reply.src, (observed.get(e.reply.src) ?? 0) + 1);
    const { tracer } = tracerFor(lab);
    const expected = new Map<string, number>();
    for (const p of tracer.trace({ proto: 'udp', src: '192.168.50.2', dst: service.clusterIP, sport: 30000, dport: 53, in: 'eth0' }).paths) {
      expected.set(p.final.dst, (expected.get(p.final.dst) ?? 0) + p.probability);
    }
    t.deepEqual([...expected.keys()].sort(), [...service.endpoints].sort());
    const total = [...observed.values()].reduce((a, b) => a + b, 0);
    t.true(total > count * 0.95, `${total} of ${count} packets recorded`);
    for (const [ip, p] of expected) {
      const seen = (observed.get(ip) ?? 0) / total;
      const sigma = Math.sqrt((p * (1 - p)) / total);
      t.true(Math.abs(seen - p) < 4.5 * sigma, `${ip}: observed ${seen.toFixed(3)}, nfwalk ${p.toFixed(3)} (±${(4.5 * sigma).toFixed(3)})`);
    }
  } finally {
    lab.close();
  }
});
