/**
 * Pastes as people post them in issue threads (issue #22), made from the kernel's own output in
 * test/fixtures/kernel/ (scripts/capture-fixtures.sh). One transform per class of the issue, applied alone and
 * combined; a seeded PRNG, so the same seed gives the same corpus.
 *
 * Every paste carries its expectation, computed from the fixtures and from what the transforms kept (never typed
 * by hand): per dump the section kind, the tables and the records of the part that survived; the services the
 * paste shows completely (cluster IP / NodePort → endpoints with shares, from services.json); the findings the
 * paste cannot support.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/kernel/', import.meta.url));

// ---------------------------------------------------------------------------------------------- fixtures

export type SnapshotName = 'main' | 'after' | 'v6';

export interface ManifestEndpointShare {
  readonly ip: string;
  readonly port: number;
  readonly share: number;
}

export interface ManifestService {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number | null;
  readonly svcChain: string;
  readonly endpoints: readonly { ip: string; port: number; local: boolean }[];
  readonly expected: {
    readonly clusterIP: { verdict: 'forward' | 'reject' | 'drop'; endpoints: readonly ManifestEndpointShare[] };
    readonly nodePort: { verdict: 'forward' | 'reject' | 'drop'; endpoints: readonly ManifestEndpointShare[] } | null;
  };
}

export interface Manifest {
  readonly snapshots: Readonly<
    Record<SnapshotName, { family: 'ipv4' | 'ipv6'; clusterCidr: string; services: readonly ManifestService[] }>
  >;
}

export type FixtureName =
  | 'iptables-save.txt'
  | 'iptables-save-c.txt'
  | 'iptables-save.after.txt'
  | 'ip6tables-save.txt'
  | 'iptables-t-nat-S.txt'
  | 'iptables-t-filter-S.txt'
  | 'iptables-t-mangle-S.txt'
  | 'iptables-S.txt'
  | 'conntrack-L.txt'
  | 'conntrack-L-o-extended.txt'
  | 'ip-addr.txt'
  | 'ip-o-addr.txt'
  | 'ip-route.txt'
  | 'ip-6-route.txt'
  | 'ipset-list.txt'
  | 'ipset-save.txt'
  | 'bridge-link.txt';

export interface Fixtures {
  readonly text: (name: FixtureName) => string;
  readonly manifest: Manifest;
}

export function loadKernelFixtures(dir = FIXTURE_DIR): Fixtures {
  const cache = new Map<string, string>();
  const text = (name: FixtureName) => {
    if (!cache.has(name)) cache.set(name, readFileSync(`${dir}/${name}`, 'utf8'));
    return cache.get(name)!;
  };
  return { text, manifest: JSON.parse(readFileSync(`${dir}/services.json`, 'utf8')) as Manifest };
}

// ---------------------------------------------------------------------------------------------- PRNG

/** mulberry32: small, seeded, the same sequence on every platform. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return { next, int, pick, shuffle, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof prng>;

// ---------------------------------------------------------------------------------------------- dumps

export type DumpKind = 'iptables-save' | 'ip6tables-save' | 'conntrack' | 'ip-route' | 'ip-addr' | 'ipset';
export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';

/** One line of a dump as the paste carries it before wrappers: its text and what it was in the kernel's output. */
export interface DumpLine {
  text: string;
  /** The kernel's line; `text` differs when a transform changed it. */
  readonly original: string;
  /** A record (rule, entry, route, address, member) in the kernel's output. */
  readonly record: boolean;
  /** The table this line belongs to (iptables dumps). */
  readonly table?: TableName;
  /** Cut in the middle: no longer a record. */
  cut?: boolean;
  /** Changed so that its meaning is unknown (anonymised address): still a record, no longer the kernel's. */
  masked?: boolean;
  /** What a tool put before the line (`grep -n`'s `12:`, `file:12:`); not part of the dump. */
  prefix?: string;
}

export interface Dump {
  readonly kind: DumpKind;
  readonly fixture: FixtureName;
  readonly snapshot?: SnapshotName;
  lines: DumpLine[];
  /** Tables whose content the dump holds (headers may have been cut or grep'd away). */
  tables?: TableName[];
  /** Only part of the kernel's output (grep, truncation, one table of several). */
  partial: boolean;
  /** Cut off after some line (class 4). */
  truncated?: boolean;
  readonly what: string;
}

const RULE = /^(\[\d+:\d+\] )?-A \S/;

function recordTest(kind: DumpKind, fixture: FixtureName): (line: string, state: { members: boolean }) => boolean {
  if (kind === 'iptables-save' || kind === 'ip6tables-save') return (l) => RULE.test(l);
  if (kind === 'conntrack') return (l) => / src=/.test(l);
  if (kind === 'ip-route') return (l) => l.trim() !== '';
  if (kind === 'ip-addr') return fixture === 'ip-o-addr.txt' ? (l) => / inet6? /.test(l) : (l) => /^\s+inet6? /.test(l);
  if (fixture === 'ipset-save.txt') return (l) => l.startsWith('add ');
  return (l, st) => {
    if (l.startsWith('Members:')) {
      st.members = true;
      return false;
    }
    if (l.trim() === '') st.members = false;
    return st.members && l.trim() !== '';
  };
}

