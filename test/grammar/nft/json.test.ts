/**
 * `nft -j list ruleset` read into the same model as the text listing: every JSON twin in ../shared gives the
 * model its listing gives, compared with what the JSON does not carry left out (see `comparable`); bad JSON
 * never throws and its problems name line:column; the segmenter finds a JSON dump as a section of kind nft.
 */
import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { parseNft, parseNftJson } from '../../../grammar/nft/index';
import type { NftBody, NftRuleset } from '../../../src/model/nft';
import { findSectionsInText } from '../../../src/input/sections';
import { readShared, sharedFiles, sharedTest } from '../../helpers/shared';

/** JSON twins beside their text listings (the `-a` listing where the JSON has real handles). */
function pairs(): [json: string, text: string][] {
  const realworld = sharedFiles('realworld/nft', /\.json-nft$/).map(
    (j) => [j, j.replace(/\.json-nft$/, '.nft')] as [string, string],
  );
  const captures = sharedFiles('captures/nft', /nft-j-list-ruleset\.json$/).map(
    (j) => [j, j.replace(/nft-j-list-ruleset\.json$/, 'nft-a-list-ruleset.txt')] as [string, string],
  );
  return [...realworld, ...captures];
}

/**
 * The model without what the JSON cannot give or gives in another spelling, so that the two readers' models
 * can be held equal:
 * - comments (tables, chains, sets, rules, elements) and iptables-nft's warning: nft 1.0.6's JSON drops them;
 * - the `dynamic` set flag: the JSON drops it (nft 1.0.6);
 * - `typeof`: the JSON gives the set's `type` instead, so a set declared by typeof is compared without either;
 * - a priority's spelling: the JSON has the number only, which the reader spells as nft 1.0.6 prints it (`dstnat - 10`
 *   for -110 on prerouting); newer nft (the upstream test dumps) names more, so priorities compare by value;
 * - numbers' spelling: the JSON has `16384` where the listing has `0x00004000`, so numeric literals compare by value;
 * - iptables-nft's extensions: the JSON says `xt match|target NAME` wherever iptables-nft used one, where the
 *   listing prints what nft can translate (`ct mark set 0x2a` for CONNMARK, `notrack` for CT --notrack, nothing
 *   for `-m comment`), so an xt statement of the JSON stands for whatever the listing has in its place (xtAligned);
 * - line numbers, quoting, and whether `meta` was printed; handles when the listing has none (sanitized JSON has 0).
 */
function comparable(r: NftRuleset, handles: boolean, typeofSets: ReadonlySet<string>): unknown {
  const walk = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (o.kind === 'literal' && typeof o.text === 'string') return { kind: 'literal', text: numeric(o.text) };
    if (key === 'priority') return { value: o.value };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (
        ['line', 'comment', 'iptablesNftWarning', 'source', 'quoted', 'bare'].includes(k) ||
        (k === 'handle' && !handles)
      )
        continue;
      if (k === 'props') {
        out[k] = (x as { key: string; value: string }[])
          .map((p) =>
            p.key === 'flags'
              ? {
                  key: p.key,
                  value: p.value
                    .split(',')
                    .filter((f) => f !== 'dynamic')
                    .join(','),
                }
              : p,
          )
          .filter((p) => !(p.key === 'flags' && p.value === ''));
        continue;
      }
      out[k] = walk(x, k);
    }
    if ((o.kind === 'set' || o.kind === 'map') && typeofSets.has(o.name as string)) {
      delete out.typeof;
      delete out.type;
    }
    return out;
  };
  return walk(r);
}

/** The text's rules with the JSON's `xt` statements in place of what the listing printed for them. */
function xtAligned(text: NftRuleset, json: NftRuleset): NftRuleset {
  return {
    ...text,
    tables: text.tables.map((t, ti) => ({
      ...t,
      chains: t.chains.map((c, ci) => ({
        ...c,
        rules: c.rules.map((r, ri) => {
          const j = json.tables[ti]?.chains[ci]?.rules[ri];
          if (!j || j.stmts.length !== r.stmts.length) return r;
          return { ...r, stmts: r.stmts.map((s, si) => (j.stmts[si]!.kind === 'xt' ? j.stmts[si]! : s)) };
        }),
      })),
    })),
  };
}

const numeric = (text: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(text) ? String(Number(text)) : text);
const hasHandles = (b: NftBody) => b.ruleset.tables.some((t) => t.handle !== undefined);

