/**
 * Where Chromium is and how it starts here: `--chromium`, then PUPPETEER_EXECUTABLE_PATH, then Debian's
 * /usr/bin/chromium (puppeteer never downloads a browser: PUPPETEER_SKIP_DOWNLOAD). The flags keep it
 * from reaching for a network it cannot have, and let it run as root (ecosystem.md §1).
 */
import { accessSync, constants } from 'node:fs';
import { RenderError } from './diagram';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

const runnable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The browser to render with, or undefined when none is installed or `none` is asked for. An explicit path must exist. */
export function findChromium(explicit?: string): string | undefined {
  if (explicit === 'none') return undefined;
  if (explicit !== undefined) {
    if (!runnable(explicit)) throw new RenderError(`--chromium ${explicit}: no such executable`);
    return explicit;
  }
  const fromEnv = process.env.PUPPETEER_EXECUTABLE_PATH;
  return [...(fromEnv ? [fromEnv] : []), ...CANDIDATES].find(runnable);
}
