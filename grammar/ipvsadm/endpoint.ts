/**
 * `addr:port` as ipvsadm and /proc/net/ip_vs* print it: `10.96.0.1:443`, `[fd00::1]:80`, hex `C0A80016:0CEA`,
 * expanded hex-port IPv6 `[2620:0000:…:0001]:0050`, and without -n host and service names, possibly cut
 * (`ip-10-0-62-121.ec2.internal:`, `100.98.125.10:http`). formats.md §2. A service name gives the port where
 * port-names.ts knows it; a host name stays a name (nothing resolves it offline).
 */
import type { IpvsEndpoint } from '../../src/model/ipvs';
import { canonicalAddress, ipv4Text } from '../shared/address';
import { isWholeName, portOfName } from './port-names';

const PROC_V4 = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/;
const PROC_V6 = /^\[((?:[0-9a-fA-F]{4}:){7}[0-9a-fA-F]{4})\]:([0-9A-Fa-f]{4})$/;
const BRACKETED = /^\[([^\]]+)\]:(.*)$/;

export interface ParsedEndpoint {
  readonly endpoint: IpvsEndpoint;
  /** Written in /proc's hex form. */
  readonly hex: boolean;
}

/**
 * ipvsadm -L cuts an IPv4 service's or real server's `addr:port` at 28 characters (print_service_entry);
 * IPv6 and the connection listing are not cut.
 */
export const LISTING_WIDTH = 28;
const HOST = /^[A-Za-z0-9][\w.-]*$/;

/** `width`: the column the text was cut to, when it comes from a listing that cuts (LISTING_WIDTH). */
export function parseEndpoint(text: string, width?: number): ParsedEndpoint | undefined {
  const v4 = PROC_V4.exec(text);
  if (v4)
    return { endpoint: { address: hexToIpv4(v4[1]!), port: Number.parseInt(v4[2]!, 16), numeric: true }, hex: true };
  const v6 = PROC_V6.exec(text);
  if (v6)
    return {
      endpoint: { address: canonicalAddress(v6[1]!)!, port: Number.parseInt(v6[2]!, 16), numeric: true },
      hex: true,
    };
  const bracketed = BRACKETED.exec(text);
  const colon = text.lastIndexOf(':');
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]!]
    : colon > 0
      ? [text.slice(0, colon), text.slice(colon + 1)]
      : [text, undefined];
  // At exactly the width the end may be lost: the port, or the name's tail and the port (`kubernetes.default.svc.clust`).
  // Only text ipvsadm could print (an address or host name, not a hand-made `<redacted>.20`) was cut by it.
  const cut = !bracketed && text.length === width && HOST.test(host);
  if (port === undefined)
    return cut ? { endpoint: { address: text, numeric: false, cut: true }, hex: false } : undefined;
  const address = canonicalAddress(host);
  const named = { address: address ?? host, numeric: false } as const;
  if (cut && !isWholeName(port)) return { endpoint: { ...named, cut: true }, hex: false };
  if (/^\d+$/.test(port))
    return { endpoint: { address: address ?? host, port: Number(port), numeric: address !== undefined }, hex: false };
  if (port === '') return { endpoint: named, hex: false };
  const number = portOfName(port);
  return { endpoint: { ...named, ...(number !== undefined ? { port: number } : {}), portName: port }, hex: false };
}

export function hexToIpv4(hex: string): string {
  return ipv4Text(Number.parseInt(hex, 16));
}

/** /proc/net/ip_vs_conn prints an address as 8 hex digits (IPv4) or 32 in groups (IPv6). */
export function hexAddress(hex: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) return hexToIpv4(hex);
  return canonicalAddress(hex);
}
