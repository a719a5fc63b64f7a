/**
 * Anonymises the text of any dump line by line: rule comments (iptables' and nft's), kube-proxy's nftables chain
 * names, addresses (with their prefix length),
 * hostnames made of addresses (`ip-10-0-1-5`), MACs, and the node names the bundle layout gave. Formats
 * need not be known: what is rewritten is recognised by its shape, and everything else is left as it was,
 * so the anonymised dump parses as the original did.
 */
import { anonymizeKubeNftNames } from './kube-nft-names';
import type { NodeNames } from './node-names';
import type { Pseudonyms } from './pseudonyms';

/** The words of kube-proxy's and Calico's own comments: a comment made only of these (and Service names) names nothing else. */
const VOCABULARY = new Set(
  'kubernetes service services portals traffic requiring snat load balancer firewall health check ports port externally-visible forwarding rules rule conntrack block incoming localnet connections postrouting cluster ip external loadbalancer has no endpoints local node nodeports note this must be the last in chain masquerade for to pod route other destinations will dropped'.split(
    ' ',
  ),
);
/** A Service as kube-proxy names it in comments: `ns/name:port` (the port name may be empty). */
const SERVICE = /(?<![\w/-])([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)(?::([-a-z0-9]*))?(?![\w/])/g;
/** Calico's rule ids are hashes. */
const CALICO = /^cali:[\w-]+$/;

/** kube-proxy's nftables comments (pkg/proxy/nftables/proxier.go), words as `comment` splits them. */
const NFT_VOCABULARY = new Set([
  ...VOCABULARY,
  ...'rules kube-proxy active clusterips ips that accept nodeport destinations are subject loadbalancersourceranges vmap drop or reject packets with clusterip externalip and helper @no-endpoint-services / @no-endpoint-nodeports invalid of unallocated short-circuit'.split(
    ' ',
  ),
]);

function comment(text: string, p: Pseudonyms, vocabulary: ReadonlySet<string> = VOCABULARY): string {
  if (CALICO.test(text)) return text;
  const words = text
    .replace(SERVICE, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/[;:,.]+$/, '').toLowerCase());
  if (!words.every((w) => vocabulary.has(w))) return p.name('comment', text);
  return text.replace(
    SERVICE,
    (_m, ns: string, name: string, port: string | undefined) =>
      `${p.name('ns', ns)}/${p.name('svc', name)}${port === undefined ? '' : `:${port ? p.name('port', port) : ''}`}`,
  );
}

const COMMENT = /(--comment )(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
/** nft's `comment "…"` (rules, elements, sets, chains, tables): always quoted. */
const NFT_COMMENT = /(?<![-\w])(comment )"((?:[^"\\]|\\.)*)"/g;
const V4 = /(?<![\w.:])((?:\d{1,3}\.){3}\d{1,3})(?:\/(\d{1,2})(?![\d.]))?(?![\w.])/g;
const V6 = /(?<![\w:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?:\/(\d{1,3}))?(?![\w:.])/g;
const DASHED = /\bip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\b/g;
const MAC = /(?<![\w:])((?:[0-9a-f]{2}:){5}[0-9a-f]{2})(?![\w:])/gi;

export function anonymizeLine(line: string, p: Pseudonyms, nodes: NodeNames): string {
  let out = line.replace(COMMENT, (_m, flag: string, quoted: string | undefined, bare: string | undefined) => {
    const text = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare as string);
    const anon = comment(text, p);
    return quoted !== undefined || anon.includes(' ') ? `${flag}"${anon.replace(/["\\]/g, '\\$&')}"` : `${flag}${anon}`;
  });
  out = out.replace(NFT_COMMENT, (_m, flag: string, quoted: string) => {
    const anon = comment(quoted.replace(/\\(.)/g, '$1'), p, NFT_VOCABULARY);
    return `${flag}"${anon.replace(/["\\]/g, '\\$&')}"`;
  });
  out = anonymizeKubeNftNames(out, p);
  out = out.replace(MAC, (m) => p.macAddress(m));
  const address = (m: string, addr: string, len: string | undefined) => {
    const mapped = p.address(addr, len === undefined ? undefined : Number(len));
    return mapped === undefined ? m : `${mapped}${len === undefined ? '' : `/${len}`}`;
  };
  out = out.replace(V6, address);
  out = out.replace(V4, address);
  out = out.replace(DASHED, (m, a: string, b: string, c: string, d: string) => {
    const mapped = p.address(`${a}.${b}.${c}.${d}`);
    return mapped === undefined ? m : `ip-${mapped.replace(/\./g, '-')}`;
  });
  return nodes.replace(out);
}
