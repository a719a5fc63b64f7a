/**
 * `ipvsadm -S` / `ipvsadm-save [-n]` lines (formats.md §2.2): `-A -t|-u|--sctp-service ADDR:PORT -s SCHED
 * [-p [TIMEOUT]] [-M MASK] [--pe NAME] [-b FLAGS] [-o]`, `-A -f MARK [-6] -s …`, and real servers
 * `-a -t ADDR:PORT -r RS:PORT -m|-g|-i -w W [-x U] [-y L] [--tun-type T …]`. Local servers are saved as -g.
 */
import type { IpvsDestination, IpvsForward, IpvsProtocol, IpvsService } from '../../src/model/ipvs';
import type { LineProblem } from '../shared/word-line-reader';
import type { WordLine } from '../shared/word-lines';
import { parseEndpoint } from './endpoint';

type Draft = { -readonly [K in keyof IpvsService]: IpvsService[K] } & { destinations: IpvsDestination[]; fwmarkText?: string };

const SERVICE_OPTIONS: Readonly<Record<string, IpvsProtocol>> = {
  '-t': 'TCP', '--tcp-service': 'TCP', '-u': 'UDP', '--udp-service': 'UDP', '--sctp-service': 'SCTP', '-f': 'FWM', '--fwmark-service': 'FWM',
};
const FORWARD_OPTIONS: Readonly<Record<string, IpvsForward>> = {
  '-m': 'Masq', '--masquerading': 'Masq', '-g': 'Route', '--gatewaying': 'Route', '-i': 'Tunnel', '--ipip': 'Tunnel',
};
/** Options whose value is the next word. */
const WITH_VALUE = new Set(['-s', '--scheduler', '-M', '--netmask', '--pe', '-b', '--sched-flags', '-r', '--real-server', '-w', '--weight', '-x', '--u-threshold', '-y', '--l-threshold', '--tun-type', '--tun-port', '--tun-nocsum', '--tun-csum', '--tun-remcsum']);

export function parseSaveLine(l: WordLine, services: Draft[]): LineProblem | undefined {
  const [cmd, kindWord, target, ...rest] = l.words;
  const protocol = kindWord && SERVICE_OPTIONS[kindWord.text];
  if (!protocol || !target) return { message: 'expected -A|-a -t|-u|--sctp-service|-f ADDRESS', column: (kindWord ?? cmd!).column };
  const options = new Map<string, { text: string; column: number }>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (WITH_VALUE.has(w.text)) {
      const v = rest[i + 1];
      if (!v) return { message: `${w.text} needs a value`, column: w.column };
      options.set(w.text, v);
      i++;
    } else if (w.text === '-p' || w.text === '--persistent') {
      const v = rest[i + 1];
      // -p takes an optional timeout; 300 s when it is left out (ipvsadm's default).
      if (v && /^\d+$/.test(v.text)) {
        options.set('-p', v);
        i++;
      } else options.set('-p', { text: '300', column: w.column });
    } else flags.add(w.text);
  }
  const endpoint = protocol === 'FWM' ? undefined : parseEndpoint(target.text)?.endpoint;
  if (protocol !== 'FWM' && !endpoint) return { message: `expected address:port, got '${target.text}'`, column: target.column };
  const ipv6 = flags.delete('-6') || flags.delete('--ipv6') || (endpoint?.address.includes(':') ?? false);
  if (cmd!.text === '-A' || cmd!.text === '--add-service') {
    const draft: Draft = {
      line: l.line, protocol, family: ipv6 ? 'ipv6' : 'ipv4', ops: flags.delete('-o') || flags.delete('--ops'), destinations: [],
      ...(endpoint ? { endpoint } : { fwmarkText: target.text }),
      ...(options.has('-s') || options.has('--scheduler') ? { scheduler: (options.get('-s') ?? options.get('--scheduler'))!.text } : {}),
      ...(options.has('-p') ? { persistent: Number(options.get('-p')!.text) } : {}),
      ...(options.has('-M') || options.has('--netmask') ? { netmask: (options.get('-M') ?? options.get('--netmask'))!.text } : {}),
      ...(options.has('--pe') ? { pe: options.get('--pe')!.text } : {}),
      ...(options.has('-b') || options.has('--sched-flags') ? { schedulerFlags: (options.get('-b') ?? options.get('--sched-flags'))!.text.split(',') } : {}),
    };
    const unknown = [...flags][0];
    if (unknown) return { message: `unknown service option '${unknown}'`, column: rest.find((w) => w.text === unknown)!.column };
    services.push(draft);
    return undefined;
  }
  const service = services.find((s) => s.protocol === protocol && (endpoint ? s.endpoint?.address === endpoint.address && s.endpoint.port === endpoint.port && s.endpoint.portName === endpoint.portName : s.fwmarkText === target.text));
  if (!service) return { message: `real server for a service not added above (${target.text})`, column: target.column };
  const server = options.get('-r') ?? options.get('--real-server');
  const real = server && parseEndpoint(server.text);
  if (!server || !real) return { message: 'a real server needs -r ADDRESS[:PORT]', column: (server ?? cmd!).column };
  const forwardFlag = [...flags].find((f) => FORWARD_OPTIONS[f]);
  if (forwardFlag) flags.delete(forwardFlag);
  const unknown = [...flags][0];
  if (unknown) return { message: `unknown real-server option '${unknown}'`, column: rest.find((w) => w.text === unknown)!.column };
  const weight = options.get('-w') ?? options.get('--weight');
  const numberOf = (...names: string[]) => {
    const o = names.map((n) => options.get(n)).find(Boolean);
    return o ? { value: Number(o.text) } : undefined;
  };
  service.destinations.push({
    line: l.line, endpoint: real.endpoint, forward: forwardFlag ? FORWARD_OPTIONS[forwardFlag]! : 'Route',
    ...(weight ? { weight: Number(weight.text) } : {}),
    ...(numberOf('-x', '--u-threshold') ? { upperThreshold: numberOf('-x', '--u-threshold')!.value } : {}),
    ...(numberOf('-y', '--l-threshold') ? { lowerThreshold: numberOf('-y', '--l-threshold')!.value } : {}),
    ...(options.has('--tun-type') ? { tunnel: options.get('--tun-type')!.text } : {}),
  });
  return undefined;
}
