// Builds the paste page (contracts.md "The paste page"): one HTML file holding the analysis worker, the page
// script, mermaid and the styles, under a Content-Security-Policy that allows no connection of any kind.
// The worker and the page are bundled for the browser (platform=browser): a Node module reached from them
// fails the build instead of being shimmed, so no file-system or process code can creep into the page.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

/** Size the page must stay under (tested): mermaid is 3.6 MB of it. */
export const PAGE_BUDGET = 6 * 1024 * 1024;

const browser = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome109', 'firefox115'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  metafile: true,
  // The page has no environment: the grammar's self-check switch (grammar/shared/lazy-grammar.ts) is off there.
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.NFWALK_VALIDATE_GRAMMAR': 'undefined' },
};

/** Inline scripts must not end their <script> element early; esbuild escapes `</script` in what it prints. */
function inline(js, name) {
  if (/<\/script/i.test(js)) throw new Error(`${name} holds "</script" and cannot be inlined`);
  return js;
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page as one string, and the modules each bundle took in (for the test that no Node code is in it). */
export async function buildPage() {
  const [worker, page] = await Promise.all([
    build({ ...browser, entryPoints: ['src/web/worker.ts'], outfile: 'worker.js' }),
    build({ ...browser, entryPoints: ['src/web/page.ts'], outfile: 'page.js' }),
  ]);
  const require = createRequire(import.meta.url);
  const scripts = {
    worker: inline(worker.outputFiles[0].text, 'the worker'),
    mermaid: inline(readFileSync(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8'), 'mermaid'),
    page: inline(page.outputFiles[0].text, 'the page script'),
  };
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  // The worker's script element is data (its type is not JavaScript): the page makes a blob: URL of it.
  // mermaid's SVGs carry <style> elements and style attributes, hence 'unsafe-inline' for styles only.
  // xz-decompress is WebAssembly, compiled in the worker: 'wasm-unsafe-eval', which allows no JS eval.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(scripts.mermaid)} ${sha256(scripts.page)} 'wasm-unsafe-eval'`,
    'worker-src blob:',
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    'font-src data:',
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "manifest-src 'none'",
    "media-src 'none'",
    "frame-src 'none'",
  ].join('; ');
  const template = readFileSync(new URL('../src/web/page.html', import.meta.url), 'utf8');
  const fill = {
    CSP: csp,
    VERSION: version,
    STYLE: readFileSync(new URL('../src/web/page.css', import.meta.url), 'utf8'),
  };
  const html = template
    .replace(/%(CSP|VERSION|STYLE)%/g, (_, key) => fill[key])
    .replace(/(<script[^>]*>)\s*%(WORKER|MERMAID|PAGE)%\s*(<\/script>)/g, (_, open, key, close) => {
      return `${open}${scripts[key.toLowerCase()]}${close}`;
    });
  return { html, inputs: [worker, page].map((b) => Object.keys(b.metafile.inputs)) };
}
