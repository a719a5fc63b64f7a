/**
 * An nft ruleset printed as `nft list ruleset` prints it (nftables 1.0.6 src/rule.c, src/expression.c,
 * src/statement.c): tabs, a blank line between a table's members, long element lists wrapped the way
 * nft wraps them. Literals print as they were read, so a listing prints back unchanged.
 */
import type {
  NftBaseChain,
  NftChain,
  NftElement,
  NftExpr,
  NftFlowtable,
  NftObject,
  NftRule,
  NftRuleset,
  NftSet,
  NftStmt,
  NftTable,
} from '../../src/model/nft';

export interface PrintOptions {
  /** `# handle N` after tables, chains, sets and rules that have one (nft -a). */
  readonly handles?: boolean;
}

export function printNftRuleset(r: NftRuleset, o: PrintOptions = {}): string {
  return r.tables.map((t) => printTable(t, o)).join('');
}

const handle = (h: number | undefined, o: PrintOptions) => (o.handles && h !== undefined ? ` # handle ${h}` : '');

function printTable(t: NftTable, o: PrintOptions): string {
  let out = t.iptablesNftWarning
    ? `# Warning: table ${t.family} ${t.name} is managed by iptables-nft, do not touch!\n`
    : '';
  out += `table ${t.family} ${t.name} {${handle(t.handle, o)}\n`;
  if (t.flags !== undefined) out += `\tflags ${t.flags}\n`;
  if (t.comment !== undefined) out += `\tcomment ${quote(t.comment)}\n`;
  const members = [
    ...t.objects.map((x) => printObject(x, o)),
    ...t.sets.map((s) => printSet(s, o)),
    ...t.flowtables.map((f) => printFlowtable(f, o)),
    ...t.chains.map((c) => printChain(c, o)),
  ];
  return `${out}${members.join('\n')}}\n`;
}

function printObject(x: NftObject, o: PrintOptions): string {
  return `\t${x.type} ${x.name} {${handle(x.handle, o)}\n${x.body.map((l) => `\t\t${l}\n`).join('')}\t}\n`;
}

function printSet(s: NftSet, o: PrintOptions): string {
  let out = `\t${s.kind} ${s.name} {${handle(s.handle, o)}\n`;
  if (s.type) out += `\t\ttype ${s.type.key.join(' . ')}${s.type.data !== undefined ? ` : ${s.type.data}` : ''}\n`;
  if (s.typeof) out += `\t\ttypeof ${expr(s.typeof.key)}${s.typeof.data ? ` : ${expr(s.typeof.data)}` : ''}\n`;
  for (const p of s.props) out += `\t\t${p.key}${p.value === '' ? '' : ` ${p.value}`}\n`;
  if (s.comment !== undefined) out += `\t\tcomment ${quote(s.comment)}\n`;
  if (s.elements) out += `\t\telements = ${printElements(s.elements, perLine(s))}\n`;
  return `${out}\t}\n`;
}

/** How many elements nft puts on a line of a named set (expression.c calculate_delim): by the key's type. */
function perLine(s: NftSet): number {
  const key = s.type
    ? s.type.key.length === 1
      ? s.type.key[0]!
      : 'concat'
    : s.typeof
      ? typeofType(s.typeof.key)
      : 'concat';
  // ipv6 and ether addresses go one per line (the interval test dump `sets_0001named_interval_0` shows it).
  if (key === 'ipv4_addr') return 2;
  if (
    /^(nf_proto|integer|arp_op|inet_proto|inet_service|tcp_flag|dccp_pkttype|mark|iface_index|classid|uid|gid|ct_dir)$/.test(
      key,
    )
  )
    return 5;
  return 1;
}

function typeofType(e: NftExpr): string {
  switch (e.kind) {
    case 'payload':
      if (e.field === 'saddr' || e.field === 'daddr')
        return e.protocol === 'ip'
          ? 'ipv4_addr'
          : e.protocol === 'ip6'
            ? 'ipv6_addr'
            : e.protocol === 'ether'
              ? 'ether_addr'
              : 'other';
      if (e.field === 'sport' || e.field === 'dport') return 'inet_service';
      return e.field === 'protocol' || e.field === 'nexthdr' ? 'inet_proto' : 'other';
    case 'meta':
      return e.key === 'mark'
        ? 'mark'
        : e.key === 'l4proto'
          ? 'inet_proto'
          : e.key === 'iif' || e.key === 'oif'
            ? 'iface_index'
            : 'other';
    case 'numgen':
    case 'hash':
      return 'integer';
    case 'ct':
      return e.key === 'mark' ? 'mark' : 'other';
    case 'concat':
    case 'map':
    case 'set':
    case 'opaque':
    case 'verdict':
    case 'literal':
    case 'fib':
    case 'ref':
    case 'binop':
      return 'other';
  }
}

function printElements(elements: readonly NftElement[], per: number): string {
  if (elements.length === 0) return '{ }';
  let out = '{ ';
  elements.forEach((e, i) => {
    if (i > 0) out += i % per === 0 ? ',\n\t\t\t     ' : ', ';
    out += element(e);
  });
  return `${out} }`;
}

