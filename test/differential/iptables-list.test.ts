/**
 * `iptables -L` listings against the kernel's own iptables-save: random rulesets (kube-proxy services mixed
 * with random rules in raw, mangle, nat and filter, and random rules of every match the generators write)
 * are loaded into a network namespace; each table is listed with `-L -n -v`, `-L -n` and
 * `-L -n -v -x --line-numbers`. Read from the listings, every rule must print as the kernel's iptables-save
 * prints it (interfaces aside without -v), `services` must give every entry point the same verdict and
 * endpoint shares, and `trace` the same paths (steps, shares, verdicts, NAT) for every probe whose walk
 * passes no rule with an interface the listing hides. The walk on iptables-save is held to the kernel's
 * TRACE by trace.test.ts, so the listing's walk is too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ExecutionContext } from 'ava';
import { printRule } from '../../grammar/iptables-save/index';
import { analyzeServices } from '../../src/analyses/services/index';
import { type TracePath, prepareTracer } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs, singleNode } from '../../src/model/node';
import { protocolNameOf } from '../../src/model/protocols';
import type { Rule } from '../../src/model/ruleset';
import type { Family } from '../../src/model/values';
import { isRulesetSection } from '../../src/model/section';
import { rulesetText, ruleText } from '../generators/random-rules';
import { labProbes, labRuleset, labServices, seeded } from '../generators/trace-ruleset';
import { type Exec, kernelTest } from '../helpers/kernel';
import { run } from '../helpers/exec';
import { repoRoot } from '../helpers/shared';

const SEEDS = 8;
const PROBES = 60;
const RANDOM_RULESETS = 6;
const TABLES = ['raw', 'mangle', 'nat', 'filter'] as const;
const FLAGS: readonly (readonly string[])[] = [['-n', '-v'], ['-n'], ['-n', '-v', '-x', '--line-numbers']];

/** A namespace of this test's own (`nfwalk-list-`), with the lab's addresses on veth pairs inside it: nothing is sent. */
function withListNetns<T>(fn: (exec: Exec) => T): T {
  const ns = `nfwalk-list-${process.pid}`;
  run('ip', ['netns', 'del', ns]);
  if (run('ip', ['netns', 'add', ns]).status !== 0) throw new Error(`ip netns add ${ns}`);
  const exec: Exec = (cmd, args, input) => run('ip', ['netns', 'exec', ns, cmd, ...args], input);
  const must = (cmd: string, ...args: string[]) => {
    const r = exec(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  try {
    for (const [dev, addr] of [
      ['eth0', '192.168.50.1/24'],
      ['pods0', '10.99.0.1/16'],
    ] as const) {
      // Both ends of the pair stay in the namespace.
      must('ip', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}-peer`);
      must('ip', 'link', 'set', `${dev}-peer`, 'up');
      must('ip', 'addr', 'add', addr, 'dev', dev);
      must('ip', 'link', 'set', dev, 'up');
    }
    must('ip', 'link', 'set', 'lo', 'up');
    must('ip', 'route', 'add', 'default', 'via', '10.99.0.2', 'dev', 'pods0');
    for (const net of ['203.0.113.0/24', '10.244.200.0/24', '198.51.100.0/24'])
      must('ip', 'route', 'add', net, 'via', '192.168.50.2');
    return fn(exec);
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

function out(exec: Exec, cmd: string, ...args: string[]): string {
  const r = exec(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function load(exec: Exec, ruleset: string, ipsets = ''): void {
  const empty = TABLES.map((t) => `*${t}\nCOMMIT\n`).join('');
  if (exec('iptables-restore', [], empty).status !== 0) throw new Error('iptables-restore');
  exec('ipset', ['destroy']);
  if (ipsets && exec('ipset', ['restore'], ipsets).status !== 0) throw new Error('ipset restore');
  const r = exec('iptables-restore', [], ruleset);
  if (r.status !== 0) throw new Error(`iptables-restore: ${r.stderr}`);
}

/** What every bundle would hold beside the rules, as a paste with prompts. */
function context(exec: Exec): string {
  return [
    `root@lab:~# ip -o addr\n${out(exec, 'ip', '-o', 'addr')}`,
    `root@lab:~# ip route show table all\n${out(exec, 'ip', 'route', 'show', 'table', 'all')}`,
    `root@lab:~# sysctl net.ipv4.ip_forward\nnet.ipv4.ip_forward = 1\n`,
    `root@lab:~# ipset save\n${out(exec, 'ipset', 'save')}`,
  ].join('');
}

const listings = (exec: Exec, flags: readonly string[]) =>
  TABLES.map(
    (t) => `root@lab:~# iptables -t ${t} -L ${flags.join(' ')}\n${out(exec, 'iptables', '-t', t, '-L', ...flags)}`,
  ).join('');

/** Each rule as iptables-save prints it, by table and chain; without -v, without interfaces. */
function printedRules(
  text: string,
  interfaces: boolean,
  family: Family = 'ipv4',
): { rules: Map<string, string[]>; problems: string[]; kinds: string[] } {
  const found = findSectionsInText(text, 'lab', 'lab');
  const rules = new Map<string, string[]>();
  const sections = found.sections.filter(isRulesetSection);
  const problems = sections.flatMap((s) =>
    s.diagnostics
      .filter((d) => d.severity === 'error' || !/without -v/.test(d.message))
      .map((d) => `${s.kind}:${d.line}: ${d.message}`),
  );
  for (const s of sections) {
    for (const t of s.ruleset.tables) {
      for (const c of t.chains) {
        if (c.rules.length === 0) continue;
        const shown = (r: Rule) => (interfaces ? r : { ...r, inInterface: undefined, outInterface: undefined });
        // -L prints two conntrack matches of a rule as one: the same test, and so compared as one.
        rules.set(
          `${t.name} ${c.name}`,
          c.rules.map((r) => printRule(c, shown(r), family, { counters: false }).replaceAll(' -m conntrack', '')),
        );
      }
    }
  }
  return { rules, problems, kinds: sections.map((s) => s.kind) };
}

function ruleDifferences(
  save: string,
  listing: string,
  verbose: boolean,
  label: string,
  family: Family = 'ipv4',
): string[] {
  const want = printedRules(save, verbose, family);
  const got = printedRules(listing, verbose, family);
  const diffs = got.problems.map((p) => `${label}: ${p}`);
  const kind = family === 'ipv4' ? 'iptables-list' : 'ip6tables-list';
  if (!got.kinds.every((k) => k === kind)) diffs.push(`${label}: sections ${got.kinds.join(', ')}`);
  for (const [chain, rules] of want.rules) {
    const listed = got.rules.get(chain) ?? [];
    for (let i = 0; i < Math.max(rules.length, listed.length); i++) {
      if (rules[i] !== listed[i]) diffs.push(`${label} ${chain} #${i + 1}\n  save: ${rules[i]}\n  list: ${listed[i]}`);
    }
  }
  return diffs;
}

const pathKey = (p: TracePath) =>
  `${p.steps.map((s) => ('policy' in s ? `${s.table} ${s.chain} policy ${s.policy}` : `${s.table} ${s.chain} #${s.rule}`)).join(' | ')} => ${p.verdict} ${JSON.stringify(p.final)} ${p.probability.toFixed(9)}`;

kernelTest(
  'iptables -L: read from each listing, every rule prints as the kernel’s iptables-save prints it',
  (t: ExecutionContext) => {
    let rules = 0;
    const diffs: string[] = [];
    withListNetns((exec) => {
      for (let seed = 1; seed <= RANDOM_RULESETS; seed++) {
        const table = seed % 2 ? 'filter' : 'nat';
        const text = rulesetText(table, fc.sample(ruleText(table), { numRuns: 40, seed }));
        load(exec, text);
        const save = out(exec, 'iptables-save');
        rules += (save.match(/^-A /gm) ?? []).length;
        for (const flags of FLAGS)
          diffs.push(
            ...ruleDifferences(
              save,
              listings(exec, flags),
              flags.includes('-v'),
              `random ${table} seed ${seed} -L ${flags.join(' ')}`,
            ),
          );
      }
    });
    t.deepEqual(diffs, []);
    t.true(rules >= RANDOM_RULESETS * 30, `${rules} rules compared`);
    t.log(`${rules} random rules, each read from 3 listings: 0 differences`);
  },
);

kernelTest('iptables -L: services and trace on the listings agree with iptables-save', (t: ExecutionContext) => {
  const diffs: string[] = [];
  let entries = 0;
  let compared = 0;
  let hidden = 0;
  let skippedServices = 0;
  withListNetns((exec) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = seeded(seed);
      const services = labServices(r, 4);
      // Every other ruleset has few random rules, so that often no rule tests an interface.
      const ruleset = labRuleset(r, services, seed % 2 ? 40 : 6);
      load(exec, ruleset.text, ruleset.ipsets);
      const save = `root@lab:~# iptables-save\n${out(exec, 'iptables-save')}`;
      const ctx = context(exec);
      const probes = labProbes(r, services, PROBES, 20000);
      const byKey = (text: string) => {
        const found = findSectionsInText(ctx + text, 'lab', 'lab');
        const analysis = analyzeServices(nodesOfInputs(found.sections));
        const shares = analysis.services.flatMap((v) =>
          v.nodes[0]!.outcomes.map(
            (o) =>
              `${v.service.name} ${o.entry.kind} ${o.entry.ip}:${o.entry.port} ${o.verdict} ${o.endpoints.map((e) => `${e.ip}:${e.port}=${e.probability.toFixed(9)}`).join(' ')}`,
          ),
        );
        return { shares: shares.sort(), found };
      };
      const want = byKey(save);
      entries += want.shares.length;
      const saveNode = singleNode(want.found.sections)!;
      const saveTracer = prepareTracer(saveNode, 'ipv4');
      const saveRules = saveNode.rulesets[0]!.ruleset;
      const ruleAt = (table: string, chain: string, n: number) =>
        saveRules.tables.find((x) => x.name === table)?.chains.find((c) => c.name === chain)?.rules[n - 1];
      for (const flags of FLAGS) {
        const label = `seed ${seed} -L ${flags.join(' ')}`;
        diffs.push(...ruleDifferences(save, listings(exec, flags), flags.includes('-v'), label));
        const got = byKey(listings(exec, flags));
        // Without -v a rule's interfaces are not shown: where the ruleset tests one, shares may depend on it.
        if (!flags.includes('-v') && /^(\S+ )?-A .* -[io] /m.test(save)) skippedServices++;
        else if (got.shares.join('\n') !== want.shares.join('\n'))
          diffs.push(
            `${label} services\n  save: ${want.shares.join('\n        ')}\n  list: ${got.shares.join('\n        ')}`,
          );
        const tracer = prepareTracer(singleNode(got.found.sections)!, 'ipv4');
        for (const probe of probes) {
          const p = { ...probe, ...(probe.local ? { local: true } : { in: 'eth0' }) };
          const a = saveTracer.trace(p).paths;
          const b = tracer.trace(p).paths;
          // Without -v a rule's interfaces are not shown: a walk through such a rule depends on what the listing hides.
          const dependsOnHidden =
            !flags.includes('-v') &&
            [...a, ...b].some((x) =>
              x.steps.some(
                (s) => !('policy' in s) && ((r) => r?.inInterface || r?.outInterface)(ruleAt(s.table, s.chain, s.rule)),
              ),
            );
          if (dependsOnHidden) {
            hidden++;
            continue;
          }
          compared++;
          const [ka, kb] = [a.map(pathKey).sort().join('\n'), b.map(pathKey).sort().join('\n')];
          if (ka !== kb) diffs.push(`${label} trace ${JSON.stringify(p)}\n  save: ${ka}\n  list: ${kb}`);
          if (
            !flags.includes('-v') &&
            b.some(
              (x) => x.steps.some((s) => !('policy' in s)) && !(x.assumptions ?? []).some((s) => /without -v/.test(s)),
            )
          )
            diffs.push(
              `${label} trace ${JSON.stringify(p)}: a path through listed rules does not say the interfaces were assumed`,
            );
        }
      }
    }
  });
  t.deepEqual(diffs.slice(0, 20), []);
  t.true(entries >= SEEDS * 3, `${entries} entry points compared per listing`);
  t.true(
    skippedServices < SEEDS,
    `${skippedServices} listings without -v of rulesets that test interfaces left out of the services comparison`,
  );
  t.true(compared > hidden, `${compared} walks compared, ${hidden} left out as depending on hidden interfaces`);
  t.log(
    `${SEEDS} rulesets × 3 listings: services of ${entries} entry points equal (${skippedServices} listings without -v of rulesets testing interfaces left out), ${compared} walks equal (${hidden} through rules with hidden interfaces left out)`,
  );
});

kernelTest('iptables -L -v without -n: `any` in the interface columns is no interface, as `*` is with -n', (t) => {
  const ruleset = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -i eth0 -p udp -j DROP
-A FORWARD ! -o pods0 -j ACCEPT
-A FORWARD -i pods0 -o eth0 -j ACCEPT
COMMIT
`;
  withListNetns((exec) => {
    load(exec, ruleset);
    const interfaces = (text: string) =>
      findSectionsInText(text, 'lab', 'lab')
        .sections.filter(isRulesetSection)
        .flatMap((s) => s.ruleset.tables.flatMap((tb) => tb.chains.flatMap((c) => c.rules)))
        .map((r) => [r.inInterface, r.outInterface]);
    const saved = interfaces(out(exec, 'iptables-save'));
    for (const flags of [['-v'], ['-n', '-v']]) {
      const listing = `root@lab:~# iptables -t filter -L ${flags.join(' ')}\n${out(exec, 'iptables', '-t', 'filter', '-L', ...flags)}`;
      t.deepEqual(interfaces(listing), saved, listing);
    }
  });
});

