// Builds dist/: the CLI bundled into one file, the library (dist/index.js) and the paste page (dist/nfwalk.html,
// scripts/build-page.mjs) next to it; with --types also
// the library's declarations rolled into dist/index.d.ts and its API report (scripts/api-report.mjs).
// The CLI bundles its dependencies: an unbundled start loads hundreds of chevrotain/lodash modules (~0.4 s),
// the bundle starts in ~0.1 s (shared/reference/ecosystem.md §3). It is split at the commands' dynamic imports
// (src/cli/commands/index.ts) into dist/cli.js and chunks beside it (dist/cli-*.js), so that a command compiles
// only its own code: `parse` of an empty file takes 0.33 CPU s instead of 0.45 (docs/performance.md).
// The library leaves its dependencies to the consumer's node_modules, where they are shared and deduplicated.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { build } from 'esbuild';
import { buildPage } from './build-page.mjs';

const PAGE = new URL('../dist/nfwalk.html', import.meta.url).pathname;

/**
 * The page takes seconds to bundle and minify, and test files build in parallel: it is built again only
 * when a file it is made of (sources, the lock file, this script) is newer than it, as make would.
 */
function pageFresh() {
  if (!existsSync(PAGE)) return false;
  const built = statSync(PAGE).mtimeMs;
  const newer = (path) => {
    const s = statSync(path);
    if (!s.isDirectory()) return s.mtimeMs > built;
    return readdirSync(path).some((name) => newer(`${path}/${name}`));
  };
  const root = new URL('..', import.meta.url).pathname;
  return !['src', 'grammar', 'scripts', 'package-lock.json'].some((p) => newer(`${root}${p}`));
}

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', write: false };

const [cli, library, page] = await Promise.all([
  build({
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'cli-[hash]',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __nfwalkCreateRequire } from 'node:module'; const require = __nfwalkCreateRequire(import.meta.url);",
    },
    // Loaded only when a diagram is rendered; puppeteer and mermaid also find files beside their own code. The
    // AWS SDK only for s3:// inputs: bundled, it would double the file every start has to read.
    external: ['puppeteer', 'mermaid', 'beautiful-mermaid', '@aws-sdk/client-s3'],
  }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', packages: 'external' }),
  pageFresh() ? undefined : buildPage(),
]);
const pageFile = page && { path: PAGE, contents: page.html };
// Chunks of earlier builds (their names are hashes of their contents) go, so that dist/ holds one CLI.
const chunks = new Set(cli.outputFiles.map((f) => basename(f.path)));
for (const name of existsSync('dist') ? readdirSync('dist') : [])
  if (/^cli-\w+\.js$/.test(name) && !chunks.has(name)) rmSync(`dist/${name}`, { force: true });
// Written aside and renamed into place: test files build in parallel while others run the CLI, and a file
// read half-written would fail for no reason of its own.
for (const file of [...cli.outputFiles, ...library.outputFiles, ...(pageFile ? [pageFile] : [])]) {
  mkdirSync(dirname(file.path), { recursive: true });
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents, { mode: 0o755 });
  renameSync(aside, file.path);
}

if (process.argv.includes('--types')) await import('./api-report.mjs');
