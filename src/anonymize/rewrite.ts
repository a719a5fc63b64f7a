/**
 * Anonymises the text of any dump line by line: rule comments, addresses (with their prefix length),
 * hostnames made of addresses (`ip-10-0-1-5`), MACs, and the node names the bundle layout gave. Formats
 * need not be known: what is rewritten is recognised by its shape, and everything else is left as it was,
 * so the anonymised dump parses as the original did.
 */
import type { NodeNames } from './node-names';
import type { Pseudonyms } from './pseudonyms';

/** Comments made of lowercase words only are kube-proxy's and Calico's fixed phrases: they name nothing. */
const PHRASE = /^[a-z][a-z -]*$/;
/** A Service at the start of a kube-proxy comment: `ns/name:port` and the phrase after it. */
const SERVICE = /^([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)(?::([-a-z0-9]*))?((?: [A-Za-z][A-Za-z -]*)?)$/;

function comment(text: string, p: Pseudonyms): string {
  if (PHRASE.test(text)) return text;
  const s = SERVICE.exec(text);
  if (s) {
    const [, ns, name, port, rest] = s as unknown as [string, string, string, string | undefined, string];
    return `${p.name('ns', ns)}/${p.name('svc', name)}${port === undefined ? '' : `:${port ? p.name('port', port) : ''}`}${rest}`;
  }
  return p.name('comment', text);
}

const COMMENT = /(--comment )(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
const V4 = /(?<![\w.:-])((?:\d{1,3}\.){3}\d{1,3})(?:\/(\d{1,2})(?![\d.]))?(?![\w.]|-\d)/g;
const V6 = /(?<![\w:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?:\/(\d{1,3}))?(?![\w:.])/g;
const DASHED = /\bip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\b/g;
const MAC = /(?<![\w:])((?:[0-9a-f]{2}:){5}[0-9a-f]{2})(?![\w:])/gi;

export function anonymizeLine(line: string, p: Pseudonyms, nodes: NodeNames): string {
  let out = line.replace(COMMENT, (_m, flag: string, quoted: string | undefined, bare: string | undefined) => {
    const text = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare as string);
    const anon = comment(text, p);
    return quoted !== undefined || anon.includes(' ') ? `${flag}"${anon.replace(/["\\]/g, '\\$&')}"` : `${flag}${anon}`;
  });
  out = out.replace(MAC, (m) => p.macAddress(m));
  out = out.replace(V6, (m, addr: string, len: string | undefined) => {
    const mapped = p.address(addr, len === undefined ? undefined : Number(len));
    return mapped === undefined ? m : `${mapped}${len === undefined ? '' : `/${len}`}`;
  });
  out = out.replace(V4, (m, addr: string, len: string | undefined) => {
    const mapped = p.address(addr, len === undefined ? undefined : Number(len));
    return mapped === undefined ? m : `${mapped}${len === undefined ? '' : `/${len}`}`;
  });
  out = out.replace(DASHED, (m, a: string, b: string, c: string, d: string) => {
    const mapped = p.address(`${a}.${b}.${c}.${d}`);
    return mapped === undefined ? m : `ip-${mapped.replace(/\./g, '-')}`;
  });
  return nodes.replace(out);
}
