/**
 * Where collectors put `nft list ruleset` (shared/reference/nftables.md §6): sos 3.x–4.0
 * (`sos_commands/networking/nft_list_ruleset`), 4.1–4.6.0 (`firewall_tables/nft_list_ruleset`), from 4.6.1
 * (`firewall_tables/nft_-a_list_ruleset`), Calico's node diags (`diagnostics/nft_ruleset`, `nft -n -a`) and
 * cluster diags (`nodes/<node>/nft-ruleset.txt`). Each is found as an nft ruleset of its node, read whole.
 */
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findSections } from '../../src/input/sections';
import { sharedFile, sharedTest } from '../helpers/shared';

const PLAIN = 'captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt';
const HANDLES = 'captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-a-list-ruleset.txt';
const NUMERIC = 'captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-n-a-list-ruleset.txt';

sharedTest("sos and Calico bundles' nft listings are found as nft rulesets of their node", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nfwr-bundles-'));
  const layout: [path: string, capture: string][] = [
    ['sosreport-node-a-2020/sos_commands/networking/nft_list_ruleset', PLAIN],
    ['sosreport-node-b-2023/sos_commands/firewall_tables/nft_list_ruleset', PLAIN],
    ['sosreport-node-c-2026/sos_commands/firewall_tables/nft_-a_list_ruleset', HANDLES],
    ['calico-diags-node-d/diagnostics/nft_ruleset', NUMERIC],
    ['calico-cluster-diags/nodes/node-e/nft-ruleset.txt', NUMERIC],
  ];
  for (const [path, capture] of layout) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    cpSync(sharedFile(capture), join(root, path));
  }
  const found = await findSections(layout.map(([path]) => join(root, path.split('/')[0]!)));
  t.deepEqual(found.failures, []);
  t.deepEqual(
    found.sections.map((s) => [s.kind, s.source.path.slice(root.length + 1), s.records, s.diagnostics.length]),
    layout.map(([path]) => ['nft', path, 57, 0]),
  );
  // Named as the bundle layout names the node for every other dump in it.
  t.deepEqual(
    found.sections.map((s) => s.source.node),
    ['sosreport-node-a-2020', 'sosreport-node-b-2023', 'sosreport-node-c-2026', 'calico-diags-node-d', 'node-e'],
  );
});
