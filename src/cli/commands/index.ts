/** The commands, listed explicitly: a bundled CLI has no folder to scan at run time. */
import { analyzeCommand } from './analyze';
import { anonymizeCommand } from './anonymize';
import { bulkCommand } from './bulk';
import { chainsCommand } from './chains';
import { diffCommand } from './diff';
import { fmtCommand } from './fmt';
import { parseCommand } from './parse';
import { renderCommand } from './render';
import { servicesCommand } from './services';
import { staleCommand } from './stale';
import { traceCommand } from './trace';
import { webCommand } from './web';

export const commands = [
  analyzeCommand,
  bulkCommand,
  parseCommand,
  fmtCommand,
  traceCommand,
  servicesCommand,
  staleCommand,
  diffCommand,
  chainsCommand,
  renderCommand,
  anonymizeCommand,
  webCommand,
];
