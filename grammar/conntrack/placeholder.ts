/**
 * A masked address in a conntrack tuple (`src=x.x.x.x`, `dst=<node-ip>`; grammar/shared/masked-address.ts):
 * the entry around it is real, so it is kept with the text as written and the analyses leave it undecided.
 * A tuple does not say its family before its addresses are read, so a mask of either family counts.
 */
import { maskedAddress } from '../shared/masked-address';

export function isAddressPlaceholder(text: string): boolean {
  return typeof maskedAddress(text, 'ipv4') === 'object' || typeof maskedAddress(text, 'ipv6') === 'object';
}
