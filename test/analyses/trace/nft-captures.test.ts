/**
 * The nft walk against the kernel's own trace of real packets (shared/captures/nft/traces: kube-proxy's v1.34
 * table loaded by nft-trace-lab.sh, one connection per file): the rule and policy events of the kube-proxy
 * table must be exactly the steps of one of nfwalk's paths, that path's final header must be where the
 * kernel sent the packet next, and the shares must add up to 1.
 */
import { readdirSync } from 'node:fs';
import { prepareTracer } from '../../../src/analyses/trace/index';
import { LAB_NODE, RULESET, nftStepLine, nftTracedPackets, traceStepLine } from '../../helpers/nft-trace';
import { nodesOfText } from '../../helpers/sections';
import { readShared, sharedFile, sharedTest } from '../../helpers/shared';

sharedTest("kube-proxy's nft table: every captured kernel trace is one of nfwalk's paths", (t) => {
  const [node] = nodesOfText(`${LAB_NODE}\n# nft list ruleset\n${readShared(RULESET)}`);
  const tracer = prepareTracer(node!, 'ipv4');
  const files = readdirSync(sharedFile('captures/nft/traces')).filter((f) => f.startsWith('kube-proxy-v1.34.'));
  t.true(files.length >= 10);
  for (const file of files) {
    const [packet] = nftTracedPackets(readShared(`captures/nft/traces/${file}`), (table) => table === 'kube-proxy');
    t.truthy(packet, file);
    const { src, dst, proto, sport, dport } = packet!;
    const result = tracer.trace({ src, dst, proto, sport, dport, ...(packet!.in ? { in: packet!.in } : {}) });
    const total = result.paths.reduce((a, p) => a + p.probability, 0);
    t.true(Math.abs(total - 1) < 1e-9, `${file}: shares add up to 1`);
    const walked = result.paths.map((p) => p.steps.map(nftStepLine));
    const kernel = packet!.steps.map(traceStepLine);
    t.true(kernel.length > 0, file);
    t.true(
      walked.some((steps) => JSON.stringify(steps) === JSON.stringify(kernel)),
      `${file}: kernel\n${kernel.join('\n')}\nnfwalk\n${walked.map((w) => w.join('\n')).join('\n--\n')}`,
    );
  }
});

sharedTest('numgen random mod 2 gives each of two endpoints exactly half', (t) => {
  const [node] = nodesOfText(`${LAB_NODE}\n# nft list ruleset\n${readShared(RULESET)}`);
  const result = prepareTracer(node!, 'ipv4').trace({
    src: '192.168.0.100',
    dst: '172.30.0.44',
    proto: 'tcp',
    sport: 40000,
    dport: 80,
    in: 'nr-cn',
  });
  const shares = result.paths.map((p) => `${p.verdict} ${p.final.dst}:${p.final.dport} ${p.probability}`).sort();
  t.deepEqual(shares, ['ACCEPT 10.180.0.4:80 0.5', 'ACCEPT 10.180.0.5:80 0.5']);
  t.true(result.paths.every((p) => p.masquerade));
});
