/**
 * nft rules that cannot do anything: ones after a rule that always ends the chain, exact repeats, and lookups in a
 * named set or verdict map that holds nothing. What an nft statement does is nft's own (its statements are not
 * iptables' matches and targets), so this reads the nft model; chain-level checks are shared (chain-checks.ts).
 */
import type { NftChain, NftExpr, NftFamily, NftRule, NftSet, NftStmt, NftTable } from '../../model/nft';
import type { NodeNftTable } from '../../model/nft-view';
import { nftRuleKey } from '../../model/nft-view';
import type { SourceRef } from '../../model/source';
import type { Finding } from '../finding';

/** Evidence lines listed per finding; the message gives the count. */
const EVIDENCE = 20;

/** Whether a statement may let the packet through to the next statement or not: a test. */
function tests(s: NftStmt): boolean {
  switch (s.kind) {
    case 'match':
    case 'vmap':
    case 'xt':
    case 'opaque':
      return true;
    case 'keyword':
      // limit, quota and `ct count` pass only part of the traffic; the others act and go on, or end the rule (queue, fwd).
      return (
        s.keyword === 'limit' ||
        s.keyword === 'quota' ||
        s.keyword === 'synproxy' ||
        s.keyword === 'tproxy' ||
        (s.keyword === 'ct' && s.args[0] === 'count')
      );
    case 'verdict':
    case 'counter':
    case 'reject':
    case 'set-value':
    case 'nat':
    case 'set-update':
    case 'notrack':
    case 'hidden':
      return false;
  }
}

/**
 * Whether a statement ends the chain for every packet that reaches it (a jump comes back: it does not). A NAT
 * statement does not when its address or port is looked up in a map (a miss breaks off the rule and the chain goes
 * on), nor in an inet table when it names a family (`dnat ip to …` leaves IPv6 packets alone: nft_nat_inet_eval).
 */
function ends(s: NftStmt, table: NftFamily): boolean {
  switch (s.kind) {
    case 'verdict':
      return s.verdict !== 'jump' && s.verdict !== 'continue';
    case 'reject':
      return true;
    case 'nat':
      return s.addr?.kind !== 'map' && s.port?.kind !== 'map' && !(table === 'inet' && s.family !== undefined);
    case 'keyword':
      return s.keyword === 'queue' || s.keyword === 'fwd';
    case 'match':
    case 'vmap':
    case 'xt':
    case 'opaque':
    case 'counter':
    case 'set-value':
    case 'set-update':
    case 'notrack':
    case 'hidden':
      return false;
  }
}

/** The rule ends the chain whatever the packet: no test before its ending statement. */
function alwaysEnds(r: NftRule, table: NftFamily): boolean {
  for (const s of r.stmts) {
    if (ends(s, table)) return true;
    if (tests(s)) return false;
  }
  return false;
}

/** A draw or a count: two copies of the rule need not agree (numgen, meta random, limit, quota). */
function unrepeatable(r: NftRule): boolean {
  const drawn = (e: NftExpr): boolean => {
    switch (e.kind) {
      case 'numgen':
        return true;
      case 'meta':
        return e.key === 'random';
      case 'binop':
        return drawn(e.left) || drawn(e.right);
      case 'concat':
        return e.parts.some(drawn);
      case 'map':
        return drawn(e.key);
      case 'set':
      case 'opaque':
      case 'verdict':
      case 'literal':
      case 'payload':
      case 'ct':
      case 'fib':
      case 'hash':
      case 'ref':
        return false;
    }
  };
  return r.stmts.some(
    (s) =>
      (s.kind === 'keyword' && (s.keyword === 'limit' || s.keyword === 'quota')) ||
      (s.kind === 'match' && (drawn(s.left) || drawn(s.right))) ||
      (s.kind === 'vmap' && drawn(s.key)),
  );
}

/** Whether the rule ends the chain whenever its tests pass: then a copy after it never runs. */
const decides = (r: NftRule, table: NftFamily) => r.stmts.some((s) => ends(s, table));

const at = (path: string, line: number): SourceRef => ({ path, line, column: 1 });

function deleteHint(t: NftTable, c: NftChain, rules: readonly NftRule[]): string {
  const handles = rules.map((r) => r.handle);
  return handles.every((h) => h !== undefined)
    ? handles.map((h) => `nft delete rule ${t.family} ${t.name} ${c.name} handle ${h}`).join('; ')
    : `nft -a list chain ${t.family} ${t.name} ${c.name} shows the handles to delete them by`;
}

function chainFindings(node: string, t: NftTable, c: NftChain, path: string): Finding[] {
  const findings: Finding[] = [];
  const where = `${t.family} ${t.name} ${c.name}`;
  const enderAt = c.rules.findIndex((r) => alwaysEnds(r, t.family));
  const live = enderAt < 0 ? c.rules : c.rules.slice(0, enderAt + 1);
  if (enderAt >= 0 && enderAt < c.rules.length - 1) {
    const by = c.rules[enderAt]!;
    const dead = c.rules.slice(enderAt + 1);
    findings.push({
      code: 'LINT_UNREACHABLE_RULE',
      severity: 'warning',
      node,
      subject: where,
      message: `rule ${enderAt + 1} of ${where} (${nftRuleKey(by)}) ends the chain for every packet: ${dead.length === 1 ? `rule ${enderAt + 2} after it never runs` : `the ${dead.length} rules after it (${enderAt + 2}–${c.rules.length}) never run`}`,
      evidence: [at(path, by.line), ...dead.slice(0, EVIDENCE).map((r) => at(path, r.line))],
      remedy: `move the rule${dead.length === 1 ? '' : 's'} above rule ${enderAt + 1}, or give rule ${enderAt + 1} the condition it was meant to have`,
    });
  }
  const seen = new Map<string, number>();
  const repeats = new Map<number, NftRule[]>();
  live.forEach((r, i) => {
    if (unrepeatable(r)) return;
    const key = nftRuleKey(r);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else repeats.set(first, [...(repeats.get(first) ?? []), r]);
  });
  for (const [i, dups] of repeats) {
    const by = live[i]!;
    const indexes = dups.map((d) => live.indexOf(d) + 1);
    findings.push({
      code: 'LINT_DUPLICATE_RULE',
      severity: 'warning',
      node,
      subject: where,
      message: `rule ${indexes.join(', ')} of ${where} ${dups.length === 1 ? 'repeats' : 'repeat'} rule ${i + 1} exactly${decides(by, t.family) ? ', which always decides first: ' + (dups.length === 1 ? 'it never matches' : 'they never match') : ': the same work is done twice'}`,
      evidence: [at(path, by.line), ...dups.slice(0, EVIDENCE).map((d) => at(path, d.line))],
      remedy: `delete the repeated rule${dups.length === 1 ? '' : 's'} (${deleteHint(t, c, dups)}); if a controller writes them, it adds rules without checking for its own`,
    });
  }
  return findings;
}

