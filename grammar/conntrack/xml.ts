/** `conntrack -L -o xml`: one `<flow>` per line (libnetfilter_conntrack's XML printer), plus the document's frame. */
import type { ConntrackEntry, ConntrackTuple } from '../../src/model/conntrack';
import { canonicalAddress } from '../shared/address';
import type { LineProblem } from '../shared/problem';

export type XmlLine = { kind: 'frame' } | { kind: 'entry'; entry: ConntrackEntry } | LineProblem;

const FRAME = /^(<\?xml [^>]*\?>|<conntrack>|<\/conntrack>)\s*$/;
const META = /<meta direction="(original|reply|independent)">(.*?)<\/meta>/g;
const ELEMENT = /<(\w+)(?: [^>]*)?>([^<]*)<\/\1>|<(\w+)\/>/g;
const PROTO = /<layer4 protonum="(\d+)" protoname="([^"]+)">/;
const FAMILY = /<layer3 protonum="\d+" protoname="(ipv4|ipv6)">/;

export function decodeXmlLine(text: string, line: number): XmlLine {
  if (FRAME.test(text)) return { kind: 'frame' };
  if (!text.startsWith('<flow>') || !text.trimEnd().endsWith('</flow>'))
    return { problem: 'broken', message: 'expected one <flow> element per line', column: 1 };
  const entry: { -readonly [K in keyof ConntrackEntry]?: ConntrackEntry[K] } = { line, unreplied: false };
  for (const [, direction, body] of text.matchAll(META)) {
    const fields = new Map<string, string>();
    const flags = new Set<string>();
    for (const m of body!.matchAll(ELEMENT)) {
      if (m[3]) flags.add(m[3]);
      else fields.set(m[1]!, m[2]!);
    }
    if (direction === 'independent') {
      const n = (k: string) => (fields.has(k) ? Number(fields.get(k)) : undefined);
      if (fields.has('state')) entry.state = fields.get('state');
      entry.timeout = n('timeout');
      entry.mark = n('mark');
      entry.secmark = n('secmark');
      entry.zone = n('zone');
      entry.use = n('use');
      entry.id = n('id');
      entry.deltaTime = n('deltatime');
      if (flags.has('unreplied')) entry.unreplied = true;
      if (flags.has('assured')) entry.status = 'ASSURED';
      continue;
    }
    const proto = PROTO.exec(body!);
    if (proto) {
      entry.protoNum = Number(proto[1]);
      entry.proto = proto[2];
    }
    entry.family ??= FAMILY.exec(body!)?.[1] as 'ipv4' | 'ipv6' | undefined;
    const src = canonicalAddress(fields.get('src') ?? '');
    const dst = canonicalAddress(fields.get('dst') ?? '');
    if (!src || !dst)
      return { problem: 'broken', message: `the ${direction} tuple has no valid <src>/<dst>`, column: 1 };
    const tuple: { -readonly [K in keyof ConntrackTuple]?: ConntrackTuple[K] } = { src, dst };
    for (const k of ['sport', 'dport', 'type', 'code', 'id'] as const)
      if (fields.has(k)) tuple[k] = Number(fields.get(k));
    for (const k of ['srckey', 'dstkey'] as const) if (fields.has(k)) tuple[k] = fields.get(k);
    if (fields.has('packets')) {
      const c = { packets: Number(fields.get('packets')), bytes: Number(fields.get('bytes') ?? 0) };
      if (direction === 'original') entry.origCounters = c;
      else entry.replyCounters = c;
    }
    if (direction === 'original') entry.orig = tuple as ConntrackTuple;
    else entry.reply = tuple as ConntrackTuple;
  }
  if (!entry.orig || !entry.reply || entry.proto === undefined || !entry.family)
    return { problem: 'broken', message: 'a <flow> without both tuples and a protocol', column: 1 };
  for (const k of Object.keys(entry) as (keyof ConntrackEntry)[]) if (entry[k] === undefined) delete entry[k];
  return { kind: 'entry', entry: entry as ConntrackEntry };
}
