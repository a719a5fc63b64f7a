/**
 * A table iptables-nft-save cannot print, made by the kernel: kube-proxy's sample rules loaded with
 * iptables-nft-restore, then one native nft rule (`fib daddr type local`) added to iptables-nft's nat table, as
 * Calico's nft dataplane or a host firewall does (calico#13263). iptables-nft-save then prints
 * `# Table `nat' is incompatible, use 'nft' tool.` instead of the table. The dump must not be judged as a whole
 * ruleset without nat: what it lacks is said where the tool said it, and services found in the other tables are
 * told as information, with the reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { analyze, parse, readInputs, services } from '../../src/index';
import { kernelTest, withNetns } from '../helpers/kernel';
import { repoRoot } from '../helpers/shared';

const NFT = '/usr/sbin/nft';

/** The node's iptables-nft-save and `nft list ruleset`, as the kernel's tools print them. */
function capture(t: ExecutionContext): { save: string; listing: string } {
  return withNetns((exec) => {
    const load = exec(
      'iptables-nft-restore',
      [],
      readFileSync(join(repoRoot, 'samples', 'kube-node.iptables-save'), 'utf8'),
    );
    t.is(load.status, 0, load.stderr);
    const add = exec(NFT, ['add', 'rule', 'ip', 'nat', 'PREROUTING', 'fib', 'daddr', 'type', 'local', 'counter']);
    t.is(add.status, 0, add.stderr);
    return { save: exec('iptables-nft-save', []).stdout, listing: exec(NFT, ['list', 'ruleset']).stdout };
  });
}

kernelTest(
  'a table iptables-nft-save could not print is said missing where the tool said so, not read as absent',
  async (t) => {
    const { save, listing } = capture(t);
    const lines = save.split('\n');
    const line = lines.indexOf("# Table `nat' is incompatible, use 'nft' tool.") + 1;
    t.true(line > 0, `the kernel's iptables-nft-save printed no such line:\n${save}`);
    t.true(lines.includes('*filter'), 'the other tables are printed');

    const dir = mkdtempSync(join(tmpdir(), 'nfwalk-unprintable-'));
    try {
      const saveFile = join(dir, 'iptables-nft-save.txt');
      const listingFile = join(dir, 'nft-list-ruleset.txt');
      writeFileSync(saveFile, save);
      writeFileSync(listingFile, listing);
      const alone = await readInputs([saveFile]);

      const [section] = parse(alone).sections;
      t.like(
        section?.diagnostics.find((d) => d.line === line),
        { severity: 'warning', column: 1 },
      );

      const report = services(alone);
      const missing = report.findings.filter((f) => f.code === 'INPUT_NOT_READ');
      t.deepEqual(
        missing.map((f) => [f.severity, f.evidence[0]!.line]),
        [['warning', line]],
      );
      t.regex(missing[0]!.message, /could not print table nat/);
      // kube-proxy's REJECT for a service without endpoints is in the filter table, which the dump shows.
      const judged = report.findings.filter((f) => f.code.startsWith('SVC_'));
      t.true(judged.length > 0);
      for (const f of judged) {
        t.is(f.severity, 'info', f.message);
        t.regex(f.message, new RegExp(`could not print table nat \\(line ${line}\\)`));
      }

      const both = analyze(await readInputs([saveFile, listingFile]));
      const withListing = both.findings.filter((f) => f.code === 'INPUT_NOT_READ' && f.severity === 'warning');
      t.is(withListing.length, 1);
      t.true(withListing[0]!.message.includes(`The nft listing at ${listingFile}:1 shows it`), withListing[0]!.message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
