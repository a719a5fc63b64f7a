/** Stateful matches: statistic, recent, limit, hashlimit, connlimit. The walk treats their state as unknown. */
import { valueProblem } from '../../shared/problem';
import { flag, nameValue, oneOf, probability, uint, word, type Codec } from '../codecs';
import { match, opt } from './define';

export const statistic = match('statistic', [
  opt('--mode', 'mode', oneOf(['random', 'nth'])),
  opt('--probability', 'probability', probability, { negatable: true }),
  opt('--every', 'every', uint(), { negatable: true }),
  opt('--packet', 'packet', uint()),
]);

export const recent = match('recent', [
  opt(['--set', '--rcheck', '--update', '--remove'], 'mode', nameValue(['set', 'rcheck', 'update', 'remove']), {
    negatable: true,
  }),
  opt('--seconds', 'seconds', uint()),
  opt('--reap', 'reap', flag),
  opt('--hitcount', 'hitcount', uint()),
  opt('--rttl', 'rttl', flag),
  opt('--name', 'name', word),
  opt('--mask', 'mask', word),
  opt(['--rsource', '--rdest'], 'side', nameValue(['rsource', 'rdest'])),
]);

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
  d: 86400,
  day: 86400,
};
const XT_LIMIT_SCALE = 10000;
const PRINT_UNITS: readonly [string, number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['min', 60],
  ['sec', 1],
];

/**
 * `--limit N/unit`: the kernel keeps only a period (XT_LIMIT_SCALE·seconds/N, integer), and iptables-save
 * prints it back in the largest unit that divides it well (libxt_limit.c print_rate): `60/min` is `1/sec`.
 */
const rate: Codec<string> = {
  arity: 1,
  parse: ([a = '']) => {
    const m = /^(\d+)(?:\/(s|sec|second|m|min|minute|h|hour|d|day))?$/.exec(a);
    if (!m) return valueProblem(`bad rate '${a}'`);
    const period = Math.floor((XT_LIMIT_SCALE * UNIT_SECONDS[m[2] ?? 'sec']!) / Number(m[1]));
    if (period === 0) return valueProblem(`rate '${a}' is too fast`);
    let i = 1;
    for (; i < PRINT_UNITS.length; i++) {
      const mult = PRINT_UNITS[i]![1] * XT_LIMIT_SCALE;
      if (period > mult || Math.floor(mult / period) < mult % period) break;
    }
    const [name, seconds] = PRINT_UNITS[i - 1]!;
    return `${Math.floor((seconds * XT_LIMIT_SCALE) / period)}/${name}`;
  },
  print: (v, c) => ({ name: c.name, args: [v] }),
};

export const limit = match(
  'limit',
  [opt('--limit', 'limit', rate), opt('--limit-burst', 'limitBurst', uint(0xffffffff, 5))],
  {
    defaults: () => ({ limit: '3/hour' }),
  },
);

const hashRate: Codec<{ mode: string; rate: string }> = {
  arity: 1,
  parse: ([a = ''], ctx) => ({
    mode: ctx.optionName === '--hashlimit' ? 'legacy' : ctx.optionName.replace('--hashlimit-', ''),
    rate: a,
  }),
  print: (v) => ({ name: v.mode === 'legacy' ? '--hashlimit' : `--hashlimit-${v.mode}`, args: [v.rate] }),
};

export const hashlimit = match('hashlimit', [
  opt(['--hashlimit-upto', '--hashlimit-above', '--hashlimit'], 'rate', hashRate),
  opt('--hashlimit-burst', 'burst', uint()),
  opt('--hashlimit-mode', 'mode', word),
  opt('--hashlimit-name', 'name', word),
  opt('--hashlimit-htable-size', 'htableSize', uint()),
  opt('--hashlimit-htable-max', 'htableMax', uint()),
  opt('--hashlimit-htable-gcinterval', 'htableGcinterval', uint()),
  opt('--hashlimit-htable-expire', 'htableExpire', uint()),
  opt('--hashlimit-srcmask', 'srcmask', uint(128)),
  opt('--hashlimit-dstmask', 'dstmask', uint(128)),
  opt('--hashlimit-rate-interval', 'rateInterval', uint()),
  opt('--hashlimit-rate-match', 'rateMatch', flag),
]);

const connlimitCount: Codec<{ op: string; count: number }> = {
  arity: 1,
  parse: ([a = ''], ctx) =>
    /^\d+$/.test(a)
      ? { op: ctx.optionName.replace('--connlimit-', ''), count: Number(a) }
      : valueProblem(`expected a count, got '${a}'`),
  print: (v) => ({ name: `--connlimit-${v.op}`, args: [String(v.count)] }),
};

export const connlimit = match('connlimit', [
  opt(['--connlimit-upto', '--connlimit-above'], 'limit', connlimitCount),
  opt('--connlimit-mask', 'connlimitMask', uint(128)),
  opt(['--connlimit-saddr', '--connlimit-daddr'], 'side', nameValue(['saddr', 'daddr'], '--connlimit-')),
]);
