// Builds dist/: the CLI bundled into one file, the library (dist/index.js) and the paste page (dist/nfwalk.html,
// scripts/build-page.mjs) next to it; with --types also
// the library's declarations rolled into dist/index.d.ts and its API report (scripts/api-report.mjs).
// The CLI bundles its dependencies: an unbundled start loads hundreds of chevrotain/lodash modules (~0.4 s),
// the bundle starts in ~0.1 s (shared/reference/ecosystem.md §3). It is one CommonJS module in its wrapper
// function, dist/cli-<hash>.cjs, which dist/cli.js (src/cli/start.ts) runs with V8's code cache,
// dist/cli-<hash>.cache: Node 20 caches no ES module's code, and the cache takes a fifth off nfwalk's start
// (docs/performance.md). The commands' modules, reached by dynamic imports (src/cli/commands/index.ts), are
// evaluated only when their command runs.
// The library leaves its dependencies to the consumer's node_modules, where they are shared and deduplicated.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { basename, dirname, relative, resolve } from 'node:path';
import { build, transform } from 'esbuild';
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

/**
 * The bundle in ASCII: Node reads a file of ASCII alone into a string several times faster than one with a
 * single other character (about 50 ms of every start for 2.4 MB). esbuild escapes strings but keeps comments
 * as written: their other characters become `?`, which the minified code, the same with or without them,
 * proves harmless. test/cli/start.test.ts requires the bundle to be ASCII.
 */
async function asciiComments(text) {
  if (isAscii(Buffer.from(text))) return text;
  const ascii = text.replace(/^\s*(?:\/\/|\/\*|\*).*$/gm, (line) => line.replace(/[^\x00-\x7f]/gu, '?'));
  const minified = async (code) => (await transform(code, { minify: true, format: 'cjs', platform: 'node' })).code;
  return (await minified(text)) === (await minified(ascii)) ? ascii : text;
}

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', write: false };

const EXTERNAL = ['puppeteer', 'mermaid', 'beautiful-mermaid', '@aws-sdk/client-s3'];

/**
 * The bundle's import() of an external package made a call of `__nfwalkImport`, which src/cli/start.ts passes
 * in: V8 loses a script's dynamic import callback when its code comes from the code cache.
 */
const importsThroughStart = (text) =>
  EXTERNAL.reduce(
    (t, name) => t.replaceAll(`import(${JSON.stringify(name)})`, `__nfwalkImport(${JSON.stringify(name)})`),
    text,
  );

const ASCII_WIDTH = new URL('./ascii-width.mjs', import.meta.url).pathname;

/**
 * A plugin that sends the ES imports `filter` matches to a module `wrapper(real)` writes, where `real` is the
 * quoted path of the module they asked for, resolved as before, for the wrapper to require when it needs it.
 */
function wrappedImport(name, filter, wrapper) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, async (args) => {
        if (args.kind !== 'import-statement' || args.pluginData === 'real') return undefined;
        const real = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'real',
        });
        // Named from the checkout, so that the bundle does not depend on where it is.
        return real.errors.length > 0 ? undefined : { path: relative('.', real.path), namespace: name };
      });
      b.onLoad({ filter: /.*/, namespace: name }, (args) => ({
        contents: wrapper(JSON.stringify(resolve(args.path))),
        resolveDir: dirname(resolve(args.path)),
        loader: 'js',
      }));
    },
  };
}

/**
 * The ES-module importers of string-width (yargs, cliui, wrap-ansi) get it through ascii-width.mjs, which loads
 * the one they asked for only for text that is not printable ASCII: loading it cost a start through yargs
 * 30-60 ms (an Intl.Segmenter, emoji regexes), for usage text that is ASCII. CommonJS importers (cli-table3)
 * keep theirs.
 */
const asciiWidth = wrappedImport(
  'ascii-width',
  /^string-width$/,
  (real) => `import { asciiFirstWidth } from ${JSON.stringify(ASCII_WIDTH)};
export default asciiFirstWidth(() => require(${real}).default);`,
);

/**
 * The chi-square CDF observed.ts imports is evaluated on its first call, from the bundle as before: only a
 * connection table (conntrack, IPVS) asks for it, and its 111 @stdlib modules' top levels were evaluated by every
 * services run.
 */
const lazyChiSquare = wrappedImport(
  'lazy-chi-square',
  /^@stdlib\/stats-base-dists-chisquare-cdf$/,
  (real) => `let cdf;
export default (x, k) => (cdf ??= require(${real}))(x, k);`,
);

const LAZY_ASSERT = new URL('./lazy-assert.mjs', import.meta.url).pathname;

/** yargs's import of node:assert goes to lazy-assert.mjs, which loads it only for a failing check. */
const lazyAssert = {
  name: 'lazy-assert',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      /[\\/]node_modules[\\/]yargs[\\/]/.test(args.importer) ? { path: LAZY_ASSERT } : undefined,
    );
  },
};

/**
 * yargs guesses the version of the program it parses for from the package.json above its shim's `mainFilename`: the
 * directory above the node_modules yargs lies in, else the working directory. Bundled, yargs lies in no node_modules,
 * so every start read the package.json above wherever the user stood, and where it found none (or the directory's
 * name has a dot, which its search takes for a file's) it loaded node:assert for the failed check (lazy-assert.mjs).
 * nfwalk sets its version itself (src/cli/main.ts); the bundle's own path makes the guess read nfwalk's package.json.
 */
