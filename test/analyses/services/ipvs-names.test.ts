/**
 * The services analysis on `ipvsadm -L` without -n (issue #22, class 8): it uses every virtual service whose
 * port a name gives, with the same shares as the numeric listing; what it cannot use (a column ipvsadm cut,
 * a host name) it says in the node's notes and the entry point's assumptions.
 */
import test from 'ava';
import { analyzeAll } from '../../../src/analyses/analyze/index';
import { analyzeServices } from '../../../src/analyses/services/index';
import type { ServicesAnalysis } from '../../../src/analyses/services/model';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { NAMED_WIDTH, numericListing, printedName, withoutN } from '../../grammar/ipvsadm/listed-without-n';

const analyse = (text: string) =>
  analyzeServices(nodesOfInputs(findSectionsInText(text, 'node-b.txt', 'node-b').sections));
/** Each entry point's shares; `cut` leaves out those whose virtual service -L printed longer than its column. */
const outcomes = (a: ServicesAnalysis, cut = (_ip: string, _port: number) => false) =>
  a.services
    .flatMap((v) =>
      v.nodes[0]!.outcomes.filter((o) => o.entry.ip === null || !cut(o.entry.ip, o.entry.port)).map(
        (o) =>
          `${v.service.protocol} ${o.entry.kind} ${o.entry.port} ${o.endpoints
            .map((e) => e.probability)
            .sort()
            .join(' ')}`,
      ),
    )
    .sort();

test('class 8: services reads ipvsadm -L without -n, with the shares of -Ln where the port is known, and says what it left out', (t) => {
  const numeric = analyse(numericListing);
  const { text, printed } = withoutN(numericListing);
  const named = analyse(text);
  const serviceColumns = text
    .split('\n')
    .filter((l) => /^(TCP|UDP|SCTP) /.test(l))
    .map((l) => l.split(/\s+/)[1]!);
  const cutServices = serviceColumns.filter((c) => printed.some((p) => p.shown === c && p.full !== p.shown));
  t.true(cutServices.length >= 2 && cutServices.length < serviceColumns.length - 3, cutServices.join(', '));
  t.deepEqual(
    named.nodes.map((n) => n.proxyMode),
    ['ipvs'],
  );
  // Every entry point of the numeric listing whose virtual service ipvsadm did not cut, with the same shares.
  const kept = outcomes(numeric, (ip, port) => !ip.includes(':') && printedName(`${ip}:${port}`).length > NAMED_WIDTH);
  t.is(kept.length, outcomes(numeric).length - cutServices.length);
  t.deepEqual(outcomes(named), kept);
  const notes = named.nodes[0]!.warnings;
  for (const c of cutServices)
    t.true(
      notes.some((n) => n.includes(`IPVS `) && n.includes(` ${c} `) && n.includes('cut the column')),
      c,
    );
  t.true(notes.some((n) => /host names, not addresses .*node-b/.test(n)));
  const assumptions = named.services.flatMap((v) => v.nodes[0]!.outcomes.flatMap((o) => o.assumptions));
  t.true(
    assumptions.some((a) =>
      /^real server 10-244-1-5\.web\.shop\.svc\.cl.*port is unknown \(cut off by ipvsadm -L\)/.test(a),
    ),
    assumptions.join('\n'),
  );
});

test('class 8: analyze says which virtual services of ipvsadm -L it left out for want of a port, not only services notes', (t) => {
  const { text, printed } = withoutN(numericListing);
  const cut = text
    .split('\n')
    .map((l, i) => ({ l, line: i + 1 }))
    .filter(
      ({ l }) => /^(TCP|UDP|SCTP) /.test(l) && printed.some((p) => p.shown === l.split(/\s+/)[1] && p.full !== p.shown),
    );
  const found = findSectionsInText(text, 'node-b.txt', 'node-b');
  const partial = analyzeAll(nodesOfInputs(found.sections), {}, found.skipped).findings.filter(
    (f) => f.code === 'INPUT_PARTIAL' && /without a port, left out of the services/.test(f.message),
  );
  t.is(partial.length, 1);
  t.regex(partial[0]!.message, new RegExp(`shows ${cut.length} virtual services without a port`));
  for (const { line } of cut) t.true(partial[0]!.message.includes(`(line ${line})`), `${line}`);
});
