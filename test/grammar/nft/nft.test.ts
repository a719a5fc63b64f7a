/**
 * nft listings read into the model and printed back: every listing in ../shared (realworld and kernel-made
 * captures, all print modes) byte-identical with no diagnostic; random rulesets print → parse → print
 * stable; damaged input never throws and every line is accounted for; problems name line and column.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { parseNft, printNftSection } from '../../../grammar/nft/index';
import type { NftBody } from '../../../src/model/nft';
import { sharedDir, sharedTest } from '../../helpers/shared';
import { randomNftRuleset } from './random-nft';

const accounted = (b: NftBody) => Object.values(b.lines).reduce((n, x) => n + x, 0);
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** Listings only: the folders also hold nft -f command files, iptables-nft-save output and notes. */
function listings(): string[] {
  const files: string[] = [];
  for (const dir of ['realworld/nft', 'captures/nft']) {
    for (const f of readdirSync(join(sharedDir, dir))) {
      const path = join(sharedDir, dir, f);
      if (!/\.(nft|txt)$/.test(f) || f === 'README.md') continue;
      const text = readFileSync(path, 'utf8');
      // dnat-numgen-map…txt holds a listing between notes and its JSON: a paste, read by the segmenter, not here.
      if (/^(#[^\n]*\n)*table /.test(text) && !text.includes('{"nftables"')) files.push(path);
    }
  }
  return files;
}

sharedTest('every nft listing in ../shared parses with no diagnostic and prints back identically', (t) => {
  const files = listings();
  t.true(files.length >= 20, `found ${files.length} listings`);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const body = parseNft(text);
    t.deepEqual(body.diagnostics, [], f);
    t.is(printNftSection(body), text, f);
    t.is(accounted(body), lineCount(text), `${f}: every line accounted for`);
  }
});

sharedTest('the kube-proxy listing is typed: base chains with resolved priorities, vmaps, numgen, nat', (t) => {
  const text = readFileSync(
    join(sharedDir, 'captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt'),
    'utf8',
  );
  const [table] = parseNft(text).ruleset.tables;
  const chain = (n: string) => table!.chains.find((c) => c.name === n)!;
  t.deepEqual(chain('filter-prerouting-pre-dnat').base?.priority, { text: 'dstnat - 10', value: -110 });
  t.deepEqual(chain('filter-output-pre-dnat').base?.priority, { text: '-110', value: -110 });
  t.deepEqual(chain('services').rules[0]!.stmts[0], {
    kind: 'vmap',
    key: {
      kind: 'concat',
      parts: [
        { kind: 'payload', protocol: 'ip', field: 'daddr' },
        { kind: 'meta', key: 'l4proto', bare: false },
        { kind: 'payload', protocol: 'th', field: 'dport' },
      ],
    },
    map: { kind: 'ref', name: 'service-ips' },
  });
  const lb = chain('service-LAUZTJTB-ns4/svc4/tcp/p80').rules[1]!.stmts[0]!;
  t.is(lb.kind, 'vmap');
  if (lb.kind === 'vmap' && lb.map.kind === 'set')
    t.deepEqual(
      lb.map.elements.map((e) => e.value),
      [
        {
          kind: 'verdict',
          verdict: { kind: 'verdict', verdict: 'goto', chain: 'endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80' },
        },
        {
          kind: 'verdict',
          verdict: { kind: 'verdict', verdict: 'goto', chain: 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80' },
        },
      ],
    );
  const noEp = table!.sets.find((s) => s.name === 'no-endpoint-services')!;
  t.is(noEp.elements?.[2]?.comment, 'ns6/svc6:p80');
  t.deepEqual(chain('masquerading').rules[2]!.stmts, [{ kind: 'nat', nat: 'masquerade', flags: ['fully-random'] }]);
});

test('an unknown statement is kept verbatim with a warning at its column; a broken block line is an error and the rest is read', (t) => {
  const text =
    'table ip t {\n\tchain c {\n\t\tip saddr 10.0.0.1 frobnicate 7 accept\n\t\tip daddr 10.0.0.2 drop\n\t}\n\tbogus line here\n\tchain d {\n\t}\n}\n';
  const body = parseNft(text);
  t.deepEqual(
    body.diagnostics.map((d) => [d.severity, d.line, d.column]),
    [
      ['warning', 3, 21],
      ['error', 6, 2],
    ],
  );
  t.is(body.ruleset.tables[0]!.chains.length, 2);
  t.deepEqual(body.ruleset.tables[0]!.chains[0]!.rules[0]!.stmts.at(-1), {
    kind: 'opaque',
    text: 'frobnicate 7 accept',
  });
  t.is(printNftSection(body), text.replace('\tbogus line here\n', '\n'));
  t.is(accounted(body), lineCount(text));
});

test('a cut listing says which blocks were left open', (t) => {
  const body = parseNft('table inet f {\n\tchain c {\n\t\ttype filter hook input priority 0; policy drop;\n');
  t.deepEqual(
    body.diagnostics.map((d) => d.line),
    [1, 2],
  );
  t.is(body.ruleset.tables[0]!.chains[0]!.base?.policy, 'drop');
});

test('random rulesets: print → parse → print is stable and reads with no diagnostic', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
      const text = randomNftRuleset(seed);
      const once = parseNft(text);
      if (once.diagnostics.length) return false;
      const printed = printNftSection(once);
      return printNftSection(parseNft(printed)) === printed && accounted(once) === lineCount(text);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('fuzz: damaged listings never throw and every line is accounted for', (t) => {
  const base = randomNftRuleset(7) + randomNftRuleset(8);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length), fc.nat(20), fc.string({ maxLength: 6 })), { maxLength: 8 }),
      (edits) => {
        let text = base;
        for (const [at, del, ins] of edits) text = text.slice(0, at) + ins + text.slice(at + del);
        const body = parseNft(text);
        return accounted(body) === lineCount(text);
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});
