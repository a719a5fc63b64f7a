/**
 * Chain priorities: nft prints the standard names (`dstnat - 10`, `filter`) or a number; the kernel holds a
 * number, which orders base chains on one hook across tables (shared/reference/nftables.md §5).
 */
import type { NftFamily, NftPriority } from './nft';

// nftables src/rule.c std_prios / bridge_std_prios.
const STANDARD: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
const BRIDGE: Readonly<Record<string, number>> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

/** `text` as the listing printed it; the number for the family (names differ on bridge). */
export function resolvePriority(text: string, family: NftFamily): NftPriority {
  const m = /^(-?\d+)$|^([a-z]+)(?: ([+-]) (\d+))?$/.exec(text);
  if (!m) return { text, value: undefined };
  if (m[1] !== undefined) return { text, value: Number(m[1]) };
  const base = (family === 'bridge' ? BRIDGE : STANDARD)[m[2]!];
  if (base === undefined) return { text, value: undefined };
  const offset = m[4] === undefined ? 0 : Number(m[4]) * (m[3] === '-' ? -1 : 1);
  return { text, value: base + offset };
}

/**
 * A priority number as nft 1.0.6 prints it (src/rule.c prio2str): the nearest standard name the family and hook
 * allow, with an offset of at most 10 (`dstnat - 10`, `filter`, `srcnat + 10`), else the number. In ip, ip6 and
 * inet `dstnat` is named on prerouting only and `srcnat` on postrouting only; arp and netdev know `filter` only.
 */
export function priorityText(value: number, family: NftFamily, hook: string): string {
  const names: readonly (readonly [string, number, boolean])[] =
    family === 'bridge'
      ? [
          ['dstnat', -300, hook === 'prerouting'],
          ['filter', -200, true],
          ['out', 100, hook === 'output'],
          ['srcnat', 300, hook === 'postrouting'],
        ]
      : family === 'arp' || family === 'netdev'
        ? [['filter', 0, true]]
        : [
            ['raw', -300, true],
            ['mangle', -150, true],
            ['dstnat', -100, hook === 'prerouting'],
            ['filter', 0, true],
            ['security', 50, true],
            ['srcnat', 100, hook === 'postrouting'],
          ];
  for (const [name, base, allowed] of names) {
    const offset = value - base;
    if (!allowed || Math.abs(offset) > 10) continue;
    return offset === 0 ? name : `${name} ${offset > 0 ? '+' : '-'} ${Math.abs(offset)}`;
  }
  return String(value);
}
