/**
 * A newcomer's clone: the repository cloned into a temporary folder with no ../shared beside it, `npm ci`, then
 * the build (with the library's declarations and API report), the type-check, and the test files that need
 * ../shared most (its dumps, captures and kube-proxy cases) or the fixtures made in the repository. That this
 * passes is what a bare `npm test` needs beyond the rest of the suite, which reads neither: test/helpers/shared.ts
 * no longer throws, the fixtures are committed, and tests of ../shared material skip with the reason. The whole
 * suite again in the clone would double the CI time for nothing more.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../helpers/shared';

const FILES = [
  'test/cli/cli.test.ts',
  'test/input/bundles.test.ts',
  'test/grammar/conntrack/captures.test.ts',
  'test/grammar/iptables-save/corpus.test.ts',
  'test/conformance/kube-proxy.test.ts',
];

test('a clone without ../shared installs, builds, type-checks and passes the tests that use ../shared or the fixtures', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-clone-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clone = join(dir, 'nfwalk');
  t.false(existsSync(join(dirname(clone), 'shared')));
  // What the clone sees: no NFWALK_SHARED pointing back here, and no CI demand that ../shared be there.
  const { NFWALK_SHARED: _shared, NFWALK_REQUIRE_SHARED: _required, ...env } = process.env;
  const run = (cmd: string, args: readonly string[]) => {
    const r = spawnSync(cmd, args, {
      cwd: clone,
      encoding: 'utf8',
      env: { ...env, PUPPETEER_SKIP_DOWNLOAD: 'true' },
      maxBuffer: 1 << 26,
    });
    t.is(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  t.is(spawnSync('git', ['clone', '-q', repoRoot, clone]).status, 0);
  run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
  run('npm', ['run', '--silent', 'build']);
  run('npm', ['run', '--silent', 'typecheck']);
  const tests = run('npx', ['ava', ...FILES]);
  t.regex(tests, /skipped: no \.\.\/shared beside the repository/);
  t.notRegex(tests, /tests? failed|uncaught exception/);
});
