/** nfwalk's command line: builds yargs from the command list; every failure is one line on stderr, exit 2. */
import pkg from '../../package.json' with { type: 'json' };
import { commandLoaders } from './commands/index';
import { isBulkWorker, runBulkWorker } from './bulk/worker';
import { NfwalkError } from '../library/errors';
import { EXIT_FAILED, UsageError } from './exit';
import { globalDefaults } from './options';

const debug = process.argv.includes('--debug');

function die(err: unknown): never {
  if (debug && err instanceof Error && !(err instanceof UsageError) && !(err instanceof NfwalkError))
    process.stderr.write(`${err.stack}\n`);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`nfwalk: ${message.split('\n')[0]}\n`);
  process.exit(EXIT_FAILED);
}

// `nfwalk bulk` runs this same file in its worker threads. The bundle is CommonJS (start.ts): no top-level await.
void (isBulkWorker() ? runBulkWorker() : runCli());

async function runCli(): Promise<void> {
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  // `nfwalk ... | head` closes stdout early; that is not a failure.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : die(e)));

  // yargs drops a lone `-`; the reader knows /dev/stdin as standard input. The arguments after node and the
  // script, as yargs's hideBin finds them under Node: importing it would load yargs's shims at every start.
  const argv = process.argv.slice(2).map((a) => (a === '-' ? '/dev/stdin' : a));
  const help = argv.some((a) => a === '--help' || a === '-h');
  const inputs = plainParse(argv);
  if (inputs) {
    const { parseCommand } = await import('./commands/parse');
    return parseCommand.handler({ _: ['parse'], $0: 'nfwalk', inputs, ...globalDefaults });
  }

  // Loaded here, not at the top: its modules' top levels are part of every start that needs it.
  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('nfwalk')
    .usage(
      '$0 <command> [inputs..]\n\nOffline analysis of netfilter dumps (iptables-save, conntrack, ipvsadm, ipset, ip addr/route).',
    )
    .option('json', { type: 'boolean', default: globalDefaults.json, describe: 'print one JSON document on stdout' })
    .option('fail-on', {
      choices: ['error', 'warning', 'none'],
      default: globalDefaults.failOn,
      describe: 'lowest severity that makes the exit code 1',
    })
    .option('debug', {
      type: 'boolean',
      default: globalDefaults.debug,
      describe: 'print stack traces of internal errors',
    })
    .strict()
    .demandCommand(1, 'name a command')
    .version(pkg.version)
    .help()
    .fail((msg, err) => die(err ?? new UsageError(msg)));
  // yargs formats the help of every command it runs, in case it is shown later; wrapping it to the terminal
  // costs ~0.1 CPU s a start (every shard of a bulk run pays it). Failures print one line, so only --help shows it.
  if (!help) cli = cli.wrap(null);
  // The command is the first word that names one (the global options before it take no such value); the
  // others are loaded only when none is named or help is asked for, which lists them.
  const named = argv.find((a) => Object.hasOwn(commandLoaders, a));
  // `--version` alone prints the version before yargs looks for a command: none needs loading.
  const versionOnly = !named && !help && argv.includes('--version');
  const loaders = named && !help ? [commandLoaders[named]!] : versionOnly ? [] : Object.values(commandLoaders);
  for (const c of await Promise.all(loaders.map((load) => load()))) cli = cli.command(c);

  await cli.parseAsync();
}

/**
 * The inputs of `nfwalk parse FILE...` without options, the commonest run of the reader: the parse command's
 * handler gets from it what yargs would give (no option given: the defaults), without yargs's 20 ms or so of
 * setting up and laying out usage at each start. Every other command line goes through yargs.
 */
function plainParse(argv: readonly string[]): string[] | undefined {
  const [command, ...inputs] = argv;
  return command === 'parse' && inputs.length > 0 && inputs.every((a) => a !== '' && !a.startsWith('-'))
    ? inputs
    : undefined;
}