sharedTest('every JSON twin in ../shared reads with no diagnostic into the model of its text listing', (t) => {
  const ps = pairs();
  t.true(ps.length >= 9, `found ${ps.length} pairs`);
  for (const [j, x] of ps) {
    const json = parseNftJson(readShared(j));
    const text = parseNft(readShared(x));
    t.deepEqual(json.diagnostics, [], j);
    t.is(json.ruleset.source, 'json');
    const handles = hasHandles(text);
    const typeofSets = new Set(text.ruleset.tables.flatMap((tb) => tb.sets.filter((s) => s.typeof).map((s) => s.name)));
    const a = comparable(json.ruleset, handles, typeofSets);
    const b = comparable(xtAligned(text.ruleset, json.ruleset), handles, typeofSets);
    if (!isDeepStrictEqual(a, b)) t.log(j, diff(a, b));
    t.deepEqual(a, b, `${j} = ${x}`);
  }
});

function diff(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: json ${JSON.stringify(a)?.slice(0, 300)} text ${JSON.stringify(b)?.slice(0, 300)}`;
}

/** A small ruleset of our own, pretty-printed as `nft -j` does for the upstream test dumps. */
const SMALL = JSON.stringify(
  {
    nftables: [
      { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
      { table: { family: 'ip', name: 'kube-proxy', handle: 1 } },
      {
        chain: {
          family: 'ip',
          table: 'kube-proxy',
          name: 'nat-prerouting',
          handle: 2,
          type: 'nat',
          hook: 'prerouting',
          prio: -100,
          policy: 'accept',
        },
      },
      { chain: { family: 'ip', table: 'kube-proxy', name: 'services', handle: 3 } },
      {
        map: {
          family: 'ip',
          name: 'service-ips',
          table: 'kube-proxy',
          type: ['ipv4_addr', 'inet_proto', 'inet_service'],
          handle: 4,
          map: 'verdict',
          elem: [[{ concat: ['172.30.0.41', 'tcp', 80] }, { goto: { target: 'services' } }]],
        },
      },
      {
        rule: {
          family: 'ip',
          table: 'kube-proxy',
          chain: 'nat-prerouting',
          handle: 5,
          expr: [{ jump: { target: 'services' } }],
        },
      },
      {
        rule: {
          family: 'ip',
          table: 'kube-proxy',
          chain: 'services',
          handle: 6,
          expr: [
            { match: { op: '==', left: { '&': [{ meta: { key: 'mark' } }, 16384] }, right: 0 } },
            {
              vmap: {
                key: {
                  concat: [
                    { payload: { protocol: 'ip', field: 'daddr' } },
                    { meta: { key: 'l4proto' } },
                    { payload: { protocol: 'th', field: 'dport' } },
                  ],
                },
                data: '@service-ips',
              },
            },
          ],
        },
      },
    ],
  },
  null,
  2,
);
const TEXT = `table ip kube-proxy { # handle 1
	map service-ips { # handle 4
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 172.30.0.41 . tcp . 80 : goto services }
	}

	chain nat-prerouting { # handle 2
		type nat hook prerouting priority dstnat; policy accept;
		jump services # handle 5
	}

	chain services { # handle 3
		meta mark & 0x00004000 == 0x00000000 ip daddr . meta l4proto . th dport vmap @service-ips # handle 6
	}
}
`;

test('a JSON ruleset gives the model of its listing, pretty-printed or on one line', (t) => {
  const text = parseNft(TEXT);
  t.deepEqual(text.diagnostics, []);
  for (const json of [SMALL, JSON.stringify(JSON.parse(SMALL))]) {
    const body = parseNftJson(json);
    t.deepEqual(body.diagnostics, []);
    t.is(body.records, 2);
    t.deepEqual(comparable(body.ruleset, true, new Set()), comparable(text.ruleset, true, new Set()));
    t.deepEqual(body.ruleset.tables[0]!.chains[0]!.base?.priority, { text: 'dstnat', value: -100 });
  }
});

test('the segmenter finds a JSON dump as an nft section, after a prompt or by its file name', (t) => {
  const oneLine = JSON.stringify(JSON.parse(SMALL));
  const cases: [text: string, path: string][] = [
    [`$ nft -j list ruleset\n${oneLine}\n$ echo done\ndone\n`, 'paste.txt'],
    [`${oneLine}\n`, 'ruleset.txt'],
    [`${SMALL}\n`, 'nft.json'],
    [`# nft -j list ruleset\n${SMALL}\n`, 'session.log'],
  ];
  for (const [text, path] of cases) {
    const { sections } = findSectionsInText(text, path);
    const nft = sections.filter((s) => s.kind === 'nft');
    t.is(nft.length, 1, path);
    const s = nft[0];
    if (s?.kind !== 'nft') continue;
    t.is(s.ruleset.source, 'json', path);
    t.deepEqual(s.diagnostics, [], path);
    t.is(s.ruleset.tables[0]!.chains.length, 2, path);
  }
});

