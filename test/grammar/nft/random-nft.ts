/**
 * Random nft rulesets in the block syntax `nft -f` reads and `nft list ruleset` prints: tables of several
 * families, base chains at named and numeric priorities, regular chains, sets (with elements enough to
 * wrap), verdict maps on concatenations, and rules mixing the matches and statements kube-proxy, Calico,
 * Docker and iptables-nft write. Deterministic per seed.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export function randomNftRuleset(seed: number): string {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const ip = () => `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  const out: string[] = [];
  const tables = int(1, 3);
  for (let t = 0; t < tables; t++) {
    const family = pick(['ip', 'ip', 'inet', 'ip6'] as const);
    const v4 = family !== 'ip6';
    const addr = v4 ? ip : () => `fd00::${int(1, 0xffff).toString(16)}`;
    const sel = v4 ? 'ip' : 'ip6';
    // inet tables name the address family of a NAT address (`dnat ip to …`).
    const natFamily = family === 'inet' ? ' ip' : '';
    out.push(`table ${family} t${t} {`);
    if (r() < 0.5) out.push(`\tcomment "table ${t}"`);
    const regular = Array.from({ length: int(1, 4) }, (_, i) => `c${i}`);
    out.push(
      `\tset s {\n\t\ttype ${v4 ? 'ipv4_addr' : 'ipv6_addr'}\n\t\telements = { ${Array.from({ length: int(1, 7) }, addr)
        .filter((x, i, a) => a.indexOf(x) === i)
        .join(', ')} }\n\t}`,
    );
    out.push(
      `\tset ports {\n\t\ttype inet_service\n\t\tflags interval\n\t\telements = { ${[...new Set(Array.from({ length: int(1, 8) }, () => int(1, 60) * 1000))].sort((a, b) => a - b).join(', ')} }\n\t}`,
    );
    out.push(
      `\tmap vm {\n\t\ttype ${v4 ? 'ipv4_addr' : 'ipv6_addr'} . inet_proto . inet_service : verdict\n\t\telements = { ${[...new Set(Array.from({ length: int(1, 4) }, addr))].map((a) => `${a} . tcp . ${int(1, 9000)} : ${pick(['drop', `goto ${pick(regular)}`, `jump ${pick(regular)}`])}`).join(', ')} }\n\t}`,
    );
    const bases = [
      ['filter', 'input', pick(['filter', '0', 'filter + 5', '-110', 'mangle - 3'])],
      ['nat', 'prerouting', pick(['dstnat', '-100', 'dstnat - 10', '-90'])],
      ['nat', 'postrouting', pick(['srcnat', '100', 'srcnat + 10'])],
      ['filter', 'forward', pick(['filter', 'security', '-200', 'raw'])],
    ] as const;
    const chains: string[] = [];
    bases.forEach(([type, hook, prio], i) =>
      chains.push(
        `\tchain b${i} {\n\t\ttype ${type} hook ${hook} priority ${prio}; policy ${type === 'nat' ? 'accept' : pick(['accept', 'drop'])};\n${rules(
          hook,
          type,
        )
          .map((x) => `\t\t${x}\n`)
          .join('')}\t}`,
      ),
    );
    for (const c of regular)
      chains.push(
        `\tchain ${c} {\n${rules('any', 'filter')
          .map((x) => `\t\t${x}\n`)
          .join('')}\t}`,
      );
    out.push(...chains);
    out.push('}');

    function rules(hook: string, type: string): string[] {
      const n = int(0, 6);
      const list: string[] = [];
      for (let i = 0; i < n; i++) {
        const matches = Array.from({ length: int(0, 3) }, () =>
          pick([
            () => `${sel} saddr ${addr()}`,
            () => `${sel} daddr != ${v4 ? `${ip()}/${int(8, 32)}` : 'fd00::/64'}`,
            () => `tcp dport ${int(1, 65535)}`,
            () => `th sport { ${int(1, 100)}, ${int(200, 300)} }`,
            () => `ct state ${pick(['new', 'established,related', 'invalid'])}`,
            () => `meta mark & 0x${int(1, 0xffff).toString(16)} == 0x${int(0, 0xffff).toString(16)}`,
            () => `iifname "eth${int(0, 3)}"`,
            () => `${sel} daddr @s`,
            () => `th dport @ports`,
            () => `fib daddr type local`,
            () => `meta l4proto tcp`,
            () => `ct status dnat`,
            () => `tcp dport ${int(1, 100)}-${int(101, 200)}`,
            () => `meta pkttype host`,
          ])(),
        );
        const stmts: string[] = [];
        if (r() < 0.4) stmts.push('counter');
        if (r() < 0.1) stmts.push(`log prefix "p${i} " level info`);
        if (r() < 0.1) stmts.push('limit rate 10/second');
        if (r() < 0.15) stmts.push(`meta mark set meta mark | 0x${int(1, 0xffff).toString(16)}`);
        let verdict = pick([
          'accept',
          'drop',
          'return',
          '',
          `jump ${pick(regular)}`,
          `goto ${pick(regular)}`,
          'reject',
          `${sel} daddr . meta l4proto . th dport vmap @vm`,
          `numgen random mod 2 vmap { 0 : goto ${pick(regular)}, 1 : drop }`,
        ]);
        if (
          (hook !== 'any' && verdict.includes('goto c')) ||
          (hook !== 'any' && verdict.includes('jump c')) ||
          (hook !== 'any' && verdict.includes('vmap'))
        )
          verdict = 'accept';
        if (type === 'nat' && hook === 'prerouting' && r() < 0.5)
          verdict = v4
            ? `meta l4proto tcp dnat${natFamily} to ${ip()}:${int(1, 9000)}`
            : `meta l4proto tcp dnat to [${addr()}]:80`;
        if (type === 'nat' && hook === 'postrouting' && r() < 0.5)
          verdict = pick([
            'masquerade',
            'masquerade fully-random',
            v4 ? `snat${natFamily} to ${ip()}` : `snat to ${addr()}`,
          ]);
        if (verdict === 'reject' && hook !== 'input' && hook !== 'forward' && hook !== 'any') verdict = 'drop';
        const comment = r() < 0.2 ? ` comment "rule ${i}"` : '';
        const text = [...matches, ...stmts, verdict].filter((x) => x !== '').join(' ');
        if (text !== '') list.push(text + comment);
      }
      return list;
    }
  }
  return `${out.join('\n')}\n`;
}