const YARGS_SHIM = /[\\/]node_modules[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/;
const MAIN_FILENAME = 'mainFilename: mainFilename || process.cwd(),';
const yargsOwnPackage = {
  name: 'yargs-own-package',
  setup(b) {
    b.onLoad({ filter: YARGS_SHIM }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(MAIN_FILENAME)) throw new Error(`${args.path}: no \`${MAIN_FILENAME}\` to replace`);
      // The shim's `__dirname` is the file of its module: in the bundle, the bundle's (import.meta.url above).
      return { contents: text.replace(MAIN_FILENAME, 'mainFilename: __dirname,'), loader: 'js' };
    });
  },
};

const [cli, library, page] = await Promise.all([
  build({
    ...common,
    format: 'cjs',
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    entryNames: 'cli-[hash]',
    outExtension: { '.js': '.cjs' },
    // The bundle's own URL, for the files it finds beside itself (the paste page, mermaid's script).
    define: { 'import.meta.url': '__nfwalkUrl' },
    banner: { js: "var __nfwalkUrl = require('node:url').pathToFileURL(__filename).href;" },
    // Loaded only when a diagram is rendered; puppeteer and mermaid also find files beside their own code. The
    // AWS SDK only for s3:// inputs: bundled, it would double the file every start has to read.
    external: EXTERNAL,
    plugins: [asciiWidth, lazyAssert, lazyChiSquare, yargsOwnPackage],
  }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', packages: 'external' }),
  pageFresh() ? undefined : buildPage(),
]);
const bundle = basename(cli.outputFiles[0].path);
/** The commands whose runs read a code cache of their own rather than the parse's, and its name (src/cli/start.ts). */
const CACHES = { services: 'services', stale: 'services', trace: 'services' };
const start = await build({
  ...common,
  entryPoints: { cli: 'src/cli/start.ts' },
  outdir: 'dist',
  define: { NFWALK_BUNDLE: JSON.stringify(bundle), NFWALK_CACHES: JSON.stringify(CACHES) },
  banner: { js: '#!/usr/bin/env node' },
});
const pageFile = page && { path: PAGE, contents: page.html };
/**
 * The bundle inside CommonJS's wrapper, which src/cli/start.ts compiles as it is: joined there, the wrapper and the
 * bundle would be a second string of its size that V8 copies flat. On the first line, so that the bundle's lines
 * keep their numbers in stack traces.
 */
const wrapped = (text) => `(function (exports, require, module, __filename, __dirname, __nfwalkImport) { ${text}\n})`;
const bundleFile = {
  path: cli.outputFiles[0].path,
  contents: wrapped(importsThroughStart(await asciiComments(cli.outputFiles[0].text))),
};
// Bundles and caches of earlier builds (their names carry the bundle's hash) go, so that dist/ holds one CLI.
const current = bundle.replace(/\.cjs$/, '');
for (const name of existsSync('dist') ? readdirSync('dist') : [])
  if (/^cli-\w+\.(js|cjs|(\w+\.)?cache)$/.test(name) && !name.startsWith(`${current}.`))
    rmSync(`dist/${name}`, { force: true });
// Written aside and renamed into place: test files build in parallel while others run the CLI, and a file
// read half-written would fail for no reason of its own.
for (const file of [bundleFile, ...start.outputFiles, ...library.outputFiles, ...(pageFile ? [pageFile] : [])]) {
  mkdirSync(dirname(file.path), { recursive: true });
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents, { mode: 0o755 });
  renameSync(aside, file.path);
}
// The code caches hold what the runs below compiled: a parse of a sample dump compiles the start, the input layer
// and the iptables-save reader (dist/cli-<hash>.cache); `services --json` of it, begun from that cache, adds yargs,
// the rules' walks and the services analysis (dist/cli-<hash>.services.cache), which otherwise compile as they first
// run: about 0.08 G instructions of its start, while a parse that read them would pay 0.01 G to deserialise them.
// `stale` is not trained: it sets V8 flags, and V8 rejects a cache made after that in a plain start; it reads the
// services cache (most of its code is the walks and the input layer). Made again by every build, since the start
// (src/cli/start.ts) decides the format, and replaced in one rename, since other processes may be running the CLI.
// Without a cache the CLI compiles as it would without one.
const SAMPLE = 'samples/kube-node.iptables-save';
const TRAINING = [
  ['parse', SAMPLE],
  ['services', '--json', '--fail-on', 'none', SAMPLE],
];
for (const args of TRAINING) {
  const cache = `dist/${current}${Object.hasOwn(CACHES, args[0]) ? `.${CACHES[args[0]]}` : ''}.cache`;
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    env: { ...process.env, NFWALK_CODE_CACHE_TRAINING: '1' },
    stdio: 'ignore',
  });
  if (run.status !== 0 || !existsSync(cache)) console.warn(`build: no ${cache} (${run.error ?? `exit ${run.status}`})`);
}

if (process.argv.includes('--types')) await import('./api-report.mjs');
