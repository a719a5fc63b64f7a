import type { CommandModule } from 'yargs';
import { rulesReadingFindings } from '../../analyses/analyze/input-findings';
import { ChainsError, DEFAULT_BUDGET, chainCallGraph, chainsView } from '../../analyses/chains/index';
import type { Backend } from '../../model/ruleset';
import { formatChains } from '../../report/chains-text';
import { toJson } from '../../report/json';
import { chainsFlowchart } from '../../report/mermaid/chains';
import { type DiagramArgs, formatOf, printDiagram, withDiagramOptions, writeDiagram } from '../diagram-output';
import { type FailOn, UsageError, diagnosticSeverities, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import type { GlobalOptions } from '../options';
import { pickNode } from '../pick-node';
import { writeOut } from '../write';

interface ChainsArgs extends GlobalOptions, DiagramArgs {
  inputs: string[];
  node?: string;
  table?: string;
  nft?: boolean;
  from?: string;
  family: 'ipv4' | 'ipv6';
  backend?: Backend;
  budget: number;
}

export const chainsCommand: CommandModule<GlobalOptions, ChainsArgs> = {
  command: 'chains <inputs..>',
  describe:
    "Which chain jumps to which: a table's call graph or one chain's reach, with families of alike-named chains (KUBE-SEP-*) folded to fit",
  builder: (y) =>
    withDiagramOptions(y)
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: "one node's iptables-save, ip6tables-save or nft list ruleset",
      })
      .option('node', { type: 'string', describe: 'which node, when the inputs hold several' })
      .option('table', {
        type: 'string',
        describe:
          'only this table: nat, filter, … of iptables; an nft table as `ip kube-proxy`, or by its name alone for every family (default: every table in the dump)',
      })
      .option('nft', {
        type: 'boolean',
        describe: "the node's nft listing rather than its iptables dumps (default: iptables, else nft)",
      })
      .option('from', { type: 'string', describe: 'only the chains this chain can reach' })
      .option('family', {
        choices: ['ipv4', 'ipv6'] as const,
        default: 'ipv4' as const,
        describe: 'which ruleset, when the node has both',
      })
      .option('backend', {
        choices: ['legacy', 'nft'] as const,
        describe:
          "which backend's tables, when the node has both (default: the one that holds --from, else kube-proxy's)",
      })
      .option('budget', {
        type: 'number',
        default: DEFAULT_BUDGET,
        describe: 'most boxes in the graph: the largest families fold until it fits',
      }),
  handler: async (args) => {
    const found = await loadSections(args.inputs);
    const node = pickNode(found.sections, args.node);
    const options = {
      family: args.family,
      ...(args.backend ? { backend: args.backend } : {}),
      ...(args.nft ? { nft: true } : {}),
      ...(args.table !== undefined ? { table: args.table } : {}),
      ...(args.from !== undefined ? { from: args.from } : {}),
    };
    const view = chainsView(node, options);
    if (!view)
      throw new UsageError(
        args.nft
          ? `no nft listing for ${node.name} among the inputs`
          : `no ${args.family === 'ipv4' ? 'iptables-save' : 'ip6tables-save'} dump${args.backend ? ` of the ${args.backend} backend` : ' or nft listing'} for ${node.name} among the inputs`,
      );
    let graph;
    try {
      graph = chainCallGraph(view, {
        ...(args.table ? { table: args.table } : {}),
        ...(args.from !== undefined ? { from: args.from } : {}),
        budget: args.budget,
      });
    } catch (e) {
      if (e instanceof ChainsError) throw new UsageError(e.message);
      throw e;
    }
    const drawn = graph;
    const chart = () => chainsFlowchart(drawn);
    const format = formatOf(args);
    // A partial dump draws chains without the rules and jumps it did not show: the report says what it lacks.
    const reading = rulesReadingFindings(node);
    const json = reading.length ? { ...drawn, findings: reading } : drawn;
    if (!(await printDiagram(format, chart)))
      await writeOut([format === 'json' ? `${toJson(json)}\n` : formatChains(drawn, node.name, reading)]);
    await writeDiagram(args, `chains on ${node.name}`, chart);
    process.exitCode = exitCodeFor(diagnosticSeverities(node.sections), args.failOn as FailOn);
  },
};
