/** A tracer prepared without step text walks the same paths; only the rules' text is left out (iptables and nft). */
import { readFileSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { type TracePath, prepareTracer } from '../../../src/analyses/trace/index';
import { kubeServices } from '../../../src/graph/kube-services';
import { findSectionsInText } from '../../../src/input/sections';
import { singleNode } from '../../../src/model/node';
import { kubeProxyNftRuleset } from '../../generators/kube-proxy-nft';
import { nodesOfText } from '../../helpers/sections';
import { SMALL_NODE } from '../../helpers/small-node';

const DUMP = readFileSync(new URL('../../../samples/kube-node.iptables-save', import.meta.url), 'utf8');

function node() {
  const found = findSectionsInText(`${SMALL_NODE}root@n1:~# iptables-save\n${DUMP}`, 'test', 'n1');
  return singleNode(found.sections)!;
}

const withoutText = (paths: readonly TracePath[]) =>
  paths.map((p) => ({ ...p, steps: p.steps.map((s) => ('text' in s ? { ...s, text: '' } : s)) }));

type Tracer = ReturnType<typeof prepareTracer>;
type RuleStep = Extract<TracePath['steps'][number], { text: string }>;

/** One probe through both tracers: the same paths and warnings, text apart; the rule steps the walk matched. */
function sameWalk(
  t: ExecutionContext,
  full: Tracer,
  bare: Tracer,
  probe: Parameters<Tracer['trace']>[0],
  printed: (s: RuleStep) => boolean,
): number {
  const withText = full.trace(probe);
  const without = bare.trace(probe);
  const steps = without.paths.flatMap((p) => p.steps).filter((s) => 'text' in s);
  t.true(steps.every((s) => 'text' in s && s.text === ''));
  t.true(
    withText.paths.flatMap((p) => p.steps).every((s) => !('text' in s) || printed(s)),
    'the default tracer prints every rule',
  );
  t.deepEqual(withoutText(without.paths), withoutText(withText.paths));
  t.deepEqual(without.warnings, withText.warnings);
  return steps.length;
}

test('every entry point of the sample dump: the same paths with and without step text', (t) => {
  const n = node();
  const full = prepareTracer(n, 'ipv4');
  const bare = prepareTracer(n, 'ipv4', { stepText: false });
  const entries = kubeServices(n.rulesets[0]!.ruleset).flatMap((s) =>
    s.entryPoints.map((e) => ({ dst: e.ip ?? '192.168.0.2', dport: e.port, proto: s.protocol })),
  );
  t.true(entries.length >= 3);
  let rules = 0;
  for (const e of entries) {
    const probe = { src: '203.0.113.9', sport: 40000, in: 'eth0', newClient: true, ...e };
    rules += sameWalk(t, full, bare, probe, (s) => s.text.includes(`-A ${s.chain} `));
  }
  t.true(rules > entries.length, 'the walks match rules');
});

test("kube-proxy's nftables table, both families: the same paths with and without step text", (t) => {
  let rules = 0;
  for (const family of ['ipv4', 'ipv6'] as const) {
    const ruleset = kubeProxyNftRuleset({ services: 40, family });
    const n = nodesOfText(`${SMALL_NODE}\nroot@n1:~# nft list ruleset\n${ruleset.text}`)[0]!;
    const full = prepareTracer(n, family);
    const bare = prepareTracer(n, family, { stepText: false });
    const entries = ruleset.services.flatMap((s) => [
      { dst: s.clusterIP, dport: s.port, proto: s.protocol },
      ...(s.nodePort === null ? [] : [{ dst: ruleset.nodeIP, dport: s.nodePort, proto: s.protocol }]),
    ]);
    const src = family === 'ipv4' ? '203.0.113.9' : '2001:db8:99::9';
    for (const e of entries) {
      const probe = { src, sport: 40000, in: 'eth0', newClient: true, ...e };
      rules += sameWalk(t, full, bare, probe, (s) => s.text.length > 0);
    }
  }
  t.true(rules > 100, 'the walks match rules');
});
