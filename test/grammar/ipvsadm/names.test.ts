/**
 * `ipvsadm -L` as people paste it (issue #22, class 8), made from the sample's `ipvsadm -Ln` listing (laid out
 * with ipvsadm 1.31's print formats) by printing it again as ipvsadm does without -n (listed-without-n.ts):
 * port names for ports, host names where a resolver had one, IPv4 columns cut at 28 characters. And the same
 * listings pasted without their version and column title lines.
 */
import test from 'ava';
import type { IpvsEndpoint } from '../../../src/model/ipvs';
import type { Section } from '../../../src/model/section';
import { errorsOf, only } from '../../helpers/sections';
import { NAMED_WIDTH, numericListing, withoutN } from './listed-without-n';

type Ipvs = Extract<Section, { kind: 'ipvsadm' }>;
const endpoints = (s: Ipvs) =>
  s.services
    .flatMap((v) => [v.endpoint, ...v.destinations.map((d) => d.endpoint)])
    .filter((e): e is IpvsEndpoint => e !== undefined);

test('class 8: ipvsadm -L without -n: port names are read as their numbers, host names stay names, cut columns lose their port', (t) => {
  const numeric = only(numericListing, 'ipvsadm') as Ipvs;
  const { text, printed } = withoutN(numericListing);
  const named = only(text, 'ipvsadm') as Ipvs;
  t.deepEqual(errorsOf(named), []);
  t.is(named.records, numeric.records);
  const before = endpoints(numeric);
  const after = endpoints(named);
  t.is(after.length, before.length);
  let cut = 0;
  after.forEach((e, i) => {
    const { full, shown } = printed[i]!;
    if (full === shown) {
      t.is(e.port, before[i]!.port, full);
      t.is(e.address, full.startsWith('[') ? before[i]!.address : full.slice(0, full.lastIndexOf(':')), full);
    } else {
      cut++;
      t.is(e.port, undefined, shown);
      t.true(e.cut, shown);
      t.is(shown.length, NAMED_WIDTH);
    }
  });
  t.true(cut >= 3 && cut < after.length - 5, `${cut} cut`);
  t.true(
    after.some((e) => e.portName === 'sun-sr-https' && e.port === 6443) &&
      after.some((e) => e.portName === 'domain' && e.port === 53),
  );
  const warning = named.diagnostics.find((d) => d.severity === 'warning')!;
  t.regex(warning.message, /listed without -n: .*cut at 28 characters lost their port/);
  t.deepEqual(
    [warning.line, warning.column],
    [named.services[0]!.line, text.split('\n')[named.services[0]!.line - 1]!.indexOf(printed[0]!.shown) + 1],
  );
});

test('class 8: an ipvsadm listing pasted without its version and title lines is recognised and read the same', (t) => {
  for (const listing of [numericListing, withoutN(numericListing).text]) {
    const whole = only(listing, 'ipvsadm') as Ipvs;
    const bare = listing.split('\n').slice(3).join('\n');
    t.regex(bare, /^(TCP|UDP|SCTP) /);
    const s = only(bare, 'ipvsadm') as Ipvs;
    t.deepEqual(errorsOf(s), []);
    t.deepEqual(
      s.services.map(({ line: _l, destinations, ...v }) => ({
        ...v,
        destinations: destinations.map(({ line: _d, ...d }) => d),
      })),
      whole.services.map(({ line: _l, destinations, ...v }) => ({
        ...v,
        destinations: destinations.map(({ line: _d, ...d }) => d),
      })),
    );
  }
});
