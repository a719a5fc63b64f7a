import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SingleBar } from 'cli-progress';
import type { CommandModule } from 'yargs';
import { QueryError, findingFilter } from '../../analyses/bulk/filter';
import type { BundleResult } from '../../analyses/bulk/model';
import { summarizeBulk } from '../../analyses/bulk/summary';
import { listBundles } from '../../input/bundles';
import { formatBulkSummary, formatBundleLine } from '../../report/bulk-text';
import { toJson } from '../../report/json';
import { HEAP_BUDGET_MB, analyzeInWorkers } from '../bulk/pool';
import { type FailOn, UsageError, exitCodeFor } from '../exit';
import { type GlobalOptions, listOption } from '../options';
import { writeOut } from '../write';

interface BulkArgs extends GlobalOptions {
  bundles: string[];
  ndjson: boolean;
  only?: string | string[];
  node?: string | string[];
  since?: string;
  where?: string;
  workers: number;
  heapBudget?: number;
  nodeIp?: string | string[];
  clientCidr?: string | string[];
}

export const bulkCommand: CommandModule<GlobalOptions, BulkArgs> = {
  command: 'bulk <bundles..>',
  describe:
    'Analyse many support bundles in one run, in parallel: findings per bundle (NDJSON on request) and a summary by code, bundle and node',
  builder: (y) =>
    y
      .positional('bundles', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'folders of bundles, bundles (archives or unpacked directories), or quoted globs',
      })
      .option('ndjson', {
        type: 'boolean',
        default: false,
        describe: 'one JSON line per bundle on stdout as it finishes; the summary goes to stderr',
      })
      .option('only', { type: 'string', describe: 'only findings with this code (STALE_* for a prefix); repeatable' })
      .option('node', { type: 'string', describe: 'only findings about this node; repeatable' })
      .option('since', {
        type: 'string',
        describe: 'only bundles collected on or after this date (file time), e.g. 2024-05-01',
      })
      .option('where', {
        type: 'string',
        describe:
          "only findings matching: field=value, field!=value, field~regex, field!~regex joined by 'and' (code, severity, node, subject, message, bundle)",
      })
      .option('workers', {
        type: 'number',
        default: Math.max(1, Math.min(availableParallelism(), 4)),
        describe: 'bundles analysed at once',
      })
      .option('heap-budget', {
        type: 'number',
        default: HEAP_BUDGET_MB,
        describe: 'MB of heap the workers share; a bundle that needs more is analysed again at the end on its own',
      })
      .option('node-ip', { type: 'string', describe: "a node's address when its dumps have no ip addr; repeatable" })
      .option('client-cidr', {
        type: 'string',
        describe: 'a client network to check against the cluster CIDR; repeatable',
      }),
  handler: async (args) => {
    let keep: ReturnType<typeof findingFilter>;
    try {
      keep = findingFilter({
        only: listOption(args.only),
        nodes: listOption(args.node),
        ...(args.where !== undefined ? { where: args.where } : {}),
      });
    } catch (e) {
      if (e instanceof QueryError) throw new UsageError(e.message);
      throw e;
    }
    const since = args.since === undefined ? undefined : Date.parse(args.since);
    if (since !== undefined && Number.isNaN(since))
      throw new UsageError(`--since ${args.since}: not a date (write 2024-05-01)`);
    const { bundles: all, missing } = await listBundles(args.bundles);
    for (const m of missing) process.stderr.write(`nfwalk: warning: ${m}: no such file, directory or match\n`);
    const bundles = since === undefined ? all : all.filter((b) => b.mtimeMs >= since);
    if (bundles.length === 0)
      throw new UsageError(
        `no bundles in ${args.bundles.join(', ')}${since !== undefined ? ` since ${args.since}` : ''}`,
      );
    if (!Number.isInteger(args.workers) || args.workers < 1)
      throw new UsageError('--workers takes a whole number of at least 1');
    const heapBudgetMb = args.heapBudget ?? HEAP_BUDGET_MB;
    if (!(heapBudgetMb > 0)) throw new UsageError('--heap-budget takes a number of MB above 0');

    const started = performance.now();
    const bar =
      process.stderr.isTTY && !args.json
        ? new SingleBar({
            format: 'bulk {bar} {value}/{total} bundles, {failed} failed, eta {eta_formatted}',
            hideCursor: true,
            stream: process.stderr,
          })
        : undefined;
    bar?.start(bundles.length, 0, { failed: 0 });
    const results: BundleResult[] = [];
    let failed = 0;
    const options = { nodeIps: listOption(args.nodeIp), clientCidrs: listOption(args.clientCidr) };
    for await (const raw of analyzeInWorkers(
      bundles,
      { workers: args.workers, heapBudgetMb },
      options,
      new URL(import.meta.url),
    )) {
      const result = { ...raw, findings: raw.findings.filter((f) => keep(f, raw.path)) };
      results.push(result);
      if (result.error) failed++;
      if (bar) bar.update(results.length, { failed });
      else if (!args.json)
        process.stderr.write(`nfwalk: ${formatBundleLine(result, results.length, bundles.length)}\n`);
      if (args.ndjson) await writeOut([`${JSON.stringify(result)}\n`]);
    }
    bar?.stop();
    // Completion order depends on the workers; reports list bundles in the order they were given.
    const order = new Map(bundles.map((b, i) => [b.path, i]));
    results.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
    const summary = summarizeBulk(results);
    const elapsed = performance.now() - started;
    if (args.json) await writeOut([`${toJson({ bundles: results, summary })}\n`]);
    else if (args.ndjson) process.stderr.write(formatBulkSummary(summary, elapsed));
    else await writeOut([formatBulkSummary(summary, elapsed)]);
    const failures = failed > 0 ? (['error'] as const) : [];
    process.exitCode =
      summary.analysed === 0
        ? 2
        : exitCodeFor(
            [...failures, ...results.flatMap((r) => r.findings.map((f) => f.severity))],
            args.failOn as FailOn,
          );
  },
};
