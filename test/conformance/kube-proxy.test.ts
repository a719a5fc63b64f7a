/**
 * kube-proxy's own packet-flow cases (shared/conformance/kube-proxy, TestTracePacket): the endpoints a
 * packet may be DNATed to, or the filter verdict, and whether it is masqueraded. kube-proxy's tracer only
 * runs nat PREROUTING and four filter chains; nfwalk walks every hook, and must still agree.
 */
import test from 'ava';
import { type TracePath, tracePacket } from '../../src/analyses/trace/index';
import { findSections } from '../../src/input/sections';
import { singleNode } from '../../src/model/node';
import { kubeProxyNodeFiles } from '../helpers/kube-proxy-node';
import { readShared, sharedAvailable, sharedTest } from '../helpers/shared';

interface Case {
  readonly name: string;
  readonly sourceIP: string;
  readonly destIP: string;
  readonly destPort: number;
  readonly protocol: 'tcp';
  readonly output: string;
  readonly masq: boolean;
}

// kube-proxy's cases stay in ../shared; without it one test says they were skipped.
const cases: Case[] = sharedAvailable ? JSON.parse(readShared('conformance/kube-proxy/trace-packet.cases.json')) : [];
// The README names the node's own addresses: a packet from one of them starts on the node (OUTPUT).
const NODE_ADDRESSES = new Set(['127.0.0.1', '192.168.0.2', '192.168.1.2', '192.168.99.11']);

/** kube-proxy's `output`: DNAT targets in rule order, else the filter verdict that decided, else "". */
function outputOf(paths: readonly TracePath[], destIP: string): string {
  const verdicts = paths.filter((p) => p.verdict !== 'ACCEPT').map((p) => p.verdict);
  if (verdicts.length) return [...new Set(verdicts)].join(', ');
  const dnat = paths.filter((p) => p.final.dst !== destIP).map((p) => `${p.final.dst}:${p.final.dport}`);
  if (dnat.length) return [...new Set(dnat)].sort().join(', ');
  const accepted = paths.some((p) =>
    p.steps.some((s) => 'target' in s && s.table === 'filter' && s.target === 'ACCEPT'),
  );
  return accepted ? 'ACCEPT' : '';
}

const sections = (await findSections(kubeProxyNodeFiles())).sections;
// Declared after the await: ava takes test declarations until the file's first pause.
if (!sharedAvailable) sharedTest("kube-proxy's TestTracePacket cases", () => {});

test('the conformance dumps parse without diagnostics', (t) => {
  t.deepEqual(
    sections.flatMap((s) => s.diagnostics),
    [],
  );
  t.deepEqual(sections.map((s) => s.kind).sort(), ['ip-addr', 'ip-route', 'iptables-save']);
});

for (const c of cases) {
  test(`kube-proxy TestTracePacket: ${c.name}`, (t) => {
    const node = singleNode(sections)!;
    const local = NODE_ADDRESSES.has(c.sourceIP);
    const result = tracePacket(node, {
      src: c.sourceIP,
      dst: c.destIP,
      proto: c.protocol,
      sport: 33000,
      dport: c.destPort,
      ...(local ? { local: true } : { in: 'eth0' }),
    });
    t.is(outputOf(result.paths, c.destIP), c.output.split(', ').sort().join(', '));
    t.is(
      result.paths.some((p) => p.masquerade),
      c.masq,
    );
    t.is(+result.paths.reduce((a, p) => a + p.probability, 0).toFixed(12), 1);
  });
}
