/**
 * `nfwalk parse`'s line for a conntrack listing counts protocols and NAT from the table's columns: the same
 * counts as from its entry objects, over column rows and object rows (icmp, counters, ids) of a mixed table.
 */
import test from 'ava';
import { findSectionsInText } from '../../src/input/sections';
import { formatParseSummary } from '../../src/report/parse-summary';
import { busyConntrackLines, conntrackLines } from '../generators/conntrack-table';
import { kubeProxyServices } from '../generators/kube-proxy-dump';

test('protocol and NAT counts of a mixed table are those of its entry objects', (t) => {
  const lines = [
    ...conntrackLines(2000, 5),
    ...[...busyConntrackLines(kubeProxyServices({ services: 30 }), 2000, { nodeIp: '192.168.0.2' })].slice(1),
    'icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1',
    'tcp      6 86399 ESTABLISHED src=10.0.0.1 dst=10.96.0.1 sport=1 dport=443 packets=3 bytes=180 src=10.0.0.9 dst=10.0.0.1 sport=6443 dport=1 packets=2 bytes=120 [ASSURED] mark=0 use=1',
  ];
  const found = findSectionsInText(lines.join('\n'));
  const [section] = found.sections;
  if (section?.kind !== 'conntrack') return t.fail('one conntrack listing');
  const byProto = new Map<string, number>();
  let natted = 0;
  for (const e of section.entries) {
    byProto.set(e.proto, (byProto.get(e.proto) ?? 0) + 1);
    if (e.reply.src !== e.orig.dst || e.reply.dst !== e.orig.src) natted++;
  }
  t.true(natted > 100 && natted < section.entries.length, `${natted} of ${section.entries.length}`);
  t.true(byProto.has('icmp') && byProto.size >= 3);
  const expected = `${[...byProto].map(([p, n]) => `${p} ${n}`).join(', ')}; ${natted} with NAT`;
  t.true(formatParseSummary(found).includes(expected), formatParseSummary(found));
});
