/**
 * A command line of a dump (`-A`, `-I`, `-N`, `-P`, with or without `[packets:bytes]` before it) read into
 * what it asks of the table; the extractor (extract.ts) applies it.
 */
import type { Counters } from '../../src/model/values';
import { type LineProblem, broken } from '../shared/problem';
import type { WordSyntax } from './syntax';

export type Command =
  /** `-A CHAIN …` or `-I CHAIN [N] …`: the rule's own words follow. */
  | {
      readonly kind: 'rule';
      readonly chain: WordSyntax;
      readonly ruleWords: readonly WordSyntax[];
      readonly counters: Counters | undefined;
      /** `-I`'s position (1 when not given); undefined for `-A`. */
      readonly insertAt?: number;
    }
  | { readonly kind: 'new-chain'; readonly chain: WordSyntax; readonly at: WordSyntax }
  | {
      readonly kind: 'policy';
      readonly chain: WordSyntax;
      readonly policy: WordSyntax | undefined;
      readonly at: WordSyntax;
    };

const COUNTERS = /^\[(\d+):(\d+)\]$/;
const ZERO_COUNTERS: Counters = { packets: 0n, bytes: 0n };

export function parseCounters(text: string): Counters | undefined {
  // Most chains of a dump show no traffic: one shared value (the model is immutable) instead of two bigints each.
  if (text === '[0:0]') return ZERO_COUNTERS;
  const m = COUNTERS.exec(text);
  return m ? { packets: BigInt(m[1]!), bytes: BigInt(m[2]!) } : undefined;
}

export function readCommand(all: readonly WordSyntax[]): Command | LineProblem {
  let words = all;
  let counters: Counters | undefined;
  if (COUNTERS.test(words[0]!.text)) {
    counters = parseCounters(words[0]!.text);
    words = words.slice(1);
  }
  const [cmd, chain] = words;
  if (!cmd) return broken(all[0]!.column, 'counters without a rule');
  if (!chain && cmd.text.startsWith('-')) return broken(cmd.column, `${cmd.text} needs a chain name`);
  switch (cmd.text) {
    case '-A':
    case '--append':
      return { kind: 'rule', chain: chain!, ruleWords: words.slice(2), counters };
    case '-I':
    case '--insert': {
      const pos = words[2] && /^\d+$/.test(words[2].text) ? Number(words[2].text) : undefined;
      return {
        kind: 'rule',
        chain: chain!,
        ruleWords: words.slice(pos === undefined ? 2 : 3),
        counters,
        insertAt: pos ?? 1,
      };
    }
    case '-N':
    case '--new-chain':
      return { kind: 'new-chain', chain: chain!, at: cmd };
    case '-P':
    case '--policy':
      return { kind: 'policy', chain: chain!, policy: words[2], at: cmd };
    case '-D':
    case '--delete':
    case '-R':
    case '--replace':
    case '-F':
    case '--flush':
    case '-X':
    case '--delete-chain':
    case '-Z':
    case '--zero':
    case '-E':
    case '--rename-chain':
      return broken(
        cmd.column,
        `${cmd.text} is a restore command nfwalk does not apply; the line is not part of the model`,
      );
    // Any other word: the line is no command.
    default:
      return broken(all[0]!.column, 'unrecognised line (expected *table, :chain, -A rule or COMMIT)');
  }
}
