/**
 * The diagrams of docs/diagrams.md, drawn from samples/ by the same code the CLI runs, so the docs show
 * what nfwalk prints today. `npm run docs` writes their sources into the page and renders each to SVG
 * beside it; a test fails when the page is stale and renders them again in CI.
 */
import { join } from 'node:path';
import { chainCallGraph } from '../src/analyses/chains/index';
import { analyzeServices } from '../src/analyses/services/index';
import { analyzeStale } from '../src/analyses/stale/index';
import { tracePacket } from '../src/analyses/trace/index';
import { findSections } from '../src/input/sections';
import { iptablesView } from '../src/model/iptables-view';
import { type NodeDumps, nodesOfInputs } from '../src/model/node';
import { chainsFlowchart } from '../src/report/mermaid/chains';
import type { Flowchart } from '../src/report/mermaid/flowchart';
import { servicesFlowchart } from '../src/report/mermaid/services';
import { staleFlowchart } from '../src/report/mermaid/stale';
import { traceFlowchart } from '../src/report/mermaid/trace';

export interface DocsDiagram {
  /** File stem under docs/diagrams/. */
  readonly name: string;
  readonly title: string;
  /** The command a reader runs to get the same diagram. */
  readonly command: string;
  readonly chart: Flowchart;
}

const samples = join(import.meta.dirname, '..', 'samples');

async function nodeOf(...files: string[]): Promise<NodeDumps[]> {
  return nodesOfInputs((await findSections(files.map((f) => join(samples, f)))).sections);
}

export async function docsDiagrams(): Promise<DocsDiagram[]> {
  const kube = await nodeOf('kube-node.iptables-save');
  const incident = await nodeOf('incident-node');
  const ipvs = await nodeOf('kube-node-ipvs.ipvsadm.txt', 'kube-node-ipvs.ipset.txt', 'kube-node-ipvs.ip.txt');
  const kubeNode = kube[0] as NodeDumps;
  const incidentRules = (incident[0] as NodeDumps).rulesets[0]?.ruleset;
  if (!incidentRules) throw new Error('samples/incident-node has no ruleset');
  return [
    {
      name: 'trace-nodeport',
      title: 'A NodePort connection from outside, through KUBE-EXT to one of two pods, masqueraded',
      command:
        'nfwalk trace samples/kube-node.iptables-save --node-ip 192.168.1.10 --src 203.0.113.7 --dst 192.168.1.10 --dport 30080 --in eth0 --format mermaid',
      chart: traceFlowchart(
        tracePacket(
          kubeNode,
          { src: '203.0.113.7', dst: '192.168.1.10', proto: 'tcp', dport: 30080, in: 'eth0' },
          { nodeIps: ['192.168.1.10'] },
        ),
      ),
    },
    {
      name: 'services-incident',
      title: 'The services of the incident node and the share of new connections each endpoint gets',
      command: 'nfwalk services samples/incident-node --format mermaid',
      chart: servicesFlowchart(analyzeServices(incident)),
    },
    {
      name: 'services-ipvs',
      title: 'An IPVS-mode node: virtual services, real servers and their shares from scheduler and weights',
      command:
        'nfwalk services samples/kube-node-ipvs.ipvsadm.txt samples/kube-node-ipvs.ipset.txt samples/kube-node-ipvs.ip.txt --format mermaid',
      chart: servicesFlowchart(analyzeServices(ipvs)),
    },
    {
      name: 'stale-incident',
      title: 'Stale conntrack entries after the rollout: old pods still pinned, where new connections go',
      command: 'nfwalk stale samples/incident-node --format mermaid',
      chart: staleFlowchart(analyzeStale(incident)),
    },
    {
      name: 'chains-incident-nat',
      title: "The incident node's nat table, KUBE-SEP chains folded into one family",
      command: 'nfwalk chains samples/incident-node --table nat --budget 16 --format mermaid',
      chart: chainsFlowchart(chainCallGraph(iptablesView(incidentRules), { table: 'nat', budget: 16 })),
    },
  ];
}
