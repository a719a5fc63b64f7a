/**
 * A table iptables-nft-save cannot print, made by the kernel: kube-proxy's sample rules loaded with
 * iptables-nft-restore, then one native nft rule (`fib daddr type local`) added to iptables-nft's nat table, as
 * Calico's nft dataplane or a host firewall does (calico#13263). iptables-nft-save then prints
 * `# Table `nat' is incompatible, use 'nft' tool.` instead of the table, and `iptables -S` and `-L` an error. The dump must not be judged as a whole
 * ruleset without nat: what it lacks is said where the tool said it, and services found in the other tables are
 * told as information, with the reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Finding } from '../../src/analyses/finding';
import { analyze, parse, readInputs, readText, services } from '../../src/index';
import { kernelTest, withNetns } from '../helpers/kernel';
import { repoRoot } from '../helpers/shared';

const NFT = '/usr/sbin/nft';

const sample = (name: string) => readFileSync(join(repoRoot, 'samples', name), 'utf8');

interface Captured {
  readonly save: string;
  readonly listing: string;
  /** A paste of `iptables -t nat -S`, `iptables -t nat -L -n` and `ip6tables -t nat -S PREROUTING` behind prompts. */
  readonly errors: string;
}

/** iptables-nft-save, `nft list ruleset` and the errors of iptables' listings, as the kernel's tools print them. */
function capture(t: ExecutionContext): Captured {
  return withNetns((exec) => {
    for (const [restore, dump, family] of [
      ['iptables-nft-restore', 'kube-node.iptables-save', 'ip'],
      ['ip6tables-nft-restore', 'kube-node.ip6tables-save', 'ip6'],
    ] as const) {
      const load = exec(restore, [], sample(dump));
      t.is(load.status, 0, load.stderr);
      const add = exec(NFT, ['add', 'rule', family, 'nat', 'PREROUTING', 'fib', 'daddr', 'type', 'local', 'counter']);
      t.is(add.status, 0, add.stderr);
    }
    const errors = [
      ['iptables-nft', '-t', 'nat', '-S'],
      ['iptables-nft', '-t', 'nat', '-L', '-n'],
      ['ip6tables-nft', '-t', 'nat', '-S', 'PREROUTING'],
    ].flatMap(([cmd, ...args]) => {
      const r = exec(cmd!, args);
      t.not(r.status, 0, `${cmd} ${args.join(' ')} listed the table`);
      return [`root@node-1:~# ${cmd!.replace('-nft', '')} ${args.join(' ')}`, r.stderr.trim()];
    });
    return {
      save: exec('iptables-nft-save', []).stdout,
      listing: exec(NFT, ['list', 'ruleset']).stdout,
      errors: `${errors.join('\n')}\n`,
    };
  });
}

kernelTest(
  'a table iptables-nft could not print (iptables-nft-save, -S, -L) is said missing where the tool said so, not read as absent',
  async (t) => {
    const { save, listing, errors } = capture(t);
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

      // With the node's nft listing, the table is walked from there; the services kube-proxy wrote into it are not
      // read from a listing, which services' findings give as their reason.
      const inputs = await readInputs([saveFile, listingFile]);
      const notRead = (fs: readonly Finding[]) =>
        fs
          .filter((f) => f.code === 'INPUT_NOT_READ' && !/is iptables-nft's: walked from|\bip6 /.test(f.message))
          .map((f) => [f.severity, f.evidence[0]!.path, /table (?:ip )?nat\b/.test(f.message)]);
      // (The listing's ip6 tables are said too: no ip6tables-save is given.)
      t.deepEqual(notRead(analyze(inputs).findings), [
        ['info', saveFile, true],
        ['warning', listingFile, true],
      ]);
      for (const f of services(inputs).findings.filter((x) => x.code.startsWith('SVC_'))) {
        t.is(f.severity, 'info', f.message);
        t.regex(f.message, /table ip nat of the nft listing at .* holds kube-proxy's iptables-mode chains/);
      }

      // What `iptables -S` and `-L` print instead of the table: each said at its line, of its family.
      const pasted = await readText(errors, 'paste.txt');
      t.deepEqual(
        pasted.sections.map((s) => [s.kind, s.source.startLine]),
        [
          ['iptables-save', 2],
          ['iptables-save', 4],
          ['ip6tables-save', 6],
        ],
      );
      t.deepEqual(
        analyze(pasted)
          .findings.filter((f) => f.code === 'INPUT_NOT_READ')
          .map((f) => [f.severity, f.evidence[0]!.line]),
        [
          ['warning', 2],
          ['warning', 4],
          ['warning', 6],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
