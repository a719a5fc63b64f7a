/**
 * Every conntrack capture (test/fixtures/kernel, and ../shared's when it is there) parses with one entry per flow
 * line and no error, and the same table printed in different modes (-L, -o extended, -o id, -o save, -o xml,
 * /proc) gives the same connections.
 */
import test from 'ava';
import type { ConntrackEntry } from '../../../src/model/conntrack';
import { errorsOf, only, sectionsOf } from '../../helpers/sections';
import { fixtureFiles, readDump, readFixture, readShared, sharedFiles, sharedTest } from '../../helpers/shared';

const captures = [
  ...fixtureFiles(/^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('captures', /^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('realworld', /conntrack/),
];

/** Flow lines counted independently of the grammar: a tuple, a save command or an XML flow. */
const flowLines = (text: string) =>
  text.split('\n').filter((l) => /\bsrc=\S+ dst=/.test(l) || /^-A -t \d+ /.test(l) || l.startsWith('<flow>')).length;

for (const rel of captures) {
  test(`${rel}: one entry per flow line, no error`, (t) => {
    const text = readDump(rel);
    const { sections } = sectionsOf(text, rel);
    const conntrack = sections.filter((s) => s.kind === 'conntrack');
    t.true(conntrack.length > 0);
    t.deepEqual(conntrack.flatMap(errorsOf), []);
    t.is(
      conntrack.reduce((n, s) => n + s.records, 0),
      flowLines(text),
    );
  });
}

const key = (e: ConntrackEntry) => `${e.proto} ${JSON.stringify(e.orig)} ${JSON.stringify(e.reply)}`;

test('the kernel-made fixtures: the same table in -L, -o extended, -o id, -o save and /proc gives the same connections', (t) => {
  const reference = only(readFixture('conntrack-L.txt'), 'conntrack').entries.map(key).sort();
  t.is(reference.length, 10);
  for (const name of [
    'conntrack-L-o-extended.txt',
    'conntrack-L-o-id.txt',
    'conntrack-L-o-save.txt',
    'proc-net-nf_conntrack.txt',
  ]) {
    t.deepEqual(only(readFixture(name), 'conntrack').entries.map(key).sort(), reference, name);
  }
  t.is(only(readFixture('conntrack-C.txt'), 'conntrack-count', 'conntrack-C.txt').count, 10);
});

sharedTest('the same table in -L, -o extended, -o id, -o save, -o xml and /proc gives the same connections', (t) => {
  const reference = only(readShared('captures/conntrack-L.txt'), 'conntrack').entries.map(key).sort();
  t.is(reference.length, 20);
  for (const rel of [
    'conntrack-L-o-extended.txt',
    'conntrack-L-o-id.txt',
    'conntrack-L-o-save.txt',
    'proc-net-nf_conntrack.txt',
    'conntrack-L-o-ktimestamp.txt',
  ]) {
    t.deepEqual(
      only(readShared(`captures/${rel}`), 'conntrack')
        .entries.map(key)
        .sort(),
      reference,
      rel,
    );
  }
  // XML carries no icmp type/code/id, so compare addresses and ports only there.
  const bare = (e: ConntrackEntry) =>
    `${e.proto} ${e.orig.src} ${e.orig.dst} ${e.orig.sport} ${e.orig.dport} ${e.reply.src} ${e.reply.dst} ${e.reply.sport} ${e.reply.dport}`;
  t.deepEqual(
    only(readShared('captures/conntrack-L-o-xml.txt'), 'conntrack').entries.map(bare).sort(),
    only(readShared('captures/conntrack-L.txt'), 'conntrack').entries.map(bare).sort(),
  );
});

sharedTest('fields: NAT tuples, decimal marks, zones, flags, counters, timestamps, ids, events', (t) => {
  const plain = only(readShared('captures/conntrack-L.txt'), 'conntrack');
  const dnat = plain.entries.find((e) => e.orig.src === '172.31.0.10' && e.orig.sport === 40649)!;
  t.like(dnat, {
    proto: 'tcp',
    protoNum: 6,
    state: 'ESTABLISHED',
    family: 'ipv4',
    status: 'ASSURED',
    unreplied: false,
    use: 1,
  });
  t.deepEqual(dnat.reply, { src: '10.244.1.5', dst: '10.244.1.1', sport: 8080, dport: 1679 });
  t.is(plain.entries.find((e) => e.mark === 42)?.orig.dst, '10.244.1.6');
  t.is(plain.entries.find((e) => e.zone === 7)?.orig.dport, 7777);
  t.true(plain.entries.some((e) => e.unreplied && e.state === 'SYN_SENT'));
  const icmp = plain.entries.find((e) => e.proto === 'icmp')!;
  t.like(icmp.orig, { type: 8, code: 0 });
  t.like(icmp.reply, { type: 0, code: 0, id: icmp.orig.id });
  t.deepEqual(plain.summaries, [{ line: 1, count: 20, what: 'shown' }]);

  const proc = only(readShared('captures/proc-net-nf_conntrack-acct-timestamp.txt'), 'conntrack');
  const v6 = proc.entries.find((e) => e.family === 'ipv6' && e.proto === 'tcp')!;
  t.is(v6.orig.src, 'fd00:244:1::1', 'expanded /proc IPv6 is compressed as conntrack -L prints it');
  t.true(
    proc.entries.every((e) => e.zone === 0 && (e.use ?? 0) >= 2),
    '/proc prints zone= always, and use= counts the reader too',
  );
  t.like(proc.entries.find((e) => e.origCounters)!, {
    origCounters: { packets: 4, bytes: 316 },
    replyCounters: { packets: 3, bytes: 264 },
  });

  const gre = only(
    readShared('captures/conntrack-L-sctp-gre.txt').split('$ cat /proc/net/nf_conntrack\n')[1]!,
    'conntrack',
  ).entries.find((e) => e.proto === 'gre')!;
  t.deepEqual(gre.greTimeouts, { timeout: 30, streamTimeout: 180 });
  t.like(gre.orig, { srckey: '0x0', dstkey: '0x0' });

  const kts = only(readShared('captures/conntrack-L-o-ktimestamp-acct.txt'), 'conntrack');
  t.like(kts.entries.find((e) => e.start)!, { start: 'Sat Nov 21 13:23:54 2026', deltaTime: 3 });
  const ids = only(readShared('captures/conntrack-L-o-extended-id.txt'), 'conntrack');
  t.true(ids.entries.every((e) => typeof e.id === 'number'));
  t.is(ids.entries.find((e) => e.proto === 'icmp')!.orig.id !== ids.entries.find((e) => e.proto === 'icmp')!.id, true);

  const events = only(readShared('captures/conntrack-E-o-timestamp-extended.txt'), 'conntrack');
  t.deepEqual(
    events.entries.slice(0, 3).map((e) => e.event),
    ['NEW', 'UPDATE', 'UPDATE'],
  );
  t.is(events.entries[0]!.eventTime, 1795267517.332277);
  t.deepEqual(
    events.summaries.map((s) => s.what),
    ['events'],
  );
});

test('damaged and broken lines: a paste that lost its first characters is read with a warning; garbage is an error with line and column', (t) => {
  const text = [
    'cp      6 86205 ESTABLISHED src=10.0.0.1 dst=10.96.0.1 sport=1234 dport=443 src=10.0.0.9 dst=10.0.0.1 sport=6443 dport=1234 [ASSURED] mark=0 use=1',
    'udp      17 29 src=10.0.0.1 dst=10.96.0.10 sport=5353 dport=53 src=10.244.0.3 dst=10.0.0.1 sport=53 dport=5353 mark=x use=1',
    'tcp      6 10 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [WHAT] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 use=1',
    'udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 use=1',
  ].join('\n');
  const s = only(text, 'conntrack');
  t.is(s.records, 2);
  t.is(s.entries[0]!.proto, 'tcp');
  const lines = text.split('\n');
  t.deepEqual(errorsOf(s), [
    `2:${lines[1]!.indexOf('mark=x') + 1}: mark= needs a number, got 'x'`,
    `3:${lines[2]!.indexOf('[WHAT]') + 1}: unknown flag [WHAT]`,
  ]);
  t.regex(
    s.diagnostics.find((d) => d.severity === 'warning')!.message,
    /damaged line: 'cp' is not a protocol name; read as tcp/,
  );
});

sharedTest('conntrack -S, /proc/net/stat/nf_conntrack and conntrack -C', (t) => {
  const stats = only(readShared('captures/conntrack-S.txt'), 'conntrack-stats');
  t.is(stats.cpus.length, 2);
  t.is(stats.cpus[1]!.counters.error, 2);
  const proc = only(readShared('captures/proc-net-stat-nf_conntrack.txt'), 'conntrack-stats');
  t.is(proc.format, '/proc/net/stat/nf_conntrack');
  t.is(proc.cpus[0]!.counters.entries, 20);
  t.is(proc.cpus[1]!.counters.icmp_error, 2);
  t.is(only(readShared('captures/conntrack-C.txt'), 'conntrack-count', 'captures/conntrack-C.txt').count, 20);
  t.is(only('$ conntrack -C\n1234\n', 'conntrack-count').count, 1234);
  t.is(
    sectionsOf('1234\n', 'notes.txt').sections.length,
    0,
    'a bare number is not a dump without a command or path naming it',
  );
});
