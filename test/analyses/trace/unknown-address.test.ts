/**
 * Class 11 of issue #22 (iptables rules): a match on an address masked in the paste (`-d x.x.x.x/32`,
 * `! -s 10.x.x.x/16`) cannot be decided, so the walk splits as it does on a set it was not given, each path
 * saying what it assumed; the part of the address the paste still shows decides where it can. A DNAT to a
 * masked address ends at that address, shown as pasted.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { type TraceResult, tracePacket } from '../../../src/analyses/trace/index';
import type { Probe } from '../../../src/analyses/trace/probe';
import { findSectionsInText } from '../../../src/input/sections';
import { singleNode } from '../../../src/model/node';
import { SMALL_NODE } from '../../helpers/small-node';

const SAMPLE = readFileSync(new URL('../../../samples/kube-node.iptables-save', import.meta.url), 'utf8');

function trace(dump: string, probe: Partial<Probe>): TraceResult {
  const found = findSectionsInText(`${SMALL_NODE}root@n1:~# iptables-save\n${dump}`, 'test', 'n1');
  if (found.sections.some((s) => s.diagnostics.some((d) => d.severity === 'error')))
    throw new Error('a masked address must be a warning, never an error');
  return tracePacket(singleNode(found.sections)!, {
    src: '203.0.113.9',
    dst: '10.96.0.10',
    proto: 'tcp',
    sport: 40000,
    dport: 80,
    in: 'eth0',
    ...probe,
  });
}

const outcomes = (r: TraceResult) =>
  r.paths.map((p) => ({ p: p.probability, dst: `${p.final.dst}:${p.final.dport}`, assumptions: p.assumptions ?? [] }));

test('class 11: a cluster IP masked in KUBE-SERVICES splits the walk, and each path names the assumption', (t) => {
  const masked = SAMPLE.replace('-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp', '-A KUBE-SERVICES -d x.x.x.x/32 -p tcp');
  const r = trace(masked, {});
  const question = "the packet's destination 10.96.0.10 is in x.x.x.x/32 (masked in nat KUBE-SERVICES rule 1)";
  const paths = outcomes(r);
  t.is(+paths.reduce((a, p) => a + p.p, 0).toFixed(9), 1);
  const dnat = paths.filter((p) => p.dst !== '10.96.0.10:80');
  t.deepEqual(
    dnat.map((p) => [p.dst, p.p]),
    [
      ['10.244.1.5:8080', 0.25],
      ['10.244.1.6:8080', 0.25],
    ],
  );
  for (const p of dnat) t.true(p.assumptions.includes(question));
  const unchanged = paths.filter((p) => p.dst === '10.96.0.10:80');
  t.is(+unchanged.reduce((a, p) => a + p.p, 0).toFixed(9), 0.5);
  for (const p of unchanged) t.true(p.assumptions.includes(`NOT ${question}`));
});

test('class 11: the part of a masked address the paste shows decides where it can: 10.x.x.x/16 never holds 203.0.113.9', (t) => {
  const masked = SAMPLE.replace(
    '[8:480] -A KUBE-SVC-XPGD46QRK7WJZT7O ! -s 10.244.0.0/16',
    '[8:480] -A KUBE-SVC-XPGD46QRK7WJZT7O ! -s 10.x.x.x/16',
  );
  const outside = trace(masked, {});
  t.is(outside.paths.length, 2);
  t.true(outside.paths.every((p) => p.masquerade && !(p.assumptions ?? []).some((a) => a.includes('10.x.x.x/16'))));
  // A pod address may or may not lie in the masked cluster CIDR: masqueraded on one side of the split only.
  const pod = trace(masked, { src: '10.244.7.7', in: 'cni0' });
  t.is(pod.paths.length, 4);
  t.deepEqual(pod.paths.map((p) => [p.masquerade, (p.assumptions ?? []).some((a) => a.startsWith('NOT '))]).sort(), [
    [false, false],
    [false, false],
    [true, true],
    [true, true],
  ]);
});

test('class 11: a DNAT to a masked address ends at that address as pasted, with its share and what the walk assumed', (t) => {
  const masked = SAMPLE.replaceAll('10.244.1.6', '10.x.x.x');
  const r = trace(masked, {});
  const paths = outcomes(r);
  t.deepEqual(
    paths.map((p) => [p.dst, p.p]),
    [
      ['10.244.1.5:8080', 0.5],
      ['10.x.x.x:8080', 0.5],
    ],
  );
  t.true(
    paths[1]!.assumptions.some((a) => a.startsWith('10.x.x.x (masked in the dump) is not an address of this node')),
  );
  t.is(r.paths[1]!.verdict, 'ACCEPT');
});

test('class 11: a rule naming a whole address leaves a masked DNAT target open, and says what it tests as the rule shows it', (t) => {
  const rules = SAMPLE.replaceAll('10.244.1.6', '10.x.x.x').replace(
    '[0:0] -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"',
    '[0:0] -A FORWARD -d 10.244.0.0/16 -j LOG\n[0:0] -A FORWARD -s 192.0.2.0/255.255.255.0 ! -d 10.96.0.0/255.240.0.0 -j LOG\n$&',
  );
  const assumptions = trace(rules, {})
    .paths.filter((p) => p.final.dst === '10.x.x.x')
    .flatMap((p) => p.assumptions ?? []);
  t.true(assumptions.includes("the packet's destination 10.x.x.x (masked in the dump) is in 10.244.0.0/16"));
  t.true(assumptions.includes("NOT the packet's destination 10.x.x.x (masked in the dump) is in 10.244.0.0/16"));
  const second = trace(rules, { src: '192.0.2.7' })
    .paths.filter((p) => p.final.dst === '10.x.x.x')
    .flatMap((p) => p.assumptions ?? []);
  // The reader keeps a contiguous dotted mask as a prefix length.
  for (const a of ['', 'NOT '])
    t.true(second.includes(`${a}the packet's destination 10.x.x.x (masked in the dump) is in 10.96.0.0/12`));
});
