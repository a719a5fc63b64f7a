/**
 * The paste page in real Chromium, opened from file:// and driven through the DOM hooks of contracts.md
 * "The paste page": what it shows must be what the CLI prints for the same input, and it must make no
 * request of any kind while it reads pastes, files and bundles.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ZipFile } from 'yazl';
import type { Finding } from '../../src/analyses/finding';
import { sortFindings } from '../../src/report/findings-text';
import { browserTest, chromium, svgTexts } from '../helpers/browser';
import { buildCli, nfwalk } from '../helpers/cli';
import { PasteGate, type PageRun, pagePath } from '../helpers/page';
import { repoRoot } from '../helpers/shared';

buildCli();

const incident = join(repoRoot, 'samples', 'incident-node');
const incidentFiles = readdirSync(incident).sort();
const incidentPaste = incidentFiles.map((f) => readFileSync(join(incident, f), 'utf8')).join('\n');
const tmp = mkdtempSync(join(tmpdir(), 'nfwalk-page-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

/** Two nodes in one paste, as a chat thread holds them: prompts name the hosts. */
const multiPaste = [
  '[root@node-a ~]# iptables-save',
  readFileSync(join(incident, 'iptables-save.txt'), 'utf8').trimEnd(),
  '[root@node-a ~]# conntrack -L',
  readFileSync(join(incident, 'conntrack-L.txt'), 'utf8').trimEnd(),
  '[root@node-b ~]# iptables-save',
  readFileSync(join(repoRoot, 'samples', 'kube-node.iptables-save'), 'utf8').trimEnd(),
  '[root@node-b ~]# ',
].join('\n');