test('bad JSON: problems name line:column, what can be read is read', (t) => {
  const at = (text: string) => parseNftJson(text).diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
  t.deepEqual(at('{"nftables": [\n  {"table": {"family": "ip", "name": "x"}},\n  {"chain": '), [
    '3:13 the JSON ends too early; the JSON is cut here: its objects up to line 2 were read, what follows is unknown',
  ]);
  t.deepEqual(at('{"nftables": [\n  {"table": {"family": "ip", "na'), [
    '2:30 string not closed; the JSON could not be read',
  ]);
  t.deepEqual(at('{"nftables": [\n {"table": {"family": "ipx", "name": "x"}}\n]}'), [
    '2:12 expected a family (ip, ip6, inet, arp, bridge, netdev); object not read',
  ]);
  const partly = parseNftJson(
    '{"nftables": [\n {"table": {"family": "ip", "name": "x"}},\n {"chain": {"family": "ip", "table": "x", "name": "c"}},\n {"rule": {"family": "ip", "table": "x", "chain": "c", "expr": [{"frob": 1}, {"accept": null}]}},\n {"rule": {"family": "ip", "table": "y", "chain": "c", "expr": []}}\n]}',
  );
  t.deepEqual(
    partly.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity}`),
    ['4:65 warning', '5:11 error'],
  );
  t.deepEqual(partly.ruleset.tables[0]!.chains[0]!.rules[0]!.stmts, [
    { kind: 'opaque', text: '{"frob":1}' },
    { kind: 'verdict', verdict: 'accept' },
  ]);
  t.deepEqual(at('{"nftables": [] } x'), ['1:19 text after the end of the JSON document; the JSON could not be read']);
});

test('mutated JSON never throws; every problem names a line and column inside the text', (t) => {
  const doc = SMALL;
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.nat(doc.length),
          fc.nat(3),
          fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', 'x', '1', '\n', ''),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      (edits) => {
        let text = doc;
        for (const [at, del, ins] of edits) text = text.slice(0, at) + ins + text.slice(at + del);
        const body = parseNftJson(text);
        const lines = text.split('\n');
        for (const d of body.diagnostics) {
          if (d.line < 1 || d.line > lines.length || d.column < 1 || d.column > lines[d.line - 1]!.length + 1)
            return false;
        }
        findSectionsInText(text, 'nft.json');
        return true;
      },
    ),
    { numRuns: 400 },
  );
  t.pass();
});

sharedTest('an nft -j listing cut in the middle is read up to its last whole object, said cut where it ends', (t) => {
  const json = readShared('captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-j-list-ruleset.json');
  // `jq .` spreads it over lines; a paste cut at 60 % of its text, mid-object.
  const pretty = `${JSON.stringify(JSON.parse(json), null, 2)}\n`;
  for (const [listing, form] of [
    [json, 'one line'],
    [pretty, 'jq .'],
  ] as const) {
    const whole = parseNftJson(listing);
    const text = listing.slice(0, Math.floor(listing.length * 0.6));
    const cut = parseNftJson(text);
    t.true(cut.ruleset.cut, form);
    t.deepEqual(
      cut.diagnostics.map((d) => [
        d.severity,
        /the JSON is cut here: its objects up to line \d+ were read/.test(d.message),
      ]),
      [['error', true]],
      form,
    );
    // What was read is what the whole listing has, as far as the cut: sets, then chains and rules in order.
    const [table] = cut.ruleset.tables;
    const [all] = whole.ruleset.tables;
    t.true(table!.sets.length > 0, form);
    for (const set of table!.sets)
      t.deepEqual(
        set,
        all!.sets.find((s) => s.name === set.name),
        form,
      );
    for (const chain of table!.chains) {
      const full = all!.chains.find((c) => c.name === chain.name)!;
      t.deepEqual(
        chain.rules.map((r) => r.stmts),
        full.rules.slice(0, chain.rules.length).map((r) => r.stmts),
        `${form}: ${chain.name}`,
      );
    }
    t.true(cut.lines.properties + cut.lines.rejected === text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
  }
});

test('a JSON listing notes, as the text reader does, a table that names a chain or map it does not show', (t) => {
  const doc = (rules: string) =>
    `{"nftables": [{"table": {"family": "ip", "name": "t", "handle": 1}}, {"chain": {"family": "ip", "table": "t", "name": "c", "handle": 1}}${rules}]}`;
  const rule = (expr: string) =>
    `, {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": 2, "expr": [${expr}]}}`;
  const lacks = (text: string) => parseNftJson(text).ruleset.tables[0]!.lacks;
  t.is(lacks(doc(rule('{"jump": {"target": "c"}}'))), undefined);
  t.is(lacks(doc(rule('{"jump": {"target": "elsewhere"}}'))), true);
  t.is(lacks(doc(rule('{"vmap": {"key": {"meta": {"key": "l4proto"}}, "data": "@missing"}}'))), true);
});
