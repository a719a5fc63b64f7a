/** Findings about the dumps themselves, on filtered IPVS pastes: which command to collect, and one finding per filter. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { readingFindings } from '../../../src/analyses/analyze/input-findings';
import { findSectionsInText } from '../../../src/input/text-sections';
import { nodesOfInputs } from '../../../src/model/node';
import type { Section } from '../../../src/model/section';
import { repoRoot } from '../../helpers/shared';

const ipvsadm = readFileSync(join(repoRoot, 'samples', 'kube-node-ipvs.ipvsadm.txt'), 'utf8').split('\n');
const between = (from: string, to: string) => ipvsadm.slice(ipvsadm.indexOf(from) + 1, ipvsadm.indexOf(to));
const listing = between('root@node-b:~# ipvsadm -Ln', 'root@node-b:~# ipvsadm -Ln --stats');
const connections = between('root@node-b:~# ipvsadm -Lnc', 'root@node-b:~# ipvsadm -L --timeout');

const findingsOf = (sections: readonly Section[]) => nodesOfInputs(sections).flatMap(readingFindings);

test('a filtered IPVS connection table names ipvsadm -Lnc as the command to collect', (t) => {
  const [title, header, ...rows] = connections;
  const paste = ['root@node-b:~# ipvsadm -Lnc | grep 10.96', title, header, ...rows.filter((r) => r.includes('10.96'))];
  const partial = findingsOf(findSectionsInText(`${paste.join('\n')}\n`, 'ipvs.txt').sections).filter(
    (f) => f.code === 'INPUT_PARTIAL',
  );
  t.is(partial.length, 1);
  t.regex(partial[0]!.message, /ipvsadm table at ipvs\.txt:2-\d+ was filtered \(`ipvsadm -Lnc \| grep 10\.96`\)/);
  t.regex(partial[0]!.remedy, /`ipvsadm -Lnc` on the node/);
  t.notRegex(partial[0]!.remedy, /conntrack/);
});

test('a filtered IPVS listing that holds services and connections is said partial once', (t) => {
  const paste = (lines: readonly string[]) =>
    findSectionsInText(`root@node-b:~# ipvsadm -Ln | grep -v InActConn\n${lines.join('\n')}\n`, 'ipvs.txt').sections;
  const services = paste(listing)[0]!;
  const table = findSectionsInText(`${connections.join('\n')}\n`, 'ipvs.txt').sections[0]!;
  t.true(services.kind === 'ipvsadm' && table.kind === 'ipvsadm');
  if (services.kind !== 'ipvsadm' || table.kind !== 'ipvsadm') return;
  // One section with both, as a reader that met the connections under the same filter gives it.
  const both: Section = { ...services, connections: table.connections };
  const partial = findingsOf([both]).filter((f) => f.code === 'INPUT_PARTIAL');
  t.is(partial.length, 1, partial.map((f) => f.message).join('\n'));
  t.regex(
    partial[0]!.message,
    /IPVS service listing .* was filtered .*connection entries it does not show were not checked/,
  );
  t.regex(partial[0]!.remedy, /`ipvsadm -Ln` and `ipvsadm -Lnc`/);
});
