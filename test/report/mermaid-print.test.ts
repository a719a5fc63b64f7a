import test from 'ava';
import { parseMermaid } from 'beautiful-mermaid';
import fc from 'fast-check';
import type { Flowchart } from '../../src/report/mermaid/flowchart';
import { NodeIds } from '../../src/report/mermaid/ids';
import { cutLine } from '../../src/report/mermaid/label';
import { printFlowchart } from '../../src/report/mermaid/print';
import { readFlowchart } from '../helpers/mermaid';

// Fragments of Mermaid, HTML and Markdown syntax that real comments have carried, mixed with anything.
const HOSTILE = [
  '"',
  '"]',
  '["',
  '|',
  '-->',
  '--o',
  '---x',
  '==>',
  '-.->',
  '%%',
  '%%{init: {}}%%',
  ';',
  '\n',
  '\r',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '&amp;',
  '#quot;',
  '#35;',
  '`',
  '```',
  'end',
  'subgraph',
  'click n_a call alert()',
  ':::cls',
  '{{',
  '}}',
  '([',
  '])',
  '\\',
  '\u0000',
  'é',
  '🙂',
];
const label = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 6 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

/** What a label reads as after the printer: control characters are blanks, lines trimmed (Mermaid trims), long lines cut. */
const expected = (s: string) =>
  s
    .split('\n')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: mirrors the printer
    .map((l) => l.replace(/[\u0000-\u001f\u007f]/g, ' ').trim())
    .map((l) => cutLine(l))
    .join('<br>'); // Mermaid reads the printer's <br/> as <br>

const chartOf = (labels: string[]): Flowchart => {
  const ids = new NodeIds();
  const nodes = labels.map((l, i) => ({
    id: ids.id('n', `${i} ${l}`),
    label: l,
    shape: (['box', 'rounded', 'stadium', 'hexagon', 'diamond'] as const)[i % 5],
  }));
  return {
    direction: 'LR',
    nodes,
    edges: nodes.slice(1).map((n, i) => ({
      from: nodes[i]!.id,
      to: n.id,
      label: labels[i + 1] ?? '',
      line: (['solid', 'dashed', 'thick'] as const)[i % 3],
    })),
    subgraphs:
      nodes.length > 2 ? [{ id: 'g_first', label: labels[0] ?? 'g', nodes: [nodes[0]!.id, nodes[1]!.id] }] : [],
    classes: { drop: 'fill:#fdd,stroke:#c00' },
  };
};

test('Mermaid reads every label back exactly as written, whatever the dump comments hold', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(label, { minLength: 1, maxLength: 5 }), async (labels) => {
      const chart = chartOf(labels);
      const parsed = await readFlowchart(printFlowchart(chart));
      t.deepEqual([...parsed.vertices.keys()].sort(), chart.nodes.map((n) => n.id).sort());
      for (const n of chart.nodes) t.is(parsed.vertices.get(n.id), expected(n.label));
      t.deepEqual(
        parsed.edges.map((e) => [e.from, e.to, e.text]),
        chart.edges.map((e) => [e.from, e.to, expected(e.label ?? '')]),
      );
      t.deepEqual(
        parsed.subgraphs.map((g) => [g.title, [...g.nodes].sort()]),
        (chart.subgraphs ?? []).map((g) => [expected(g.label), [...g.nodes].sort()]),
      );
    }),
    { numRuns: 300 },
  );
});

test('beautiful-mermaid (the browser-free renderer) sees the same nodes and edges in the plain dialect', (t) => {
  fc.assert(
    fc.property(fc.array(label, { minLength: 1, maxLength: 5 }), (labels) => {
      const chart = chartOf(labels);
      const parsed = parseMermaid(printFlowchart(chart, 'plain'));
      t.deepEqual([...parsed.nodes.keys()].sort(), chart.nodes.map((n) => n.id).sort());
      t.deepEqual(
        parsed.edges.map((e) => [e.source, e.target]),
        chart.edges.map((e) => [e.from, e.to]),
      );
    }),
    { numRuns: 300 },
  );
});

test('ids name what a node stands for, stay clear of keywords, and never collide', (t) => {
  const ids = new NodeIds();
  t.is(ids.id('c', 'nat:KUBE-SVC-ABC'), 'c_nat_KUBE_SVC_ABC');
  t.is(ids.id('c', 'nat:KUBE-SVC-ABC'), 'c_nat_KUBE_SVC_ABC');
  t.is(ids.id('c', 'nat:KUBE_SVC_ABC'), 'c_nat_KUBE_SVC_ABC_2');
  t.is(ids.id('v', 'end'), 'v_end');
});
