import type { CommandModule } from 'yargs';
import type { Probe, ProbeCtState, ProbeProtocol } from '../../analyses/trace/index';
import { traceResult } from '../../library/trace';
import { toJson } from '../../report/json';
import { formatTrace } from '../../report/trace-text';
import { traceFlowchart } from '../../report/mermaid/trace';
import { type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { type DiagramArgs, formatOf, printDiagram, withDiagramOptions, writeDiagram } from '../diagram-output';
import { loadSections } from '../load';
import { pickNode } from '../pick-node';
import { type GlobalOptions, listOption } from '../options';
import { writeOut } from '../write';

interface TraceArgs extends GlobalOptions, DiagramArgs {
  inputs: string[];
  src: string;
  dst: string;
  proto: ProbeProtocol;
  sport?: number;
  dport?: number;
  in?: string;
  local?: boolean;
  ctstate?: ProbeCtState;
  mark?: number;
  nodeIp?: string | string[];
  node?: string;
}

export const traceCommand: CommandModule<GlobalOptions, TraceArgs> = {
  command: 'trace <inputs..>',
  describe:
    'Walk one packet through a node as the kernel would: chains, rules, NAT, verdict, per path with its probability',
  builder: (y) =>
    withDiagramOptions(y)
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'dumps of one node: iptables-save, ip addr, ip route, ipset, sysctl',
      })
      .option('src', { type: 'string', demandOption: true, describe: 'source address' })
      .option('dst', { type: 'string', demandOption: true, describe: 'destination address' })
      .option('proto', {
        choices: ['tcp', 'udp', 'icmp', 'sctp'] as const,
        default: 'tcp' as const,
        describe: 'protocol',
      })
      .option('sport', { type: 'number', describe: 'source port (40000 when not given)' })
      .option('dport', { type: 'number', describe: 'destination port (needed for tcp, udp, sctp)' })
      .option('in', { type: 'string', describe: 'interface the packet arrives on (PREROUTING)' })
      .option('local', { type: 'boolean', describe: 'the node itself sends the packet (OUTPUT)' })
      .conflicts('in', 'local')
      .option('ctstate', {
        choices: ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED'] as const,
        describe: 'conntrack state of the packet (NEW: first packet)',
      })
      .option('mark', { type: 'number', describe: 'packet mark on arrival' })
      .option('node-ip', { type: 'string', describe: "the node's address when no ip addr dump is given; repeatable" })
      .option('node', { type: 'string', describe: 'which node, when the inputs hold several' }),
  handler: async (args) => {
    const found = await loadSections(args.inputs);
    const node = pickNode(found.sections, args.node);
    const probe: Probe = {
      src: args.src,
      dst: args.dst,
      proto: args.proto,
      ...(args.sport !== undefined ? { sport: args.sport } : {}),
      ...(args.dport !== undefined ? { dport: args.dport } : {}),
      ...(args.local ? { local: true } : args.in !== undefined ? { in: args.in } : {}),
      ...(args.ctstate ? { ctstate: args.ctstate } : {}),
      ...(args.mark !== undefined ? { mark: args.mark } : {}),
    };
    // The library picks the same node again (cheaply); the CLI's pick says which flag names one.
    const traced = traceResult(found, probe, {
      nodeIps: listOption(args.nodeIp),
      ...(args.node !== undefined ? { node: args.node } : {}),
    });
    const chart = () => traceFlowchart(traced);
    const format = formatOf(args);
    if (!(await printDiagram(format, chart)))
      await writeOut([format === 'json' ? `${toJson(traced)}\n` : formatTrace(traced)]);
    await writeDiagram(args, `trace on ${traced.node}`, chart);
    process.exitCode = exitCodeFor(diagnosticSeverities(node.sections), args.failOn as FailOn);
  },
};
