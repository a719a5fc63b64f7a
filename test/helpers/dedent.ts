/** Inline dumps in tests: strips the common indentation and the first newline, keeps a final newline. */
export function dedent(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw({ raw: strings.raw }, ...values).replace(/^\n/, '');
  const lines = raw.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return `${lines
    .map((l) => l.slice(indent))
    .join('\n')
    .replace(/\n *$/, '')}\n`;
}
