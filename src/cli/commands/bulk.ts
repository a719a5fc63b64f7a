import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { CommandModule } from 'yargs';
import { QueryError, findingFilter } from '../../analyses/bulk/filter';
import type { BundleResult } from '../../analyses/bulk/model';
import { type Shard, ShardError, parseShard } from '../../analyses/bulk/shard';
import { mergeBulk } from '../bulk/merge';
import { HEAP_BUDGET_MB } from '../bulk/pool';
import { runBulk } from '../bulk/run';
import { type FailOn, UsageError } from '../exit';
import { type GlobalOptions, listOption } from '../options';

interface BulkArgs extends GlobalOptions {
  bundles: string[];
  ndjson: boolean;
  only?: string | string[];
  node?: string | string[];
  since?: string;
  where?: string;
  workers: number;
  heapBudget?: number;
  loneHeap?: number;
  nodeIp?: string | string[];
  clientCidr?: string | string[];
  shard?: string;
  shards?: number;
  merge: boolean;
  results?: string;
  hash: boolean;
  retryFailed?: boolean;
}

export const bulkCommand: CommandModule<GlobalOptions, BulkArgs> = {
  command: 'bulk <bundles..>',
  describe:
    'Analyse many support bundles in one run, in parallel: findings per bundle (NDJSON on request) and a summary by code, bundle and node; sharded over machines, resumable, merged',
  builder: (y) =>
    y
      .positional('bundles', {
        type: 'string',
        array: true,
        demandOption: true,
        describe:
          'folders of bundles, bundles (archives or unpacked directories), quoted globs, or s3://bucket/prefix; with --merge, NDJSON files, folders of them, or s3://bucket/prefix of --results',
      })
      .option('shard', {
        type: 'string',
        describe:
          'only the bundles of shard K of N (K/N, 1-based), by a hash of their path inside what they were found through',
      })
      .option('shards', {
        type: 'number',
        describe: "N shards, this one being an Indexed Job's JOB_COMPLETION_INDEX + 1",
      })
      .option('merge', {
        type: 'boolean',
        default: false,
        describe: 'summarise the --ndjson output of shards (files, folders of them, --results folders) as one run',
      })
      .option('results', {
        type: 'string',
        describe:
          "keep each bundle's result in this folder (or s3://bucket/prefix/) as it finishes; a rerun analyses only what is not there or changed",
      })
      .option('hash', {
        type: 'boolean',
        default: false,
        describe: 'with --results: a bundle changed when its content did (SHA-256), not its size or file time',
      })
      .option('retry-failed', {
        type: 'boolean',
        default: false,
        describe: 'with --results: analyse again the bundles kept as failed',
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
      .option('lone-heap', {
        type: 'number',
        describe: 'MB of heap for a bundle analysed on its own (default: no limit); a bundle that needs more fails',
      })
      .option('node-ip', { type: 'string', describe: "a node's address when its dumps have no ip addr; repeatable" })
      .option('client-cidr', {
        type: 'string',
        describe: 'a client network to check against the cluster CIDR; repeatable',
      }),
  handler: async (args) => {
    let query: ReturnType<typeof findingFilter>;
    try {
      query = findingFilter({
        only: listOption(args.only),
        nodes: listOption(args.node),
        ...(args.where !== undefined ? { where: args.where } : {}),
      });
    } catch (e) {
      if (e instanceof QueryError) throw new UsageError(e.message);
      throw e;
    }
    const keep = (r: BundleResult): BundleResult => ({ ...r, findings: r.findings.filter((f) => query(f, r.path)) });
    const since = args.since === undefined ? undefined : Date.parse(args.since);
    if (since !== undefined && Number.isNaN(since))
      throw new UsageError(`--since ${args.since}: not a date (write 2024-05-01)`);
    const dates = since === undefined ? {} : { since, sinceText: args.since as string };
    const output = { json: args.json, ndjson: args.ndjson, failOn: args.failOn as FailOn };
    if (args.merge) {
      const runOnly = ['shard', 'shards', 'results'].filter((k) => args[k as keyof BulkArgs] !== undefined);
      if (runOnly.length) throw new UsageError(`--merge reads results: --${runOnly[0]} is for the runs that make them`);
      return mergeBulk({ inputs: args.bundles, keep, ...dates, ...output });
    }
    let shard: Shard | undefined;
    try {
      if (args.shard !== undefined || args.shards !== undefined)
        shard = parseShard(args.shard, args.shards, process.env.JOB_COMPLETION_INDEX);
    } catch (e) {
      if (e instanceof ShardError) throw new UsageError(e.message);
      throw e;
    }
    if (!Number.isInteger(args.workers) || args.workers < 1)
      throw new UsageError('--workers takes a whole number of at least 1');
    const heapBudgetMb = args.heapBudget ?? HEAP_BUDGET_MB;
    if (!(heapBudgetMb > 0)) throw new UsageError('--heap-budget takes a number of MB above 0');
    if (args.loneHeap !== undefined && !(args.loneHeap > 0))
      throw new UsageError('--lone-heap takes a number of MB above 0');
    if ((args.hash || args.retryFailed) && args.results === undefined)
      throw new UsageError(`--${args.hash ? 'hash' : 'retry-failed'} goes with --results DIR`);
    await runBulk({
      inputs: args.bundles,
      keep,
      ...dates,
      ...(shard ? { shard } : {}),
      ...(args.results !== undefined ? { results: args.results } : {}),
      hash: args.hash,
      retryFailed: args.retryFailed ?? false,
      workers: args.workers,
      heapBudgetMb,
      ...(args.loneHeap !== undefined ? { loneHeapMb: args.loneHeap } : {}),
      bundle: { nodeIps: listOption(args.nodeIp), clientCidrs: listOption(args.clientCidr) },
      ...output,
      // The CLI's own file, which its workers run: this module is a chunk of the bundle, not the entry.
      entry: pathToFileURL(process.argv[1]!),
    });
  },
};
