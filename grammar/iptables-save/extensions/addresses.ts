/** Matches on addresses, interfaces and sockets: addrtype, iprange, mac, physdev, set, socket, owner, pkttype, rpfilter. */
import { valueProblem } from '../../shared/problem';
import { addressRange, enumList, flag, idRange, lowerWord, word, type Codec } from '../codecs';
import { match, opt } from './define';
import type { SetRef } from '../../../src/model/match';

const ADDR_TYPES = [
  'UNSPEC',
  'UNICAST',
  'LOCAL',
  'BROADCAST',
  'ANYCAST',
  'MULTICAST',
  'BLACKHOLE',
  'UNREACHABLE',
  'PROHIBIT',
  'THROW',
  'NAT',
  'XRESOLVE',
];

export const addrtype = match('addrtype', [
  opt('--src-type', 'srcType', enumList(ADDR_TYPES), { negatable: true }),
  opt('--dst-type', 'dstType', enumList(ADDR_TYPES), { negatable: true }),
  opt('--limit-iface-in', 'limitIfaceIn', flag),
  opt('--limit-iface-out', 'limitIfaceOut', flag),
]);

export const iprange = match('iprange', [
  opt('--src-range', 'srcRange', addressRange, { negatable: true }),
  opt('--dst-range', 'dstRange', addressRange, { negatable: true }),
]);

/** iptables-save prints MACs in lower case; anonymised dumps (`XX:XX:…`) are kept as written. */
const macAddress: Codec<string> = {
  ...word,
  parse: ([a = '']) =>
    /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(a) ? a.toLowerCase() : a || valueProblem('expected a MAC address'),
};
export const mac = match('mac', [opt('--mac-source', 'macSource', macAddress, { negatable: true })]);

export const physdev = match('physdev', [
  opt('--physdev-is-in', 'physdevIsIn', flag, { negatable: true }),
  opt('--physdev-in', 'physdevIn', word, { negatable: true }),
  opt('--physdev-is-out', 'physdevIsOut', flag, { negatable: true }),
  opt('--physdev-out', 'physdevOut', word, { negatable: true }),
  opt('--physdev-is-bridged', 'physdevIsBridged', flag, { negatable: true }),
]);

/** `--match-set NAME src,dst,...`: one direction per dimension of the set. */
const setRef: Codec<SetRef> = {
  arity: 2,
  parse: ([name = '', dirs = '']) => {
    const directions = dirs.split(',');
    if (!name || directions.some((d) => d !== 'src' && d !== 'dst'))
      return valueProblem(`bad set directions '${dirs}'`);
    return { name, directions: directions as ('src' | 'dst')[] };
  },
  print: (v, c) => ({ name: c.name, args: [v.name, v.directions.join(',')] }),
};
const count: Codec<number> = {
  arity: 1,
  parse: ([a = '']) => (/^\d+$/.test(a) ? Number(a) : valueProblem(`expected a count, got '${a}'`)),
  print: (v, c) => ({ name: c.name, args: [String(v)] }),
};

export const set = match('set', [
  opt(['--match-set', '--set'], 'matchSet', setRef, { negatable: true }),
  opt('--return-nomatch', 'returnNomatch', flag),
  opt('--update-counters', 'updateCounters', flag, { negatable: true }),
  opt('--update-subcounters', 'updateSubcounters', flag, { negatable: true }),
  opt('--packets-eq', 'packetsEq', count, { negatable: true }),
  opt('--packets-lt', 'packetsLt', count),
  opt('--packets-gt', 'packetsGt', count),
  opt('--bytes-eq', 'bytesEq', count, { negatable: true }),
  opt('--bytes-lt', 'bytesLt', count),
  opt('--bytes-gt', 'bytesGt', count),
]);

export const socket = match('socket', [
  opt('--transparent', 'transparent', flag),
  opt('--nowildcard', 'nowildcard', flag),
  opt('--restore-skmark', 'restoreSkmark', flag),
]);

export const owner = match('owner', [
  opt('--socket-exists', 'socketExists', flag, { negatable: true }),
  opt('--uid-owner', 'uidOwner', idRange, { negatable: true }),
  opt('--gid-owner', 'gidOwner', idRange, { negatable: true }),
  opt('--suppl-groups', 'supplGroups', flag),
]);

export const pkttype = match('pkttype', [opt('--pkt-type', 'pktType', lowerWord(), { negatable: true })]);

export const rpfilter = match('rpfilter', [
  opt('--loose', 'loose', flag),
  opt('--validmark', 'validmark', flag),
  opt('--accept-local', 'acceptLocal', flag),
  opt('--invert', 'invert', flag),
]);
