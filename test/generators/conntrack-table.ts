/**
 * A `conntrack -L` table of any size, shaped like a busy Kubernetes node (ecosystem.md §3's mix): 70% tcp with a
 * state, 25% udp, 5% icmp; 5% IPv6; DNAT to pods for service traffic; [ASSURED]/[UNREPLIED]; the summary line
 * first, as `conntrack -L > f 2>&1` leaves it. Deterministic for a given seed.
 */
const STATES = ['ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'CLOSE_WAIT', 'FIN_WAIT'];

/** xorshift32: the same sequence of unsigned 32-bit numbers for the same seed, on every machine. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function randomOf(seed: number): (n: number) => number {
  const next = xorshift32(seed);
  return (n: number) => next() % n;
}

export function* conntrackLines(entries: number, seed = 1): Generator<string> {
  const rand = randomOf(seed);
  yield `conntrack v1.4.7 (conntrack-tools): ${entries} flow entries have been shown.`;
  for (let i = 0; i < entries; i++) {
    const v6 = rand(20) === 0;
    const ip = (net: number) =>
      v6 ? `fd00:${net}::${rand(65535).toString(16)}` : `10.${net}.${rand(256)}.${1 + rand(254)}`;
    const client = ip(244);
    const service = v6 ? `fd00:96::${rand(4096).toString(16)}` : `10.96.${rand(64)}.${1 + rand(254)}`;
    const pod = ip(244);
    const kind = rand(100);
    const sport = 1024 + rand(64000);
    if (kind < 5) {
      const id = rand(65535);
      const [proto, num, req, rep] = v6 ? ['icmpv6', 58, 128, 129] : ['icmp', 1, 8, 0];
      yield `${proto.padEnd(8)} ${num} ${rand(30)} src=${client} dst=${pod} type=${req} code=0 id=${id} src=${pod} dst=${client} type=${rep} code=0 id=${id} mark=0 use=1`;
    } else if (kind < 30) {
      const unreplied = rand(4) === 0;
      yield `udp      17 ${rand(120)} src=${client} dst=${service} sport=${sport} dport=53 ${unreplied ? '[UNREPLIED] ' : ''}src=${pod} dst=${client} sport=53 dport=${sport} mark=0 use=1`;
    } else {
      const state = STATES[rand(STATES.length)]!;
      const unreplied = state === 'SYN_SENT';
      yield `tcp      6 ${rand(432000)} ${state} src=${client} dst=${service} sport=${sport} dport=443 ${unreplied ? '[UNREPLIED] ' : ''}src=${pod} dst=${client} sport=8443 dport=${sport} ${unreplied ? '' : '[ASSURED] '}mark=0 use=1`;
    }
  }
}

export interface TableService {
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number | null;
  readonly endpoints: readonly { readonly ip: string; readonly port: number }[];
}

/**
 * One established connection's `conntrack -L` line (udp, or tcp/sctp ESTABLISHED and ASSURED), its timeout drawn
 * from `rand`; a NodePort connection is masqueraded, so its reply goes to the node (`rdst`).
 */
function connectionLine(rand: (n: number) => number) {
  return (
    proto: string,
    src: string,
    sport: number,
    dst: string,
    dport: number,
    rsrc: string,
    rsport: number,
    rdst = src,
  ) =>
    proto === 'udp'
      ? `udp      17 ${rand(120)} src=${src} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${rdst} sport=${rsport} dport=${sport} mark=0 use=1`
      : `${proto.padEnd(8)} ${proto === 'tcp' ? 6 : 132} ${rand(432000)} ESTABLISHED src=${src} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${rdst} sport=${rsport} dport=${sport} [ASSURED] mark=0 use=1`;
}

/**
 * The conntrack table of a node running these services: pods (2,000 of them) talking to cluster IPs, DNATed to
 * one of the service's endpoints, clients outside reaching NodePorts on `nodeIp`, and egress to the internet
 * masqueraded to `nodeIp`. A share `staleShare` of the service entries point at a pod that is no longer an
 * endpoint, as after a rollout. Deterministic for a given seed.
 */
export function* serviceConntrackLines(
  services: readonly TableService[],
  entries: number,
  opts: { readonly nodeIp: string; readonly staleShare: number; readonly seed?: number },
): Generator<string> {
  const rand = randomOf(opts.seed ?? 1);
  const withEndpoints = services.filter((s) => s.endpoints.length > 0);
  const pod = () => {
    const k = rand(2000);
    return `10.244.${200 + (k >> 8)}.${k & 255 || 1}`;
  };
  const line = connectionLine(rand);
  yield `conntrack v1.4.7 (conntrack-tools): ${entries} flow entries have been shown.`;
  for (let i = 0; i < entries; i++) {
    const sport = 1024 + rand(64000);
    const kind = rand(100);
    if (kind < 10) {
      const server = `93.184.${rand(256)}.${1 + rand(254)}`;
      yield line('tcp', pod(), sport, server, 443, server, 443, opts.nodeIp);
      continue;
    }
    const s = withEndpoints[rand(withEndpoints.length)]!;
    const stale = rand(1_000_000) < opts.staleShare * 1_000_000;
    const ep = stale
      ? { ip: `10.250.${rand(256)}.${1 + rand(254)}`, port: s.endpoints[0]!.port }
      : s.endpoints[rand(s.endpoints.length)]!;
    if (kind < 20 && s.nodePort !== null) {
      const client = `198.51.100.${1 + rand(254)}`;
      yield line(s.protocol, client, sport, opts.nodeIp, s.nodePort, ep.ip, ep.port, opts.nodeIp);
    } else {
      const client = pod();
      yield line(s.protocol, client, sport, s.clusterIP, s.port, ep.ip, ep.port, client);
    }
  }
}

export interface BusyTableOptions {
  readonly nodeIp: string;
  /** Distinct client addresses the entries are drawn from (default 60,000): NodePort and load-balancer traffic. */
  readonly clients?: number;
  /** Service addresses that are in no rule of the dump (deleted services), beside all of the dump's (default 1,000). */
  readonly goneServices?: number;
  /** Share of the service entries whose DNAT target is no endpoint any more (default 0.9: a mass redeploy). */
  readonly staleShare?: number;
  readonly seed?: number;
  /** Share of the service entries sent to the dump's UDP services (default: drawn from all services alike). */
  readonly udpShare?: number;
  /** A dual-stack node: the dump's IPv6 services, and the share of entries that are IPv6 connections (default none). */
  readonly ipv6?: { readonly services: readonly TableService[]; readonly share: number; readonly nodeIp: string };
}

/** Client k of the pool: most outside the cluster (NodePort and load-balancer clients), the rest pods. */
function clientAddress(k: number): string {
  if (k % 4 === 3) return `10.244.${(k >> 10) & 255}.${1 + ((k >> 2) % 254)}`;
  const n = k - (k >> 2);
  return `100.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${1 + (n % 254)}`;
}

/** Client k of the pool on an IPv6 node: outside clients in 2001:db8:64::/48, pods in fd00:10::/64. */
function clientAddress6(k: number): string {
  const low = k >> 16 ? `${(k >> 16).toString(16)}:${(k & 0xffff).toString(16)}` : k.toString(16);
  return k % 4 === 3 ? `fd00:10::${low}` : `2001:db8:64::${low}`;
}

interface FamilyPools {
  readonly withEndpoints: readonly TableService[];
  readonly withNodePort: readonly TableService[];
  /** The same split by protocol, when `udpShare` asks for it. */
  readonly udp?: { readonly withEndpoints: readonly TableService[]; readonly withNodePort: readonly TableService[] };
  readonly other?: { readonly withEndpoints: readonly TableService[]; readonly withNodePort: readonly TableService[] };
}

function poolsOf(services: readonly TableService[], byProtocol: boolean): FamilyPools {
  const split = (list: readonly TableService[]) => {
    const withEndpoints = list.filter((s) => s.endpoints.length > 0);
    return { withEndpoints, withNodePort: withEndpoints.filter((s) => s.nodePort !== null) };
  };
  const all = split(services);
  if (!byProtocol) return all;
  return {
    ...all,
    udp: split(services.filter((s) => s.protocol === 'udp')),
    other: split(services.filter((s) => s.protocol !== 'udp')),
  };
}

/**
 * The conntrack table of a busy node after a mass redeploy, or judged against another node's rules: tens of
 * thousands of distinct clients, every cluster IP of the dump and some that are in no rule, most service entries
 * DNATed to pods that are no endpoint any more. 10% masqueraded egress to the internet, 10% to deleted services,
 * 20% to NodePorts on `nodeIp`, the rest to cluster IPs. Deterministic for a given seed.
 */
export function* busyConntrackLines(
  services: readonly TableService[],
  entries: number,
  opts: BusyTableOptions,
): Generator<string> {
  const rand = randomOf(opts.seed ?? 7);
  const clients = opts.clients ?? 60_000;
  const gone = opts.goneServices ?? 1000;
  const staleShare = opts.staleShare ?? 0.9;
  const byProtocol = opts.udpShare !== undefined;
  const pools4 = poolsOf(services, byProtocol);
  const pools6 = opts.ipv6 ? poolsOf(opts.ipv6.services, byProtocol) : undefined;
  const line = connectionLine(rand);
  yield `conntrack v1.4.7 (conntrack-tools): ${entries} flow entries have been shown.`;
  for (let i = 0; i < entries; i++) {
    const v6 = pools6 !== undefined && rand(1_000_000) < opts.ipv6!.share * 1_000_000;
    const nodeIp = v6 ? opts.ipv6!.nodeIp : opts.nodeIp;
    const client = () => (v6 ? clientAddress6(rand(clients)) : clientAddress(rand(clients)));
    const deadPod = () => (v6 ? `fd00:250::${rand(65536).toString(16)}` : `10.250.${rand(256)}.${1 + rand(254)}`);
    const sport = 1024 + rand(64000);
    const kind = rand(100);
    if (kind < 10) {
      const server = v6
        ? `2606:2800:${rand(65536).toString(16)}::${(1 + rand(65535)).toString(16)}`
        : `93.184.${rand(256)}.${1 + rand(254)}`;
      const src = client();
      yield `tcp      6 ${rand(432000)} ESTABLISHED src=${src} dst=${server} sport=${sport} dport=443 src=${server} dst=${nodeIp} sport=443 dport=${sport} [ASSURED] mark=0 use=1`;
      continue;
    }
    if (kind < 20) {
      const k = rand(gone);
      const dst = v6 ? `fd00:111::${k.toString(16)}` : `10.111.${k >> 8}.${1 + (k % 254)}`;
      yield line('tcp', client(), sport, dst, 80, deadPod(), 8080);
      continue;
    }
    const family = v6 ? pools6! : pools4;
    const pools =
      byProtocol && rand(1_000_000) < opts.udpShare! * 1_000_000 && family.udp!.withEndpoints.length > 0
        ? family.udp!
        : (family.other ?? family);
    const nodePort = kind < 40 && pools.withNodePort.length > 0;
    const pool = nodePort ? pools.withNodePort : pools.withEndpoints;
    const s = pool[rand(pool.length)]!;
    const stale = rand(1_000_000) < staleShare * 1_000_000;
    const ep = stale ? { ip: deadPod(), port: s.endpoints[0]!.port } : s.endpoints[rand(s.endpoints.length)]!;
    if (nodePort) yield line(s.protocol, client(), sport, nodeIp, s.nodePort!, ep.ip, ep.port, nodeIp);
    else yield line(s.protocol, client(), sport, s.clusterIP, s.port, ep.ip, ep.port);
  }
}
