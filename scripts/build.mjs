// Bundles the CLI into one file: an unbundled start loads hundreds of chevrotain/lodash modules (~0.4 s),
// the bundle starts in ~0.1 s (shared/reference/ecosystem.md §3).
import { build } from 'esbuild';

await build({
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
});
