import { setFlagsFromString } from 'node:v8';
import type { CommandModule } from 'yargs';
import { staleAnalysisTaking } from '../../library/stale';
import type { Inputs } from '../../library/inputs';
import { staleJsonPieces } from '../../report/stale-json';
import { staleFlowchart } from '../../report/mermaid/stale';
import { formatStale } from '../../report/stale-text';
import { type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { type DiagramArgs, formatOf, printDiagram, withDiagramOptions, writeDiagram } from '../diagram-output';
import { loadSections } from '../load';
import { type GlobalOptions, listOption } from '../options';
import { collectAt } from '../stale-collections';
import { writeOut } from '../write';
import { PieceBuffers } from '../../report/byte-sink';
import { staleFindingsOf } from '../../analyses/stale/stale-list';

/**
 * How far V8 lets the old generation grow past what was live at its last full collection, in percent. V8's own
 * factor (up to 4 for a heap it collects quickly) let the old generation of `stale --json` on a million stale
 * entries hold 100 MB of garbage at its peak; V8 reads the flag at every full collection, so setting it here takes
 * effect. The command is one analysis in one process: its collections cost little against its walks.
 */
const HEAP_GROWING_PERCENT = 20;

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
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    const { analysis, severities } = await analysed(args);
    const format = formatOf(args);
    const chart = () => staleFlowchart(analysis);
    const buffers = new PieceBuffers();
    if (!(await printDiagram(format, chart)))
      await writeOut(format === 'json' ? staleJsonPieces(analysis, buffers) : [formatStale(analysis)], (piece) =>
        buffers.written(piece),
      );
    await writeDiagram(args, 'stale entries', chart);
    process.exitCode = exitCodeFor([...severities, ...staleFindingsOf(analysis).severities()], args.failOn as FailOn);
  },
};

/**
 * The analysis and the severities of the dumps' diagnostics. The dumps (the rules' model, some 50 MB for 10,000
 * services) are handed over, not kept: they are garbage once the entries are judged. Full collections then and once
 * the entries are grouped keep the groups from being made on top of garbage; the findings are made as written.
 */
async function analysed(args: StaleArgs) {
  const { take, severities } = await handedOver(args.inputs);
  const analysis = staleAnalysisTaking(take, { nodeIps: listOption(args.nodeIp), garbage: collectAt });
  return { analysis, severities };
}

/**
 * The dumps, to be taken once, and their diagnostics' severities, read here: a frame that read the sections itself
 * kept them in one of its registers until it returned, after the analysis, and the rules' model with them.
 */
async function handedOver(paths: readonly string[]) {
  let found: Inputs | undefined = await loadSections(paths);
  const severities = diagnosticSeverities(found.sections);
  const take = () => {
    const inputs = found!;
    found = undefined;
    return inputs;
  };
  return { take, severities };
}
