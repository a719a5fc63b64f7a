/**
 * The services two snapshots of a node program, compared by what a new connection gets at each entry
 * point: the verdict and each endpoint's share, from the services analysis (and so from the walk), not from
 * the rules' text. A selector change, a scale-down, a service left without endpoints all show here even
 * when every chain name stayed.
 */
import type { KubeService } from '../../graph/service-model';
import { type NodeDumps, rulesetsOf } from '../../model/node';
import type { TableName } from '../../model/ruleset';
import type { Family } from '../../model/values';
import { type EntryOutcome, type ServicesOptions, analyzeServices } from '../services/index';
import { entryKey } from '../node/index';
import { changeOf } from './change';
import type { EntryPointChange, ServiceChange, ShareChange } from './model';

/** Shares are sums of products of probabilities: equal ones can differ in the last bits. */
const EPSILON = 1e-9;

interface Programmed {
  readonly service: KubeService;
  readonly outcomes: ReadonlyMap<string, EntryOutcome>;
}

function programmed(node: NodeDumps, options: ServicesOptions): Map<string, Programmed> {
  const out = new Map<string, Programmed>();
  for (const view of analyzeServices([node], options).services) {
    const on = view.nodes.find((n) => n.present);
    if (!on) continue;
    const s = view.service;
    out.set(`${s.family} ${s.protocol} ${s.name}`, {
      service: s,
      outcomes: new Map(on.outcomes.map((o) => [entryKey(o.entry.kind, o.entry.ip, o.entry.port, s.protocol), o])),
    });
  }
  return out;
}

function shareChanges(before: EntryOutcome | undefined, after: EntryOutcome | undefined): ShareChange[] {
  const shares = new Map<string, { ip: string; port: number; before: number; after: number }>();
  const add = (o: EntryOutcome | undefined, side: 'before' | 'after') => {
    for (const e of o?.endpoints ?? []) {
      const key = `${e.ip} ${e.port}`;
      const s = shares.get(key) ?? { ip: e.ip, port: e.port, before: 0, after: 0 };
      s[side] += e.probability;
      shares.set(key, s);
    }
  };
  add(before, 'before');
  add(after, 'after');
  return [...shares.values()].filter((s) => Math.abs(s.before - s.after) > EPSILON);
}

function entryChange(before: EntryOutcome | undefined, after: EntryOutcome | undefined): EntryPointChange | undefined {
  const entry = (before ?? after)!.entry;
  const endpoints = shareChanges(before, after);
  const verdict = { before: before?.verdict ?? null, after: after?.verdict ?? null };
  const change = changeOf(before, after);
  if (change === 'changed' && verdict.before === verdict.after && !endpoints.length) return undefined;
  return { kind: entry.kind, ip: entry.ip, port: entry.port, change, verdict, endpoints };
}

/** The iptables table of the node's dumps that holds line `line` of `path`, if one does. */
function tableAt(node: NodeDumps, family: Family, path: string, line: number): TableName | undefined {
  for (const r of rulesetsOf(node, family)) {
    if (r.source.path !== path) continue;
    const holding = r.ruleset.tables.filter((t) => t.location.line <= line).at(-1);
    if (holding) return holding.name;
  }
  return undefined;
}

/**
 * Whether a service one snapshot programs is in tables the other does not show (a REJECT of a service without
 * endpoints is in filter, which a dump of `-t nat` alone leaves out): unknown there, not added or removed.
 */
function beyondOther(p: Programmed, node: NodeDumps, other: NodeDumps): boolean {
  const s = p.service;
  const shown = new Set<TableName>(rulesetsOf(other, s.family).flatMap((r) => r.ruleset.tables.map((t) => t.name)));
  if (shown.size === 0) return false;
  return s.entryPoints.every((e) => {
    const table = tableAt(node, s.family, e.evidence.path, e.evidence.line);
    return table !== undefined && !shown.has(table);
  });
}

export function servicesDiff(
  before: NodeDumps,
  after: NodeDumps,
  options: ServicesOptions,
): { changes: ServiceChange[]; notCompared: number } {
  const was = programmed(before, options);
  const now = programmed(after, options);
  const changes: ServiceChange[] = [];
  let notCompared = 0;
  for (const key of new Set([...was.keys(), ...now.keys()])) {
    const b = was.get(key);
    const a = now.get(key);
    if ((b && !a && beyondOther(b, before, after)) || (a && !b && beyondOther(a, after, before))) {
      notCompared++;
      continue;
    }
    const entries = [...new Set([...(b?.outcomes.keys() ?? []), ...(a?.outcomes.keys() ?? [])])].flatMap(
      (k) => entryChange(b?.outcomes.get(k), a?.outcomes.get(k)) ?? [],
    );
    const change = changeOf(b, a);
    if (change === 'changed' && !entries.length) continue;
    const s = (b ?? a)!.service;
    changes.push({ name: s.name, protocol: s.protocol, family: s.family, change, entryPoints: entries });
  }
  changes.sort(
    (x, y) => x.name.localeCompare(y.name) || x.protocol.localeCompare(y.protocol) || x.family.localeCompare(y.family),
  );
  return { changes, notCompared };
}
