/**
 * The numeric tests of compiled iptables rules (rule-code.ts) held to the rules' matchers: on generated, captured
 * and masked rulesets, every rule asks a packet the same questions in the same order and gets the same answers.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { type IptablesChain, compileRuleset } from '../../../src/analyses/trace/compile';
import { type Decision, type Matcher, SharedMatchers, ruleMatchers } from '../../../src/analyses/trace/match/index';
import { nodeNetwork } from '../../../src/analyses/trace/network';
import type { Packet } from '../../../src/analyses/trace/packet';
import { ASK, BASE_TESTS, FAIL, PASS } from '../../../src/analyses/trace/rule-code';
import { findSectionsInText } from '../../../src/input/sections';
import { parseIp, unknownIp } from '../../../src/model/address';
import { singleNode } from '../../../src/model/node';
import type { Family } from '../../../src/model/values';
import { rulesetArbitrary } from '../../generators/random-rules';
import { seeded } from '../../generators/trace-ruleset';
import { fixtureFiles, readDump, readShared, sharedFiles, sharedTest } from '../../helpers/shared';

function nodeOf(dump: string, command = 'iptables-save') {
  return singleNode(findSectionsInText(`root@n1:~# ${command}\n${dump}`, 'test', 'n1').sections)!;
}

/** The answers a rule's matchers give until one says no; `true` answers are left out. */
function reference(ms: readonly Matcher[], p: Packet): Decision[] {
  const out: Decision[] = [];
  for (const m of ms) {
    const d = m(p);
    if (d === true) continue;
    out.push(d);
    if (d === false) break;
  }
  return out;
}

function compiled(chain: IptablesChain, i: number, p: Packet): Decision[] {
  const out: Decision[] = [];
  const { code } = chain;
  const slot = chain.first + i;
  for (let k = 0; k < BASE_TESTS; k++) {
    const r = code.test(slot, k, p);
    if (r === PASS) continue;
    const d = r === FAIL ? false : chain.addressMatcher(i, k)(p);
    if (r !== ASK && r !== FAIL) throw new Error(`test gave ${r}`);
    if (d === true) continue;
    out.push(d);
    if (d === false) return out;
  }
  for (let k = code.restFrom(slot); k < code.restEnd(slot); k++) {
    const d = code.rest[k]!(p);
    if (d === true) continue;
    out.push(d);
    if (d === false) break;
  }
  return out;
}

const PROTOCOLS = [
  ['tcp', 6],
  ['udp', 17],
  ['sctp', 132],
  ['icmp', 1],
] as const;

function packets(r: () => number, addresses: readonly string[], family: Family): Packet[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Packet[] = [];
  for (let n = 0; n < 12; n++) {
    const [proto, protoNumber] = pick(PROTOCOLS);
    const src = parseIp(pick(addresses))!;
    const dst =
      n % 4 === 3 && family === 'ipv4'
        ? unknownIp({ family, unknown: '10.x.x.x', visible: { address: '10.0.0.0', prefix: 8 } } as never)
        : parseIp(pick(addresses))!;
    const ports = proto !== 'icmp';
    const tuple = {
      src,
      dst,
      ...(ports ? { sport: Math.floor(r() * 65536), dport: pick([22, 53, 80, 443, 8080, 30000, 65535]) } : {}),
    };
    out.push({
      family,
      proto: family === 'ipv6' && proto === 'icmp' ? 'ipv6-icmp' : proto,
      protoNumber: family === 'ipv6' && proto === 'icmp' ? 58 : protoNumber,
      ...tuple,
      ...(proto === 'icmp' ? { icmpType: 8, icmpCode: 0 } : {}),
      tcpFlags: proto === 'tcp' ? ['SYN'] : [],
      in: pick(['eth0', 'lo', 'cali1', undefined]),
      out: pick(['', 'eth0', undefined]),
      mark: pick([0, 0x4000, 0x8000]),
      ctmark: 0,
      ctstate: 'NEW',
      trackedState: 'NEW',
      untracked: false,
      orig: tuple,
      dnat: false,
      snat: false,
      dstNatDone: false,
      srcNatDone: false,
      local: false,
      newClient: true,
    });
  }
  return out;
}

