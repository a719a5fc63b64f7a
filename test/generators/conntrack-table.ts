/**
 * A `conntrack -L` table of any size, shaped like a busy Kubernetes node (ecosystem.md §3's mix): 70% tcp with a
 * state, 25% udp, 5% icmp; 5% IPv6; DNAT to pods for service traffic; [ASSURED]/[UNREPLIED]; the summary line
 * first, as `conntrack -L > f 2>&1` leaves it. Deterministic for a given seed.
 */
const STATES = ['ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'CLOSE_WAIT', 'FIN_WAIT'];

export function* conntrackLines(entries: number, seed = 1): Generator<string> {
  let x = seed >>> 0 || 1;
  const rand = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  yield `conntrack v1.4.7 (conntrack-tools): ${entries} flow entries have been shown.`;
  for (let i = 0; i < entries; i++) {
    const v6 = rand(20) === 0;
    const ip = (net: number) => (v6 ? `fd00:${net}::${rand(65535).toString(16)}` : `10.${net}.${rand(256)}.${1 + rand(254)}`);
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
