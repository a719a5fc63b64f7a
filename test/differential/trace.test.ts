/**
 * `nfwalk trace` against the kernel: random kube-proxy style rulesets with random rules in raw, mangle,
 * nat and filter are loaded into a lab namespace; real packets come from a client namespace and from the
 * node itself. The kernel's TRACE sequence of matched rules and policies must be one of nfwalk's paths,
 * and the NAT conntrack recorded must be that path's final header. A statistic ladder is then hit many
 * times and the observed shares are compared with nfwalk's probabilities.
 */
import type { ExecutionContext } from 'ava';
import { labRuleset, seeded } from '../generators/trace-ruleset';
import { kernelTest } from '../helpers/kernel';
import { compareSeeds, labConntrack, labTracer } from '../helpers/trace-compare';
import { type LabProbe, TraceLab } from '../helpers/trace-lab';

const SEEDS = 40;
const PROBES_PER_RULESET = 60;

kernelTest(
  'trace: the kernel’s TRACE of every probe is one of nfwalk’s paths, with the NAT conntrack records',
  async (t: ExecutionContext) => {
    await compareSeeds(
      t,
      new TraceLab(),
      Array.from({ length: SEEDS }, (_, i) => i + 1),
      PROBES_PER_RULESET,
    );
  },
);

kernelTest('trace: a statistic ladder splits real traffic in the shares nfwalk gives', async (t: ExecutionContext) => {
  const lab = new TraceLab();
  try {
    const r = seeded(7);
    const service = {
      name: 'shop/web:http',
      proto: 'udp' as const,
      clusterIP: '10.96.0.50',
      port: 53,
      local: false,
      endpoints: ['10.244.1.11', '10.244.1.12', '10.244.2.13', '10.244.3.14'],
    };
    const ruleset = labRuleset(r, [service], 0);
    lab.load(ruleset.text, ruleset.ipsets);
    const count = 1200;
    const probes: LabProbe[] = Array.from({ length: count }, (_, i) => ({
      proto: 'udp',
      src: '192.168.50.2',
      dst: service.clusterIP,
      sport: 30000 + i,
      dport: 53,
      local: false,
    }));
    // The trace monitor is not needed for counting: conntrack records where each one went.
    await lab.send(probes);
    const observed = new Map<string, number>();
    for (const e of labConntrack(lab))
      if (e.orig.dst === service.clusterIP) observed.set(e.reply.src, (observed.get(e.reply.src) ?? 0) + 1);
    const { tracer } = labTracer(lab);
    const expected = new Map<string, number>();
    for (const p of tracer.trace({
      proto: 'udp',
      src: '192.168.50.2',
      dst: service.clusterIP,
      sport: 30000,
      dport: 53,
      in: 'eth0',
    }).paths) {
      expected.set(p.final.dst, (expected.get(p.final.dst) ?? 0) + p.probability);
    }
    t.deepEqual([...expected.keys()].sort(), [...service.endpoints].sort());
    const total = [...observed.values()].reduce((a, b) => a + b, 0);
    t.true(total > count * 0.95, `${total} of ${count} packets recorded`);
    for (const [ip, p] of expected) {
      const seen = (observed.get(ip) ?? 0) / total;
      const sigma = Math.sqrt((p * (1 - p)) / total);
      t.true(
        Math.abs(seen - p) < 4.5 * sigma,
        `${ip}: observed ${seen.toFixed(3)}, nfwalk ${p.toFixed(3)} (±${(4.5 * sigma).toFixed(3)})`,
      );
    }
  } finally {
    lab.close();
  }
});