/**
 * ip6tables before 1.8.9 prints the opt column blank (ip6tables.c print_firewall: three spaces where the
 * fragment flag would be) and the protocol by name even with -n: the kernel's listing as such a version prints it.
 */
const asOldIp6tables = (listing: string) =>
  listing.replace(/^(?!Chain | *(?:num|pkts|target) )(.*?)(\S+)( +)--( )/gm, (_, before, prot, gap) => {
    const name = prot === '0' ? 'all' : (protocolNameOf(prot) ?? prot);
    return `${before}${name.padEnd(prot.length + gap.length - 1)}    `;
  });

kernelTest(
  'ip6tables -L, as iptables 1.8.9 and as older versions print it: every rule and service as ip6tables-save',
  (t) => {
    const fixture = readFileSync(join(repoRoot, 'test/fixtures/kernel/ip6tables-save.txt'), 'utf8');
    const diffs: string[] = [];
    let blanked = 0;
    withListNetns((exec) => {
      const r = exec('ip6tables-restore', [], fixture);
      if (r.status !== 0) throw new Error(`ip6tables-restore: ${r.stderr}`);
      const save = `root@lab:~# ip6tables-save\n${out(exec, 'ip6tables-save')}`;
      const shares = (text: string) =>
        analyzeServices(nodesOfInputs(findSectionsInText(text, 'lab', 'lab').sections)).services.flatMap((v) =>
          v.nodes[0]!.outcomes.map(
            (o) =>
              `${v.service.name} ${o.entry.kind} ${o.entry.ip}:${o.entry.port} ${o.verdict} ${o.endpoints.map((e) => `${e.ip}:${e.port}=${e.probability.toFixed(9)}`).join(' ')}`,
          ),
        );
      const want = shares(save).sort();
      for (const flags of FLAGS) {
        const listing = ['mangle', 'nat', 'filter']
          .map(
            (tb) =>
              `root@lab:~# ip6tables -t ${tb} -L ${flags.join(' ')}\n${out(exec, 'ip6tables', '-t', tb, '-L', ...flags)}`,
          )
          .join('');
        const old = asOldIp6tables(listing);
        blanked += (listing.match(/ -- /g) ?? []).length - (old.match(/ -- /g) ?? []).length;
        for (const [label, text] of [
          [`ip6tables -L ${flags.join(' ')}`, listing],
          [`ip6tables (before 1.8.9) -L ${flags.join(' ')}`, old],
        ] as const) {
          diffs.push(...ruleDifferences(save, text, flags.includes('-v'), label, 'ipv6'));
          const got = shares(text).sort();
          if (flags.includes('-v') && got.join('\n') !== want.join('\n'))
            diffs.push(`${label} services\n  save: ${want.join('\n        ')}\n  list: ${got.join('\n        ')}`);
        }
      }
    });
    t.deepEqual(diffs, []);
    t.true(want6(fixture) > 0 && blanked >= want6(fixture), `${blanked} opt columns blanked`);
  },
);

const want6 = (save: string) => (save.match(/^-A /gm) ?? []).length;
