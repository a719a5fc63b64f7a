/**
 * The hand reader of `A.B.C.D[/N]` (parseAddressMask's fast path, so every dump's `-s`/`-d`) against ipaddr.js
 * on random addresses and prefixes: the network address it keeps, and every spelling it must leave to ipaddr.js.
 */
import test from 'ava';
import ipaddr from 'ipaddr.js';
import { parseAddressMask } from '../../../grammar/iptables-save/codecs';
import { ipv4PrefixIn } from '../../../grammar/iptables-save/ipv4-prefix';
import { seeded } from '../../generators/trace-ruleset';

const quad = (r: () => number) => Array.from({ length: 4 }, () => Math.floor(r() * 256)).join('.');

test('A.B.C.D/N is read as ipaddr.js reads it: the network address and the prefix, host bits cleared', (t) => {
  const r = seeded(7);
  for (let n = 0; n < 4000; n++) {
    const address = quad(r);
    const prefix = Math.floor(r() * 33);
    const text = r() < 0.2 ? address : `${address}/${prefix}`;
    const bits = text === address ? 32 : prefix;
    const network = ipaddr.IPv4.networkAddressFromCIDR(`${address}/${bits}`).toString();
    const expected = { family: 'ipv4', address: network, prefix: bits };
    t.deepEqual(ipv4PrefixIn(text, 0, text.length), expected, text);
    // In place, inside a rule's line, as the fast path meets it.
    const line = `-A X -s ${text} -j ACCEPT`;
    t.deepEqual(ipv4PrefixIn(line, 8, 8 + text.length), expected, line);
  }
});

test('other spellings are left to ipaddr.js, which reads or refuses them as before', (t) => {
  const r = seeded(11);
  for (let n = 0; n < 500; n++) {
    const address = quad(r);
    for (const text of [
      `0${address}`,
      address.replace(/\.(\d+)$/, '.0$1'),
      `${address}/08`,
      `${address}/33`,
      `${address}/`,
      `${address}/255.255.0.0`,
      `${address}.1`,
      address.replace(/\.\d+\./, '..'),
      `${address}/1/2`,
      `::ffff:${address}`,
    ]) {
      t.is(ipv4PrefixIn(text, 0, text.length), undefined, text);
      const read = parseAddressMask(text);
      const slash = text.indexOf('/');
      const ip = slash < 0 ? text : text.slice(0, slash);
      // ipaddr.js's own verdict on the address part decides whether the general path reads it.
      if (!ipaddr.isValid(ip)) t.true('problem' in read, text);
    }
  }
});
