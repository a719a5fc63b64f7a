/**
 * ipvsadm listings (`-Ln` with --stats/--rate/--thresholds/--persistent-conn/--exact, `-Lnc`, `--timeout`,
 * `-S` with or without -n) and /proc/net/ip_vs, ip_vs_conn, ip_vs_stats (formats.md §2). One section holds one
 * listing: a second title or a save line after a listing ends it, so EKS's ipvsadm.txt (save, rate and stats
 * listings one after another) becomes three sections.
 */
import type { IpvsBody } from '../../src/model/section';
import type {
  IpvsConnection,
  IpvsCounters,
  IpvsDestination,
  IpvsForward,
  IpvsListing,
  IpvsProtocol,
  IpvsService,
  IpvsTimeouts,
} from '../../src/model/ipvs';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import { decimalWord } from '../shared/decimal';
import { type LineProblem, isProblem } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine, WordToken } from '../shared/word-lines';
import type { ServiceDraft } from './service-draft';
import { LISTING_WIDTH, type ParsedEndpoint, hexAddress, hexToIpv4, parseEndpoint } from './endpoint';
import { parseSaveLine } from './save';

const VERSION = /^IP Virtual Server version (\S+) \(size=(\d+)\)/;
const FORWARDS: readonly IpvsForward[] = ['Masq', 'Route', 'Tunnel', 'Local'];
const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP', 'FWM'];
const COUNT = /^(\d+)([KMGT]?)$/;
/** The kernel's IPVS schedulers (formats.md §2.1), by which a service line without the titles is known. */
const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];
const SCALE: Readonly<Record<string, number>> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

class IpvsadmReader extends WordLineReader<IpvsBody> {
  private listing: IpvsListing | undefined;
  private version: string | undefined;
  private tableSize: number | undefined;
  private destColumns: readonly string[] = ['Forward', 'Weight', 'ActiveConn', 'InActConn'];
  private counterKind: IpvsCounters['kind'] | undefined;
  private readonly services: ServiceDraft[] = [];
  private readonly connections: IpvsConnection[] = [];
  private timeouts: IpvsTimeouts | undefined;
  private totals: Record<string, number> | undefined;
  private totalsHeader: string[] = [];
  private hex = false;
  private connColumns = 0;
  private readonly names: {
    count: number;
    cut: number;
    unknownPorts: Set<string>;
    first?: { line: number; column: number };
  } = { count: 0, cut: 0, unknownPorts: new Set() };

  protected line(l: WordLine): LineProblem | undefined {
    const w = l.words;
    const first = w[0]!;
    const version = VERSION.exec(l.raw);
    if (version) {
      if (this.listing || this.version) return newListing(first);
      this.version = version[1];
      this.tableSize = Number(version[2]);
      return undefined;
    }
    if (first.text === 'Prot' && w[1]?.text === 'LocalAddress:Port') return this.serviceTitle(w);
    if (first.text === '->' && w[1]?.text === 'RemoteAddress:Port') {
      if (w.length > 2) this.destColumns = w.slice(2).map((x) => x.text);
      if (this.listing === 'list' && this.destColumns.includes('Uthreshold')) this.listing = 'thresholds';
      if (this.listing === 'list' && this.destColumns.includes('PersistConn')) this.listing = 'persistent-conn';
      return undefined;
    }
    if (l.raw.startsWith('IPVS connection entries')) return this.begin('connections', first);
    if (first.text === 'pro' && w[1]?.text === 'expire') {
      this.connColumns = w.length;
      return this.listing === 'connections' ? undefined : this.begin('connections', first);
    }
    if (first.text === 'Pro' && w[1]?.text === 'FromIP') return this.begin('proc-connections', first);
    if (first.text === 'Total' || (first.text === 'Conns' && w[1]?.text === 'Packets') || first.text === 'Conns/s')
      return this.totalsLine(w);
    if (first.text === 'Timeout' && w[1]?.text === '(tcp') return this.timeoutLine(w, l.raw);
    if (first.text === '-A' || first.text === '-a' || first.text === '--add-service' || first.text === '--add-server')
      return this.saveLine(l);
    if (first.text === '->') return this.destination(l);
    if (this.listing === 'connections') return this.connection(l);
    if (this.listing === 'proc-connections') return this.procConnection(l);
    if (this.listing === 'proc-stats') return this.totalsRow(w);
    if (PROTOCOLS.includes(first.text)) return this.service(l);
    return {
      problem: 'broken',
      message: 'expected an ipvsadm service, real server or title line',
      column: first.column,
    };
  }