/** kube-proxy's maps and sets, there at every sync whether a service needs them or not (proxier.go setupNFTables). */
const KUBE_PROXY_FIXED_SETS =
  /^(cluster-ips|nodeport-ips|service-ips|service-nodeports|firewall-ips|no-endpoint-services|no-endpoint-nodeports)$/;

/** The named sets and maps a statement looks up, and whether the lookup is negated (`!= @s`). */
function lookups(s: NftStmt): { name: string; negated: boolean }[] {
  const refs = (e: NftExpr | undefined): string[] => {
    if (!e) return [];
    switch (e.kind) {
      case 'ref':
        return [e.name];
      case 'map':
        return [...refs(e.key), ...refs(e.data)];
      case 'binop':
        return [...refs(e.left), ...refs(e.right)];
      case 'concat':
        return e.parts.flatMap(refs);
      case 'set':
      case 'opaque':
      case 'verdict':
      case 'literal':
      case 'payload':
      case 'meta':
      case 'ct':
      case 'fib':
      case 'numgen':
      case 'hash':
        return [];
    }
  };
  switch (s.kind) {
    case 'match':
      return refs(s.right).map((name) => ({ name, negated: s.op === '!=' }));
    case 'vmap':
      return refs(s.map).map((name) => ({ name, negated: false }));
    case 'nat':
      return [...refs(s.addr), ...refs(s.port)].map((name) => ({ name, negated: false }));
    case 'set-value':
      return refs(s.value).map((name) => ({ name, negated: false }));
    case 'opaque':
    case 'verdict':
    case 'counter':
    case 'reject':
    case 'set-update':
    case 'notrack':
    case 'xt':
    case 'hidden':
    case 'keyword':
      return [];
  }
}

/** Filled while packets pass: `flags dynamic` (text only: JSON drops it), or a rule adds to it. */
const dynamic = (set: NftSet, updated: ReadonlySet<string>) =>
  updated.has(set.name) || set.props.some((p) => p.key === 'flags' && /\bdynamic\b/.test(p.value));

function emptySetFindings(node: string, t: NftTable, path: string): Finding[] {
  const updated = new Set(
    t.chains.flatMap((c) => c.rules.flatMap((r) => r.stmts.flatMap((s) => (s.kind === 'set-update' ? [s.set] : [])))),
  );
  const empty = new Map(
    t.sets
      .filter((s) => !s.elements?.length && !dynamic(s, updated))
      .filter((s) => !(t.name === 'kube-proxy' && KUBE_PROXY_FIXED_SETS.test(s.name)))
      .map((s) => [s.name, s]),
  );
  if (empty.size === 0) return [];
  const users = new Map<string, { rule: NftRule; chain: NftChain; negated: boolean }[]>();
  for (const c of t.chains)
    for (const r of c.rules)
      for (const l of r.stmts.flatMap(lookups))
        if (empty.has(l.name))
          users.set(l.name, [...(users.get(l.name) ?? []), { rule: r, chain: c, negated: l.negated }]);
  return [...users].map(([name, uses]): Finding => {
    const set = empty.get(name)!;
    const negated = uses.filter((u) => u.negated);
    const what = set.kind === 'map' && set.type?.data === 'verdict' ? 'verdict map' : set.kind;
    const first = uses[0]!;
    return {
      code: 'LINT_EMPTY_SET',
      severity: negated.length ? 'warning' : 'info',
      node,
      subject: `${t.family} ${t.name} @${name}`,
      message: `${what} ${t.family} ${t.name} @${name} holds no element, and ${uses.length === 1 ? `rule ${first.chain.rules.indexOf(first.rule) + 1} of ${first.chain.name} looks it up` : `${uses.length} rules look it up`}: ${[
        ...(negated.length ? [`\`!= @${name}\` matches every packet`] : []),
        ...(negated.length < uses.length ? ['a lookup in it never matches'] : []),
      ].join(
        ', and ',
      )}. A listing printed with \`nft -t\` (terse) leaves every set's elements out: then this says nothing`,
      evidence: [at(path, set.line), ...uses.slice(0, EVIDENCE).map((u) => at(path, u.rule.line))],
      remedy: `fill it (nft add element ${t.family} ${t.name} ${name} { … }) or delete the rules that use it, whichever the ruleset's author meant`,
    };
  });
}

export function nftRuleFindings(node: string, tables: readonly NodeNftTable[]): Finding[] {
  return tables.flatMap(({ table, path }) => [
    ...table.chains.flatMap((c) => chainFindings(node, table, c, path)),
    ...emptySetFindings(node, table, path),
  ]);
}
