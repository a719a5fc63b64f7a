/**
 * The analyses key IPv4 addresses (and endpoints) by number: two addresses share a key exactly when they are
 * the same text, two endpoints when address and port are the same, and the number is the address's value as
 * ipaddr.js reads it.
 */
import test from 'ava';
import ipaddr from 'ipaddr.js';
import { ipv4Value } from '../../grammar/shared/address';
import { addressKey, endpointKey } from '../../src/analyses/address-key';
import { seeded } from '../generators/trace-ruleset';

const valueOf = (text: string) =>
  ipaddr.IPv4.parse(text)
    .toByteArray()
    .reduce((v, b) => v * 256 + b, 0);

test('a canonical dotted quad is keyed by its value, across the whole range', (t) => {
  const r = seeded(7);
  const seen = new Map<number | string, string>();
  const samples = ['0.0.0.0', '255.255.255.255', '127.0.0.1', '10.96.0.10', '192.168.0.2', '100.64.0.1'];
  for (let i = 0; i < 20_000; i++) samples.push([0, 0, 0, 0].map(() => Math.floor(r() * 256)).join('.'));
  for (const text of samples) {
    const key = addressKey(text);
    t.is(key, valueOf(text), text);
    const before = seen.get(key);
    if (before !== undefined) t.is(before, text, `${before} and ${text} share a key`);
    seen.set(key, text);
  }
});

test('anything but a canonical dotted quad keeps its text, so it never meets an address written the usual way', (t) => {
  for (const text of [
    '010.96.0.10',
    '10.096.0.10',
    '10.96.0.010',
    '00.0.0.0',
    'fd00::10',
    '::ffff:10.96.0.10',
    '10.96.0',
    '10.96.0.10.1',
    '256.0.0.1',
    '10..0.1',
    '',
    'node-a',
  ]) {
    t.is(addressKey(text), text, text);
  }
  t.not(addressKey('010.96.0.10'), addressKey('10.96.0.10'));
});

test('ipv4Value reads a dotted quad in place, as the conntrack reader accepts it, and refuses anything else', (t) => {
  t.is(ipv4Value('src=10.244.1.5 ', 4, 14), valueOf('10.244.1.5'));
  t.is(ipv4Value('255.255.255.255', 0, 15), 0xffffffff);
  t.is(ipv4Value('010.1.1.1', 0, 9), valueOf('10.1.1.1'));
  for (const bad of ['1.2.3', '1.2.3.4.', '.1.2.3', '1.2.3.256', '1.2.3.1000', '1.2.-3.4', '1.2.3.4a', ' 1.2.3.4', ''])
    t.is(ipv4Value(bad, 0, bad.length), -1, bad);
});

test('an endpoint key is shared by the same address and port only, with or without a port, IPv4 or not', (t) => {
  const endpoints: [string, number | undefined][] = [];
  for (const ip of [
    '10.244.1.5',
    '10.244.1.50',
    '192.168.0.2',
    '255.255.255.255',
    '0.0.0.0',
    '010.244.1.5',
    'fd00::5',
    'fd00::5:1',
  ]) {
    for (const port of [undefined, 0, 1, 80, 8080, 65535]) endpoints.push([ip, port]);
  }
  const keys = new Map<number | string, string>();
  for (const [ip, port] of endpoints) {
    const key = endpointKey(ip, port);
    t.is(endpointKey(ip, port), key);
    t.false(keys.has(key), `${ip} ${port} shares ${String(key)} with ${keys.get(key)}`);
    keys.set(key, `${ip} ${port}`);
  }
});