  private begin(listing: IpvsListing, at: WordToken): LineProblem | undefined {
    if (this.listing && this.listing !== listing) return newListing(at);
    if (this.listing === listing && (this.services.length > 0 || this.connections.length > 0)) return newListing(at);
    this.listing = listing;
    return undefined;
  }

  private serviceTitle(w: readonly WordToken[]): LineProblem | undefined {
    const rest = w.slice(2).map((x) => x.text);
    const listing: IpvsListing = rest[0] === 'Conns' ? 'stats' : rest[0] === 'CPS' ? 'rate' : 'list';
    this.counterKind = listing === 'list' ? undefined : listing;
    return this.begin(listing, w[0]!);
  }

  private service(l: WordLine): LineProblem | undefined {
    const [protoWord, addrWord, ...rest] = l.words;
    if (!addrWord) return { problem: 'broken', message: 'a service line needs an address', column: protoWord!.column };
    this.listing ??= 'list';
    const protocol = protoWord!.text as IpvsProtocol;
    let i = 0;
    let family: 'ipv4' | 'ipv6' = 'ipv4';
    let endpoint: ParsedEndpoint | undefined;
    const draft: Partial<ServiceDraft> = { line: l.line, protocol, ops: false, destinations: [] };
    if (protocol === 'FWM') {
      draft.fwmarkText = addrWord.text;
      if (rest[0]?.text === 'IPv6') {
        family = 'ipv6';
        i++;
      }
    } else {
      const parsed = parseEndpoint(addrWord.text, LISTING_WIDTH);
      if (!parsed)
        return { problem: 'broken', message: `expected address:port, got '${addrWord.text}'`, column: addrWord.column };
      draft.endpoint = parsed.endpoint;
      endpoint = parsed;
      family = parsed.endpoint.address.includes(':') ? 'ipv6' : 'ipv4';
    }
    draft.family = family;
    if (this.counterKind) {
      const counters = this.counters(rest.slice(i));
      if (isProblem(counters)) return counters;
      draft.counters = counters;
    } else {
      const problem = this.schedulerAndFlags(draft, rest.slice(i));
      if (problem) return problem;
    }
    if (endpoint) this.accepted(endpoint, l.line, addrWord.column);
    this.services.push(draft as ServiceDraft);
    return undefined;
  }

  private schedulerAndFlags(draft: Partial<ServiceDraft>, words: readonly WordToken[]): LineProblem | undefined {
    const [sched, ...flags] = words;
    if (!sched) return undefined;
    draft.scheduler = sched.text;
    for (let i = 0; i < flags.length; i++) {
      const f = flags[i]!;
      if (f.text.startsWith('(') && f.text.endsWith(')')) draft.schedulerFlags = f.text.slice(1, -1).split(',');
      else if (f.text === 'persistent') {
        const t = decimalWord(flags[i + 1]?.text);
        if (t === undefined) return { problem: 'broken', message: 'persistent needs a timeout', column: f.column };
        draft.persistent = t;
        i++;
        // /proc/net/ip_vs always follows the timeout with the netmask as %08X.
        const mask = flags[i + 1]?.text;
        if (mask && /^[0-9A-F]{8}$/.test(mask)) {
          draft.netmask = draft.family === 'ipv6' ? String(Number.parseInt(mask, 16)) : hexToIpv4(mask);
          i++;
        }
      } else if (f.text === 'mask' && flags[i + 1]) draft.netmask = flags[++i]!.text;
      else if (f.text === 'pe' && flags[i + 1]) draft.pe = flags[++i]!.text;
      else if (f.text === 'ops') draft.ops = true;
      else return { problem: 'broken', message: `unknown service flag '${f.text}'`, column: f.column };
    }
    return undefined;
  }

