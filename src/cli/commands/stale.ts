import type { CommandModule } from 'yargs';
import { staleAnalysis } from '../../library/stale';
import { staleJsonPieces } from '../../report/stale-json';
import { staleFlowchart } from '../../report/mermaid/stale';
import { formatStale } from '../../report/stale-text';
import { type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { type DiagramArgs, formatOf, printDiagram, withDiagramOptions, writeDiagram } from '../diagram-output';
import { loadSections } from '../load';
import { type GlobalOptions, listOption } from '../options';
import { writeOut } from '../write';

interface StaleArgs extends GlobalOptions, DiagramArgs {
  inputs: string[];
  nodeIp?: string | string[];
}

export const staleCommand: CommandModule<GlobalOptions, StaleArgs> = {
  command: 'stale <inputs..>',
  describe:
    'conntrack entries and IPVS connections whose NAT the current rules could no longer produce, with the commands that delete them',
  builder: (y) =>
    withDiagramOptions(y)
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: "one or more nodes' dumps: the rules and the conntrack table of the same node",
      })
      .option('node-ip', { type: 'string', describe: "a node's address when its dumps have no ip addr; repeatable" }),
  handler: async (args) => {
    const found = await loadSections(args.inputs);
    const analysis = staleAnalysis(found, { nodeIps: listOption(args.nodeIp) });
    const format = formatOf(args);
    const chart = () => staleFlowchart(analysis);
    if (!(await printDiagram(format, chart)))
      await writeOut(format === 'json' ? staleJsonPieces(analysis) : [formatStale(analysis)]);
    await writeDiagram(args, 'stale entries', chart);
    process.exitCode = exitCodeFor(
      [...diagnosticSeverities(found.sections), ...analysis.findings.map((f) => f.severity)],
      args.failOn as FailOn,
    );
  },
};
