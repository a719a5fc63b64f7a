import type { CommandModule } from 'yargs';
import { analyzeDocument, fullAnalysis } from '../../library/analyze';
import { formatAnalyzeMarkdown } from '../../report/analyze-markdown';
import { formatAnalyze } from '../../report/analyze-text';
import { toJson } from '../../report/json';
import { type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import { type GlobalOptions, listOption } from '../options';
import { writeOut } from '../write';

interface AnalyzeArgs extends GlobalOptions {
  inputs: string[];
  nodeIp?: string | string[];
  clientCidr?: string | string[];
  format: 'text' | 'json' | 'markdown';
}

/** picocolors' own rule (NO_COLOR, FORCE_COLOR, a TTY), applied to where the report goes. */
const colourWanted = () =>
  !('NO_COLOR' in process.env) && ('FORCE_COLOR' in process.env || process.stdout.isTTY === true);

export const analyzeCommand: CommandModule<GlobalOptions, AnalyzeArgs> = {
  command: 'analyze <inputs..>',
  describe:
    'every analysis on everything found (services, stale conntrack and IPVS entries, conntrack capacity, rules lint): findings ranked by severity, a summary per node',
  builder: (y) =>
    y
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'files, directories, bundles, or - for a paste',
      })
      .option('node-ip', { type: 'string', describe: "a node's address when its dumps have no ip addr; repeatable" })
      .option('client-cidr', {
        type: 'string',
        describe: 'a network clients reach the services from, checked against the cluster CIDR; repeatable',
      })
      .option('format', {
        choices: ['text', 'json', 'markdown'] as const,
        default: 'text' as const,
        describe: 'output format (--json is --format json)',
      }),
  handler: async (args) => {
    const found = await loadSections(args.inputs, { reportsSkipped: true });
    const report = fullAnalysis(found, { nodeIps: listOption(args.nodeIp), clientCidrs: listOption(args.clientCidr) });
    const format = args.json ? 'json' : args.format;
    await writeOut([
      format === 'json'
        ? `${toJson(analyzeDocument(report))}\n`
        : format === 'markdown'
          ? formatAnalyzeMarkdown(report)
          : formatAnalyze(report, colourWanted()),
    ]);
    // Lines that could not be read count as they do for every other command, not only as the warning finding.
    process.exitCode = exitCodeFor(
      [...diagnosticSeverities(found.sections), ...report.findings.map((f) => f.severity)],
      args.failOn as FailOn,
    );
  },
};
