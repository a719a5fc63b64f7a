/**
 * Tests that render in Chromium. Without a browser they skip with the reason, unless
 * NFWALK_REQUIRE_CHROMIUM=1 (set by .ci/run), which turns a skip into a failure.
 */
import test, { type ExecutionContext } from 'ava';
import { BrowserRenderer } from '../../src/report/render/browser-renderer';
import { findChromium } from '../../src/report/render/chromium';

export const chromium = findChromium();

let shared: Promise<BrowserRenderer> | undefined;
let closing = false;

export function browserTest(title: string, fn: (t: ExecutionContext) => void | Promise<void>): void {
  if (chromium) {
    // Declared with the first test: AVA takes hooks only while the file declares its tests.
    if (!closing) test.after.always(async () => (await shared)?.close());
    closing = true;
    return test.serial(title, fn);
  }
  const why = 'no Chromium (apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH)';
  if (process.env.NFWALK_REQUIRE_CHROMIUM === '1')
    return test(title, (t) => t.fail(`rendering tests are required here but cannot run: ${why}`));
  test.skip(`${title} (skipped: ${why})`, () => {});
}

/** One renderer for a whole test file, as the CLI uses one for many diagrams. */
export function sharedRenderer(): Promise<BrowserRenderer> {
  if (!chromium) throw new Error('no Chromium');
  shared ??= BrowserRenderer.open(chromium);
  return shared;
}

/**
 * The text an SVG shows, one entry per <text> element, with whitespace removed: Mermaid wraps long
 * labels into rows, breaking inside words where it must, so only the characters can be compared.
 */
export function svgTexts(svg: string): string[] {
  const NAMED: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
  const unescape = (s: string) =>
    s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|quot|apos|amp);/gi, (_, e: string) =>
      e[0] === '#'
        ? String.fromCodePoint(Number.parseInt(e.slice(e[1] === 'x' ? 2 : 1), e[1] === 'x' ? 16 : 10))
        : (NAMED[e] as string),
    );
  return [...svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)].map((m) =>
    unescape((m[1] as string).replace(/<[^>]+>/g, '')).replace(/\s+/g, ''),
  );
}