/** Compares every rule of every chain of the dump; returns how many rule and packet pairs it compared. */
function compare(dump: string, family: Family, seed: number): number {
  const node = nodeOf(dump, family === 'ipv4' ? 'iptables-save' : 'ip6tables-save');
  const section = node.rulesets.find((s) => s.ruleset.family === family);
  if (!section) return 0;
  const ruleset = section.ruleset;
  const ctx = { network: nodeNetwork(node, family, {}), sets: node.sets };
  const compiledSet = compileRuleset(ruleset, ctx);
  const addresses = [
    ...new Set(
      dump.match(
        family === 'ipv4' ? /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g : /\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b/g,
      ) ?? [],
    ),
  ].filter((a) => parseIp(a)?.family === family);
  addresses.push(family === 'ipv4' ? '192.0.2.1' : '2001:db8::1');
  const probes = packets(seeded(seed), addresses, family);
  let pairs = 0;
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      const c = compiledSet.chain(table.name, chain.name);
      if (!c || c.chain !== chain) continue;
      chain.rules.forEach((rule, i) => {
        const ms: Matcher[] = [];
        const where = () => `${table.name} ${chain.name} rule ${rule.index}`;
        ruleMatchers(rule, ctx, family, where, new SharedMatchers(), ms);
        for (const p of probes) {
          const want = reference(ms, p);
          const got = compiled(c, i, p);
          if (JSON.stringify(got) !== JSON.stringify(want))
            throw new Error(`${where()}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
          pairs++;
        }
      });
    }
  }
  return pairs;
}

test('generated rulesets: numeric tests answer as the matchers do', (t) => {
  let pairs = 0;
  fc.assert(
    fc.property(rulesetArbitrary, fc.nat(), (text, seed) => {
      pairs += compare(text, 'ipv4', seed);
    }),
    { numRuns: 150, seed: 30 },
  );
  t.true(pairs > 10_000);
});

/** How many (rule, packet) questions the numeric tests answered as the matchers do, over both families. */
function compareAll(dumps: readonly string[]): number {
  let pairs = 0;
  dumps.forEach((d, i) => {
    pairs += compare(d, 'ipv4', i) + compare(d, 'ipv6', i);
  });
  return pairs;
}

test('captured rulesets: the sample kube node and the kernel-made fixtures', (t) => {
  const fixtures = fixtureFiles(/^ip6?tables.*save.*\.txt$/).filter((f) => !f.includes('stderr'));
  const dumps = [
    readFileSync(new URL('../../../samples/kube-node.iptables-save', import.meta.url), 'utf8'),
    ...fixtures.map(readDump),
  ];
  // 6,360 questions when written: the sample's kube chains and the fixtures' rules, both families.
  t.true(compareAll(dumps) > 5_000);
});

sharedTest('captured rulesets: every real-world dump', (t) => {
  // 86,496 questions when written.
  t.true(compareAll(sharedFiles('realworld', /\.txt$/).map(readShared)) > 50_000);
});

test('mutated rulesets: masked addresses and negations around numeric tests', (t) => {
  const dump = readFileSync(new URL('../../../samples/kube-node.iptables-save', import.meta.url), 'utf8');
  const mutated = dump
    .replace(/-d 10\.96\.(\d+)\.(\d+)\/32/g, (_, a: string, b: string) =>
      Number(b) % 2 ? `! -d 10.96.${a}.${b}/32` : `-d 10.96.x.x/32`,
    )
    .replace(/-s 10\.244\.(\d+)\.(\d+)\/32/g, (_, a: string, b: string) =>
      Number(b) % 2 ? '-s 10.244.x.x/32' : `-s 10.244.${a}.0/255.255.255.0`,
    )
    .replace(/-p tcp -m comment/g, '! -p udp -m comment');
  t.not(mutated, dump);
  t.true(mutated.includes('-d 10.96.x.x/32') && mutated.includes('-s 10.244.x.x/32'));
  t.true(compare(mutated, 'ipv4', 7) >= 12 * 40);
});
