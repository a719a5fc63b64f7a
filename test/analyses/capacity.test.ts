/**
 * Conntrack capacity findings on real-looking dumps: drops and evictions summed over CPUs from
 * `conntrack -S`, hash chains from the sysctl sizes, and a source holding a large share of the table.
 */
import test from 'ava';
import { analyzeCapacity } from '../../src/analyses/capacity/index';
import type { Finding } from '../../src/analyses/finding';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import { nodesOfText } from '../helpers/sections';

function capacity(text: string): readonly Finding[] {
  return analyzeCapacity(nodesOfText(text)).findings;
}

const stats = (perCpu: readonly { drop: number; early_drop: number }[]) =>
  `root@n1:~# conntrack -S\n${perCpu.map((c, i) => `cpu=${i}   \tfound=3 invalid=12 insert=0 insert_failed=0 drop=${c.drop} early_drop=${c.early_drop} error=0 search_restart=4 clash_resolve=0 chaintoolong=0 `).join('\n')}\n`;

test('CT_DROPS: drops summed over CPUs are an error, evictions alone a warning, neither nothing', (t) => {
  const dropped = capacity(
    stats([
      { drop: 7, early_drop: 100 },
      { drop: 5, early_drop: 20 },
    ]),
  ).filter((f) => f.code === 'CT_DROPS');
  t.is(dropped.length, 1);
  t.is(dropped[0]?.severity, 'error');
  t.regex(dropped[0]?.message ?? '', /dropped 12 new connections for a full table and evicted 120 unassured entries/);
  t.deepEqual(
    dropped[0]?.evidence.map((e) => [e.path, e.line]),
    [['n1.txt', 2]],
  );
  const evicted = capacity(
    stats([
      { drop: 0, early_drop: 3 },
      { drop: 0, early_drop: 0 },
    ]),
  ).filter((f) => f.code === 'CT_DROPS');
  t.deepEqual(
    evicted.map((f) => f.severity),
    ['warning'],
  );
  t.deepEqual(
    capacity(stats([{ drop: 0, early_drop: 0 }])).filter((f) => f.code === 'CT_DROPS'),
    [],
  );
});

test('CT_HASH_CHAINS: more than 8 entries per bucket in a full table, with the bucket count to set', (t) => {
  const sysctl = (max: number, buckets: number) =>
    `root@n1:~# sysctl -a | grep conntrack\nnet.netfilter.nf_conntrack_buckets = ${buckets}\nnet.netfilter.nf_conntrack_count = 1200\nnet.netfilter.nf_conntrack_max = ${max}\n`;
  const long = capacity(sysctl(262144, 16384)).filter((f) => f.code === 'CT_HASH_CHAINS');
  t.is(long.length, 1);
  t.regex(
    long[0]?.message ?? '',
    /nf_conntrack_max 262,144 over 16,384 buckets: a full table has hash chains of 16 entries/,
  );
  t.regex(long[0]?.remedy ?? '', /to at least 65,536$/);
  t.deepEqual(
    capacity(sysctl(262144, 65536)).filter((f) => f.code === 'CT_HASH_CHAINS'),
    [],
  );
  t.deepEqual(
    capacity(sysctl(131072, 16384)).filter((f) => f.code === 'CT_HASH_CHAINS'),
    [],
    'exactly 8 per bucket is kube-proxy’s own ratio',
  );
});

test('CT_TOP_TALKER: one source holding a fifth of a table of 1,000 or more entries', (t) => {
  const line = (src: string, i: number) =>
    `udp      17 25 src=${src} dst=10.96.0.10 sport=${10000 + i} dport=53 src=10.244.2.8 dst=${src} sport=53 dport=${10000 + i} mark=0 use=1`;
  const table = (sources: (i: number) => string, n: number) =>
    `root@n1:~# conntrack -L\n${Array.from({ length: n }, (_, i) => line(sources(i), i)).join('\n')}\n`;
  const noisy = capacity(table((i) => (i % 5 < 2 ? '10.244.0.66' : `10.244.1.${i % 200}`), 1500)).filter(
    (f) => f.code === 'CT_TOP_TALKER',
  );
  t.is(noisy.length, 1);
  t.is(noisy[0]?.subject, '10.244.0.66');
  t.regex(noisy[0]?.message ?? '', /^10\.244\.0\.66 holds 600 of 1,500 listed conntrack entries \(40%\)$/);
  t.deepEqual(
    capacity(table((i) => `10.244.1.${i % 50}`, 1500)).filter((f) => f.code === 'CT_TOP_TALKER'),
    [],
    'fifty even sources',
  );
  t.deepEqual(
    capacity(table(() => '10.244.0.66', 999)).filter((f) => f.code === 'CT_TOP_TALKER'),
    [],
    'too few entries to say',
  );
});