const KIND_OF: Record<FixtureName, DumpKind> = {
  'iptables-save.txt': 'iptables-save',
  'iptables-save-c.txt': 'iptables-save',
  'iptables-save.after.txt': 'iptables-save',
  'ip6tables-save.txt': 'ip6tables-save',
  'iptables-t-nat-S.txt': 'iptables-save',
  'iptables-t-filter-S.txt': 'iptables-save',
  'iptables-t-mangle-S.txt': 'iptables-save',
  'iptables-S.txt': 'iptables-save',
  'conntrack-L.txt': 'conntrack',
  'conntrack-L-o-extended.txt': 'conntrack',
  'ip-addr.txt': 'ip-addr',
  'ip-o-addr.txt': 'ip-addr',
  'ip-route.txt': 'ip-route',
  'ip-6-route.txt': 'ip-route',
  'ipset-list.txt': 'ipset',
  'ipset-save.txt': 'ipset',
  'bridge-link.txt': 'ip-addr',
};

const SNAPSHOT_OF: Partial<Record<FixtureName, SnapshotName>> = {
  'iptables-save.txt': 'main',
  'iptables-save-c.txt': 'main',
  'iptables-save.after.txt': 'after',
  'ip6tables-save.txt': 'v6',
  'iptables-t-nat-S.txt': 'main',
  'iptables-t-filter-S.txt': 'main',
  'iptables-t-mangle-S.txt': 'main',
  'iptables-S.txt': 'main',
};

/** The command that printed each fixture, as a prompt shows it. */
export const COMMAND_OF: Record<FixtureName, string> = {
  'iptables-save.txt': 'iptables-save',
  'iptables-save-c.txt': 'iptables-save -c',
  'iptables-save.after.txt': 'iptables-save',
  'ip6tables-save.txt': 'ip6tables-save',
  'iptables-t-nat-S.txt': 'iptables -t nat -S',
  'iptables-t-filter-S.txt': 'iptables -t filter -S',
  'iptables-t-mangle-S.txt': 'iptables -t mangle -S',
  'iptables-S.txt': 'iptables -S',
  'conntrack-L.txt': 'conntrack -L',
  'conntrack-L-o-extended.txt': 'conntrack -L -o extended',
  'ip-addr.txt': 'ip addr',
  'ip-o-addr.txt': 'ip -o addr',
  'ip-route.txt': 'ip route',
  'ip-6-route.txt': 'ip -6 route',
  'ipset-list.txt': 'ipset list',
  'ipset-save.txt': 'ipset save',
  'bridge-link.txt': 'bridge link',
};

const S_TABLE: Partial<Record<FixtureName, TableName>> = {
  'iptables-t-nat-S.txt': 'nat',
  'iptables-t-filter-S.txt': 'filter',
  'iptables-t-mangle-S.txt': 'mangle',
  'iptables-S.txt': 'filter',
};

/** A fixture as a dump: every line, with its table and whether it is a record. */
export function dumpOf(fx: Fixtures, fixture: FixtureName, what = fixture.replace(/\.txt$/, '')): Dump {
  const kind = KIND_OF[fixture];
  const isRecord = recordTest(kind, fixture);
  const st = { members: false };
  let table: TableName | undefined = S_TABLE[fixture];
  const lines = fx
    .text(fixture)
    .replace(/\n$/, '')
    .split('\n')
    .map((text): DumpLine => {
      const header = /^\*(\w+)$/.exec(text);
      if (header) table = header[1] as TableName;
      return { text, original: text, record: isRecord(text, st), ...(table ? { table } : {}) };
    });
  const tables =
    kind === 'iptables-save' || kind === 'ip6tables-save'
      ? [...new Set(lines.flatMap((l) => (l.table ? [l.table] : [])))]
      : undefined;
  return { kind, fixture, snapshot: SNAPSHOT_OF[fixture], lines, partial: false, what, ...(tables ? { tables } : {}) };
}

const clone = (d: Dump): Dump => ({
  ...d,
  lines: d.lines.map((l) => ({ ...l })),
  ...(d.tables ? { tables: [...d.tables] } : {}),
});

