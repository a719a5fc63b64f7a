/**
 * Drives the paste page (dist/nfwalk.html) in Chromium from file://, only through the DOM hooks of
 * contracts.md "The paste page", as other tools do; every request the page makes is recorded. Used by the
 * page's tests and by bench/page.ts.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, HTTPRequest, Page } from 'puppeteer';
import { LAUNCH_ARGS } from '../../src/report/render/chromium';

// Not from ./shared, which loads ava: bench/page.ts drives the page too.
export const pagePath = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'dist', 'nfwalk.html');

export interface PageRun {
  readonly state: string;
  readonly message: string;
  readonly findings: { code: string; severity: string }[];
  readonly services: string[];
  readonly diagrams: number;
}

export class PasteGate {
  /** Every request the page made: its URL. Loading the page itself (file://) is the only one allowed. */
  readonly requests: string[] = [];
  readonly consoleErrors: string[] = [];

  private constructor(
    readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(executablePath: string, file = pagePath): Promise<PasteGate> {
    const { default: puppeteer } = await import('puppeteer');
    // No protocol timeout: mermaid may hold the page's thread for minutes on a 10,000-service node.
    const browser = await puppeteer.launch({ executablePath, args: [...LAUNCH_ARGS], protocolTimeout: 0 });
    const page = await browser.newPage();
    const gate = new PasteGate(browser, page);
    const record = (r: HTTPRequest) => gate.requests.push(r.url());
    page.on('request', record);
    page.on('console', (m) => {
      if (m.type() === 'error') gate.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => gate.consoleErrors.push(String(e)));
    // The worker is a target of its own: its requests are watched through its own Network domain.
    page.on('workercreated', (w) => {
      gate.requests.push(`worker:${w.url()}`);
      w.client.on('Network.requestWillBeSent', (e) => gate.requests.push(e.request.url));
      w.client.send('Network.enable').catch((e: Error) => gate.consoleErrors.push(`cannot watch the worker: ${e}`));
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return gate;
  }

  /** Requests to anything but the page file itself and the worker's blob: URL: must be none. */
  get network(): string[] {
    return this.requests.filter((u) => !u.startsWith('file://') && !/^(worker:)?blob:/.test(u));
  }

  async reload(): Promise<void> {
    await this.page.reload({ waitUntil: 'load' });
  }

  async paste(text: string): Promise<void> {
    await this.page.$eval(
      'textarea[data-nfwalk="input"]',
      (e, t) => {
        (e as HTMLTextAreaElement).value = t;
        e.dispatchEvent(new Event('input', { bubbles: true }));
      },
      text,
    );
  }

  async choose(...files: string[]): Promise<void> {
    const input = await this.page.$('input[type=file][data-nfwalk="files"]');
    if (!input) throw new Error('no file input hook');
    await (input as unknown as { uploadFile(...p: string[]): Promise<void> }).uploadFile(...files);
  }

  /** Clicks analyze and waits for the status to leave "running". */
  async run(timeoutMs = 240_000): Promise<PageRun> {
    await this.page.click('[data-nfwalk="analyze"]');
    await this.page.waitForFunction(
      () => {
        const s = document.querySelector('[data-nfwalk="status"]') as HTMLElement;
        return s.dataset.state === 'done' || s.dataset.state === 'error';
      },
      { timeout: timeoutMs, polling: 50 },
    );
    return this.page.evaluate(() => {
      const s = document.querySelector('[data-nfwalk="status"]') as HTMLElement;
      return {
        state: s.dataset.state ?? '',
        message: s.textContent ?? '',
        findings: [...document.querySelectorAll<HTMLElement>('[data-finding-code]')].map((e) => ({
          code: e.dataset.findingCode ?? '',
          severity: e.dataset.severity ?? '',
        })),
        services: [...document.querySelectorAll<HTMLElement>('[data-service]')].map((e) => e.dataset.service ?? ''),
        diagrams: document.querySelectorAll('[data-nfwalk="diagram"] svg').length,
      };
    });
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
