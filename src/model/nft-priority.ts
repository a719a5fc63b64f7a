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
