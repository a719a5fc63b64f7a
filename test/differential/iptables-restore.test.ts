/**
 * Differential tests against the kernel's own iptables: what nfwalk prints is accepted by iptables-restore,
 * and for random rulesets nfwalk's canonical form is exactly what the kernel's iptables-save prints back.
 */
import fc from 'fast-check';
import { parseIptablesSave, printRuleset } from '../../grammar/iptables-save/index';
import { kubeProxyDump } from '../generators/kube-proxy-dump';
import { rulesetArbitrary } from '../generators/random-rules';
import { createReferencedSets, kernelTest, withNetns } from '../helpers/kernel';
import {
  iptablesSaveDumps,
  readDump,
  readShared,
  sharedAvailable,
  sharedTest,
  withoutComments,
} from '../helpers/shared';

/** Anonymised dumps: `XX:XX:XX:XX:XX:XX` MACs are not addresses any kernel accepts. */
const ANONYMISED = new Set(['realworld/netnetwork_tum_chair_iptables-save-v1.4.14-large.txt']);

for (const rel of iptablesSaveDumps()) {
  if (ANONYMISED.has(rel)) continue;
  kernelTest(`kernel: iptables-restore --test accepts nfwalk's print of ${rel}`, (t) => {
    const parsed = parseIptablesSave(readDump(rel), rel);
    const printed = printRuleset(parsed.ruleset);
    const v6 = parsed.kind === 'ip6tables-save';
    withNetns((exec) => {
      createReferencedSets(exec, printed, v6 ? 'inet6' : 'inet');
      const r = exec(v6 ? 'ip6tables-restore' : 'iptables-restore', ['--test'], printed);
      t.is(r.status, 0, r.stderr);
    });
  });
}

// A third-party dump in ../shared: skipped (with the reason) without it.
(sharedAvailable ? kernelTest : sharedTest)(
  'kernel: the anonymised dump is rejected only for its placeholder MACs',
  (t) => {
    const rel = [...ANONYMISED][0]!;
    const printed = printRuleset(parseIptablesSave(readShared(rel), rel).ruleset);
    const realMacs = printed.replace(/XX:XX:XX:XX:XX:XX/gi, '02:00:00:00:00:01');
    withNetns((exec) => {
      const r = exec('iptables-restore', ['--test'], realMacs);
      t.is(r.status, 0, r.stderr);
    });
  },
);

kernelTest(
  'kernel: random rulesets loaded for real come back from iptables-save exactly as nfwalk prints them',
  (t) => {
    const samples = fc.sample(rulesetArbitrary, {
      numRuns: Number(process.env.NFWALK_KERNEL_RUNS ?? 60),
      seed: Number(process.env.NFWALK_SEED ?? 42),
    });
    let rules = 0;
    for (const text of samples) {
      const ours = parseIptablesSave(text, 'random');
      t.deepEqual(ours.diagnostics, [], text);
      const table = ours.ruleset.tables[0]!.name;
      withNetns((exec) => {
        const load = exec('iptables-restore', [], printRuleset(ours.ruleset));
        t.is(load.status, 0, `${load.stderr}\n${text}`);
        const saved = exec('iptables-save', ['-t', table]);
        t.is(saved.status, 0, saved.stderr);
        const kernel = parseIptablesSave(saved.stdout, 'kernel');
        t.deepEqual(kernel.diagnostics, []);
        const chainX = (p: ReturnType<typeof parseIptablesSave>) =>
          printRuleset(p.ruleset)
            .split('\n')
            .filter((l) => l.startsWith('-A X '));
        t.deepEqual(chainX(kernel), chainX(ours), text);
        rules += chainX(ours).length;
      });
    }
    t.log(`${samples.length} rulesets, ${rules} rules compared with the kernel`);
  },
);

kernelTest('kernel: generated kube-proxy dumps are what iptables-save prints after loading them', (t) => {
  const { text } = kubeProxyDump({ services: 120 });
  withNetns((exec) => {
    const load = exec('iptables-restore', [], text);
    t.is(load.status, 0, load.stderr);
    const saved = exec('iptables-save', []);
    const tables = (s: string) =>
      new Map(
        s
          .split(/^(?=\*)/m)
          .filter((b) => b.startsWith('*'))
          .map((b) => [b.split('\n')[0], withoutComments(b)]),
      );
    t.deepEqual(tables(saved.stdout), tables(text));
    t.is(
      printRuleset(parseIptablesSave(saved.stdout, 'kernel').ruleset),
      printRuleset(parseIptablesSave(text, 'generated').ruleset),
    );
  });
});
