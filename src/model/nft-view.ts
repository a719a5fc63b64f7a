/**
 * nft's reader of the ruleset view (ruleset-view.ts): every table of the node's listings, base chains with the hook,
 * type, priority and policy the listing prints, and as calls a rule's `jump`/`goto` and the verdicts of the verdict
 * maps it looks up (`vmap { 0 : goto a }`, `vmap @service-ips`). iptables-nft's own tables are left to the node's
 * iptables-nft-save when it is among the inputs (nft-iptables.ts), so that they are not seen twice.
 */
import { printNftRule } from '../../grammar/nft/print';
import type { NftChain, NftRule, NftStmt, NftTable } from './nft';
import { nftTableSources } from './nft-iptables';
import { latestTables, listsPart } from './nft-node';
import type { NodeDumps } from './node';
import type { RulesetView, ViewCall, ViewChain, ViewRule, ViewTable } from './ruleset-view';

/** The verdicts a statement can pass the packet on with, in the table `table`. */
function callsOf(s: NftStmt, table: NftTable): ViewCall[] {
  switch (s.kind) {
    case 'verdict':
      return s.verdict === 'jump' || s.verdict === 'goto' ? [{ chain: s.chain, goto: s.verdict === 'goto' }] : [];
    case 'vmap': {
      const map = s.map;
      const elements =
        map.kind === 'set'
          ? map.elements
          : map.kind === 'ref'
            ? (table.sets.find((x) => x.name === map.name)?.elements ?? [])
            : [];
      const calls = new Map<string, ViewCall>();
      for (const e of elements) {
        const v = e.value?.kind === 'verdict' ? e.value.verdict : undefined;
        if (v?.verdict !== 'jump' && v?.verdict !== 'goto') continue;
        calls.set(`${v.verdict} ${v.chain}`, { chain: v.chain, goto: v.verdict === 'goto' });
      }
      return [...calls.values()];
    }
    case 'opaque':
    case 'match':
    case 'counter':
    case 'reject':
    case 'set-value':
    case 'nat':
    case 'set-update':
    case 'notrack':
    case 'xt':
    case 'hidden':
    case 'keyword':
      return [];
  }
}

/** The rule as nft prints it, counters and handle left out: the same rule in two listings prints the same. */
export function nftRuleKey(r: NftRule): string {
  const stmts = r.stmts.map((s) => (s.kind === 'counter' && s.value ? { kind: 'counter' as const } : s));
  return printNftRule({ line: r.line, stmts, ...(r.comment !== undefined ? { comment: r.comment } : {}) });
}

function ruleOf(r: NftRule, i: number, table: NftTable, path: string): ViewRule {
  let text: string | undefined;
  return {
    index: i + 1,
    location: { path, line: r.line, column: 1 },
    calls: r.stmts.flatMap((s) => callsOf(s, table)),
    ...(r.comment !== undefined ? { comment: r.comment } : {}),
    text: () => (text ??= nftRuleKey(r)),
  };
}

function chainOf(c: NftChain, table: NftTable, path: string): ViewChain {
  const b = c.base;
  return {
    name: c.name,
    ...(b
      ? {
          base: {
            hook: b.hook,
            type: b.type,
            priority: b.priority.value,
            priorityText: b.priority.text,
            policy: b.policy ?? null,
            ...(b.devices ? { devices: b.devices.map((d) => d.text) } : {}),
          },
        }
      : {}),
    rules: c.rules.map((r, i) => ruleOf(r, i, table, path)),
    location: { path, line: c.line, column: 1 },
  };
}

/**
 * One nft table as the view sees it: whole when its listing showed all of it and it lacks no chain or map its rules
 * name (NftTable.lacks: the kernel refuses a jump to a chain that is not there, so such a listing is a part).
 */
export function nftTableView({ table, path, shown }: NodeNftTable): ViewTable {
  const chains = table.chains.map((c) => chainOf(c, table, path));
  return { name: `${table.family} ${table.name}`, family: table.family, chains, whole: shown && !table.lacks };
}

/** An nft table of the node, with the file its listing is in. */
export interface NodeNftTable {
  readonly table: NftTable;
  readonly path: string;
  /** Its listing showed all of it: not a part (`nft list chain …`), not cut, no line left unread or elided. */
  readonly shown: boolean;
  /** The command that listed part of it (`nft list chain ip kube-proxy services`), when it was one. */
  readonly part?: string;
}

/**
 * The node's nft tables its own, as its listings show them in the end (latestTables), without iptables-nft's tables
 * that the node's iptables-nft-save shows (`all` keeps those too: they hook like any other).
 */
export function nodeNftTables(node: NodeDumps, all = false): NodeNftTable[] {
  return latestTables(nftTableSources(node).filter((s) => all || !s.analysedFrom)).map(({ table, section }) => {
    const part = listsPart(section) ? section.source.command : undefined;
    return {
      table,
      path: section.source.path,
      shown:
        part === undefined &&
        !(section.kind === 'nft' && section.ruleset.cut) &&
        section.diagnostics.every((d) => d.severity !== 'error'),
      ...(part !== undefined ? { part } : {}),
    };
  });
}

/** The view of the node's nft tables, or undefined when it has no nft listing of its own. */
export function nftViewOf(node: NodeDumps): RulesetView | undefined {
  const tables = nodeNftTables(node);
  return tables.length ? { format: 'nft', tables: tables.map(nftTableView) } : undefined;
}