  private destination(l: WordLine): LineProblem | undefined {
    const [arrow, addrWord, ...rest] = l.words;
    const service = this.services[this.services.length - 1];
    if (!service) return { problem: 'broken', message: 'a real server before any service', column: arrow!.column };
    if (!addrWord) return { problem: 'broken', message: 'a real server line needs an address', column: arrow!.column };
    const parsed = parseEndpoint(addrWord.text, LISTING_WIDTH);
    if (!parsed)
      return { problem: 'broken', message: `expected address:port, got '${addrWord.text}'`, column: addrWord.column };
    const dest: { -readonly [K in keyof IpvsDestination]?: IpvsDestination[K] } = {
      line: l.line,
      endpoint: parsed.endpoint,
    };
    if (this.counterKind) {
      const counters = this.counters(rest);
      if (isProblem(counters)) return counters;
      dest.counters = counters;
    } else {
      if (rest.length !== this.destColumns.length)
        return {
          problem: 'broken',
          message: `expected ${this.destColumns.join(' ')}, got ${rest.length} columns`,
          column: (rest[0] ?? addrWord).column,
        };
      for (let i = 0; i < rest.length; i++) {
        const col = this.destColumns[i]!;
        const word = rest[i]!;
        if (col === 'Forward') {
          if (!FORWARDS.includes(word.text as IpvsForward))
            return { problem: 'broken', message: `unknown forwarding method '${word.text}'`, column: word.column };
          dest.forward = word.text as IpvsForward;
          continue;
        }
        if (col === 'TunnelInfo') {
          dest.tunnel = word.text;
          continue;
        }
        const n = decimalWord(word.text);
        if (n === undefined)
          return { problem: 'broken', message: `${col} needs a number, got '${word.text}'`, column: word.column };
        const key = DEST_COLUMNS[col];
        if (!key) return { problem: 'broken', message: `unknown column ${col}`, column: word.column };
        dest[key] = n;
      }
    }
    this.accepted(parsed, l.line, addrWord.column);
    service.destinations.push(dest as IpvsDestination);
    return undefined;
  }

  /**
   * Notes a kept line's endpoint: /proc's hex spelling, and the first endpoint a listing without -n printed by
   * name, for one warning about them all. A refused line notes nothing, since it may start the next section.
   */
  private accepted({ endpoint, hex }: ParsedEndpoint, line: number, column: number): void {
    this.hex ||= hex;
    if (endpoint.numeric) return;
    this.names.count++;
    this.names.first ??= { line, column };
    if (endpoint.cut) this.names.cut++;
    else if (endpoint.portName !== undefined && endpoint.port === undefined)
      this.names.unknownPorts.add(endpoint.portName);
  }

  private counters(words: readonly WordToken[]): IpvsCounters | LineProblem {
    if (words.length !== 5)
      return {
        problem: 'broken',
        message: `expected 5 ${this.counterKind} columns, got ${words.length}`,
        column: words[0]?.column ?? 1,
      };
    const values: number[] = [];
    let approximate = false;
    for (const w of words) {
      const m = COUNT.exec(w.text);
      if (!m) return { problem: 'broken', message: `expected a count, got '${w.text}'`, column: w.column };
      values.push(Number(m[1]) * SCALE[m[2]!]!);
      approximate ||= m[2] !== '';
    }
    return { kind: this.counterKind!, values, approximate };
  }

