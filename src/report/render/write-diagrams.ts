/**
 * Writes diagrams to files, each in the format its name asks for, starting Chromium at most once for all
 * of them. Without Chromium, SVG still comes out of the browser-free renderer; PNG and PDF cannot.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BrowserRenderer } from './browser-renderer';
import { findChromium } from './chromium';
import { type Diagram, type OutputKind, RenderError, markdownOf, outputKind } from './diagram';
import { plainSvg } from './plain-renderer';

export interface DiagramFile {
  readonly diagram: Diagram;
  readonly file: string;
}

export interface Written {
  readonly file: string;
  readonly kind: OutputKind;
  readonly renderer: 'chromium' | 'beautiful-mermaid' | null;
}

export interface WriteOptions {
  /** Chromium to use; found on the usual paths when absent. */
  readonly chromium?: string;
}

export async function writeDiagrams(files: readonly DiagramFile[], options: WriteOptions = {}): Promise<Written[]> {
  const jobs = files.map((f) => {
    const kind = outputKind(f.file);
    if (!kind) throw new RenderError(`${f.file}: name the output .svg, .png, .pdf, .md or .mmd`);
    return { ...f, kind };
  });
  const images = jobs.filter((j) => j.kind === 'svg' || j.kind === 'png' || j.kind === 'pdf');
  const chromium = images.length > 0 ? findChromium(options.chromium) : undefined;
  const raster = images.find((j) => j.kind !== 'svg');
  if (raster && !chromium) {
    throw new RenderError(
      `${raster.file}: ${raster.kind.toUpperCase()} needs Chromium (apt-get install chromium, or --chromium PATH); .svg, .md and .mmd work without it`,
    );
  }
  const browser = chromium ? await BrowserRenderer.open(chromium) : undefined;
  try {
    const written: Written[] = [];
    for (const job of jobs) {
      await mkdir(dirname(job.file), { recursive: true });
      if (job.kind === 'mmd' || job.kind === 'md') {
        await writeFile(job.file, job.kind === 'md' ? markdownOf(job.diagram) : job.diagram.source);
        written.push({ file: job.file, kind: job.kind, renderer: null });
      } else if (browser) {
        await writeFile(job.file, await browser.render(job.diagram.source, job.kind));
        written.push({ file: job.file, kind: job.kind, renderer: 'chromium' });
      } else {
        await writeFile(job.file, await plainSvg(job.diagram.plain));
        written.push({ file: job.file, kind: job.kind, renderer: 'beautiful-mermaid' });
      }
    }
    return written;
  } finally {
    await browser?.close();
  }
}
