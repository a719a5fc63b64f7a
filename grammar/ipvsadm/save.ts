/**
 * `ipvsadm -S` / `ipvsadm-save [-n]` lines (formats.md §2.2): `-A -t|-u|--sctp-service ADDR:PORT -s SCHED
 * [-p [TIMEOUT]] [-M MASK] [--pe NAME] [-b FLAGS] [-o]`, `-A -f MARK [-6] -s …`, and real servers
 * `-a -t ADDR:PORT -r RS:PORT -m|-g|-i -w W [-x U] [-y L] [--tun-type T …]`. Local servers are saved as -g.
 */
import type { IpvsForward, IpvsProtocol } from '../../src/model/ipvs';
import type { LineProblem } from '../shared/problem';
import type { WordLine } from '../shared/word-lines';
import type { ServiceDraft } from './service-draft';
import { parseEndpoint } from './endpoint';

const SERVICE_OPTIONS: Readonly<Record<string, IpvsProtocol>> = {
  '-t': 'TCP',
  '--tcp-service': 'TCP',
  '-u': 'UDP',
  '--udp-service': 'UDP',
  '--sctp-service': 'SCTP',
  '-f': 'FWM',
  '--fwmark-service': 'FWM',
};
const FORWARD_OPTIONS: Readonly<Record<string, IpvsForward>> = { '-m': 'Masq', '-g': 'Route', '-i': 'Tunnel' };
/** Long options read as their short form, so each option is looked up under one name. */
const SHORT: Readonly<Record<string, string>> = {
  '--scheduler': '-s',
  '--netmask': '-M',
  '--sched-flags': '-b',
  '--real-server': '-r',
  '--weight': '-w',
  '--u-threshold': '-x',
  '--l-threshold': '-y',
  '--persistent': '-p',
  '--ops': '-o',
  '--ipv6': '-6',
  '--masquerading': '-m',
  '--gatewaying': '-g',
  '--ipip': '-i',
};
/** Options whose value is the next word. */
const WITH_VALUE = new Set(['-s', '-M', '--pe', '-b', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port']);
/** GUE/GRE tunnel checksum modes: flags, not options with a value (ipvsadm.c `--tun-nocsum`). */
const TUNNEL_CHECKSUM: Readonly<Record<string, 'nocsum' | 'csum' | 'remcsum'>> = {
  '--tun-nocsum': 'nocsum',
  '--tun-csum': 'csum',
  '--tun-remcsum': 'remcsum',
};

export function parseSaveLine(l: WordLine, services: ServiceDraft[]): LineProblem | undefined {
  const [cmd, kindWord, target, ...rest] = l.words;
  const protocol = kindWord && SERVICE_OPTIONS[kindWord.text];
  if (!protocol || !target)
    return {
      problem: 'broken',
      message: 'expected -A|-a -t|-u|--sctp-service|-f ADDRESS',
      column: (kindWord ?? cmd!).column,
    };
  const options = new Map<string, { text: string; column: number }>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const name = SHORT[w.text] ?? w.text;
    if (WITH_VALUE.has(name)) {
      const v = rest[i + 1];
      if (!v) return { problem: 'broken', message: `${w.text} needs a value`, column: w.column };
      // Given both ways, the short spelling counts.
      if (name === w.text || !options.has(name)) options.set(name, v);
      i++;
    } else if (name === '-p') {
      const v = rest[i + 1];
      // -p takes an optional timeout; 300 s when it is left out (ipvsadm's default).
      if (v && /^\d+$/.test(v.text)) {
        options.set('-p', v);
        i++;
      } else options.set('-p', { text: '300', column: w.column });
    } else flags.add(name);
  }
  const endpoint = protocol === 'FWM' ? undefined : parseEndpoint(target.text)?.endpoint;
  if (protocol !== 'FWM' && !endpoint)
    return { problem: 'broken', message: `expected address:port, got '${target.text}'`, column: target.column };
  const ipv6 = flags.delete('-6') || (endpoint?.address.includes(':') ?? false);
  if (cmd!.text === '-A' || cmd!.text === '--add-service') {
    const [scheduler, persistent, netmask, pe, schedulerFlags] = ['-s', '-p', '-M', '--pe', '-b'].map(
      (o) => options.get(o)?.text,
    );
    const draft: ServiceDraft = {
      line: l.line,
      protocol,
      family: ipv6 ? 'ipv6' : 'ipv4',
      ops: flags.delete('-o'),
      destinations: [],
      ...(endpoint ? { endpoint } : { fwmarkText: target.text }),
      ...(scheduler !== undefined ? { scheduler } : {}),
      ...(persistent !== undefined ? { persistent: Number(persistent) } : {}),
      ...(netmask !== undefined ? { netmask } : {}),
      ...(pe !== undefined ? { pe } : {}),
      ...(schedulerFlags !== undefined ? { schedulerFlags: schedulerFlags.split(',') } : {}),
    };
    const unknown = [...flags][0];
    if (unknown)
      return {
        problem: 'broken',
        message: `unknown service option '${unknown}'`,
        column: rest.find((w) => w.text === unknown)!.column,
      };
    services.push(draft);
    return undefined;
  }
  const service = services.find(
    (s) =>
      s.protocol === protocol &&
      (endpoint
        ? s.endpoint?.address === endpoint.address &&
          s.endpoint.port === endpoint.port &&
          s.endpoint.portName === endpoint.portName
        : s.fwmarkText === target.text),
  );
  if (!service)
    return {
      problem: 'broken',
      message: `real server for a service not added above (${target.text})`,
      column: target.column,
    };
  const server = options.get('-r');
  const real = server && parseEndpoint(server.text);
  if (!server || !real)
    return { problem: 'broken', message: 'a real server needs -r ADDRESS[:PORT]', column: (server ?? cmd!).column };
  const forwardFlag = [...flags].find((f) => FORWARD_OPTIONS[f]);
  if (forwardFlag) flags.delete(forwardFlag);
  const checksumFlag = [...flags].find((f) => TUNNEL_CHECKSUM[f]);
  if (checksumFlag) flags.delete(checksumFlag);
  const unknown = [...flags][0];
  if (unknown)
    return {
      problem: 'broken',
      message: `unknown real-server option '${unknown}'`,
      column: rest.find((w) => w.text === unknown)!.column,
    };
  const [weight, upper, lower, tunnel, tunnelPort] = ['-w', '-x', '-y', '--tun-type', '--tun-port'].map(
    (o) => options.get(o)?.text,
  );
  service.destinations.push({
    line: l.line,
    endpoint: real.endpoint,
    forward: forwardFlag ? FORWARD_OPTIONS[forwardFlag]! : 'Route',
    ...(weight !== undefined ? { weight: Number(weight) } : {}),
    ...(upper !== undefined ? { upperThreshold: Number(upper) } : {}),
    ...(lower !== undefined ? { lowerThreshold: Number(lower) } : {}),
    ...(tunnel !== undefined ? { tunnel } : {}),
    ...(tunnelPort !== undefined ? { tunnelPort: Number(tunnelPort) } : {}),
    ...(checksumFlag ? { tunnelChecksum: TUNNEL_CHECKSUM[checksumFlag]! } : {}),
  });
  return undefined;
}