  private connection(l: WordLine): LineProblem | undefined {
    const w = l.words;
    if (w.length < 6)
      return {
        problem: 'broken',
        message: 'expected pro expire state source virtual destination',
        column: w[0]!.column,
      };
    const expire = /^(\d+):(\d\d)$/.exec(w[1]!.text);
    if (!expire) return { problem: 'broken', message: `expected MM:SS, got '${w[1]!.text}'`, column: w[1]!.column };
    const [client, virtual, destination] = [w[3]!, w[4]!, w[5]!].map((x) => parseEndpoint(x.text));
    if (!client || !virtual || !destination)
      return {
        problem: 'broken',
        message: 'expected address:port in source, virtual and destination',
        column: w[3]!.column,
      };
    this.connections.push({
      line: l.line,
      protocol: w[0]!.text,
      expires: Number(expire[1]) * 60 + Number(expire[2]),
      state: w[2]!.text,
      client: client.endpoint,
      virtual: virtual.endpoint,
      destination: destination.endpoint,
      ...(this.connColumns > 6 && w[6] ? { pe: w[6].text } : {}),
      ...(this.connColumns > 7 && w[7] ? { peData: w[7].text } : {}),
    });
    return undefined;
  }

  private procConnection(l: WordLine): LineProblem | undefined {
    const w = l.words.map((x) => x.text);
    if (w.length < 9)
      return {
        problem: 'broken',
        message: 'expected Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires',
        column: l.words[0]!.column,
      };
    const endpoint = (a: string, p: string) => {
      const address = hexAddress(a);
      return address ? { address, port: Number.parseInt(p, 16), numeric: true } : undefined;
    };
    const [client, virtual, destination] = [endpoint(w[1]!, w[2]!), endpoint(w[3]!, w[4]!), endpoint(w[5]!, w[6]!)];
    const expires = decimalWord(w[8]);
    if (!client || !virtual || !destination || expires === undefined)
      return {
        problem: 'broken',
        message: 'expected hex addresses and ports and an expiry in seconds',
        column: l.words[1]!.column,
      };
    this.connections.push({
      line: l.line,
      protocol: w[0]!,
      expires,
      state: w[7]!,
      client,
      virtual,
      destination,
      ...(w[9] ? { pe: w[9] } : {}),
      ...(w[10] ? { peData: w[10] } : {}),
    });
    return undefined;
  }

  private totalsLine(w: readonly WordToken[]): LineProblem | undefined {
    const problem = this.listing === 'proc-stats' ? undefined : this.begin('proc-stats', w[0]!);
    if (problem) return problem;
    // The kernel's two blocks (ip_vs_stats_show): totals under two title lines, then rates under one.
    this.totalsHeader = w[0]!.text === 'Conns/s' ? RATE_NAMES : TOTAL_NAMES;
    return undefined;
  }

  private totalsRow(w: readonly WordToken[]): LineProblem | undefined {
    if (w.length !== this.totalsHeader.length)
      return { problem: 'broken', message: `expected ${this.totalsHeader.length} hex counters`, column: w[0]!.column };
    this.totals ??= {};
    for (let i = 0; i < w.length; i++) {
      if (!/^[0-9A-Fa-f]+$/.test(w[i]!.text))
        return { problem: 'broken', message: `expected a hex counter, got '${w[i]!.text}'`, column: w[i]!.column };
      this.totals[this.totalsHeader[i]!] = Number.parseInt(w[i]!.text, 16);
    }
    return undefined;
  }

