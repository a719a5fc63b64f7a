/**
 * kube-proxy's nftables chain and set names embed the Service they serve (`service-ULMVA6XW-ns1/svc1/tcp/p80`,
 * `endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80`, pkg/proxy/nftables/proxier.go hashAndTruncate). The
 * anonymised name keeps the shape, with the namespace, Service, port name and endpoint address replaced and the
 * hash made anew from the new name: the old hash of a guessable name would give the name away.
 */
import { createHash } from 'node:crypto';
import type { Pseudonyms } from './pseudonyms';

const NAME =
  /(?<![\w-])(service|local|external|firewall|endpoint|affinity)-[A-Z2-7]{8}-([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)\/(tcp|udp|sctp)\/([-a-z0-9]*)(?:__([0-9a-fA-F.]+)\/(\d+))?(?![\w/.-])/g;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 8 characters of base32(sha256(name)), as kube-proxy hashes its chain names. */
function hash8(name: string): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of createHash('sha256').update(name).digest()) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < 8) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 8) break;
  }
  return out;
}

/** An endpoint address as the name writes it: IPv4, or IPv6 with `.` for `:`. */
function endpointAddress(written: string, p: Pseudonyms): string {
  const v6 = (written.match(/\./g) ?? []).length !== 3;
  const mapped = p.address(v6 ? written.replaceAll('.', ':') : written);
  if (mapped === undefined) return written;
  return v6 ? mapped.replaceAll(':', '.') : mapped;
}

export function anonymizeKubeNftNames(line: string, p: Pseudonyms): string {
  return line.replace(
    NAME,
    (_m, prefix: string, ns: string, svc: string, proto: string, port: string, ip?: string, epPort?: string) => {
      const base = `${p.name('ns', ns)}/${p.name('svc', svc)}/${proto}/${port ? p.name('port', port) : ''}`;
      const name = ip === undefined ? base : `${base}__${endpointAddress(ip, p)}/${epPort}`;
      return `${prefix}-${hash8(name)}-${name}`;
    },
  );
}
