/** Protocol matches: tcp, udp, sctp, icmp, icmp6, multiport (iptables-extensions(8)). */
import { isProblem, valueProblem } from '../../shared/problem';
import { enumList, parseUint, portList, portRange, uint, words, type Codec } from '../codecs';
import { lookup } from '../../shared/lookup';
import { match, opt } from './define';
import type { IcmpType, TcpFlags } from '../../../src/model/match';

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];
const flagList = enumList(TCP_FLAGS, { ALL: TCP_FLAGS, NONE: [] });

const tcpFlags: Codec<TcpFlags> = {
  arity: 2,
  parse: ([m, c]) => {
    const mask = flagList.parse([m ?? ''], { family: 'ipv4', optionName: '' });
    const compare = flagList.parse([c ?? ''], { family: 'ipv4', optionName: '' });
    if (isProblem(mask)) return mask;
    if (isProblem(compare)) return compare;
    return { mask, compare };
  },
  print: (v, c) => ({
    name: c.name,
    args: [v.mask.length ? v.mask.join(',') : 'NONE', v.compare.length ? v.compare.join(',') : 'NONE'],
  }),
};
const syn: Codec<TcpFlags> = {
  arity: 0,
  parse: () => ({ mask: ['FIN', 'SYN', 'RST', 'ACK'], compare: ['SYN'] }),
  print: () => null,
};

export const tcp = match('tcp', [
  opt(['--sport', '--source-port'], 'sport', portRange(), { negatable: true }),
  opt(['--dport', '--destination-port'], 'dport', portRange(), { negatable: true }),
  opt('--tcp-option', 'tcpOption', uint(255), { negatable: true }),
  opt('--tcp-flags', 'tcpFlags', tcpFlags, { negatable: true }),
  opt('--syn', 'tcpFlags', syn, { negatable: true, parseOnly: true }),
]);

export const udp = match('udp', [
  opt(['--sport', '--source-port'], 'sport', portRange(), { negatable: true }),
  opt(['--dport', '--destination-port'], 'dport', portRange(), { negatable: true }),
]);

export const sctp = match('sctp', [
  opt(['--sport', '--source-port'], 'sport', portRange(), { negatable: true }),
  opt(['--dport', '--destination-port'], 'dport', portRange(), { negatable: true }),
  opt('--chunk-types', 'chunkTypes', words(2), { negatable: true }),
]);

/** Names iptables accepts for ICMP types; iptables-save prints numbers. */
const ICMP_NAMES: Record<string, [number, number?, number?]> = {
  'echo-reply': [0],
  pong: [0],
  'destination-unreachable': [3, 0, 255],
  'network-unreachable': [3, 0],
  'host-unreachable': [3, 1],
  'protocol-unreachable': [3, 2],
  'port-unreachable': [3, 3],
  'fragmentation-needed': [3, 4],
  'source-route-failed': [3, 5],
  'network-unknown': [3, 6],
  'host-unknown': [3, 7],
  'network-prohibited': [3, 9],
  'host-prohibited': [3, 10],
  'TOS-network-unreachable': [3, 11],
  'TOS-host-unreachable': [3, 12],
  'communication-prohibited': [3, 13],
  'host-precedence-violation': [3, 14],
  'precedence-cutoff': [3, 15],
  'source-quench': [4],
  redirect: [5, 0, 255],
  'network-redirect': [5, 0],
  'host-redirect': [5, 1],
  'TOS-network-redirect': [5, 2],
  'TOS-host-redirect': [5, 3],
  'echo-request': [8],
  ping: [8],
  'router-advertisement': [9],
  'router-solicitation': [10],
  'time-exceeded': [11, 0, 255],
  'ttl-exceeded': [11, 0, 255],
  'ttl-zero-during-transit': [11, 0],
  'ttl-zero-during-reassembly': [11, 1],
  'parameter-problem': [12, 0, 255],
  'ip-header-bad': [12, 0],
  'required-option-missing': [12, 1],
  'timestamp-request': [13],
  'timestamp-reply': [14],
  'address-mask-request': [17],
  'address-mask-reply': [18],
};
const ICMP6_NAMES: Record<string, [number, number?, number?]> = {
  'destination-unreachable': [1, 0, 255],
  'no-route': [1, 0],
  'communication-prohibited': [1, 1],
  'address-unreachable': [1, 3],
  'port-unreachable': [1, 4],
  'packet-too-big': [2],
  'time-exceeded': [3, 0, 255],
  'ttl-exceeded': [3, 0, 255],
  'parameter-problem': [4, 0, 255],
  'echo-request': [128],
  ping: [128],
  'echo-reply': [129],
  pong: [129],
  'router-solicitation': [133],
  'router-advertisement': [134],
  'neighbour-solicitation': [135],
  'neighbor-solicitation': [135],
  'neighbour-advertisement': [136],
  'neighbor-advertisement': [136],
  redirect: [137],
};

function icmpType(names: Record<string, [number, number?, number?]>): Codec<IcmpType> {
  return {
    arity: 1,
    parse: ([a = '']) => {
      if (a === 'any') return { type: 'any' };
      const named = lookup(names, a);
      if (named) {
        const [type, codeFrom, codeTo] = named;
        return codeFrom === undefined ? { type } : { type, codeFrom, codeTo: codeTo ?? codeFrom };
      }
      const [t = '', c] = a.split('/');
      const type = parseUint(t, 255);
      if (isProblem(type)) return valueProblem(`unknown ICMP type '${a}'`);
      if (c === undefined) return { type };
      const code = parseUint(c, 255);
      return isProblem(code) ? code : { type, codeFrom: code, codeTo: code };
    },
    print: (v, c) => {
      if (v.type === 'any') return { name: c.name, args: ['any'] };
      if (v.codeFrom === undefined || (v.codeFrom === 0 && v.codeTo === 255))
        return { name: c.name, args: [String(v.type)] };
      return { name: c.name, args: [`${v.type}/${v.codeFrom}`] };
    },
  };
}

export const icmp = match('icmp', [opt('--icmp-type', 'icmpType', icmpType(ICMP_NAMES), { negatable: true })]);
export const icmp6 = match('icmp6', [opt('--icmpv6-type', 'icmpv6Type', icmpType(ICMP6_NAMES), { negatable: true })]);

export const multiport = match('multiport', [
  opt(['--sports', '--source-ports'], 'sports', portList, { negatable: true }),
  opt(['--dports', '--destination-ports'], 'dports', portList, { negatable: true }),
  opt('--ports', 'ports', portList, { negatable: true }),
]);

/** Protocols whose match module `-p NAME --dport N` loads implicitly (iptables-save prints it explicitly). */
export const IMPLICIT_PROTOCOL_MODULES: Readonly<Record<string, string>> = {
  tcp: 'tcp',
  udp: 'udp',
  sctp: 'sctp',
  icmp: 'icmp',
  'ipv6-icmp': 'icmp6',
  icmpv6: 'icmp6',
  dccp: 'dccp',
};
