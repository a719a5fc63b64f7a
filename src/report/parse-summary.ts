/** Readable summary of `nfwalk parse`: one line per section, a line or two of what it holds, its diagnostics. */
import type { FoundSections } from '../model/section';
import type { Section } from '../model/section';
import { formatDiagnostic } from './diagnostics';
import { columnsOf } from '../model/conntrack-columns';

const NOUN: Readonly<Record<Section['kind'], string>> = {
  'iptables-save': 'rules',
  'ip6tables-save': 'rules',
  'iptables-list': 'rules',
  'ip6tables-list': 'rules',
  conntrack: 'entries',
  'conntrack-stats': 'CPUs',
  'conntrack-count': 'count',
  ipvsadm: 'real servers/connections',
  ipset: 'members',
  'ip-addr': 'addresses',
  'ip-route': 'routes',
  sysctl: 'keys',
  nft: 'rules',
};

export function formatParseSummary(found: FoundSections): string {
  const out: string[] = [];
  for (const s of found.sections) {
    const errors = s.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = s.diagnostics.length - errors;
    const from = s.source.command ? `  (${s.source.command}${s.source.partial ? ', partial' : ''})` : '';
    out.push(
      `${s.source.path}:${s.source.startLine}-${s.source.endLine}  ${s.kind}  node ${s.source.node}  ${s.records} ${NOUN[s.kind]}  ${errors} errors  ${warnings} warnings${from}`,
    );
    out.push(...details(s).map((l) => `  ${l}`));
    for (const d of s.diagnostics) out.push(`  ${formatDiagnostic(s.source.path, d)}`);
  }
  const skipped = new Map<string, { lines: number; verb: string }>();
  for (const k of found.skipped) {
    // A wrapped record's continuations were read, as part of the line before them.
    const verb = k.wrap === undefined ? 'skipped' : 'joined';
    skipped.set(k.reason, { lines: (skipped.get(k.reason)?.lines ?? 0) + k.endLine - k.startLine + 1, verb });
  }
  for (const [reason, { lines, verb }] of skipped)
    out.push(`${verb} ${lines} line${lines === 1 ? '' : 's'}: ${reason}`);
  return `${out.join('\n')}\n`;
}

function details(s: Section): string[] {
  switch (s.kind) {
    case 'iptables-save':
    case 'ip6tables-save':
    case 'iptables-list':
    case 'ip6tables-list':
      return s.ruleset.tables.map((t) => {
        const rules = t.chains.reduce((n, c) => n + c.rules.length, 0);
        const user = t.chains.filter((c) => !c.builtin).length;
        return `*${t.name.padEnd(9)} ${String(t.chains.length - user).padStart(2)} built-in + ${String(user).padStart(5)} user chains  ${String(rules).padStart(7)} rules`;
      });
    case 'conntrack': {
      // From the columns: making each entry object (twice) took longer than reading the table into them.
      const c = columnsOf(s.entries);
      const byProto = new Map<string, number>();
      let natted = 0;
      for (let i = 0; i < c.length; i++) {
        const proto = c.proto(i);
        byProto.set(proto, (byProto.get(proto) ?? 0) + 1);
        if (c.replySrcId(i) !== c.origDstId(i) || c.replyDstId(i) !== c.origSrcId(i)) natted++;
      }
      const summary = s.summaries.map((x) => `conntrack said ${x.count} ${x.what}`).join(', ');
      return [
        `${[...byProto].map(([p, n]) => `${p} ${n}`).join(', ') || 'no entries'}; ${natted} with NAT${summary ? `; ${summary}` : ''}`,
      ];
    }
    case 'conntrack-stats': {
      const totals = new Map<string, number>();
      for (const c of s.cpus) for (const [k, v] of Object.entries(c.counters)) totals.set(k, (totals.get(k) ?? 0) + v);
      return [
        [...totals]
          .filter(([k]) => /insert_failed|drop|early_drop|invalid|found/.test(k))
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ];
    }
    case 'conntrack-count':
      return [`${s.count ?? 'no'} connections tracked`];
    case 'ipvsadm': {
      const weightZero = s.services.reduce((n, v) => n + v.destinations.filter((d) => d.weight === 0).length, 0);
      return [
        `${s.listing}: ${s.services.length} services, ${s.services.reduce((n, v) => n + v.destinations.length, 0)} real servers (${weightZero} with weight 0), ${s.connections.length} connections`,
      ];
    }
    case 'nft':
      return s.ruleset.tables.map(
        (t) =>
          `table ${t.family} ${t.name}: ${t.chains.filter((c) => c.base).length} base + ${t.chains.filter((c) => !c.base).length} regular chains, ${t.sets.length} sets/maps, ${t.chains.reduce((n, c) => n + c.rules.length, 0)} rules`,
      );
    case 'ipset':
      return [
        `${s.sets.length} sets: ${s.sets
          .slice(0, 6)
          .map((x) => `${x.name} (${x.type}, ${x.members.length})`)
          .join(', ')}${s.sets.length > 6 ? ', …' : ''}`,
      ];
    case 'ip-addr':
      return [
        s.interfaces
          .map((i) => `${i.name} ${i.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(' ') || '-'}`)
          .join(', '),
      ];
    case 'ip-route':
      return [`tables ${[...countBy(s.routes, (r) => r.table)].map(([t, n]) => `${t} (${n})`).join(', ')}`];
    case 'sysctl': {
      const key = s.entries.find((e) => e.key === 'net.netfilter.nf_conntrack_max');
      return key ? [`net.netfilter.nf_conntrack_max = ${key.value}`] : [];
    }
  }
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) {
    const k = key(i);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
