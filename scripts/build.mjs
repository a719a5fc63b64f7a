// Builds dist/: the CLI bundled into one file, and the library (dist/index.js) next to it; with --types also
// the library's declarations rolled into dist/index.d.ts and its API report (scripts/api-report.mjs).
// The CLI bundles its dependencies: an unbundled start loads hundreds of chevrotain/lodash modules (~0.4 s),
// the bundle starts in ~0.1 s (shared/reference/ecosystem.md §3). The library leaves them to the consumer's
// node_modules, where they are shared and deduplicated.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', write: false };

const [cli, library] = await Promise.all([
  build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __nfwalkCreateRequire } from 'node:module'; const require = __nfwalkCreateRequire(import.meta.url);",
    },
    // Loaded only when a diagram is rendered; puppeteer and mermaid also find files beside their own code. The
    // AWS SDK only for s3:// inputs: bundled, it would double the file every start has to read.
    external: ['puppeteer', 'mermaid', 'beautiful-mermaid', '@aws-sdk/client-s3'],
  }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', packages: 'external' }),
]);
// Written aside and renamed into place: test files build in parallel while others run the CLI, and a file
// read half-written would fail for no reason of its own.
for (const file of [...cli.outputFiles, ...library.outputFiles]) {
  mkdirSync(dirname(file.path), { recursive: true });
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents, { mode: 0o755 });
  renameSync(aside, file.path);
}

if (process.argv.includes('--types')) await import('./api-report.mjs');
