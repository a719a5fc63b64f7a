/**
 * Stale entries written out by hand (entryWriter) are the text JSON.stringify gives their objects, at any indent,
 * with one writer for all entries (it remembers quoted values and `now` lists).
 */
import test from 'ava';
import type { StaleEntry } from '../../src/analyses/stale/index';
import { entryJson, entryWriter } from '../../src/report/stale-json';

const BASE: StaleEntry = {
  proto: 'udp',
  src: '10.244.0.5',
  sport: 40002,
  dst: '10.96.0.10',
  dport: 53,
  natTarget: '10.244.1.8:53',
  reason: 'DNATed to 10.244.1.8:53, which the rules no longer send this connection to (now: "quoted" \\ \u2028)',
  service: 'kube-system/kube-dns:dns',
  line: 7,
  kind: 'endpoint-gone',
  node: 'n1',
  family: 'ipv4',
  file: '/tmp/a "b"/conntrack.txt',
  table: 'conntrack',
  now: ['10.244.2.8:53', '10.244.3.8:53'],
  cleanup: 'conntrack -D -p udp -s 10.244.0.5 -d 10.96.0.10 --sport 40002 --dport 53 -r 10.244.1.8 --reply-port-src 53',
};

const entries: StaleEntry[] = [
  BASE,
  { ...BASE, state: 'ESTABLISHED', proto: 'tcp' },
  { ...BASE, natTarget: null, service: null, now: [], kind: 'blackhole' },
  { ...BASE, proto: 'icmp', sport: null, dport: null, now: ['10.0.0.1'] },
  { ...BASE, now: Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255}:80`) },
];

test('each entry written by hand is its JSON object stringified, at the indent of the stale array and at none', (t) => {
  const write = entryWriter();
  for (const e of [...entries, ...entries]) {
    for (const indent of ['', '    ']) {
      t.is(write(e, indent), JSON.stringify(entryJson(e), null, 2).replaceAll('\n', `\n${indent}`));
    }
  }
});
