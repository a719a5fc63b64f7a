import type { CommandModule } from 'yargs';
import { rulesReadingFindings } from '../../analyses/analyze/input-findings';
import { diffNodes } from '../../analyses/diff/index';
import { nodesOfInputs } from '../../model/node';
import { formatDiff } from '../../report/diff-text';
import { toJson } from '../../report/json';
import { type FailOn, UsageError, diagnosticSeverities, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import { type GlobalOptions, listOption } from '../options';
import { writeOut } from '../write';

interface DiffArgs extends GlobalOptions {
  before: string;
  after: string;
  nodeIp?: string | string[];
}

export const diffCommand: CommandModule<GlobalOptions, DiffArgs> = {
  command: 'diff <before> <after>',
  describe:
    'What changed between two snapshots of the same nodes: services and the share each endpoint gets, then rules chain by chain (iptables and nft)',
  builder: (y) =>
    y
      .positional('before', {
        type: 'string',
        demandOption: true,
        describe: 'the earlier snapshot: a dump, a directory or a bundle',
      })
      .positional('after', { type: 'string', demandOption: true, describe: 'the later snapshot of the same nodes' })
      .option('node-ip', {
        type: 'string',
        describe: "a node's address when its dumps have no ip addr (NodePorts are probed on it); repeatable",
      }),
  handler: async (args) => {
    const before = await loadSections([args.before]);
    const after = await loadSections([args.after]);
    const [was, now] = [nodesOfInputs(before.sections), nodesOfInputs(after.sections)];
    if (
      ![...was, ...now].some(
        (n) => n.rulesets.length > 0 || n.sections.some((s) => s.kind === 'ipvsadm' || s.kind === 'nft'),
      )
    )
      throw new UsageError('no iptables-save, nft or ipvsadm dump in either snapshot: nothing to compare');
    const analysis = diffNodes(was, now, { nodeIps: listOption(args.nodeIp) });
    // A partial snapshot's missing part would read as removed (or added): the report says what each side lacks.
    const reading = { before: was.flatMap(rulesReadingFindings), after: now.flatMap(rulesReadingFindings) };
    const findings = [...reading.before, ...reading.after];
    const json = findings.length ? { ...analysis, findings } : analysis;
    await writeOut([args.json ? `${toJson(json)}\n` : formatDiff(analysis, reading)]);
    process.exitCode = exitCodeFor(
      diagnosticSeverities([...before.sections, ...after.sections]),
      args.failOn as FailOn,
    );
  },
};
