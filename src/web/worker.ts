/**
 * The paste page's analysis, in a Web Worker so that a 10,000-service dump never freezes the page. It runs
 * the library's own code on what the page was given: a paste alone exactly as `readText` reads it (the CLI's
 * `-`), files and bundles as `readInputs` reads paths (a paste beside them as `-` before them), then
 * `analyze`, whose services and stale analyses are the ones `services` and `stale` report.
 */
import { ChainsError, chainCallGraph, chainsView } from '../analyses/chains/index';
import { findSectionsInSources } from '../input/text-sections';
import type { InputFailure } from '../model/section';
import type { InputSource } from '../input/text-input';
import type { AnalyzeReport as FullReport } from '../analyses/analyze/index';
import { analyzeDocument, fullAnalysis } from '../library/analyze';
import { NfwalkError } from '../library/errors';
import { plain } from '../library/plain';
import { type Inputs, atLeastOneDump, readText } from '../library/read-text';
import { services } from '../library/services';
import { stale } from '../library/stale';
import { traceResult } from '../library/trace';
import { nodesOf } from '../model/node';
import { formatAnalyzeMarkdown } from '../report/analyze-markdown';
import { chainsFlowchart } from '../report/mermaid/chains';
import { printFlowchart } from '../report/mermaid/print';
import { servicesFlowchart } from '../report/mermaid/services';
import { staleFlowchart } from '../report/mermaid/stale';
import { traceFlowchart } from '../report/mermaid/trace';
import { servicesJson } from '../report/services-json';
import { staleJson } from '../report/stale-json';
import { type PickedFile, browserSources } from './browser-sources';
import { SourceTexts } from './source-texts';
import type { Analysis, Extras, FromWorker, Outcome, ToWorker } from './protocol';

const post = (m: FromWorker) => postMessage(m);

let inputs: Inputs | undefined;
let report: FullReport | undefined;
let texts = new SourceTexts();

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    switch (m.type) {
      case 'analyze':
        texts = new SourceTexts();
        inputs = undefined;
        report = undefined;
        inputs = await read(m.text, m.files);
        post({ type: 'analysis', analysis: analysisOf(inputs) });
        return;
      case 'extras':
        post({ type: 'extras', extras: extrasOf(inputs, report) });
        return;
      case 'trace':
        post({ type: 'trace', trace: traced(m.probe, m.node) });
        return;
      case 'lines':
        // A paste's evidence may name no path: it is `<stdin>`, as the reports print it.
        post({ type: 'lines', lines: texts.around(m.path || '<stdin>', m.line, m.context) });
        return;
      default:
        return m satisfies never;
    }
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
};

async function read(text: string, files: readonly PickedFile[]): Promise<Inputs> {
  if (files.length === 0) {
    post({ type: 'progress', phase: 'reading the paste', fraction: null });
    texts.keep('<stdin>', text);
    return readText(text);
  }
  const total = files.reduce((sum, f) => sum + f.file.size, 0);
  let shown = 0;
  const onBytes = (read: number) => {
    if (read - shown < total / 100 && read < total) return;
    shown = read;
    post({ type: 'progress', phase: 'reading the files', fraction: total ? read / total : null });
  };
  const failures: InputFailure[] = [];
  const found = await findSectionsInSources(kept(withPaste(text, browserSources(files, failures, onBytes))), failures);
  const names = [...(text.trim() ? ['<stdin>'] : []), ...files.map((f) => f.path)];
  return atLeastOneDump(found, names.join(', '));
}

/** The paste as the CLI's `-` among files: first, named `<stdin>`, its node `stdin`. */
async function* withPaste(text: string, files: AsyncIterable<InputSource>): AsyncGenerator<InputSource> {
  if (text.trim())
    yield {
      path: '<stdin>',
      node: 'stdin',
      chunks: async function* () {
        yield text;
      },
    };
  yield* files;
}

/** Sources whose text is kept as it is read, for the evidence lines a click on a finding shows. */
async function* kept(sources: AsyncIterable<InputSource>): AsyncGenerator<InputSource> {
  for await (const s of sources)
    yield {
      ...s,
      chunks: async function* () {
        for await (const piece of s.chunks()) {
          texts.append(s.path, piece);
          yield piece;
        }
      },
    };
}

const outcome = <T>(run: () => T): Outcome<T> => {
  try {
    return { ok: run() };
  } catch (e) {
    if (e instanceof NfwalkError) return { error: e.message };
    throw e;
  }
};

function analysisOf(found: Inputs): Analysis {
  post({ type: 'progress', phase: 'analysing', fraction: null });
  const full = fullAnalysis(found);
  report = full;
  post({ type: 'progress', phase: 'writing the report', fraction: null });
  const hasRules = full.services.nodes.some((n) => n.families.length > 0);
  return {
    analyze: plain(analyzeDocument(full)),
    // The reports of analyses already run; the library's own call only to say why there is none.
    services: hasRules ? { ok: plain(servicesJson(full.services)) } : outcome(() => services(found)),
    stale: full.stale.nodes.length > 0 ? { ok: plain(staleJson(full.stale)) } : outcome(() => stale(found)),
    traceNodes: nodesOf(found.sections)
      .filter((n) => n.rulesets.length > 0)
      .map((n) => ({ node: n.name, interfaces: [...new Set(n.interfaces.map((i) => i.name))] })),
    skipped: found.skipped.map((k) => `${k.path}:${k.startLine}-${k.endLine}: ${k.reason}`),
    failures: found.failures.map((f) => `${f.path}: ${f.reason}`),
  };
}

/** The Markdown report and the diagrams' sources: after the results are shown, as they are drawn after. */
function extrasOf(found: Inputs | undefined, full: FullReport | undefined): Extras {
  if (!found || !full) return { markdown: '', diagrams: { chains: [] } };
  const hasRules = full.services.nodes.some((n) => n.families.length > 0);
  return {
    markdown: formatAnalyzeMarkdown(full),
    diagrams: {
      ...(hasRules && full.services.services.length > 0
        ? { services: { title: 'services', source: printFlowchart(servicesFlowchart(full.services)) } }
        : {}),
      ...(full.stale.stale.length > 0
        ? { stale: { title: 'stale entries', source: printFlowchart(staleFlowchart(full.stale)) } }
        : {}),
      chains: nodesOf(found.sections).flatMap((n) => {
        // The ruleset `nfwalk chains` draws by default.
        const view = chainsView(n);
        if (!view) return [];
        try {
          const chart = chainsFlowchart(chainCallGraph(view));
          return [{ title: `chains on ${n.name}`, source: printFlowchart(chart) }];
        } catch (e) {
          if (e instanceof ChainsError) return [];
          throw e;
        }
      }),
    },
  };
}

function traced(probe: Parameters<typeof traceResult>[1], node: string | undefined) {
  if (!inputs) return { error: 'nothing analysed yet' };
  const found = inputs;
  return outcome(() => {
    const result = traceResult(found, probe, node === undefined ? {} : { node });
    return {
      report: plain(result),
      diagram: { title: `trace on ${result.node}`, source: printFlowchart(traceFlowchart(result)) },
    };
  });
}
