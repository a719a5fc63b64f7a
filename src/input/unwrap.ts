/**
 * Wrappers that issue threads and chats put around a pasted dump, undone before any grammar sees it
 * (bundles.md §3): Markdown's 4-space indented code blocks, HTML entities (`&gt;`, `&quot;`) from a page's
 * source, and a dump JSON-escaped into one string (`"*nat\n:PREROUTING …"`, a ConfigMap or an API answer).
 * Line numbers stay those of the input, except within an unescaped JSON string, whose lines follow its
 * own `\n`s; columns on unindented lines count from the indentation's end.
 */
const INDENT = '    ';
const ENTITY = /&(?:gt|lt|amp|quot|apos|#\d{1,5}|#x[0-9a-fA-F]{1,4});/;
const ENTITIES = new RegExp(ENTITY.source, 'g');
const NAMED: Readonly<Record<string, string>> = { '&gt;': '>', '&lt;': '<', '&amp;': '&', '&quot;': '"', '&apos;': "'" };
/**
 * A line that is one JSON string holding escaped line ends, maybe a member's value (`"iptables.txt": "…",`)
 * or a one-member object or array on one line.
 */
const JSON_LINE = /^\s*[{[]?\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*)?("(?:[^"\\]|\\.)*\\n(?:[^"\\]|\\.)*")\s*[,}\]]*\s*$/;

const decodeEntity = (e: string) => NAMED[e] ?? String.fromCodePoint(e[2] === 'x' ? Number.parseInt(e.slice(3, -1), 16) : Number(e.slice(2, -1)));

export class Unwrapper {
  /** Whether the previous line was blank (or there was none): only then may an indented code block start. */
  private afterBlank = true;
  private inBlock = false;

  unwrap(text: string): string {
    let t = text;
    if (t.includes('\\n')) t = t.replace(/^.*\\n.*$/gm, unescapeJsonLine);
    if (t.includes('&') && ENTITY.test(t)) t = t.replace(ENTITIES, decodeEntity);
    return t.startsWith(INDENT) || t.includes(`\n${INDENT}`) || this.inBlock ? this.unindent(t) : this.track(t);
  }

  /** Markdown: an indented block starts after a blank line and lasts while its lines stay indented. */
  private unindent(text: string): string {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') {
        this.afterBlank = true;
        continue;
      }
      if (line.startsWith(INDENT) && (this.inBlock || this.afterBlank)) {
        this.inBlock = true;
        lines[i] = line.slice(INDENT.length);
      } else this.inBlock = false;
      this.afterBlank = false;
    }
    return lines.join('\n');
  }

  /** Keeps the blank-line state for chunks without indentation (the common case, not split into lines). */
  private track(text: string): string {
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    const last = body.slice(body.lastIndexOf('\n') + 1);
    if (body !== '') this.afterBlank = last.trim() === '';
    return text;
  }
}

function unescapeJsonLine(line: string): string {
  const m = JSON_LINE.exec(line);
  if (!m) return line;
  try {
    const text = JSON.parse(m[1]!) as string;
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  } catch {
    return line;
  }
}
