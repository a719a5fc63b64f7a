/**
 * The layering of docs/architecture.md as a check: data flows input → grammar → model → graph → analyses →
 * report → cli/library, and an analysis reaches another only through its index.ts. Every relative import of
 * src/ and grammar/ is read and held to the rules below; the test names each import that breaks one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import test from 'ava';
import { repoRoot } from './helpers/shared';

type Layer = 'input' | 'grammar' | 'model' | 'graph' | 'analyses' | 'report' | 'anonymize' | 'library' | 'cli' | 'web';

/** What each layer may import, besides itself. `grammar` yields model types, so the two know each other. */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  grammar: ['model'],
  model: ['grammar'],
  input: ['grammar', 'model'],
  graph: ['grammar', 'model'],
  analyses: ['grammar', 'model', 'graph'],
  report: ['grammar', 'model', 'analyses'],
  anonymize: ['grammar', 'model'],
  library: ['input', 'grammar', 'model', 'graph', 'analyses', 'report'],
  cli: ['input', 'grammar', 'model', 'graph', 'analyses', 'report', 'anonymize', 'library'],
  web: ['input', 'grammar', 'model', 'graph', 'analyses', 'report', 'anonymize', 'library'],
};

function layerOf(file: string): Layer | undefined {
  const [top, second] = relative(repoRoot, file).split('/');
  if (top === 'grammar') return 'grammar';
  if (top !== 'src' || second === undefined || second.endsWith('.ts')) return undefined;
  return second in MAY_IMPORT ? (second as Layer) : undefined;
}

/** src/analyses/<name>/… → name; files directly in src/analyses/ are shared by all analyses. */
function analysisOf(file: string): string | undefined {
  const parts = relative(join(repoRoot, 'src', 'analyses'), file).split('/');
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)]
    .map((m) => m[1] ?? m[2]!)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const path = resolve(dirname(file), spec);
      return path.endsWith('.ts') || path.endsWith('.json') ? path : `${path}.ts`;
    });
}

/** Why `from` may not import `to`, or undefined when it may. */
export function breach(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === undefined || b === undefined || a === b) {
    if (a !== 'analyses' || b !== 'analyses') return undefined;
    const x = analysisOf(from);
    const y = analysisOf(to);
    if (y === undefined || x === y || to.endsWith('/index.ts')) return undefined;
    return `analysis ${x ?? '(shared)'} imports ${y}'s ${relative(join(repoRoot, 'src/analyses', y), to)} instead of its index.ts`;
  }
  return MAY_IMPORT[a].includes(b) ? undefined : `${a} imports ${b}`;
}

test('every import follows the layering of docs/architecture.md', (t) => {
  const breaches: string[] = [];
  let imports = 0;
  for (const root of ['src', 'grammar'])
    for (const file of sourceFiles(join(repoRoot, root)))
      for (const target of importsOf(file)) {
        imports++;
        const why = breach(file, target);
        if (why) breaches.push(`${relative(repoRoot, file)} → ${relative(repoRoot, target)}: ${why}`);
      }
  t.true(imports > 500, `only ${imports} imports read: the import pattern no longer fits the code`);
  t.deepEqual(breaches, []);
});

test('the check catches each kind of breach', (t) => {
  const at = (path: string) => join(repoRoot, path);
  t.regex(breach(at('src/analyses/stale/index.ts'), at('src/analyses/services/evaluate.ts')) ?? '', /index\.ts/);
  t.is(breach(at('src/analyses/stale/index.ts'), at('src/analyses/services/index.ts')), undefined);
  t.is(breach(at('src/analyses/stale/index.ts'), at('src/analyses/finding.ts')), undefined);
  t.is(breach(at('src/report/trace-text.ts'), at('src/input/sections.ts')), 'report imports input');
  t.is(breach(at('src/report/trace-text.ts'), at('src/graph/rule-graph.ts')), 'report imports graph');
  t.is(breach(at('src/model/node.ts'), at('src/analyses/finding.ts')), 'model imports analyses');
  t.is(breach(at('src/analyses/lint/index.ts'), at('src/report/json.ts')), 'analyses imports report');
});
