import type { CommandModule } from 'yargs';
import { ChainsError, DEFAULT_BUDGET, chainCallGraph } from '../../analyses/chains/index';
import { backendOf, rulesetsOf } from '../../model/node';
import type { Backend, TableName } from '../../model/ruleset';
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
  table?: TableName;
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
        describe: "one node's iptables-save or ip6tables-save",
      })
      .option('node', { type: 'string', describe: 'which node, when the inputs hold several' })
      .option('table', {
        choices: ['raw', 'mangle', 'nat', 'filter', 'security'] as const,
        describe: 'only this table (default: every table in the dump)',
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
    const live = rulesetsOf(node, args.family);
    const candidates = live.length > 0 ? live : node.rulesets.length === 1 ? node.rulesets : [];
    const holdsFrom = (r: (typeof candidates)[number]) =>
      args.from === undefined || r.ruleset.tables.some((t) => t.chains.some((c) => c.name === args.from));
    const section = args.backend
      ? candidates.find((r) => backendOf(r) === args.backend)
      : (candidates.find(holdsFrom) ?? candidates[0]);
    if (!section)
      throw new UsageError(
        `no ${args.family === 'ipv4' ? 'iptables-save' : 'ip6tables-save'} dump${args.backend ? ` of the ${args.backend} backend` : ''} for ${node.name} among the inputs`,
      );
    let graph;
    try {
      graph = chainCallGraph(section.ruleset, {
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
    if (!(await printDiagram(format, chart)))
      await writeOut([format === 'json' ? `${toJson(drawn)}\n` : formatChains(drawn, node.name)]);
    await writeDiagram(args, `chains on ${node.name}`, chart);
    process.exitCode = exitCodeFor(diagnosticSeverities(node.sections), args.failOn as FailOn);
  },
};
