/**
 * Links inside a bundle folder: one to a file of the folder is read once, where it lies; one out of the folder
 * and one to nothing are named as not read, and the bundle's other files are still read.
 */
import test from 'ava';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSections } from '../../src/input/sections';

const SAVE = 'samples/incident-node/iptables-save.txt';

test('a link to a file of the bundle is read once; links out of it and to nothing are named, not read', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nfw-links-'));
  const bundle = join(root, 'sosreport-node-1');
  mkdirSync(join(bundle, 'sos_commands', 'networking'), { recursive: true });
  cpSync(SAVE, join(bundle, 'sos_commands', 'networking', 'iptables-save'));
  symlinkSync(join('sos_commands', 'networking', 'iptables-save'), join(bundle, 'iptables-save'));
  const outside = join(root, 'elsewhere.txt');
  writeFileSync(outside, '# not part of the bundle\n');
  symlinkSync(outside, join(bundle, 'ip_addr'));
  symlinkSync(join(root, 'gone'), join(bundle, 'ip_route'));

  const found = await findSections([bundle]);
  t.deepEqual(
    found.sections.map((s) => [s.kind, s.source.path.slice(bundle.length + 1)]),
    [['iptables-save', 'sos_commands/networking/iptables-save']],
  );
  t.deepEqual(
    found.failures.map((f) => [f.path.slice(bundle.length + 1), f.reason]),
    [
      ['ip_addr', `a link out of the folder (to ${realpathSync(outside)}), not followed`],
      ['ip_route', 'a link to nothing'],
    ],
  );
});
