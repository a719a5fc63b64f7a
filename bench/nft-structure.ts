/**
 * lint and `chains` on kube-proxy's nftables table for 10,000 services (test/generators/kube-proxy-nft.ts, v1.33 and
 * v1.34 layouts), through the ruleset view, against reading the same listing in-process in this run (the baseline:
 * what every command pays first): the read a median, lint and chains a mean over --runs (one by default: the
 * machine is shared).
 * Usage: node --import=tsx bench/nft-structure.ts [--services N --runs N]
 */
import { parseArgs } from 'node:util';
import { chainCallGraph, chainsView } from '../src/analyses/chains/index';
import { analyzeLint } from '../src/analyses/lint/index';
import { findSectionsInText } from '../src/input/sections';
import { nodesOfInputs } from '../src/model/node';
import { type KubeProxyNftLayout, kubeProxyNftRuleset } from '../test/generators/kube-proxy-nft';
import { fmtMs, median } from './measure';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '10000' }, runs: { type: 'string', default: '1' } },
});
const services = Number(values.services);
const runs = Number(values.runs);

/** The median time of --runs runs of `f`. */
function medianTime(f: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  return median(times);
}

for (const layout of ['v1.33', 'v1.34'] as const satisfies readonly KubeProxyNftLayout[]) {
  const { text } = kubeProxyNftRuleset({ services, layout, seed: 1 });
  const read = medianTime(() => findSectionsInText(text, 'kube.nft', 'n1'));
  // Each analysis on a fresh read: the view and graph are built once per ruleset and would be cached otherwise.
  const fresh = () => nodesOfInputs(findSectionsInText(text, 'kube.nft', 'n1').sections);
  let lint = 0;
  let chains = 0;
  for (let i = 0; i < runs; i++) {
    const nodes = fresh();
    const l0 = performance.now();
    analyzeLint(nodes);
    lint += (performance.now() - l0) / runs;
    const again = fresh();
    const c0 = performance.now();
    chainCallGraph(chainsView(again[0]!)!);
    chains += (performance.now() - c0) / runs;
  }
  console.log(
    `${layout}: read ${fmtMs(read)}; lint ${fmtMs(lint)} (${(lint / read).toFixed(2)}×); chains ${fmtMs(chains)} (${(chains / read).toFixed(2)}×)`,
  );
}
