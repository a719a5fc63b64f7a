/**
 * `nfwalk chains`, `analyze` (lint), `diff` and `bulk` on nft listings, as a user runs them: kube-proxy's nft ruleset
 * (captured from the kernel), the real-world nft dumps in ../shared, and sos bundles whose only ruleset is an nft one.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { sharedFile, sharedTest } from '../helpers/shared';

const KUBE = sharedFile('captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt');
const KUBE_OLD = sharedFile('captures/nft/kube-proxy-v1.31-1.33-layout.reconstructed.nft-list-ruleset.txt');
const CALICO = sharedFile('realworld/nft/calico-felix-fv_cali-nftables-dump.nft-list-ruleset.txt');
const dir = mkdtempSync(join(tmpdir(), 'nfwalk-nft-rules-'));

test.before(() => buildCli());
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

interface Group {
  key: string;
  table: string;
  name: string;
  chains: number;
  policy?: string;
}

sharedTest(
  "chains: kube-proxy's nft call graph, service and endpoint chains folded, vmap entries counted as calls",
  (t) => {
    const r = nfwalk(['chains', KUBE, '--json', '--budget', '20']);
    t.is(r.status, 0, r.stderr);
    const g = JSON.parse(r.stdout) as {
      format: string;
      groups: Group[];
      calls: { from: string; to: string; gotos: number }[];
    };
    t.is(g.format, 'nft');
    const group = (name: string) => g.groups.find((x) => x.table === 'ip kube-proxy' && x.name === name);
    // The dump has 6 services' chains (svc1…svc6 less those without endpoints) and one endpoint chain per endpoint.
    t.truthy(group('endpoint-*'), g.groups.map((x) => x.name).join(' '));
    t.truthy(group('service-*'));
    t.like(group('nat-prerouting'), { policy: 'accept', chains: 1 });
    // services → service chains is a goto per entry of the service-ips verdict map.
    const services = g.calls.find((c) => c.from === 'ip kube-proxy services' && c.to === 'ip kube-proxy service-*');
    t.true((services?.gotos ?? 0) > 0, JSON.stringify(g.calls));
    const mermaid = nfwalk(['chains', KUBE, '--format', 'mermaid', '--table', 'kube-proxy', '--from', 'services']);
    t.is(mermaid.status, 0, mermaid.stderr);
    t.regex(mermaid.stdout, /^flowchart LR/m);
    t.regex(mermaid.stdout, /services/);
    t.notRegex(mermaid.stdout, /filter-forward/, 'only what services reaches');
  },
);

sharedTest('chains: a table the listing lacks is a usage error naming it', (t) => {
  const r = nfwalk(['chains', KUBE, '--table', 'ip6 nothing']);
  t.is(r.status, 2);
  t.regex(r.stderr, /no ip6 nothing table/);
});

sharedTest(
  "analyze: lint on an nft dump says what is read off it by hand (Calico's empty workload dispatch maps)",
  (t) => {
    const r = nfwalk(['analyze', CALICO, '--json', '--fail-on', 'none']);
    t.is(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: { code: string; subject: string }[]; nodes: { rules: number }[] };
    t.deepEqual(
      doc.findings
        .filter((f) => f.code.startsWith('LINT_'))
        .map((f) => `${f.code} ${f.subject}`)
        .sort(),
      [
        'LINT_EMPTY_SET ip calico @filter-cali-from-wl-dispatch',
        'LINT_EMPTY_SET ip calico @filter-cali-to-wl-dispatch',
      ],
    );
    t.true(doc.nodes[0]!.rules > 0, 'nft rules are counted');
  },
);

sharedTest("diff: kube-proxy's ≤1.33 and 1.34 nft layouts, per table and chain", (t) => {
  const r = nfwalk(['diff', KUBE_OLD, KUBE]);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^rules nft: \+\d+ -\d+ in \d+ chains$/m);
  t.regex(
    r.stdout,
    /^ {2}~ ip kube-proxy filter-input: type filter hook input priority -110 → type filter hook input priority filter$/m,
  );
  t.regex(r.stdout, /^ {2}- ip kube-proxy filter-output-post-dnat: removed, -1$/m);
  t.regex(r.stdout, /^ {2}\+ ip kube-proxy filter-prerouting-pre-dnat: added, \+1$/m);
});

sharedTest('bulk: sos bundles whose only ruleset is `nft list ruleset`, in each sos layout, are analysed', (t) => {
  const archive = join(dir, 'archive');
  const place = (from: string, to: string) => {
    mkdirSync(dirname(join(archive, to)), { recursive: true });
    cpSync(from, join(archive, to));
  };
  place(CALICO, 'sosreport-node-a-2023-01-01-abc/sos_commands/firewall_tables/nft_list_ruleset');
  place(KUBE, 'sosreport-node-b-2026-01-01-abc/sos_commands/firewall_tables/nft_-a_list_ruleset');
  place(KUBE_OLD, 'sosreport-node-c-2020-01-01-abc/sos_commands/networking/nft_list_ruleset');
  const r = nfwalk(['bulk', archive, '--json', '--fail-on', 'none', '--workers', '1']);
  t.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    bundles: {
      path: string;
      error?: string;
      nodes: { node: string; services: number; rules: number }[];
      findings: { code: string }[];
    }[];
    summary: { analysed: number; failed: number };
  };
  t.like(doc.summary, { analysed: 3, failed: 0 });
  const bundle = (node: string) => doc.bundles.find((b) => b.nodes.some((n) => n.node === node))!;
  t.deepEqual(
    bundle('node-a').findings.map((f) => f.code),
    ['LINT_EMPTY_SET', 'LINT_EMPTY_SET'],
  );
  // kube-proxy's TestOverallNFTablesRules programs six services (cluster-ips has six addresses).
  t.is(bundle('node-b').nodes[0]!.services, 6);
  t.true(bundle('node-c').nodes[0]!.rules > 0);
});