/** The CLI's --json for the same input: a paste on standard input, or paths relative to `cwd`. */
function cli(args: string[], input?: string, cwd = repoRoot): unknown {
  const r = nfwalk([...args, '--json', '--fail-on', 'none'], input, cwd);
  if (r.status !== 0) throw new Error(`nfwalk ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface Expected {
  findings: { code: string; severity: string }[];
  services: string[];
}

function expected(args: string[], input?: string, cwd?: string): Expected & { analyze: unknown } {
  const analyze = cli(['analyze', ...args], input, cwd) as { findings: Finding[] };
  const services = cli(['services', ...args], input, cwd) as { services: { name: string }[] };
  return {
    analyze,
    findings: sortFindings(analyze.findings).map((f) => ({ code: f.code, severity: f.severity })),
    services: services.services.map((s) => s.name),
  };
}

let shared: Promise<PasteGate> | undefined;
const gate = () => (shared ??= PasteGate.open(chromium!));
test.after.always(async () => (await shared)?.close());

/** What a download button of the page saves, as text. */
async function downloaded(g: PasteGate, button: string, t: ExecutionContext): Promise<string> {
  const dir = mkdtempSync(join(tmp, 'download-'));
  const session = await g.page.createCDPSession();
  // A file can show under its final name before Chromium has written it: only the completed event says it is whole.
  const completed = new Promise<boolean>((resolve) => {
    session.on('Browser.downloadProgress', (e) => {
      if (e.state === 'completed') resolve(true);
    });
    setTimeout(() => resolve(false), 10_000);
  });
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir, eventsEnabled: true });
  await g.page.click(button);
  const done = (await completed) ? readdirSync(dir).filter((f) => !f.endsWith('.crdownload')) : [];
  if (done.length) return readFileSync(join(dir, done[0]!), 'utf8');
  t.fail(`nothing downloaded by ${button}`);
  return '';
}

function same(t: ExecutionContext, run: PageRun, want: Expected): void {
  t.is(run.state, 'done', run.message);
  t.deepEqual(run.findings, want.findings);
  t.deepEqual(run.services, want.services);
}

browserTest(
  'page: a pasted node gives the CLI findings, services and analyze JSON, and draws its diagrams',
  async (t) => {
    const g = await gate();
    await g.reload();
    await g.paste(incidentPaste);
    const run = await g.run();
    const want = expected(['-'], incidentPaste);
    same(t, run, want);
    t.true(
      run.findings.some((f) => f.code === 'STALE_ENDPOINT_GONE'),
      'the sample has stale entries',
    );
    t.deepEqual(JSON.parse(await downloaded(g, '#download-json', t)), want.analyze);
    // The clipboard of a headless browser cannot be read back: what the button hands it is recorded instead.
    await g.page.evaluate(() => {
      const copied: string[] = [];
      (window as unknown as { copied: string[] }).copied = copied;
      navigator.clipboard.writeText = async (text: string) => void copied.push(text);
    });
    await g.page.click('#copy-markdown');
    const markdown = nfwalk(['analyze', '-', '--format', 'markdown', '--fail-on', 'none'], incidentPaste).stdout;
    t.deepEqual(await g.page.evaluate(() => (window as unknown as { copied: string[] }).copied), [markdown]);
    // services, stale entries and the chain call graph
    t.is(run.diagrams, 3);
    t.deepEqual(g.network, []);
  },
);

browserTest('page: a paste of two nodes gives the CLI findings and services of both', async (t) => {
  const g = await gate();
  await g.reload();
  await g.paste(multiPaste);
  const run = await g.run();
  same(t, run, expected(['-'], multiPaste));
  const nodes = await g.page.$$eval('#node-lines [data-node]', (es) => es.map((e) => (e as HTMLElement).dataset.node));
  t.deepEqual(nodes, ['node-a', 'node-b']);
  t.deepEqual(g.network, []);
});

browserTest('page: chosen files and a .tar.gz bundle read as the CLI reads the same paths', async (t) => {
  execFileSync('tar', ['-czf', join(tmp, 'incident-node.tar.gz'), '-C', join(repoRoot, 'samples'), 'incident-node']);
  const g = await gate();

  await g.reload();
  await g.choose(join(tmp, 'incident-node.tar.gz'));
  same(t, await g.run(), expected(['incident-node.tar.gz'], undefined, tmp));

  await g.reload();
  await g.choose(...incidentFiles.map((f) => join(incident, f)));
  same(t, await g.run(), expected(incidentFiles, undefined, incident));
  t.deepEqual(g.network, []);
});

browserTest('page: a .tar.xz bundle and a zip holding a tarball read as the CLI reads them', async (t) => {
  execFileSync('tar', ['-cJf', join(tmp, 'incident-node.tar.xz'), '-C', join(repoRoot, 'samples'), 'incident-node']);
  execFileSync('tar', ['-czf', join(tmp, 'inner.tgz'), '-C', join(repoRoot, 'samples'), 'incident-node']);
  const z = new ZipFile();
  z.addBuffer(readFileSync(join(tmp, 'inner.tgz')), 'sysdump/inner.tgz');
  z.addBuffer(readFileSync(join(repoRoot, 'samples', 'kube-node.iptables-save')), 'sysdump/node-b/iptables-save.txt');
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  writeFileSync(join(tmp, 'sysdump.zip'), Buffer.concat(chunks));
  const g = await gate();
  for (const bundle of ['incident-node.tar.xz', 'sysdump.zip']) {
    await g.reload();
    await g.choose(join(tmp, bundle));
    const run = await g.run();
    same(t, run, expected([bundle], undefined, tmp));
    t.true(run.findings.length > 0, bundle);
  }
  t.deepEqual(g.network, []);
});

browserTest('page: a bundle dropped on the page is read like a chosen one', async (t) => {
  execFileSync('tar', ['-czf', join(tmp, 'dropped.tgz'), '-C', join(repoRoot, 'samples'), 'incident-node']);
  const g = await gate();
  await g.reload();
  const bytes = readFileSync(join(tmp, 'dropped.tgz')).toString('base64');
  await g.page.evaluate((b64) => {
    const data = new DataTransfer();
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    data.items.add(new File([raw], 'dropped.tgz', { type: 'application/gzip' }));
    document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }));
  }, bytes);
  await g.page.waitForFunction(() => document.querySelectorAll('#picked li').length === 1);
  same(t, await g.run(), expected(['dropped.tgz'], undefined, tmp));
  t.deepEqual(g.network, []);
});

browserTest('page: a trace from the form equals nfwalk trace --json, and its diagram is the CLI picture', async (t) => {
  const g = await gate();
  await g.reload();
  await g.paste(incidentPaste);
  t.is((await g.run()).state, 'done');
  const probe = ['--src', '10.244.1.5', '--dst', '10.96.14.20', '--dport', '80', '--in', 'cni0'];
  for (const [name, value] of Object.entries({ src: '10.244.1.5', dst: '10.96.14.20', dport: '80', in: 'cni0' }))
    await g.page.type(`#trace-form [name="${name}"]`, value);
  await g.page.click('#trace-form button[type=submit]');
  await g.page.waitForFunction(() => document.getElementById('trace-result')!.dataset.state !== 'running', {
    polling: 50,
  });
  const json = cli(['trace', '-', ...probe], incidentPaste) as { paths: unknown[] };
  t.true(json.paths.length > 1, 'the service splits between endpoints');
  t.is(
    await g.page.$eval('#trace-result', (e) => (e as HTMLElement).dataset.state),
    'done',
    await g.page.$eval('#trace-result', (e) => e.textContent ?? ''),
  );
  t.deepEqual(JSON.parse(await downloaded(g, '#trace-result button', t)), json);
  const svgFile = join(tmp, 'trace.svg');
  const r = nfwalk(['trace', '-', ...probe, '-o', svgFile], incidentPaste);
  t.is(r.status, 0, r.stderr);
  const pageSvg = await g.page.$eval('#trace-diagram[data-nfwalk="diagram"] svg', (e) => e.outerHTML);
  t.deepEqual(svgTexts(pageSvg), svgTexts(readFileSync(svgFile, 'utf8')));
  const saved = await downloaded(g, '#trace-diagram figcaption button', t);
  t.true(saved.startsWith('<svg'));
  t.deepEqual(svgTexts(saved), svgTexts(pageSvg));
  t.deepEqual(g.network, []);
});