  private timeoutLine(w: readonly WordToken[], raw: string): LineProblem | undefined {
    const m = /^Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)\s*$/.exec(raw);
    if (!m) return { problem: 'broken', message: 'expected Timeout (tcp tcpfin udp): N N N', column: w[0]!.column };
    const problem = this.begin('timeout', w[0]!);
    if (problem) return problem;
    this.timeouts = { tcp: Number(m[1]), tcpfin: Number(m[2]), udp: Number(m[3]) };
    return undefined;
  }

  private saveLine(l: WordLine): LineProblem | undefined {
    const problem = this.listing === 'save' ? undefined : this.begin('save', l.words[0]!);
    if (problem) return problem;
    return parseSaveLine(l, this.services);
  }

  protected body(): IpvsBody {
    const services: IpvsService[] = this.services.map(({ fwmarkText, ...s }) => {
      if (fwmarkText === undefined) return s;
      // /proc prints the mark as %08X, ipvsadm as %d: the section's other addresses tell which.
      const fwmark = this.hex ? Number.parseInt(fwmarkText, 16) : Number(fwmarkText);
      if (!Number.isFinite(fwmark)) this.warn(s.line, 1, `fwmark '${fwmarkText}' is not a number`);
      return { ...s, fwmark };
    });
    const { count, cut, unknownPorts, first } = this.names;
    if (first) {
      const lost = [
        ...(unknownPorts.size
          ? [`port names nfwalk does not know (${[...unknownPorts].join(', ')}) leave the port unknown`]
          : []),
        ...(cut ? [`${cut} cut at ${LISTING_WIDTH} characters lost their port`] : []),
      ];
      this.warn(
        first.line,
        first.column,
        `listed without -n: ${count} address${count === 1 ? '' : 'es'} printed with names; port names are read as their numbers, host names stay names (nothing resolves them offline)${lost.map((x) => `; ${x}`).join('')}. ipvsadm -Ln prints numbers`,
      );
    }
    const listing = this.listing === 'list' && this.hex ? 'proc' : (this.listing ?? 'list');
    const records = services.reduce((n, s) => n + s.destinations.length, 0) + this.connections.length;
    return {
      kind: 'ipvsadm',
      listing,
      records,
      diagnostics: this.diagnostics,
      services,
      connections: this.connections,
      ...(this.version ? { version: this.version, connectionTableSize: this.tableSize } : {}),
      ...(this.timeouts ? { timeouts: this.timeouts } : {}),
      ...(this.totals ? { totals: this.totals } : {}),
    };
  }
}

const TOTAL_NAMES = ['conns', 'inPackets', 'outPackets', 'inBytes', 'outBytes'];
const RATE_NAMES = [
  'connsPerSecond',
  'inPacketsPerSecond',
  'outPacketsPerSecond',
  'inBytesPerSecond',
  'outBytesPerSecond',
];

const DEST_COLUMNS: Readonly<
  Record<string, 'weight' | 'activeConn' | 'inactConn' | 'persistConn' | 'upperThreshold' | 'lowerThreshold'>
> = {
  Weight: 'weight',
  ActiveConn: 'activeConn',
  InActConn: 'inactConn',
  PersistConn: 'persistConn',
  Uthreshold: 'upperThreshold',
  Lthreshold: 'lowerThreshold',
};

function newListing(at: WordToken): LineProblem {
  return { problem: 'restart', message: 'a new ipvsadm listing starts here', column: at.column };
}

export const ipvsadmFormat: DumpFormat = {
  name: 'ipvsadm',
  distinctive: true,
  starts: startsWithAny([
    /^IP Virtual Server version \d/,
    /^Prot LocalAddress:Port/,
    /^-A (-t|-u|-f|--sctp-service|--tcp-service|--udp-service|--fwmark-service) \S+( |$)/,
    /^IPVS connection entries/,
    /^pro expire state\s/,
    /^Pro FromIP\s/,
    /^\s*Total Incoming Outgoing/,
    /^Timeout \(tcp tcpfin udp\):/,
    /^(TCP|UDP|SCTP)\s+[0-9A-F]{8}:[0-9A-F]{4}\s/,
    // A listing pasted without its version and column titles: a service line with its scheduler.
    new RegExp(String.raw`^(TCP|UDP|SCTP)\s+\S+\s+(${SCHEDULERS.join('|')})(\s|$)`),
    new RegExp(String.raw`^FWM\s+\d+\s+(IPv6\s+)?(${SCHEDULERS.join('|')})(\s|$)`),
  ]),
  reader: () => new IpvsadmReader(),
};