/** The lines of one table of an iptables-save dump, header to COMMIT. */
export function tableOf(d: Dump, table: TableName): Dump {
  const lines = d.lines.filter((l) => l.table === table && !/^# Completed/.test(l.text));
  return { ...clone(d), lines: lines.map((l) => ({ ...l })), tables: [table], partial: true };
}

/** `| grep PATTERN`: the lines that contain it (a fixed string, as people grep). */
export function grepDump(d: Dump, pattern: string): Dump {
  const lines = d.lines.filter((l) => l.text.includes(pattern)).map((l) => ({ ...l }));
  const tables = [...new Set(lines.filter((l) => l.record).flatMap((l) => (l.table ? [l.table] : [])))];
  return { ...d, lines, partial: true, ...(d.tables ? { tables } : {}) };
}

/** Options whose argument is mandatory: a rule cut right after one is not a rule (the kernel rejects it). */
const NEEDS_ARGUMENT = [
  ' --set-xmark',
  ' --to-destination',
  ' --dport',
  ' --probability',
  ' --comment',
  ' --mark',
  ' --reject-with',
  ' --ctstate',
];

/**
 * Cuts the dump after a random line; with `midRule`, the last kept line is a rule cut right after an option that
 * needs an argument (`-j MARK --set-xmark`), so it is not a rule any more.
 */
export function truncateDump(rng: Rng, d: Dump, midRule: boolean): Dump {
  const out = clone(d);
  const candidates = out.lines
    .map((l, i) => ({ l, i }))
    .filter(
      ({ l, i }) =>
        i > 2 &&
        i < out.lines.length - 2 &&
        (!midRule || (l.record && NEEDS_ARGUMENT.some((o) => l.text.includes(`${o} `)))),
    );
  const at = candidates.length ? rng.pick(candidates).i : out.lines.length - 2;
  out.lines = out.lines.slice(0, at + 1);
  const last = out.lines[at]!;
  if (midRule) {
    const opts = NEEDS_ARGUMENT.filter((o) => last.text.includes(`${o} `));
    const opt = rng.pick(opts);
    last.text = last.text.slice(0, last.text.indexOf(`${opt} `) + opt.length);
    last.cut = true;
  }
  out.partial = true;
  out.truncated = true;
  if (out.tables && d.lines.some((l) => /^\*\w+$/.test(l.text)))
    out.tables = out.tables.filter((t) => out.lines.some((l) => l.text === `*${t}`));
  return out;
}

/** Distinct IPv4 addresses of a text, in order of appearance. */
export const addressesIn = (text: string) => [...new Set(text.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? [])];

/** How people anonymise: every occurrence of an address replaced by the same mask. */
export function maskAddresses(d: Dump, masks: ReadonlyMap<string, string>): Dump {
  const out = clone(d);
  for (const l of out.lines) {
    let text = l.text;
    for (const [addr, mask] of masks)
      text = text.replace(new RegExp(`(?<![\\d.])${addr.replaceAll('.', '\\.')}(?![\\d])`, 'g'), mask);
    if (text !== l.text) {
      l.text = text;
      l.masked = true;
    }
  }
  return out;
}

/** Records the dump still holds: the kernel's records that were not cut in the middle. */
export const recordsOf = (d: Dump) => d.lines.filter((l) => l.record && !l.cut).length;

// ---------------------------------------------------------------------------------------------- expectations

export interface DumpExpectation {
  readonly kind: DumpKind;
  readonly what: string;
  readonly tables?: readonly TableName[];
  readonly records: number;
  readonly partial: boolean;
  /** conntrack: entries per protocol name, as the kernel printed them. */
  readonly protocols?: Readonly<Record<string, number>>;
}

export interface ServiceExpectation {
  readonly snapshot: SnapshotName;
  readonly name: string;
  readonly protocol: string;
  readonly entry: 'clusterIP' | 'nodePort';
  /** Cluster IP; null for a NodePort (any node address). */
  readonly ip: string | null;
  readonly port: number;
  readonly verdict: 'forward' | 'reject' | 'drop';
  readonly endpoints: readonly ManifestEndpointShare[];
}

export interface ForbiddenFinding {
  readonly code: string;
  /** Only findings about this subject; every finding of the code when absent. */
  readonly subject?: string;
  readonly why: string;
}

export interface MessyPaste {
  readonly id: string;
  readonly classes: readonly number[];
  readonly title: string;
  readonly text: string;
  readonly dumps: readonly DumpExpectation[];
  readonly services: readonly ServiceExpectation[];
  readonly forbidden: readonly ForbiddenFinding[];
  /** No walk may end in "no route to the destination": the routes shown are partial or complete, never proof of absence. */
  readonly noRouteVerdicts: false;
  /** Chains Kubernetes keeps as markers; never a finding. */
  readonly markerChains: readonly string[];
  /**
   * A dump in the paste is cut off: issue #22 allows a forbidden finding as `info` that names the truncation
   * instead of dropping it.
   */
  readonly truncated: boolean;
}

const stripCounters = (l: string) => l.replace(/^\[\d+:\d+\] /, '');

/** table → chain → rules of a full snapshot dump. */
function chainsOf(fx: Fixtures, snapshot: SnapshotName): Map<string, string[]> {
  const d = dumpOf(
    fx,
    snapshot === 'main' ? 'iptables-save.txt' : snapshot === 'after' ? 'iptables-save.after.txt' : 'ip6tables-save.txt',
  );
  const chains = new Map<string, string[]>();
  for (const l of d.lines) {
    if (!l.record) continue;
    const rule = stripCounters(l.text);
    const key = `${l.table} ${rule.split(' ')[1]}`;
    chains.set(key, [...(chains.get(key) ?? []), `${l.table} ${rule}`]);
  }
  return chains;
}

/**
 * The chains a packet can pass from `chain` on (jumps and gotos), except KUBE-MARK-MASQ: it only sets the
 * masquerade mark, and a fragment that lacks it still shows where the service sends connections.
 */
function closure(chains: Map<string, string[]>, table: string, chain: string): string[] {
  const seen = new Set<string>();
  const visit = (c: string) => {
    const key = `${table} ${c}`;
    if (seen.has(key) || c === 'KUBE-MARK-MASQ' || !chains.has(key)) return;
    seen.add(key);
    for (const r of chains.get(key)!) {
      const m = / -[jg] (\S+)/.exec(r);
      if (m) visit(m[1]!);
    }
  };
  visit(chain);
  return [...seen];
}

/**
 * The services a paste shows completely: every rule from the service chain (or from the NodePort rule) to the
 * endpoints' DNAT rules is in the paste as the kernel printed it. Dumps of one snapshot (a node's `-S` outputs
 * table by table) count together.
 */
function visibleServices(fx: Fixtures, dumps: readonly Dump[]): { visible: ServiceExpectation[]; whole: Set<string> } {
  const out: ServiceExpectation[] = [];
  /** `snapshot name` of the services whose own rules are all in the paste as the kernel printed them. */
  const whole = new Set<string>();
  const snapshots = [...new Set(dumps.flatMap((d) => (d.snapshot ? [d.snapshot] : [])))];
  for (const snapshot of snapshots) {
    const intact = new Set(
      dumps
        .filter((d) => d.snapshot === snapshot)
        .flatMap((d) =>
          d.lines
            .filter((l) => l.record && !l.cut && !l.masked && l.text === l.original)
            .map((l) => `${l.table} ${stripCounters(l.text)}`),
        ),
    );
    // An anonymised address in a chain many services pass (KUBE-SERVICES, PREROUTING, …) may be any of them:
    // the walk splits on it, so no service of this snapshot has certain shares.
    const sharedMasked = dumps.some(
      (d) =>
        d.snapshot === snapshot &&
        d.lines.some((l) => l.record && l.masked && !/^(\[\d+:\d+\] )?-A KUBE-(SVC|SVL|SEP|EXT|FW)-/.test(l.text)),
    );
    const chains = chainsOf(fx, snapshot);
    const complete = (table: string, chain: string) =>
      closure(chains, table, chain).every((c) => chains.get(c)!.every((r) => intact.has(r)));
    for (const s of fx.manifest.snapshots[snapshot].services)
      if (s.endpoints.length > 0 && complete('nat', s.svcChain)) whole.add(`${snapshot} ${s.name}`);
    if (sharedMasked) continue;
    for (const s of fx.manifest.snapshots[snapshot].services) {
      const base = { snapshot, name: s.name, protocol: s.protocol };
      if (s.endpoints.length > 0) {
        if (complete('nat', s.svcChain))
          out.push({ ...base, entry: 'clusterIP', ip: s.clusterIP, port: s.port, ...s.expected.clusterIP });
      } else {
        const reject = (chains.get('filter KUBE-SERVICES') ?? []).find(
          (r) => r.includes(`-d ${s.clusterIP}/`) && r.includes(`--dport ${s.port} `),
        );
        if (reject && intact.has(reject))
          out.push({ ...base, entry: 'clusterIP', ip: s.clusterIP, port: s.port, ...s.expected.clusterIP });
      }
      if (s.nodePort !== null && s.expected.nodePort && s.endpoints.length > 0) {
        const rule = (chains.get('nat KUBE-NODEPORTS') ?? []).find((r) => r.includes(`--dport ${s.nodePort} `));
        const target = rule && / -j (\S+)/.exec(rule)?.[1];
        if (rule && target && intact.has(rule) && complete('nat', target))
          out.push({ ...base, entry: 'nodePort', ip: null, port: s.nodePort, ...s.expected.nodePort });
      }
    }
  }
  return { visible: out, whole };
}

const MARKERS = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY'];

function expectationsOf(
  fx: Fixtures,
  dumps: readonly Dump[],
): Pick<MessyPaste, 'dumps' | 'services' | 'forbidden' | 'noRouteVerdicts' | 'markerChains' | 'truncated'> {
  const { visible: services, whole } = visibleServices(fx, dumps);
  const forbidden: ForbiddenFinding[] = [
    // The kernel loaded every one of these dumps: no chain is missing, none is unused, KUBE-MARK-MASQ is there.
    { code: 'LINT_MISSING_CHAIN', why: 'every chain a rule jumps to exists in the kernel the dump came from' },
    {
      code: 'LINT_UNUSED_CHAIN',
      why: 'every kube-proxy chain is reached in the kernel; a fragment cannot show otherwise',
    },
    { code: 'LINT_KUBE_MASQ_MISSING', why: 'KUBE-MARK-MASQ exists in the kernel the dump came from' },
    { code: 'LINT_LOOP', why: 'kube-proxy rules have no loops' },
  ];
  const v4 = dumps.filter((d) => d.kind === 'iptables-save');
  const wholeDump = (d: Dump) => !d.partial && !d.lines.some((l) => l.masked);
  const partialRules = dumps.some((d) => (d.kind === 'iptables-save' || d.kind === 'ip6tables-save') && !wholeDump(d));
  if (v4.length > 0 && !v4.some(wholeDump))
    forbidden.push({
      code: 'STALE_SERVICE_GONE',
      why: 'no IPv4 ruleset in the paste is whole: a partial one cannot show that a service is gone',
    });
  const inPaste = [...new Set(dumps.flatMap((d) => (d.snapshot ? [d.snapshot] : [])))];
  const empty = new Set(
    inPaste.flatMap((snap) =>
      fx.manifest.snapshots[snap].services.filter((s) => s.endpoints.length === 0).map((s) => s.name),
    ),
  );
  for (const snapshot of ['main', 'after', 'v6'] as const) {
    for (const s of fx.manifest.snapshots[snapshot].services) {
      if (!empty.has(s.name))
        forbidden.push({
          code: 'SVC_NO_ENDPOINTS',
          subject: s.name,
          why: `${s.name} has endpoints in every snapshot the paste holds`,
        });
      if (partialRules && !inPaste.some((snap) => whole.has(`${snap} ${s.name}`)))
        forbidden.push({
          code: 'STALE_ENDPOINT_GONE',
          subject: s.name,
          why: `the paste does not show all of ${s.name}'s endpoints`,
        });
    }
  }
  forbidden.push({
    code: 'SVC_STOPPED_AFTER_DNAT',
    why: 'no rule stops service traffic after DNAT on this node, and routes shown are never proof of absence',
  });
  const dedup = new Map(forbidden.map((f) => [`${f.code} ${f.subject ?? ''}`, f]));
  return {
    dumps: dumps.map((d) => {
      const e: DumpExpectation = {
        kind: d.kind,
        what: d.what,
        records: recordsOf(d),
        partial: d.partial,
        ...(d.tables ? { tables: [...d.tables].sort() } : {}),
      };
      if (d.kind !== 'conntrack') return e;
      const protocols: Record<string, number> = {};
      for (const l of d.lines.filter((x) => x.record && !x.cut)) {
        const words = l.original.split(/\s+/);
        const proto = words[0] === 'ipv4' || words[0] === 'ipv6' ? words[2]! : words[0]!;
        protocols[proto] = (protocols[proto] ?? 0) + 1;
      }
      return { ...e, protocols };
    }),
    services,
    forbidden: [...dedup.values()],
    noRouteVerdicts: false,
    markerChains: MARKERS,
    truncated: dumps.some((d) => d.truncated === true),
  };
}

// ---------------------------------------------------------------------------------------------- paste layout

/** A paste: prose, prompts and dumps in order. Prompts and prose are plain lines; dumps keep their lines. */
type Piece = { readonly line: string } | { readonly dump: Dump };

const HOSTS = ['node-1', 'ip-10-0-1-23', 'k8s-worker-2', 'worker01'];
function prompt(rng: Rng, host: string, command: string): string {
  return rng.pick([
    `[root@${host} ~]# ${command}`,
    `root@${host}:~# ${command}`,
    `$ sudo ${command}`,
    `${host}:~ # ${command}`,
  ]);
}
const bare = (p: string) => p.replace(/(# |\$ sudo ).*$/, (m) => (m.startsWith('$') ? '$ ' : '# '));

function render(pieces: readonly Piece[]): string[] {
  return pieces.flatMap((p) => ('line' in p ? [p.line] : p.dump.lines.map((l) => `${l.prefix ?? ''}${l.text}`)));
}

const dumpsOf = (pieces: readonly Piece[]) => pieces.flatMap((p) => ('dump' in p ? [p.dump] : []));

// ---------------------------------------------------------------------------------------------- wrappers (class 10)

export type Wrapper =
  | 'indent4'
  | 'quote'
  | 'hash'
  | 'json'
  | 'html'
  | 'trailing-prompt'
  | 'foreign-prompts'
  | 'grep-n'
  | 'file-line';

function wrapLines(wrapper: Wrapper, lines: string[]): string[] {
  switch (wrapper) {
    case 'indent4':
      return ['Here is the output:', '', ...lines.map((l) => (l === '' ? '' : `    ${l}`)), '', 'Thanks in advance.'];
    case 'quote':
      return lines.map((l) => (l === '' ? '>' : `> ${l}`));
    case 'hash':
      return lines.map((l) => (l === '' ? '#' : `# ${l}`));
    case 'json':
      return [JSON.stringify(`${lines.join('\n')}\n`)];
    case 'html':
      return lines.map((l) =>
        l.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;'),
      );
    case 'trailing-prompt':
    case 'foreign-prompts':
    case 'grep-n':
    case 'file-line':
      return lines;
  }
}

// ---------------------------------------------------------------------------------------------- classes

interface Built {
  readonly pieces: Piece[];
  readonly title: string;
}

export const CLASS_TITLES: Readonly<Record<number, string>> = {
  1: 'iptables -S gets the wrong table',
  2: 'several dumps in one input',
  3: 'partial context is taken as complete',
  4: 'truncated dumps give false errors',
  5: '-A INPUT without :INPUT',
  6: 'marker chains are never findings',
  7: 'conntrack without protocol names, prose after a listing',
  9: 'ipset list swallows what follows',
  10: 'wrappers not unwrapped',
  11: 'anonymised addresses',
};

/** Class 1: `iptables -t T -S` outputs behind prompts, one after another; `iptables-save | grep` fragments. */
function class1(fx: Fixtures, rng: Rng, host: string, v?: number): Built {
  const variant = v === undefined ? rng.int(3) : v % 3;
  if (variant === 0) {
    const tables = rng.shuffle(['nat', 'filter', 'mangle'] as const).slice(0, 2 + rng.int(2));
    const pieces: Piece[] = [];
    for (const t of tables) {
      const plainFilter = t === 'filter' && rng.chance(0.4);
      const fixture: FixtureName = plainFilter ? 'iptables-S.txt' : (`iptables-t-${t}-S.txt` as FixtureName);
      if (pieces.length) pieces.push({ line: '' });
      pieces.push(
        { line: prompt(rng, host, plainFilter ? 'iptables -S' : `iptables -t ${t} -S`) },
        { dump: { ...dumpOf(fx, fixture), partial: false } },
      );
    }
    return { pieces, title: `${tables.map((t) => `-t ${t} -S`).join(', ')} behind prompts` };
  }
  const save = dumpOf(fx, 'iptables-save.txt');
  if (variant === 1) {
    const withPrompt = rng.chance(0.5);
    const frag = grepDump(tableOf(save, 'nat'), 'KUBE');
    return {
      pieces: [
        ...(withPrompt ? [{ line: prompt(rng, host, 'iptables-save -t nat | grep KUBE') }] : []),
        { dump: { ...frag, what: 'iptables-save -t nat | grep KUBE' } },
      ],
      title: `iptables-save -t nat | grep KUBE${withPrompt ? '' : ' without a prompt'}`,
    };
  }
  // A service's name: its lines all lie in one table (skip names whose lines span two).
  const names = fx.manifest.snapshots.main.services
    .map((s) => s.name)
    .filter((n) => new Set(save.lines.filter((l) => l.record && l.text.includes(n)).map((l) => l.table)).size === 1);
  const name = rng.pick(names);
  const frag = grepDump(save, name);
  return {
    pieces: [
      { line: prompt(rng, host, `iptables-save | grep ${name}`) },
      { dump: { ...frag, what: `iptables-save | grep ${name}` } },
    ],
    title: `iptables-save | grep ${name}`,
  };
}

/** Class 2: two iptables-save dumps in one paste (before and after a rollout, or the node's and a restore file). */
function class2(fx: Fixtures, rng: Rng, host: string): Built {
  const first = dumpOf(fx, rng.pick(['iptables-save.txt', 'iptables-save-c.txt'] as const));
  const second = rng.chance(0.7) ? dumpOf(fx, 'iptables-save.after.txt') : class5Dump(fx, rng);
  const prompts = rng.chance(0.6);
  const pieces: Piece[] = [];
  if (prompts)
    pieces.push({
      line: prompt(rng, host, first.fixture === 'iptables-save-c.txt' ? 'iptables-save -c' : 'iptables-save'),
    });
  else pieces.push({ line: 'Before the rollout:' });
  pieces.push({ dump: first }, { line: '' });
  if (prompts)
    pieces.push({
      line: prompt(rng, host, second.snapshot === 'after' ? 'iptables-save' : 'cat /etc/iptables/rules.v4'),
    });
  else
    pieces.push({
      line: second.snapshot === 'after' ? 'After the rollout:' : 'And the rules file we restore at boot:',
    });
  pieces.push({ dump: second });
  return { pieces, title: `${first.what} then ${second.what}${prompts ? '' : ' (prose between)'}` };
}

/** Class 3: `ip route | grep 10.244` (two routes) with the node's rules and addresses. */
function class3(fx: Fixtures, rng: Rng, host: string): Built {
  const route = grepDump(dumpOf(fx, 'ip-route.txt'), '10.244');
  const addr = dumpOf(fx, rng.pick(['ip-addr.txt', 'ip-o-addr.txt'] as const));
  const pieces: Piece[] = rng
    .shuffle([
      [{ line: prompt(rng, host, 'iptables-save') }, { dump: dumpOf(fx, 'iptables-save.txt') }],
      [{ line: prompt(rng, host, addr.fixture === 'ip-o-addr.txt' ? 'ip -o addr' : 'ip addr') }, { dump: addr }],
      [{ line: prompt(rng, host, 'ip route | grep 10.244') }, { dump: { ...route, what: 'ip route | grep 10.244' } }],
    ] as Piece[][])
    .flat();
  return { pieces, title: 'ip route | grep 10.244 beside iptables-save and ip addr' };
}

/** Class 4: a dump cut at a random line, or in the middle of a rule (`-j MARK --set-xmark`). */
function class4(fx: Fixtures, rng: Rng, host: string, v?: number): Built {
  const fixture = rng.pick([
    'iptables-save.txt',
    'iptables-save-c.txt',
    'iptables-t-nat-S.txt',
    'ip6tables-save.txt',
  ] as const);
  const midRule = v === undefined ? rng.chance(0.6) : v % 2 === 0;
  const cut = truncateDump(rng, dumpOf(fx, fixture), midRule);
  const withConntrack = rng.chance(0.3);
  const pieces: Piece[] = [
    { line: prompt(rng, host, COMMAND_OF[fixture]) },
    { dump: { ...cut, what: `${cut.what} cut at line ${cut.lines.length}${midRule ? ' mid-rule' : ''}` } },
  ];
  if (withConntrack)
    pieces.unshift({ line: prompt(rng, host, 'conntrack -L') }, { dump: dumpOf(fx, 'conntrack-L.txt') }, { line: '' });
  return {
    pieces,
    title: `${fixture} truncated${midRule ? ' mid-rule' : ''}${withConntrack ? ' after conntrack -L' : ''}`,
  };
}

/** Class 5's dump: a hand-written restore file, built-in chains used without their `:CHAIN POLICY` lines. */
function class5Dump(fx: Fixtures, rng: Rng): Dump {
  const d = dumpOf(fx, 'iptables-save.txt', 'hand-written restore file');
  const dropIn = new Set(rng.chance(0.5) ? ['filter', 'nat', 'mangle'] : [rng.pick(['filter', 'nat'])]);
  d.lines = d.lines.filter(
    (l) =>
      !/^#/.test(l.text) &&
      !(l.table && dropIn.has(l.table) && /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l.text)),
  );
  return d;
}

function class5(fx: Fixtures, rng: Rng, host: string): Built {
  const d = class5Dump(fx, rng);
  return {
    pieces: [{ line: prompt(rng, host, 'cat /etc/sysconfig/iptables') }, { dump: d }],
    title: 'restore file without built-in chain lines',
  };
}

/** Class 6: Kubernetes' marker chains (mangle KUBE-IPTABLES-HINT, KUBE-KUBELET-CANARY, KUBE-PROXY-CANARY). */
function class6(fx: Fixtures, rng: Rng, host: string): Built {
  const fixture = rng.pick(['iptables-save.txt', 'iptables-t-mangle-S.txt', 'ip6tables-save.txt'] as const);
  return {
    pieces: [{ line: prompt(rng, host, COMMAND_OF[fixture]) }, { dump: dumpOf(fx, fixture) }],
    title: `${fixture} with kubelet's marker chains`,
  };
}

/** Class 7: conntrack lines that lost their protocol name column, prose after the listing. */
function class7(fx: Fixtures, rng: Rng, host: string): Built {
  const d = dumpOf(fx, 'conntrack-L.txt');
  const all = rng.chance(0.5);
  for (const l of d.lines) if (l.record && (all || rng.chance(0.5))) l.text = l.text.replace(/^[a-z0-9]+\s+/, '');
  const prose = rng.pick([
    ['', 'As you can see the entries for 10.244.3.99 are still there after the pod was deleted. Any idea why?'],
    ['The DNS timeouts started right after the coredns rollout.'],
    ['', 'Thanks!'],
  ]);
  return {
    pieces: [
      { line: prompt(rng, host, 'conntrack -L') },
      { dump: { ...d, what: `conntrack -L without protocol names (${all ? 'all' : 'some'} lines)` } },
      ...prose.map((line) => ({ line })),
    ],
    title: `conntrack -L, ${all ? 'every' : 'some'} protocol name lost, prose after`,
  };
}

/** Class 9: `ipset list` inside a Markdown fence, a prose sentence after it. */
function class9(fx: Fixtures, rng: Rng, host: string): Built {
  const fixture = rng.pick(['ipset-list.txt', 'ipset-list.txt', 'ipset-save.txt'] as const);
  const d = dumpOf(fx, fixture);
  const promptInFence = rng.chance(0.5);
  const pieces: Piece[] = [
    { line: 'ipsets on the node:' },
    { line: rng.pick(['```', '```console', '```text']) },
    ...(promptInFence ? [{ line: prompt(rng, host, fixture === 'ipset-save.txt' ? 'ipset save' : 'ipset list') }] : []),
    { dump: d },
    { line: '```' },
    {
      line: rng.pick([
        'The cali40all-hosts-net set is missing node 192.168.56.13.',
        'Why is KUBE-LOOP-BACK not referenced by any rule?',
        'Let me know if you need more.',
      ]),
    },
  ];
  return { pieces, title: `${fixture.replace('.txt', '')} in a fence, prose after` };
}

/** Class 11: anonymised addresses (`x.x.x.x`, `xxx.xxx.xxx.xxx`, `10.x.x.x`, `<node-ip>`). */
function class11(fx: Fixtures, rng: Rng, host: string): Built {
  const dumps = [
    dumpOf(fx, 'iptables-save.txt'),
    dumpOf(fx, rng.pick(['conntrack-L.txt', 'conntrack-L-o-extended.txt'] as const)),
    dumpOf(fx, rng.pick(['ip-addr.txt', 'ip-o-addr.txt'] as const)),
  ];
  const addresses = addressesIn(dumps.map((d) => d.lines.map((l) => l.text).join('\n')).join('\n')).filter(
    (a) => !/^(127\.|0\.|255\.|224\.)/.test(a) && !a.endsWith('.255'),
  );
  const masks = new Map<string, string>();
  masks.set('192.168.56.10', '<node-ip>');
  for (const a of rng.shuffle(addresses.filter((x) => x !== '192.168.56.10')).slice(0, 1 + rng.int(3)))
    masks.set(a, a.startsWith('10.') && rng.chance(0.5) ? '10.x.x.x' : rng.pick(['x.x.x.x', 'xxx.xxx.xxx.xxx']));
  const masked = dumps.map((d) => maskAddresses(d, masks));
  const pieces: Piece[] = masked.flatMap((d, i) => [
    ...(i ? [{ line: '' }] : []),
    { line: prompt(rng, host, COMMAND_OF[d.fixture]) },
    { dump: d },
  ]);
  return { pieces, title: `${[...masks.values()].join(', ')} in place of ${masks.size} addresses` };
}

/** Class 10: the same clean dumps, wrapped as people paste them. */
function class10(fx: Fixtures, rng: Rng, host: string, wrapper: Wrapper): Built {
  if (wrapper === 'grep-n' || wrapper === 'file-line') {
    const save = dumpOf(fx, 'iptables-save.txt');
    const pattern = rng.pick(['KUBE-SVC-', 'KUBE-SEP-', 'KUBE-NODEPORTS', 'DNAT']);
    const numbered = save.lines
      .map((l, i) => ({ l, n: i + 1 }))
      .filter(({ l }) => l.table === 'nat' && l.text.includes(pattern));
    const file = rng.pick(['/tmp/node1/iptables-save.txt', 'iptables-save.txt', 'dumps/worker01.iptables']);
    const lines = numbered.map(({ l, n }) => ({ ...l, prefix: wrapper === 'grep-n' ? `${n}:` : `${file}:${n}:` }));
    const tables = [...new Set(lines.filter((l) => l.record).map((l) => l.table!))];
    const d: Dump = { ...save, lines, tables, partial: true, what: `grep -n ${pattern}` };
    return {
      pieces: [
        {
          line: prompt(
            rng,
            host,
            wrapper === 'grep-n'
              ? `grep -n ${pattern} iptables-save.txt`
              : `grep -rn ${pattern} ${file.replace(/[^/]*$/, '') || '.'}`,
          ),
        },
        { dump: d },
      ],
      title: `${wrapper} prefixes on a grep for ${pattern}`,
    };
  }
  const base: Piece[] = [{ line: prompt(rng, host, 'iptables-save') }, { dump: dumpOf(fx, 'iptables-save.txt') }];
  if (rng.chance(0.6) || wrapper === 'trailing-prompt' || wrapper === 'foreign-prompts') {
    const addr = dumpOf(
      fx,
      wrapper === 'trailing-prompt' ? 'ip-o-addr.txt' : rng.pick(['ip-o-addr.txt', 'ip-addr.txt'] as const),
    );
    const extra: Piece[][] = [
      [{ line: prompt(rng, host, 'conntrack -L') }, { dump: dumpOf(fx, 'conntrack-L.txt') }],
      [{ line: prompt(rng, host, 'ip route') }, { dump: dumpOf(fx, 'ip-route.txt') }],
    ];
    base.push(
      ...rng
        .shuffle(extra)
        .slice(0, 1 + rng.int(2))
        .flat(),
    );
    if (wrapper === 'foreign-prompts') {
      const foreign: Piece[] = rng.chance(0.5)
        ? [
            { line: prompt(rng, host, 'bridge link') },
            ...fx
              .text('bridge-link.txt')
              .replace(/\n$/, '')
              .split('\n')
              .map((line) => ({ line })),
          ]
        : [
            { line: prompt(rng, host, 'lsns -t net') },
            { line: '        NS TYPE NPROCS   PID USER     NETNSID NSFS                           COMMAND' },
            { line: '4026531840 net     212     1 root  unassigned                                /sbin/init' },
            { line: '4026532288 net       2  3121 65535          0 /run/netns/cni-5f0d2b5e-3c1a /pause' },
          ];
      base.push(...foreign);
    }
    base.push({ line: prompt(rng, host, addr.fixture === 'ip-o-addr.txt' ? 'ip -o addr' : 'ip addr') }, { dump: addr });
  }
  if (wrapper === 'trailing-prompt') base.push({ line: bare(prompt(rng, host, 'x')) });
  return { pieces: base, title: `${wrapper}` };
}

// ---------------------------------------------------------------------------------------------- corpus

export const WRAPPERS: readonly Wrapper[] = [
  'indent4',
  'quote',
  'hash',
  'json',
  'html',
  'trailing-prompt',
  'foreign-prompts',
  'grep-n',
  'file-line',
];
const TEXT_WRAPPERS: readonly Wrapper[] = ['indent4', 'quote', 'hash', 'json', 'html'];

/** `variant`: the i-th paste of a class alone cycles through the class's variants; combinations draw them at random. */
type ClassBuilder = (fx: Fixtures, rng: Rng, host: string, variant?: number) => Built;
const BUILDERS: Readonly<Record<number, ClassBuilder>> = {
  1: class1,
  2: class2,
  3: class3,
  4: class4,
  5: class5,
  6: class6,
  7: class7,
  9: class9,
  11: class11,
};

function paste(
  fx: Fixtures,
  id: string,
  classes: number[],
  pieces: Piece[],
  title: string,
  wrapper?: Wrapper,
): MessyPaste {
  const lines = render(pieces);
  const wrapped = wrapper && TEXT_WRAPPERS.includes(wrapper) ? wrapLines(wrapper, lines) : lines;
  return { id, classes, title, text: `${wrapped.join('\n')}\n`, ...expectationsOf(fx, dumpsOf(pieces)) };
}

export interface CorpusOptions {
  readonly seed?: number;
  /** Pastes per class alone (class 10: per wrapper). */
  readonly perClass?: number;
  readonly combined?: number;
}

/** The corpus: every class alone (several seeds each), every wrapper alone, and random combinations. */
export function messyPastes(fx: Fixtures, opts: CorpusOptions = {}): MessyPaste[] {
  const seed = opts.seed ?? 22;
  const perClass = opts.perClass ?? 4;
  const out: MessyPaste[] = [];
  for (const cls of [1, 2, 3, 4, 5, 6, 7, 9, 11]) {
    for (let i = 0; i < perClass; i++) {
      const rng = prng(seed * 1000 + cls * 100 + i);
      const host = rng.pick(HOSTS);
      const b = BUILDERS[cls]!(fx, rng, host, i);
      out.push(paste(fx, `c${cls}-${i}`, [cls], b.pieces, b.title));
    }
  }
  WRAPPERS.forEach((w, i) => {
    for (let k = 0; k < Math.max(1, perClass >> 1); k++) {
      const rng = prng(seed * 1000 + 1000 + i * 10 + k);
      const b = class10(fx, rng, rng.pick(HOSTS), w);
      out.push(paste(fx, `c10-${w}-${k}`, [10], b.pieces, b.title, w));
    }
  });
  for (let i = 0; i < (opts.combined ?? 24); i++) {
    const rng = prng(seed * 1000 + 5000 + i);
    const host = rng.pick(HOSTS);
    const classes = rng
      .shuffle([1, 2, 3, 4, 5, 7, 9, 11])
      .slice(0, 2 + rng.int(2))
      .sort((a, b) => a - b);
    const built = classes.map((c) => BUILDERS[c]!(fx, rng, host));
    const pieces = built.flatMap((b, k) => (k ? [{ line: '' } as Piece, ...b.pieces] : b.pieces));
    const wrapper = rng.chance(0.6) ? rng.pick([...TEXT_WRAPPERS, 'trailing-prompt'] as const) : undefined;
    if (wrapper === 'trailing-prompt') pieces.push({ line: bare(prompt(rng, host, 'x')) });
    const all = wrapper ? [...classes, 10] : classes;
    out.push(
      paste(
        fx,
        `combined-${i}`,
        all,
        pieces,
        `${built.map((b) => b.title).join(' + ')}${wrapper ? ` wrapped: ${wrapper}` : ''}`,
        wrapper,
      ),
    );
  }
  return out;
}
