/**
 * parseIp reads plain dotted quads itself, asks ipaddr.js's IPv4 check only of text without a colon, and hands
 * the rest to ipaddr.js: every way gives ipaddr.js's answer.
 */
import test from 'ava';
import ipaddr from 'ipaddr.js';
import { formatIp, parseIp } from '../../src/model/address';
import { seeded } from '../generators/trace-ruleset';

/** The answer of ipaddr.js alone: what parseIp gave before it read dotted quads itself. */
function byIpaddr(text: string): { family: string; value: bigint } | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const bytes = ipaddr.IPv4.isValidFourPartDecimal(t)
    ? ipaddr.IPv4.parse(t).toByteArray()
    : ipaddr.IPv6.isValid(t)
      ? ipaddr.IPv6.parse(t).toByteArray()
      : undefined;
  return (
    bytes && { family: bytes.length === 4 ? 'ipv4' : 'ipv6', value: bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n) }
  );
}

const PARTS = [
  '0',
  '1',
  '9',
  '10',
  '99',
  '100',
  '199',
  '255',
  '256',
  '299',
  '999',
  '1000',
  '00',
  '01',
  '010',
  '0x1',
  '-1',
  '',
  ' 1',
  '1 ',
  '+1',
  '1e2',
  '٣',
];

test('every dotted text of numbers, well formed or not, parses as ipaddr.js parses it', (t) => {
  const r = seeded(30);
  const pick = () => (r() < 0.8 ? String(Math.floor(r() * 256)) : PARTS[Math.floor(r() * PARTS.length)]!);
  const texts = [
    '10.96.0.1',
    '255.255.255.255',
    '0.0.0.0',
    '[10.0.0.1]',
    '::ffff:10.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '10.x.x.x',
    '2001:db8::1',
    '::',
    '::1',
    '1:2:3:4:5:6:7:8',
    '[2001:db8::10]',
    'fe80::1%eth0',
    '10.0.0.1:80',
    '::ffff:1.2.3.256',
  ];
  for (let i = 0; i < 5000; i++) {
    const n = 2 + Math.floor(r() * 4);
    const text = Array.from({ length: n }, pick).join('.');
    texts.push(r() < 0.1 ? `[${text}]` : text);
  }
  let plain = 0;
  for (const text of texts) {
    const got = parseIp(text);
    const want = byIpaddr(text);
    t.deepEqual(got && { family: got.family, value: got.value }, want, text);
    if (want?.family === 'ipv4') plain++;
  }
  t.true(plain > 500, `${plain} well-formed quads among the texts`);
});

test('an IPv4 address prints as its four bytes in decimal, dotted', (t) => {
  const r = seeded(31);
  const values = [0, 1, 255, 256, 0x0a600001, 0x7fffffff, 0x80000000, 0xffffffff, 0xff00ff00, 0x00ff00ff];
  for (let i = 0; i < 2000; i++) values.push(Math.floor(r() * 2 ** 32));
  for (const v of values) {
    const want = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
    t.is(formatIp({ family: 'ipv4', value: BigInt(v) }), want);
    t.is(parseIp(want)?.value, BigInt(v));
  }
});
