/**
 * Collectors write one node's tables several ways at once (shared/reference/bundles.md): an iptables-save beside
 * `iptables -nvL` listings (EKS, Troubleshoot), `iptables -t nat -nvL` files named after their command (sos),
 * the filter table listed twice (sos's `-t filter -nvL` and `-vnxL`). Built from the kernel-made fixtures: each
 * table is read from the dump that shows the most, whatever order the files sort in.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { analyzeAll } from '../../src/analyses/analyze/index';
import { analyzeServices } from '../../src/analyses/services/index';
import { findSections } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import { fixtureFile } from '../helpers/shared';

/** A bundle of `files` (path in the bundle → fixture), read; its one node. */
async function bundle(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'nfw-views-'));
  try {
    for (const [path, fixture] of Object.entries(files)) {
      mkdirSync(dirname(join(root, 'node-a', path)), { recursive: true });
      cpSync(fixtureFile(fixture), join(root, 'node-a', path));
    }
    const found = await findSections([join(root, 'node-a')]);
    const nodes = nodesOfInputs(found.sections);
    return { nodes, found };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const shares = (nodes: ReturnType<typeof nodesOfInputs>) =>
  analyzeServices(nodes)
    .services.flatMap((v) =>
      v.nodes[0]!.outcomes.map(
        (o) =>
          `${v.service.name} ${o.entry.kind} ${o.entry.ip}:${o.entry.port} ${o.verdict} ${o.endpoints.map((e) => `${e.ip}:${e.port}=${e.probability}`).join(' ')}`,
      ),
    )
    .sort();

test('an iptables-save beside listings of its tables is read alone, whichever file sorts last', async (t) => {
  const alone = await bundle({ 'iptables-save.txt': 'iptables-save.txt' });
  for (const files of <Record<string, string>[]>[
    { 'iptables-save.txt': 'iptables-save.txt', 'iptables.txt': 'iptables-L-n.txt' },
    { 'networking/iptables-save.txt': 'iptables-save.txt', 'networking/iptables-nat.txt': 'iptables-t-nat-L-n-v.txt' },
    { 'z-iptables-save.txt': 'iptables-save.txt', 'a-iptables-nat.txt': 'iptables-t-nat-L-n-v.txt' },
  ]) {
    const { nodes } = await bundle(files);
    t.deepEqual(
      nodes[0]!.rulesets.map((r) => r.kind),
      ['iptables-save'],
      Object.keys(files).join(', '),
    );
    t.deepEqual(shares(nodes), shares(alone.nodes));
  }
});

test("sos's iptables_-t_nat_-nvL is the nat table, and the filter table listed twice is read once", async (t) => {
  const sos = 'sosreport-node-a-2026-11-21-abcdefg/sos_commands/firewall_tables';
  const { nodes, found } = await bundle({
    [`${sos}/iptables_-t_nat_-nvL`]: 'iptables-t-nat-L-n-v.txt',
    [`${sos}/iptables_-t_filter_-nvL`]: 'iptables-L-n.txt',
    [`${sos}/iptables_-vnxL`]: 'iptables-L-n.txt',
  });
  t.deepEqual(
    found.sections.map((s) => [
      s.source.path.split('/').at(-1),
      s.kind === 'iptables-list' ? s.ruleset.tables.map((x) => x.name).join() : s.kind,
    ]),
    [
      ['iptables_-t_filter_-nvL', 'filter'],
      ['iptables_-t_nat_-nvL', 'nat'],
      ['iptables_-vnxL', 'filter'],
    ],
  );
  t.deepEqual(nodes[0]!.rulesets.flatMap((r) => r.ruleset.tables.map((x) => x.name)).sort(), ['filter', 'nat']);
  const saved = await bundle({ 'iptables-save.txt': 'iptables-save.txt' });
  // A listing without -v hides interfaces: the entry points and endpoints agree with the save's.
  const entries = (n: ReturnType<typeof nodesOfInputs>) => shares(n).map((s) => s.split(' ').slice(0, 3).join(' '));
  t.deepEqual(entries(nodes), entries(saved.nodes));
  const lint = analyzeAll(nodes, {}, found.skipped).findings.filter((f) => f.code.startsWith('LINT_'));
  t.is(new Set(lint.map((f) => `${f.code} ${f.subject} ${f.message}`)).size, lint.length, 'no finding twice');
});

test("sos's dumps of a named network namespace are a node of their own, and its manifest.json is no nft listing", async (t) => {
  const ns = 'cni-6b1f1a2e-0c1d-4a9f-9e7b-1234567890ab';
  const root = 'sosreport-node-a-2026-11-21-abcdefg';
  const { nodes, found } = await bundle({
    [`${root}/sos_commands/firewall_tables/iptables-save`]: 'iptables-save.txt',
    [`${root}/sos_commands/networking/namespaces/${ns}/ip_netns_exec_${ns}_iptables-save`]: 'iptables-t-mangle-S.txt',
    [`${root}/sos_commands/conntrack/ip_netns_exec_${ns}_conntrack_-L_-o_extended`]: 'conntrack-L-o-extended.txt',
    [`${root}/sos_reports/manifest.json`]: 'services.json',
  });
  t.deepEqual(nodes.map((n) => [n.name, n.sections.map((s) => s.kind).sort()]).sort(), [
    [`node-a netns ${ns}`, ['conntrack', 'iptables-save']],
    ['node-a', ['iptables-save']],
  ]);
  t.deepEqual(
    found.sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
    [],
  );
  const saved = await bundle({ 'iptables-save.txt': 'iptables-save.txt' });
  t.deepEqual(shares(nodes), shares(saved.nodes));
  t.false(analyzeServices(nodes).findings.some((f) => f.code === 'SVC_ENDPOINTS_DIFFER'));
});

test('a conntrack table sos truncated, by its manifest or its .tailed file, is said to be part of the table', async (t) => {
  const root = 'sosreport-node-a-2026-11-21-abcdefg';
  const manifest = `${root}/sos_reports/manifest.json`;
  for (const [file, listed] of [
    [`${root}/sos_commands/conntrack/conntrack_-L_-o_extended`, true],
    [`${root}/sos_strings/conntrack/conntrack_-L_-o_extended.tailed`, false],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'nfw-sos-cut-'));
    try {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(fixtureFile('conntrack-L-o-extended.txt'), join(dir, file));
      mkdirSync(dirname(join(dir, manifest)), { recursive: true });
      const commands = [{ exec: 'conntrack -L -o extended', filepath: file.slice(root.length + 1), truncated: listed }];
      writeFileSync(
        join(dir, manifest),
        JSON.stringify({ components: { report: { plugins: { conntrack: { commands } } } } }, null, 1),
      );
      const found = await findSections([join(dir, root)]);
      const partial = analyzeAll(nodesOfInputs(found.sections), {}, found.skipped).findings.filter(
        (f) => f.code === 'INPUT_PARTIAL',
      );
      t.deepEqual(
        partial.map((f) => /conntrack table at .* is part of the table: sos kept only the end/.test(f.message)),
        [true],
        file,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
