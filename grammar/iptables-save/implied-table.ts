/**
 * The table of rules printed without a `*table` line: `iptables -t nat -S`, `iptables -S CHAIN`, or a grep of
 * iptables-save. The command says it when a prompt, a collector header or a collector's file name shows it
 * (`iptables -t nat -S`, sos's `iptables_-t_nat_-nvL`); otherwise the rules themselves do: targets and
 * chains that exist in one table only, then which built-in chains appear.
 */
import type { TableName } from '../../src/model/ruleset';
import { isTableName } from './builtins';

// sos writes the command into the file's name with `_` for blanks: `iptables_-t_nat_-nvL`.
const TABLE_OPTION = /(?:^|[\s_])(?:-t[\s_=]*|--table[\s_=]+)(raw|mangle|nat|filter|security)(?![A-Za-z0-9-])/;
/** `iptables -S` / `--list-rules` without `-t` lists the filter table. */
const LIST_RULES = /(?:^|[\s/_])ip6?tables(?:-nft|-legacy)?(?:[\s_]+\S+)*?[\s_]+(?:-S|--list-rules)(?:[\s_]|$)/;

export function tableOfCommand(hint: string): TableName | undefined {
  const named = TABLE_OPTION.exec(hint)?.[1];
  if (named && isTableName(named)) return named;
  return LIST_RULES.test(hint) ? 'filter' : undefined;
}

/** What headerless rules show of their table: every chain declared or ruled, every target and chain jumped to. */
export interface TableEvidence {
  readonly chains: ReadonlySet<string>;
  readonly targets: ReadonlySet<string>;
}

/** Targets the kernel allows in one table only (xt_nat, xt_CT/NOTRACK, the mangle-only targets). */
const TARGET_TABLE: Readonly<Record<string, TableName>> = {
  DNAT: 'nat',
  SNAT: 'nat',
  MASQUERADE: 'nat',
  REDIRECT: 'nat',
  NETMAP: 'nat',
  NOTRACK: 'raw',
  CT: 'raw',
  TPROXY: 'mangle',
  TCPMSS: 'mangle',
  DSCP: 'mangle',
  TOS: 'mangle',
  TTL: 'mangle',
  HL: 'mangle',
  CHECKSUM: 'mangle',
  ECN: 'mangle',
};

/** Chains that kube-proxy, kubelet, Docker and Calico make in one table only. */
const CHAIN_TABLE: readonly [RegExp, TableName][] = [
  [/^KUBE-(SVC|SVL|SEP|EXT|FW)-|^KUBE-(POSTROUTING|MARK-MASQ)$|^cali-(nat-outgoing|fip-[sd]nat)$/, 'nat'],
  [/^KUBE-IPTABLES-HINT$/, 'mangle'],
  [
    /^KUBE-(FORWARD|FIREWALL|EXTERNAL-SERVICES|PROXY-FIREWALL)$|^DOCKER-(USER|ISOLATION-STAGE-\d+|FORWARD|CT|BRIDGE)$|^cali-(FORWARD|INPUT|OUTPUT)$/,
    'filter',
  ],
];

/** The table and the reason, or undefined when nothing in the rules tells. */
export function tableOfContent(e: TableEvidence): { readonly table: TableName; readonly why: string } | undefined {
  for (const target of e.targets) {
    const table = TARGET_TABLE[target];
    if (table) return { table, why: `its ${target} target exists in the ${table} table only` };
  }
  for (const [pattern, table] of CHAIN_TABLE) {
    const chain = [...e.chains].find((c) => pattern.test(c));
    if (chain) return { table, why: `chain ${chain} belongs to the ${table} table` };
    // A jump stays within its table: `iptables -t nat -S KUBE-SERVICES` names kube-proxy's nat chains only as targets.
    const jumped = [...e.targets].find((c) => pattern.test(c));
    if (jumped) return { table, why: `it jumps to ${jumped}, a chain of the ${table} table` };
  }
  const has = (c: string) => e.chains.has(c);
  const builtins = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].filter(has).join(', ');
  const by = (table: TableName) => ({ table, why: `its built-in chains ${builtins} are the ${table} table's` });
  if (has('PREROUTING') && has('FORWARD')) return by('mangle');
  if (has('PREROUTING') && (has('POSTROUTING') || has('INPUT'))) return by('nat');
  if (has('PREROUTING')) return by('raw');
  if (has('POSTROUTING')) return by('nat');
  if (has('FORWARD') || has('INPUT'))
    return { table: 'filter', why: `its built-in chains ${builtins} are the filter table's` };
  if (e.targets.has('REJECT')) return { table: 'filter', why: 'its REJECT target is used in the filter table' };
  return undefined;
}
