/**
 * The commands, listed explicitly: a bundled CLI has no folder to scan at run time. Each is loaded only when it
 * runs (or for the help that lists them all): the bundle splits at these imports, so `nfwalk parse` does not
 * compile the analyses, the diagrams and the archive readers of the other commands.
 */
import type { CommandModule } from 'yargs';

type Loader = () => Promise<CommandModule>;

/** In the order `--help` lists them. */
export const commandLoaders: Readonly<Record<string, Loader>> = {
  analyze: async () => (await import('./analyze')).analyzeCommand as CommandModule,
  bulk: async () => (await import('./bulk')).bulkCommand as CommandModule,
  parse: async () => (await import('./parse')).parseCommand as CommandModule,
  fmt: async () => (await import('./fmt')).fmtCommand as CommandModule,
  trace: async () => (await import('./trace')).traceCommand as CommandModule,
  services: async () => (await import('./services')).servicesCommand as CommandModule,
  stale: async () => (await import('./stale')).staleCommand as CommandModule,
  diff: async () => (await import('./diff')).diffCommand as CommandModule,
  chains: async () => (await import('./chains')).chainsCommand as CommandModule,
  render: async () => (await import('./render')).renderCommand as CommandModule,
  anonymize: async () => (await import('./anonymize')).anonymizeCommand as CommandModule,
  web: async () => (await import('./web')).webCommand as CommandModule,
};
