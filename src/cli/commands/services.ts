import type { CommandModule } from 'yargs';
import type { Finding } from '../../analyses/finding';
import { servicesAnalysis, servicesReportStream } from '../../library/services';
import { servicesJsonPieces } from '../../report/services-json';
import { servicesFlowchart } from '../../report/mermaid/services';
import { formatServices } from '../../report/services-text';
import { type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { type DiagramArgs, formatOf, printDiagram, withDiagramOptions, writeDiagram } from '../diagram-output';
import { loadSections } from '../load';
import { type GlobalOptions, listOption } from '../options';
import { writeOut } from '../write';
import { settleV8For } from '../v8-settings';

interface ServicesArgs extends GlobalOptions, DiagramArgs {
  inputs: string[];
  nodeIp?: string | string[];
  service?: string | string[];
}

export const servicesCommand: CommandModule<GlobalOptions, ServicesArgs> = {
  command: 'services <inputs..>',
  describe:
    'Kubernetes services in the dumps: entry points, the share of new connections each endpoint gets on each node, and what is wrong with them',
  builder: (y) =>
    withDiagramOptions(y)
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: "one or more nodes' dumps: files, directories, bundles",
      })
      // Repeatable rather than array options: an array would swallow the inputs that follow it.
      .option('node-ip', {
        type: 'string',
        describe: "a node's address when its dumps have no ip addr (NodePorts are probed on it); repeatable",
      })
      .option('service', { type: 'string', describe: 'only services whose name contains this text; repeatable' }),
  handler: async (args) => {
    settleV8For('services');
    const found = await loadSections(args.inputs);
    const options = {
      nodeIps: listOption(args.nodeIp),
      ...(args.service === undefined ? {} : { services: listOption(args.service) }),
    };
    const format = formatOf(args);
    let findings: readonly Finding[];
    if (format === 'json' && args.output === undefined) {
      // Nothing else reads the services: each is written as it is analysed, and dropped.
      const stream = servicesReportStream(found, options);
      await writeOut(servicesJsonPieces(stream));
      findings = stream.rest().findings;
    } else {
      const analysis = servicesAnalysis(found, options);
      const chart = () => servicesFlowchart(analysis);
      if (!(await printDiagram(format, chart)))
        await writeOut(format === 'json' ? servicesJsonPieces(analysis) : [formatServices(analysis)]);
      await writeDiagram(args, 'services', chart);
      findings = analysis.findings;
    }
    process.exitCode = exitCodeFor(
      [...diagnosticSeverities(found.sections), ...findings.map((f) => f.severity)],
      args.failOn as FailOn,
    );
  },
};
