/** Matches on packet contents and annotations: comment, length, string, ttl, hl; and modules kept as typed text. */
import { valueProblem } from '../../shared/problem';
import { flag, oneOf, portRange, text, uint, type Codec } from '../codecs';
import { everyName, match, opt, textMatch } from './define';
import type { TextOptionsModule } from '../../../src/model/match';

export const comment = match('comment', [opt('--comment', 'comment', text)]);

export const length = match('length', [opt('--length', 'length', portRange(':'), { negatable: true })]);

const pattern: Codec<{ hex: boolean; text: string }> = {
  arity: 1,
  parse: ([a = ''], ctx) => ({ hex: ctx.optionName === '--hex-string', text: a }),
  print: (v) => text.print(v.text, { family: 'ipv4', name: v.hex ? '--hex-string' : '--string' }),
};

export const string = match('string', [
  opt(['--string', '--hex-string'], 'pattern', pattern, { negatable: true }),
  opt('--algo', 'algo', oneOf(['bm', 'kmp'])),
  opt('--from', 'from', uint(65535, 0)),
  opt('--to', 'to', uint(65535, 65535)),
  opt('--icase', 'icase', flag),
]);

function ttlTest(prefix: string): Codec<{ op: string; value: number }> {
  return {
    arity: 1,
    parse: ([a = ''], ctx) => {
      const v = Number(a);
      return /^\d+$/.test(a) && v <= 255
        ? { op: ctx.optionName.slice(prefix.length), value: v }
        : valueProblem(`expected 0-255, got '${a}'`);
    },
    print: (v) => ({ name: `${prefix}${v.op}`, args: [String(v.value)] }),
  };
}

export const ttl = match('ttl', [
  opt(['--ttl-eq', '--ttl-lt', '--ttl-gt'], 'test', ttlTest('--ttl-'), { negatable: true }),
]);
export const hl = match('hl', [opt(['--hl-eq', '--hl-lt', '--hl-gt'], 'test', ttlTest('--hl-'), { negatable: true })]);

const TEXT_MODULES = everyName<TextOptionsModule>()([
  'u32',
  'bpf',
  'policy',
  'ipvs',
  'dscp',
  'tos',
  'helper',
  'nfacct',
  'cgroup',
  'devgroup',
  'cpu',
  'quota',
  'time',
  'realm',
  'tcpmss',
  'dccp',
  'esp',
  'ah',
  'ecn',
  'frag',
  'rt',
  'ipv6header',
  'mh',
  'hbh',
  'dst',
  'osf',
  'cluster',
  'connbytes',
  'connlabel',
  'ipcomp',
  'l2tp',
  'condition',
  'geoip',
]);
export const textModules = TEXT_MODULES.map((m) => textMatch(m));
