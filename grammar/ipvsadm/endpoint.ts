/**
 * `addr:port` as ipvsadm and /proc/net/ip_vs* print it: `10.96.0.1:443`, `[fd00::1]:80`, hex `C0A80016:0CEA`,
 * expanded hex-port IPv6 `[2620:0000:…:0001]:0050`, and without -n host and service names, possibly cut
 * (`ip-10-0-62-121.ec2.internal:`, `100.98.125.10:http`). formats.md §2.
 */
import type { IpvsEndpoint } from '../../src/model/ipvs';
import { canonicalAddress } from '../shared/address';

const PROC_V4 = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/;
const PROC_V6 = /^\[((?:[0-9a-fA-F]{4}:){7}[0-9a-fA-F]{4})\]:([0-9A-Fa-f]{4})$/;
const BRACKETED = /^\[([^\]]+)\]:(.*)$/;

export interface ParsedEndpoint {
  readonly endpoint: IpvsEndpoint;
  /** Written in /proc's hex form. */
  readonly hex: boolean;
}

export function parseEndpoint(text: string): ParsedEndpoint | undefined {
  const v4 = PROC_V4.exec(text);
  if (v4) return { endpoint: { address: hexToIpv4(v4[1]!), port: Number.parseInt(v4[2]!, 16), numeric: true }, hex: true };
  const v6 = PROC_V6.exec(text);
  if (v6) return { endpoint: { address: canonicalAddress(v6[1]!)!, port: Number.parseInt(v6[2]!, 16), numeric: true }, hex: true };
  const bracketed = BRACKETED.exec(text);
  const cut = text.lastIndexOf(':');
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]!] : cut > 0 ? [text.slice(0, cut), text.slice(cut + 1)] : [undefined, undefined];
  if (host === undefined || port === undefined) return undefined;
  const address = canonicalAddress(host);
  const endpoint: IpvsEndpoint = /^\d+$/.test(port)
    ? { address: address ?? host, port: Number(port), numeric: address !== undefined }
    : port === ''
      ? { address: address ?? host, numeric: false }
      : { address: address ?? host, portName: port, numeric: false };
  return { endpoint, hex: false };
}

export function hexToIpv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** /proc/net/ip_vs_conn prints an address as 8 hex digits (IPv4) or 32 in groups (IPv6). */
export function hexAddress(hex: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) return hexToIpv4(hex);
  return canonicalAddress(hex);
}
