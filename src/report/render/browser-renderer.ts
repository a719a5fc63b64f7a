/**
 * Renders Mermaid in one Chromium page with mermaid loaded once: 76 ms a diagram, against 600 ms when
 * every diagram gets a fresh page and a fresh 3.5 MB mermaid load, as mermaid-cli's `renderMermaid`
 * does (ecosystem.md §1; bench/diagrams.ts measures both). The configuration is mermaid-cli's: limits
 * raised in `initialize` (they cannot be raised from a diagram), `htmlLabels` off so the SVG is plain
 * SVG text that any viewer shows (and entity codes resolved, which mermaid forgets in that mode).
 */
import { createRequire } from 'node:module';
import type { Browser, Page } from 'puppeteer';
import { LAUNCH_ARGS } from './chromium';
import { type ImageFormat, RenderError } from './diagram';
import { MERMAID_CONFIG } from './mermaid-config';
import { resolveEntityCodes } from './svg-entities';

export { MERMAID_CONFIG } from './mermaid-config';

interface MermaidGlobal {
  initialize(config: unknown): void;
  render(id: string, source: string): Promise<{ svg: string }>;
}

/** CSS pixels above which a PNG is taken at 1× rather than 2×. */
const MAX_HIGH_DPI_AREA = 4_000_000;

export class BrowserRenderer {
  private count = 0;

  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async open(executablePath: string): Promise<BrowserRenderer> {
    // An optional peer dependency: a library user who never renders does not install a browser driver.
    const { default: puppeteer } = await import('puppeteer').catch(() => {
      throw new RenderError('rendering with Chromium needs the puppeteer package (npm install puppeteer)');
    });
    const browser = await puppeteer.launch({ executablePath, args: [...LAUNCH_ARGS] });
    try {
      const page = await browser.newPage();
      await page.setContent(
        '<!doctype html><html><body style="margin:0;background:white"><div id="diagram" style="display:inline-block"></div></body></html>',
      );
      await page.addScriptTag({ path: createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js') });
      await page.evaluate(
        (config) => (globalThis as unknown as { mermaid: MermaidGlobal }).mermaid.initialize(config),
        MERMAID_CONFIG,
      );
      return new BrowserRenderer(browser, page);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  async render(source: string, format: ImageFormat): Promise<Uint8Array> {
    const id = `nfwalk-${++this.count}`;
    const drawn = await this.page.evaluate(
      async (text, svgId) => {
        const container = document.getElementById('diagram') as HTMLElement;
        container.innerHTML = '';
        try {
          const { svg } = await (globalThis as unknown as { mermaid: MermaidGlobal }).mermaid.render(svgId, text);
          container.innerHTML = svg;
          return new XMLSerializer().serializeToString(container.querySelector('svg') as SVGSVGElement);
        } catch (e) {
          return { error: e instanceof Error ? e.message : String(e) };
        }
      },
      source,
      id,
    );
    if (typeof drawn !== 'string')
      throw new RenderError(`mermaid could not render the diagram: ${drawn.error.split('\n')[0]}`);
    // Over maxTextSize mermaid draws a picture of the error instead of failing.
    if (drawn.includes('Maximum text size in diagram exceeded'))
      throw new RenderError('the diagram is larger than mermaid renders');
    const svg = resolveEntityCodes(drawn);
    if (format === 'svg') return new TextEncoder().encode(svg);
    const box = await this.page.evaluate(
      (fixed, changed) => {
        const container = document.getElementById('diagram') as HTMLElement;
        if (changed) container.innerHTML = fixed;
        const r = (container.querySelector('svg') as SVGSVGElement).getBoundingClientRect();
        return { width: Math.ceil(r.width), height: Math.ceil(r.height) };
      },
      svg,
      svg !== drawn,
    );
    if (format === 'png') {
      // Twice the pixels for sharp text, unless that makes a huge image slow to encode and to open.
      const scale = box.width * box.height > MAX_HIGH_DPI_AREA ? 1 : 2;
      await this.page.setViewport({
        width: Math.max(box.width, 1),
        height: Math.max(box.height, 1),
        deviceScaleFactor: scale,
      });
      const element = await this.page.$('#diagram svg');
      if (!element) throw new RenderError('mermaid produced no SVG');
      return await element.screenshot({ type: 'png', optimizeForSpeed: true });
    }
    return await this.page.pdf({
      width: `${box.width}px`,
      height: `${box.height}px`,
      printBackground: true,
      pageRanges: '1',
    });
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
