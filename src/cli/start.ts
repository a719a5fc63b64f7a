/**
 * nfwalk's executable (dist/cli.js): runs the CLI's bundle (main.ts, built as one CommonJS module inside its
 * wrapper function, dist/cli-<hash>.cjs) with V8's code cache (dist/cli-<hash>.cache). Node 20 has no code cache for ES modules,
 * and compiling the code a `parse` runs is about a fifth of nfwalk's start (docs/performance.md). `npm run build`
 * writes the cache by running a sample parse with NFWALK_CODE_CACHE_TRAINING set; without a cache, or when V8
 * rejects it (another Node or V8 flags), the bundle compiles as it would without one. The names carry the
 * bundle's hash, so a cache is never read for another bundle.
 *
 * A command whose code a parse does not run (services and the walks) has a cache of its own,
 * dist/cli-<hash>.<name>.cache, trained on it after the parse: the parse's cache then stays the size a parse needs.
 */

// Taken as CommonJS modules: an ES module's import of one builds its ES module facade, which reads every export;
// node:fs's `promises` getter alone loads fs/promises, readline and streams.
const { readFileSync, renameSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { dirname, join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const { Script } = process.getBuiltinModule('node:vm');
const { crc32 } = process.getBuiltinModule('node:zlib');

/** The bundle's file name, set by scripts/build.mjs. */
declare const NFWALK_BUNDLE: string;
/** The commands that have a code cache of their own, and its name; set by scripts/build.mjs. */
declare const NFWALK_CACHES: Readonly<Record<string, string>>;

const file = join(dirname(fileURLToPath(import.meta.url)), NFWALK_BUNDLE);
const plainCache = file.replace(/\.cjs$/, '.cache');
// The command is the first word that names one, as main.ts finds it; a file named like a command costs time only.
const named = process.argv.slice(2).find((a) => Object.hasOwn(NFWALK_CACHES, a));
const cacheFile = named === undefined ? plainCache : file.replace(/\.cjs$/, `.${NFWALK_CACHES[named]}.cache`);

/**
 * V8 checks a cache's header (its V8 version, flags, the source's length) but not its body, and a damaged body
 * crashes the process: the file ends with the CRC-32 of the cache, and a cache that does not match it is not
 * used (test/cli/start.test.ts). A CRC finds the damage a torn or stray write does, and node:zlib loads in
 * about half the time node:crypto takes. At the end, not the start: V8 copies a cache that does not start on an
 * 8-byte boundary (1-1.5 MB of fresh memory, a page fault each 4 KB), and the file's buffer starts on one.
 */
const DIGEST = 4;
const digest = (data: Uint8Array) => {
  const sum = Buffer.alloc(DIGEST);
  sum.writeUInt32BE(crc32(data));
  return sum;
};

const training = Boolean(process.env['NFWALK_CODE_CACHE_TRAINING']);

/**
 * The command's own cache, else the plain one. A training run starts from the plain cache for a command's own
 * and from none for the plain one: what the training runs of an earlier build of the same bundle compiled does
 * not carry into this build's caches.
 */
function cachedData(): Buffer | undefined {
  if (training) return cacheFile === plainCache ? undefined : checked(plainCache);
  return checked(cacheFile) ?? (cacheFile === plainCache ? undefined : checked(plainCache));
}

function checked(path: string): Buffer | undefined {
  let written: Buffer;
  try {
    written = readFileSync(path);
  } catch {
    return undefined;
  }
  const data = written.subarray(0, written.length - DIGEST);
  return written.length > DIGEST && digest(data).equals(written.subarray(data.length)) ? data : undefined;
}

// The bundle is a function expression with CommonJS's parameters, written so by scripts/build.mjs: a wrapper
// joined here would be a second string of the bundle's size that V8 copies flat before compiling it. It is ASCII,
// which Latin-1 reads as UTF-8 does, without Node's UTF-8 decoder: 30-50 ms less per start.
const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData: cachedData() });
if (training) {
  // At exit the cache holds every function the run compiled, not only the bundle's top level.
  process.on('exit', () => {
    const aside = `${cacheFile}.${process.pid}.tmp`;
    const data = script.createCachedData();
    writeFileSync(aside, Buffer.concat([data, digest(data)]));
    renameSync(aside, cacheFile);
  });
}
const module = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(
  module.exports,
  createRequire(file),
  module,
  file,
  dirname(file),
  // The bundle's import() of its external packages (puppeteer, mermaid, the AWS SDK; scripts/build.mjs).
  (specifier: string) => import(specifier),
);