function element(e: NftElement): string {
  let out = expr(e.key);
  if (e.timeout !== undefined) out += ` timeout ${e.timeout}`;
  if (e.expires !== undefined) out += ` expires ${e.expires}`;
  if (e.counter) out += ` counter packets ${e.counter.packets} bytes ${e.counter.bytes}`;
  if (e.comment !== undefined) out += ` comment ${quote(e.comment)}`;
  if (e.value) out += ` : ${expr(e.value)}`;
  return out;
}

function printFlowtable(f: NftFlowtable, o: PrintOptions): string {
  let out = `\tflowtable ${f.name} {${handle(f.handle, o)}\n\t\thook ${f.hook} priority ${f.priority.text}\n`;
  if (f.devices) out += `\t\tdevices = { ${f.devices.map(expr).join(', ')} }\n`;
  for (const p of f.props) out += `\t\t${p.key}${p.value === '' ? '' : ` ${p.value}`}\n`;
  return `${out}\t}\n`;
}

function printChain(c: NftChain, o: PrintOptions): string {
  let out = `\tchain ${c.name} {${handle(c.handle, o)}\n`;
  if (c.comment !== undefined) out += `\t\tcomment ${quote(c.comment)}\n`;
  if (c.base) out += `\t\t${baseChain(c.base)}\n`;
  for (const r of c.rules) out += `\t\t${printNftRule(r, o)}\n`;
  return `${out}\t}\n`;
}

function baseChain(b: NftBaseChain): string {
  let out = `type ${b.type} hook ${b.hook}`;
  if (b.devices)
    out += b.deviceList ? ` devices = { ${b.devices.map(expr).join(', ')} }` : ` device ${expr(b.devices[0]!)}`;
  out += ` priority ${b.priority.text};`;
  return b.policy !== undefined ? `${out} policy ${b.policy};` : out;
}

export function printNftRule(r: NftRule, o: PrintOptions = {}): string {
  let out = r.stmts.map(stmt).join(' ');
  if (r.comment !== undefined) out += ` comment ${quote(r.comment)}`;
  return out + handle(r.handle, o);
}

const quote = (s: string) => `"${s}"`;

export function stmt(s: NftStmt): string {
  switch (s.kind) {
    case 'match':
      return `${expr(s.left)}${s.op ? ` ${s.op}` : ''} ${expr(s.right)}`;
    case 'verdict':
      return s.verdict === 'jump' || s.verdict === 'goto'
        ? `${s.verdict} ${s.quoted ? quote(s.chain) : s.chain}`
        : s.verdict;
    case 'vmap':
      return `${expr(s.key)} vmap ${expr(s.map)}`;
    case 'counter':
      return s.name
        ? `counter name ${expr(s.name)}`
        : s.value
          ? `counter packets ${s.value.packets} bytes ${s.value.bytes}`
          : 'counter';
    case 'reject':
      return s.with ? `reject with ${s.with}` : 'reject';
    case 'set-value':
      return `${expr(s.target)} set ${expr(s.value)}`;
    case 'nat': {
      let out = s.nat;
      if (s.family) out += ` ${s.family}`;
      if (s.addr) out += ` to ${expr(s.addr)}`;
      return s.flags.length ? `${out} ${s.flags.join(' ')}` : out;
    }
    case 'set-update':
      return `${s.op} @${s.set} { ${element(s.element)} }`;
    case 'notrack':
      return 'notrack';
    case 'xt':
      return `xt ${s.type} ${s.name}`;
    case 'hidden':
      return '';
    case 'keyword':
      return [s.keyword, ...s.args].join(' ');
    case 'opaque':
      return s.text;
  }
}

export function expr(e: NftExpr): string {
  switch (e.kind) {
    case 'literal':
      return e.quoted ? quote(e.text) : e.text;
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'meta':
      return e.bare ? e.key : `meta ${e.key}`;
    case 'ct':
      return ['ct', e.direction, e.protocol, e.key].filter((x) => x !== undefined).join(' ');
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'numgen':
      return `numgen ${e.mode} mod ${e.mod}${e.offset !== undefined ? ` offset ${e.offset}` : ''}`;
    case 'hash': {
      let out = e.function;
      if (e.expr) out += ` ${expr(e.expr)}`;
      out += ` mod ${e.mod}`;
      if (e.seed !== undefined) out += ` seed ${e.seed}`;
      return e.offset !== undefined ? `${out} offset ${e.offset}` : out;
    }
    case 'ref':
      return `@${e.name}`;
    case 'set':
      return printElements(e.elements, Number.POSITIVE_INFINITY);
    case 'concat':
      return e.parts.map(expr).join(' . ');
    case 'binop':
      return `${expr(e.left)} ${e.spelled ? SPELLED[e.op] : e.op} ${expr(e.right)}`;
    case 'map':
      return `${expr(e.key)} map ${expr(e.data)}`;
    case 'verdict':
      return stmt(e.verdict);
    case 'opaque':
      return e.text;
  }
}

const SPELLED: Readonly<Record<'&' | '|' | '^' | '<<' | '>>', string>> = {
  '&': 'and',
  '|': 'or',
  '^': 'xor',
  '<<': 'lshift',
  '>>': 'rshift',
};
