/**
 * The columns' address interner: one index per distinct text, in order of first sight, whether an address is
 * found by its number (a canonical dotted quad read in place from a line) or by its text (any spelling), and
 * across the growth of its hash table. canonicalIpv4Value accepts exactly the texts a number prints as.
 */
import test from 'ava';
import { seeded } from '../generators/trace-ruleset';
import { AddressInterner, type TableAddresses } from '../../src/model/address-interner';
import { canonicalIpv4Value, ipv4Value } from '../../grammar/shared/address';

/** An address text: mostly canonical dotted quads from a few subnets, some with leading zeros, some IPv6. */
function addressText(next: () => number): string {
  const part = () => Math.floor(next() * 256);
  const r = next();
  if (r < 0.05) return `2001:db8::${Math.floor(next() * 4096).toString(16)}`;
  if (r < 0.1) return `0${part()}.${part()}.0${part()}.${part()}`;
  if (r < 0.15) return `${part()}.${part()}.${part()}.${part()}`;
  return `10.${Math.floor(next() * 4)}.${part()}.${part()}`;
}

/** Every address's text, in order of index. */
const textsOf = (a: TableAddresses) => Array.from({ length: a.length }, (_, i) => a.textOf(i));

test('one index per distinct text, in order of first sight, by number or by text, through the table growing', (t) => {
  const next = seeded(30);
  const interner = new AddressInterner();
  const expected = new Map<string, number>();
  for (let i = 0; i < 60_000; i++) {
    const address = addressText(next);
    if (!expected.has(address)) expected.set(address, expected.size);
    const value = canonicalIpv4Value(address, 0, address.length);
    // By number, as the fast paths read it in place, or given as text, as object rows are.
    const id = value >= 0 && next() < 0.7 ? interner.ipv4(value) : interner.text(address);
    if (id !== expected.get(address)) t.fail(`${address}: ${id}, expected ${expected.get(address)}`);
  }
  t.deepEqual(textsOf(interner), [...expected.keys()]);
  t.true(expected.size > 20_000, `${expected.size} distinct addresses`);
});

test('after its lookups are freed, every address keeps its index and new ones follow in order of first sight', (t) => {
  const next = seeded(31);
  const interner = new AddressInterner();
  const expected = new Map<string, number>();
  const intern = (address: string) => {
    if (!expected.has(address)) expected.set(address, expected.size);
    const value = canonicalIpv4Value(address, 0, address.length);
    const id = value >= 0 && next() < 0.5 ? interner.ipv4(value) : interner.text(address);
    if (id !== expected.get(address)) t.fail(`${address}: ${id}, expected ${expected.get(address)}`);
  };
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20_000; i++) intern(addressText(next));
    interner.release();
    // Every address seen so far, by number and by text, then new ones.
    for (const address of [...expected.keys()]) intern(address);
    interner.release();
  }
  t.deepEqual(textsOf(interner), [...expected.keys()]);
  t.true(expected.size > 20_000, `${expected.size} distinct addresses`);
});

test('a dotted quad with a leading zero is another text than the number printed, with its own index', (t) => {
  const interner = new AddressInterner();
  const a = interner.text('10.1.1.1');
  const b = interner.text('010.1.1.1');
  const c = interner.ipv4(ipv4Value('10.1.1.1', 0, 8));
  t.not(a, b);
  t.is(a, c);
  t.deepEqual(textsOf(interner), ['10.1.1.1', '010.1.1.1']);
  t.deepEqual([interner.ipv4Of(a), interner.ipv4Of(b)], [ipv4Value('10.1.1.1', 0, 8), -1]);
});

test('canonicalIpv4Value is ipv4Value for exactly the texts a number prints as (property)', (t) => {
  const next = seeded(7);
  const alphabet = '0123456789..';
  const samples = [
    '0.0.0.0',
    '255.255.255.255',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.00',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '',
  ];
  for (let i = 0; i < 50_000; i++) {
    let s = '';
    const n = 1 + Math.floor(next() * 16);
    for (let k = 0; k < n; k++) s += alphabet[Math.floor(next() * alphabet.length)];
    samples.push(s);
  }
  for (const s of samples) {
    const v = ipv4Value(s, 0, s.length);
    const printed = v >= 0 ? [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.') : undefined;
    const expected = printed === s ? v : -1;
    if (canonicalIpv4Value(s, 0, s.length) !== expected) t.fail(`'${s}'`);
  }
  t.pass();
});
