/**
 * Values as modules print them in a listing: ports by number or, without -n, by service name; TCP flags as
 * a hex mask (-n) or names; marks. Each returns the save spelling, or undefined when the text is not one.
 */
import { portOfName } from '../ipvsadm/port-names';

/** A port: its number, or the service name getservbyport() gave (resolved with the names nfwalk ships). */
export function portText(text: string): string | undefined {
  if (/^\d+$/.test(text) && Number(text) <= 65535) return text;
  const n = portOfName(text);
  return n === undefined ? undefined : String(n);
}

/** `A:B` or `A` with ports as above. */
export function portRangeText(text: string): string | undefined {
  const parts = text.split(':');
  if (parts.length > 2) return undefined;
  const ports = parts.map(portText);
  return ports.every((p) => p !== undefined) ? ports.join(':') : undefined;
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'] as const;

/** `0x17` (numeric) or `FIN,SYN,RST,ACK` / `NONE` → the names --tcp-flags takes. */
export function tcpFlagsText(text: string): string | undefined {
  if (/^0x[0-9a-f]{1,2}$/i.test(text)) {
    const bits = Number.parseInt(text, 16);
    if (bits > 0x3f) return undefined;
    const names = TCP_FLAGS.filter((_, i) => bits & (1 << i));
    return names.length ? names.join(',') : 'NONE';
  }
  return /^(NONE|(FIN|SYN|RST|PSH|ACK|URG)(,(FIN|SYN|RST|PSH|ACK|URG))*)$/.test(text) ? text : undefined;
}

export const isMark = (text: string) => /^0x[0-9a-f]+(\/0x[0-9a-f]+)?$/i.test(text);
export const isHex = (text: string) => /^0x[0-9a-f]+$/i.test(text);

/** `~0x…`: CONNMARK prints one of its masks with a literal tilde before the value. */
export const tildeHex = (text: string | undefined) =>
  text && /^~0x[0-9a-f]+$/i.test(text) ? text.slice(1) : undefined;
