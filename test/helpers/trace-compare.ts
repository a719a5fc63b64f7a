/**
 * The comparison the trace differential tests make, for either family: the kernel's trace of each probe
 * must be one of nfwalk's paths (the same rules and policies in the same order), and the NAT conntrack
 * recorded for it the final header of such a path.
 */
import { type TracePath, type TraceStep, type Tracer, prepareTracer } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import type { ConntrackEntry } from '../../src/model/conntrack';
import { singleNode } from '../../src/model/node';
import type { Diagnostic } from '../../src/model/diagnostic';
import type { ExecutionContext } from 'ava';
import { labProbes, labRuleset, labServices, seeded } from '../generators/trace-ruleset';
import { LAB_V4, type LabFamily } from './lab-family';
import type { KernelStep, KernelTrace, LabProbe, TraceLab } from './trace-lab';

const stepKey = (s: KernelStep | TraceStep) =>
  'policy' in s ? `${s.table} ${s.chain} policy ${s.policy}` : `${s.table} ${s.chain} #${s.rule}`;

/** nfwalk's tracer for the lab as a support bundle shows it, and what reading the dumps reported. */
export function labTracer(lab: TraceLab, extra = ''): { tracer: Tracer; diagnostics: Diagnostic[] } {
  const found = findSectionsInText(lab.dumps() + extra, 'lab', 'lab');
  const node = singleNode(found.sections);
  if (!node) throw new Error('the lab dumps hold no node');
  return { tracer: prepareTracer(node, lab.family.family), diagnostics: found.sections.flatMap((s) => s.diagnostics) };
}

export function labConntrack(lab: TraceLab): ConntrackEntry[] {
  const found = findSectionsInText(lab.conntrack(), 'conntrack', 'lab');
  return found.sections.flatMap((s) => (s.kind === 'conntrack' ? s.entries : []));
}

const asProbe = (p: LabProbe) => ({ ...p, ...(p.local ? { local: true } : { in: 'eth0' }) });

/** The NAT conntrack recorded for a probe must be the final header of a path the kernel's steps took. */
function natAgrees(paths: readonly TracePath[], e: ConntrackEntry): boolean {
  return paths.some(
    (p) =>
      e.reply.src === p.final.dst &&
      e.reply.sport === p.final.dport &&
      e.reply.dst === p.final.src &&
      (p.final.sport === undefined || e.reply.dport === p.final.sport),
  );
}

/** Compares one round's probes; disagreements are appended, and the counts returned. */
export function compareRound(
  label: string,
  tracer: Tracer,
  probes: readonly LabProbe[],
  kernel: readonly (KernelTrace | undefined)[],
  entries: readonly ConntrackEntry[],
  disagreements: string[],
  /** The steps of nfwalk's paths the kernel's trace can show (all by default). */
  shown: (s: TraceStep) => boolean = () => true,
): { packets: number; natChecked: number } {
  let packets = 0;
  let natChecked = 0;
  probes.forEach((probe, i) => {
    packets++;
    const result = tracer.trace(asProbe(probe));
    const sum = result.paths.reduce((a, p) => a + p.probability, 0);
    if (Math.abs(sum - 1) > 1e-9)
      disagreements.push(`${label} ${JSON.stringify(probe)}: path probabilities sum to ${sum}`);
    // No kernel trace means no packet: the socket could not even route it, and nfwalk must say the same.
    const seen = (kernel[i]?.steps ?? []).map(stepKey).join(' | ');
    const stepsOf = (p: TracePath) => p.steps.filter(shown).map(stepKey).join(' | ');
    const same = result.paths.filter((p) => stepsOf(p) === seen);
    if (same.length === 0) {
      disagreements.push(
        `${label} ${JSON.stringify(probe)}\n  kernel: ${seen}\n${result.paths.map((p) => `  nfwalk: ${stepsOf(p)}`).join('\n')}`,
      );
      return;
    }
    const entry = entries.find(
      (e) =>
        e.orig.src === probe.src && e.orig.sport === probe.sport && e.orig.dst === probe.dst && probe.proto !== 'icmp',
    );
    if (!entry) return;
    natChecked++;
    if (!natAgrees(same, entry))
      disagreements.push(
        `${label} ${JSON.stringify(probe)}: conntrack reply ${JSON.stringify(entry.reply)}, nfwalk final ${same.map((p) => JSON.stringify(p.final)).join(' or ')}`,
      );
  });
  return { packets, natChecked };
}

/**
 * The differential run both families share: for each seed a random lab ruleset is loaded, its probes are
 * sent, and every kernel trace and NAT record is compared with nfwalk's walk of the lab's own dumps.
 */
export async function compareSeeds(
  t: ExecutionContext,
  lab: TraceLab,
  seeds: readonly number[],
  probesPerRuleset: number,
  family: LabFamily = LAB_V4,
): Promise<void> {
  let packets = 0;
  let natChecked = 0;
  const disagreements: string[] = [];
  try {
    for (const seed of seeds) {
      const r = seeded(seed);
      const services = labServices(r, 4, family);
      const ruleset = labRuleset(r, services, 25, family);
      lab.load(ruleset.text, ruleset.ipsets);
      const probes = labProbes(r, services, probesPerRuleset, 20000, family);
      const kernel = await lab.send(probes);
      const { tracer, diagnostics } = labTracer(lab);
      t.deepEqual(diagnostics, [], `seed ${seed}: the lab's own dumps parse cleanly`);
      const counts = compareRound(`seed ${seed}`, tracer, probes, kernel, labConntrack(lab), disagreements);
      packets += counts.packets;
      natChecked += counts.natChecked;
    }
  } finally {
    lab.close();
  }
  t.deepEqual(disagreements, []);
  t.true(packets >= seeds.length * probesPerRuleset * 0.9, `${packets} packets sent`);
  t.true(natChecked > packets / 4, `${natChecked} conntrack entries compared`);
  t.log(`${packets} packets, ${natChecked} NAT records compared, 0 disagreements`);
}
