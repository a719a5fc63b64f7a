/**
 * Label text for the two Mermaid readers nfwalk writes for. Dump comments are attacker-controlled
 * text as far as a diagram is concerned: nothing in them may end a label, start a statement or reach
 * the SVG as markup.
 */
export const MAX_LINE = 100;

/** A label line as drawn: at most `max` characters, an ellipsis where it was cut. */
export const cutLine = (line: string, max = MAX_LINE) => (line.length > max ? `${line.slice(0, max - 1)}…` : line);

// Control characters would end a statement or corrupt the SVG.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * For Mermaid itself, inside `"…"`, where only `"` ends the string: the quote, HTML's `<>&`, the
 * backtick (Markdown strings), `#` (so that text shaped like an entity stays literal) and the second
 * `%` of `%%` (a comment anywhere on a line) become Mermaid entities (`#34;`), decoded after parsing.
 */
export function mermaidLabel(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      cutLine(line.replace(CONTROL, ' ').trim()).replace(/[#"<>&`]|%{2,}/g, (c) =>
        c[0] === '%' ? `%${'#37;'.repeat(c.length - 1)}` : `#${c.charCodeAt(0)};`,
      ),
    )
    .join('<br/>');
}

const LOOKALIKE: Readonly<Record<string, string>> = {
  '"': "'",
  '[': '(',
  ']': ')',
  '{': '(',
  '}': ')',
  '|': '/',
  ';': ',',
  '`': "'",
  '<': '‹',
  '>': '›',
  '#': '№',
  '%': '％',
  '&': '+',
};

/**
 * For beautiful-mermaid (the browser-free renderer), whose parser ignores quotes and knows no
 * entities: characters it would read as syntax become look-alikes, and arrows in text are broken up.
 */
export function plainLabel(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      cutLine(line.replace(CONTROL, ' ').trim())
        .replace(/["[\]{}|;`<>#%&]/g, (c) => LOOKALIKE[c] ?? c)
        .replace(/-(?=[-.=>ox])|=(?==)|\.(?=-)/g, (c) => `${c}\u200b`)
        .replace(/:::/g, ':\u200b::'),
    )
    .join('<br/>');
}