/** A paste's node, its warning that the listing holds fewer entries than conntrack showed left to the reader. */
const pasted = (text: string) => nodesOfInputs(findSectionsInText(text, 'n1.txt', 'n1').sections);

/** A node's conntrack -L piped through `grep`, as pasted: conntrack's own count of the entries it showed on stderr. */
const filtered = (command: string, lines: readonly string[], shown: number) =>
  `root@n1:~# sysctl net.netfilter.nf_conntrack_max\nnet.netfilter.nf_conntrack_max = 131072\nroot@n1:~# ${command}\nconntrack v1.4.7 (conntrack-tools): ${shown} flow entries have been shown.\n${lines.join('\n')}\n`;

const unreplied = (i: number) =>
  `udp      17 29 src=10.244.1.${i % 200} dst=10.96.0.10 sport=${20000 + i} dport=53 [UNREPLIED] src=10.244.2.8 dst=10.244.1.${i % 200} sport=53 dport=${20000 + i} mark=0 use=1`;

test('a filtered conntrack listing is no count of the table: conntrack says how many it showed, a floor', (t) => {
  const lines = [unreplied(1), unreplied(2)];
  const full = analyzeCapacity(pasted(filtered('conntrack -L | grep 10.96.0.10', lines, 124518)));
  t.like(full.nodes[0], { count: 124518, countFrom: 'conntrack -L shown', max: 131072 });
  const [table] = full.findings.filter((f) => f.code === 'CT_TABLE_FULL');
  t.is(table?.severity, 'error');
  t.regex(table?.message ?? '', /^at least 124,518 of 131,072 conntrack entries in use \(95%/);
  // Who fills the table is not the two entries the grep kept.
  t.regex(table?.remedy ?? '', /find who fills the table: the whole `conntrack -L` on the node, counted by source$/);
  // Without conntrack's count the filtered listing says nothing of the table's fill.
  const unsaid = filtered('conntrack -L | grep 10.96.0.10', lines, 0).replace(/^conntrack v.*\n/m, '');
  t.like(analyzeCapacity(pasted(unsaid)).nodes[0], { count: null, countFrom: null, max: 131072 });
});

test('CT_UNANSWERED_DESTINATION: not on a listing filtered for unreplied entries; of a filter, information', (t) => {
  const lines = Array.from({ length: 40 }, (_, i) => unreplied(i));
  const codes = (command: string) =>
    analyzeCapacity(pasted(filtered(command, lines, 3112)))
      .findings.filter((f) => f.code === 'CT_UNANSWERED_DESTINATION')
      .map((f) => [f.severity, f.message.replace(/: the destination.*/, '')]);
  t.deepEqual(codes('conntrack -L -p udp | grep UNREPLIED'), []);
  t.deepEqual(codes('conntrack -L | grep 10.96.0.10'), [
    ['info', '40 of 40 connections to udp 10.244.2.8:53 never got a reply (SYN_SENT or [UNREPLIED])'],
  ]);
});

test('CT_DROPS: drops that insert_failed accounts for are insert races (nf_ct_resolve_clash counts a lost race in both), not a full table', (t) => {
  const raced = (drop: number, insertFailed: number) =>
    capacity(
      `root@n1:~# conntrack -S\n${[0, 1].map((i) => `cpu=${i}   \tfound=0 invalid=1211 insert=0 insert_failed=${insertFailed} drop=${drop} early_drop=0 error=0 search_restart=119 clash_resolve=6021 chaintoolong=0 `).join('\n')}\n`,
    );
  const races = raced(4312, 4312);
  t.deepEqual(
    races.map((f) => f.code),
    ['CT_INSERT_FAILED'],
  );
  t.regex(races[0]!.message, /^8,624 packets were dropped because two CPUs raced .*also counted in drop/);
  const beyond = raced(5000, 4312).filter((f) => f.code === 'CT_DROPS');
  t.deepEqual(
    beyond.map((f) => f.severity),
    ['error'],
  );
  t.regex(
    beyond[0]!.message,
    /dropped at least 1,376 new connections for a full table .*other 8,624 may be insert races/,
  );
});
