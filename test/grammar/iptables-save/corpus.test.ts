/** Every real dump (the kernel-made fixtures, and ../shared's when it is there) parses clean, and `fmt` prints it back exactly (1.3.5: every rule kept). */
import test from 'ava';
import { parseIptablesSave, printRuleset } from '../../../grammar/iptables-save/index';
import {
  iptablesSaveDumps,
  isModernSave,
  readDump,
  readShared,
  sharedTest,
  withoutComments,
} from '../../helpers/shared';

const dumps = iptablesSaveDumps();

sharedTest('the corpus holds the dumps the issue names', (t) => {
  t.true(dumps.length >= 17, dumps.join(', '));
  t.true(dumps.some((d) => d.includes('v1.3.5')));
  t.true(dumps.some((d) => d.includes('ip6tables')));
});

for (const rel of dumps) {
  test(`${rel}: parses with no diagnostic and accounts for every line`, (t) => {
    const text = readDump(rel);
    const r = parseIptablesSave(text, rel);
    t.deepEqual(r.diagnostics, []);
    const ruleLines = text.split('\n').filter((l) => /^(\[\d+:\d+\] )?-A /.test(l)).length;
    t.is(r.lines.rules, ruleLines);
    t.is(r.ruleset.tables.flatMap((tb) => tb.chains.flatMap((c) => c.rules)).length, ruleLines);
    const lineCount = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const a = r.lines;
    t.is(a.rules + a.chains + a.tables + a.commits + a.comments + a.blank + a.prompts + a.rejected, lineCount);
  });

  const text = readDump(rel);
  if (isModernSave(text)) {
    test(`${rel}: fmt prints it back unchanged but for # lines`, (t) => {
      t.is(printRuleset(parseIptablesSave(text, rel).ruleset), withoutComments(text));
    });
  } else {
    test(`${rel}: fmt prints the modern equivalent, keeping every rule, and is stable`, (t) => {
      const first = printRuleset(parseIptablesSave(text, rel).ruleset);
      const again = parseIptablesSave(first, 'printed');
      t.deepEqual(again.diagnostics, []);
      t.is(printRuleset(again.ruleset), first);
      const inputRules = text.split('\n').filter((l) => l.startsWith('-A ')).length;
      t.is(first.split('\n').filter((l) => l.startsWith('-A ')).length, inputRules);
    });
  }
}

sharedTest('1.3.5 syntax becomes its modern form: intrapositioned !, dotted masks, hosts without /32', (t) => {
  const text = readShared('realworld/netnetwork_ugent_iptables-save-v1.3.5.txt');
  const printed = printRuleset(parseIptablesSave(text, 'ugent').ruleset).split('\n');
  t.true(
    text.includes(
      '-A POSTROUTING -s 192.168.122.0/255.255.255.0 -d ! 192.168.122.0/255.255.255.0 -p tcp -j MASQUERADE --to-ports 1024-65535',
    ),
  );
  t.true(
    printed.includes(
      '-A POSTROUTING -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535',
    ),
  );
  t.true(printed.includes('-A INPUT -s 127.0.0.1/32 -d 127.0.0.1/32 -j ACCEPT'));
});
