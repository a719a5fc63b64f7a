/** Random rules in restore spellings: parse clean, and print → parse → print is stable and loses nothing. */
import test from 'ava';
import fc from 'fast-check';
import { parseIptablesSave, printRuleset } from '../../../grammar/iptables-save/index';
import type { Ruleset } from '../../../src/model/ruleset';
import { rulesetArbitrary } from '../../generators/random-rules';

/** The model without source locations, which differ between the input and its printed form. */
const withoutLocations = (r: Ruleset) =>
  JSON.parse(JSON.stringify(r, (k, v) => (k === 'location' ? undefined : typeof v === 'bigint' ? String(v) : v)));

test('random rulesets: no diagnostics; printing is a fixed point; the model survives printing', (t) => {
  fc.assert(
    fc.property(rulesetArbitrary, (text) => {
      const first = parseIptablesSave(text, 'random');
      if (first.diagnostics.length) throw new Error(`${JSON.stringify(first.diagnostics)}\n${text}`);
      const printed = printRuleset(first.ruleset);
      const second = parseIptablesSave(printed, 'printed');
      if (second.diagnostics.length) throw new Error(`${JSON.stringify(second.diagnostics)}\n${printed}`);
      return (
        printRuleset(second.ruleset) === printed &&
        JSON.stringify(withoutLocations(second.ruleset)) === JSON.stringify(withoutLocations(first.ruleset))
      );
    }),
    { numRuns: 400, seed: Number(process.env.NFWALK_SEED ?? 20261121) },
  );
  t.pass();
});
