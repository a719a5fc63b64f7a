// Bundles the CLI into one file: an unbundled start loads hundreds of chevrotain/lodash modules (~0.4 s),
// the bundle starts in ~0.1 s (shared/reference/ecosystem.md §3).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __nfwalkCreateRequire } from 'node:module'; const require = __nfwalkCreateRequire(import.meta.url);",
  },
  // Loaded only when a diagram is rendered; puppeteer and mermaid also find files beside their own code.
  external: ['puppeteer', 'mermaid', 'beautiful-mermaid'],
  logLevel: 'warning',
  write: false,
});
// Written aside and renamed into place: test files build the CLI in parallel while others run it, and a
// CLI read half-written would fail for no reason of its own.
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents, { mode: 0o755 });
  renameSync(aside, file.path);
}
