/**
 * The hand readers of kube-proxy's sections (grammar/iptables-save/kube-sections.ts) against the extension engine
 * they stand in for: for any option and value word, a record the hand reader builds is the engine's record for the
 * same words, down to the order of keys; and the spellings kube-proxy writes are read by hand.
 */
import test from 'ava';
import fc from 'fast-check';
import { readExtensionOptions } from '../../../grammar/iptables-save/extension';
import { matchExtensions, targetExtensions } from '../../../grammar/iptables-save/extensions/index';
import { handMatch, handTarget } from '../../../grammar/iptables-save/kube-sections';
import type { WordSyntax } from '../../../grammar/iptables-save/syntax';
import type { Family } from '../../../src/model/values';

const word = (text: string, column: number, quoted = false): WordSyntax => ({
  text,
  column,
  bang: false,
  quoted,
  unterminated: false,
});

function engine(kind: 'match' | 'target', name: string, option: string, value: string, family: Family): unknown {
  const words = [word(option, 10), word(value, 20)];
  return kind === 'match'
    ? readExtensionOptions(matchExtensions.get(name)!, words, family, 5)
    : readExtensionOptions(targetExtensions.get(name)!, words, family, 5);
}

const digits = fc.stringMatching(/^[0-9]{0,6}$/);
const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), digits);
const address = fc.oneof(
  fc.tuple(octet, octet, octet, octet).map((p) => p.join('.')),
  fc.array(octet, { minLength: 1, maxLength: 6 }).map((p) => p.join('.')),
);
const natValue = fc.oneof(
  fc.tuple(address, fc.oneof(digits, fc.integer({ min: 0, max: 70000 }).map(String))).map(([a, p]) => `${a}:${p}`),
  address,
  fc.stringMatching(/^[0-9.:\-[\]a-f]{0,24}$/),
);
const portValue = fc.oneof(
  digits,
  fc.integer({ min: 0, max: 70000 }).map(String),
  fc.stringMatching(/^[0-9:x-]{0,8}$/),
);
const names = (...n: string[]) => fc.constantFrom(...n);

test('a DNAT target read by hand is the engine record of the same words', (t) => {
  fc.assert(
    fc.property(
      names('--to-destination', '--to', '--random'),
      natValue,
      fc.constantFrom<Family[]>('ipv4', 'ipv6'),
      (option, value, family) => {
        const hand = handTarget('DNAT', option, value, family);
        if (!hand) return;
        const reference = engine('target', 'DNAT', option, value, family);
        t.deepEqual(hand, reference, value);
        t.is(JSON.stringify(hand), JSON.stringify(reference));
      },
    ),
    { numRuns: 20000 },
  );
});

test('a tcp, udp or comment match read by hand is the engine record of the same words', (t) => {
  fc.assert(
    fc.property(
      names('tcp', 'udp', 'comment', 'sctp'),
      names('--dport', '--sport', '--destination-port', '--comment'),
      fc.oneof(portValue, fc.string()),
      (module, option, value) => {
        const hand = handMatch(module, option, value);
        if (!hand) return;
        const reference = engine('match', module, option, value, 'ipv4');
        t.deepEqual(hand, reference, value);
        t.is(JSON.stringify(hand), JSON.stringify(reference));
      },
    ),
    { numRuns: 20000 },
  );
});

test("kube-proxy's spellings are read by hand", (t) => {
  t.truthy(handTarget('DNAT', '--to-destination', '10.244.1.2:8080', 'ipv4'));
  t.truthy(handTarget('DNAT', '--to-destination', '0.0.0.0:0', 'ipv4'));
  t.truthy(handMatch('tcp', '--dport', '65535'));
  t.truthy(handMatch('udp', '--dport', '53'));
  t.truthy(handMatch('comment', '--comment', 'ns1/svc:http cluster IP'));
  t.is(handTarget('DNAT', '--to-destination', '10.244.01.2:8080', 'ipv4'), undefined);
  t.is(handTarget('DNAT', '--to-destination', '10.244.1.256:80', 'ipv4'), undefined);
  t.is(handMatch('tcp', '--dport', '65536'), undefined);
});