browserTest('page: clicking an evidence reference shows the dump lines around it, the line highlighted', async (t) => {
  const g = await gate();
  await g.reload();
  await g.paste(incidentPaste);
  await g.run();
  const ref = await g.page.$('[data-finding-code] button.ref');
  const where = await ref!.evaluate((e) => ({ line: Number((e as HTMLElement).dataset.line) }));
  await ref!.click();
  await g.page.waitForSelector('#evidence:not([hidden]) .hit');
  const hit = await g.page.$eval('#evidence .hit', (e) => e.textContent ?? '');
  const line = incidentPaste.split('\n')[where.line - 1]!;
  t.is(hit.replace(/^\s*\d+ /, '').trimEnd(), line.trimEnd());
  await g.page.keyboard.press('Escape');
  t.true(await g.page.$eval('#evidence', (e) => (e as HTMLElement).hidden));
});

browserTest('page: input with no dump is an error in the status, with the CLI message', async (t) => {
  const g = await gate();
  await g.reload();
  await g.paste('hello world\n');
  const run = await g.run();
  t.is(run.state, 'error');
  const r = nfwalk(['analyze', '-'], 'hello world\n');
  t.is(r.status, 2);
  t.true(r.stderr.includes(run.message), `${run.message} vs ${r.stderr}`);
});

test('page: one self-contained file under its size budget, with a policy that forbids connections', async (t) => {
  const html = readFileSync(pagePath, 'utf8');
  const { PAGE_BUDGET } = await import('../../scripts/build-page.mjs');
  t.true(statSync(pagePath).size <= PAGE_BUDGET, `${statSync(pagePath).size} bytes > ${PAGE_BUDGET}`);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  for (const directive of ["default-src 'none'", "connect-src 'none'", "form-action 'none'", 'worker-src blob:'])
    t.true(csp.includes(directive), directive);
  t.notRegex(csp, /'unsafe-eval'|https?:|\*/);
  // Nothing is loaded from elsewhere: no src or href that leaves the file.
  const markup = html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2');
  t.is(markup.match(/<script/g)?.length, 3, 'the worker, mermaid and the page, inline');
  t.notRegex(markup, /<(script|link|img|iframe)[^>]+(src|href)=/i);
});

test('page: no Node module is bundled into the page (the worker reads files through the browser)', async (t) => {
  const { buildPage } = await import('../../scripts/build-page.mjs');
  const inputs = (await buildPage()).inputs.flat();
  for (const nodeOnly of ['src/input/sources.ts', 'src/input/archives.ts', 'src/library/inputs.ts', 'yauzl', 'zlib'])
    t.false(
      inputs.some((i) => i.includes(nodeOnly)),
      nodeOnly,
    );
  t.true(inputs.includes('src/library/read-text.ts'), 'the paste is read by the library');
});
