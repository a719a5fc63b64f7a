// The library's declarations rolled into dist/index.d.ts, and its API report (docs/api/nfwalk.api.md) made
// from them by API Extractor. The report made by a build goes to build/api/; test/library/api-report.test.ts
// fails while it differs from the committed one, so no export changes unseen. `npm run api-report` accepts
// the change (copies the new report over the committed one).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync } from 'node:fs';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

rmSync('build/dts', { recursive: true, force: true });
mkdirSync('docs/api', { recursive: true });
const tsc = spawnSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.lib.json'],
  { stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const accept = process.argv.includes('--accept');
const result = Extractor.invoke(ExtractorConfig.loadFileAndPrepare('api-extractor.json'), {
  localBuild: accept,
  messageCallback: quietInfo,
});
if (result.errorCount > 0) process.exit(1);
if (result.apiReportChanged && !accept)
  process.stderr.write(
    'build: the library API changed (build/api/nfwalk.api.md); review it and run npm run api-report\n',
  );

/** API Extractor's progress lines are noise in a build; warnings and errors still print. */
function quietInfo(message) {
  if (message.logLevel === 'info' || message.logLevel === 'verbose') message.handled = true;
}
