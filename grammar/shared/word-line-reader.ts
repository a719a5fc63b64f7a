/** Reader skeleton for the word-line formats: each non-blank line is accepted or named as a problem. */
import type { Diagnostic } from '../../src/model/diagnostic';
import type { Chunk } from './chunks';
import type { SectionBody } from '../../src/model/section';
import { type DumpReader, type StopAt, sortDiagnostics } from './reader';
import { looksLikeProse } from './prose';
import { type LineProblem, stopArguments } from './problem';
import { type WordLine, wordLines } from './word-lines';

export abstract class WordLineReader<B extends SectionBody> implements DumpReader<B> {
  protected readonly diagnostics: Diagnostic[] = [];

  read(chunk: Chunk, stop: StopAt): number | undefined {
    for (const l of wordLines(chunk)) {
      if (l.words.length === 0) continue;
      const problem = this.line(l);
      if (!problem) continue;
      if (stop(l.line, ...stopArguments(problem, () => looksLikeProse(l.raw)))) return l.line;
      this.diagnostics.push({
        severity: problem.problem === 'unknown' ? 'warning' : 'error',
        line: l.line,
        column: problem.column,
        message: problem.message,
      });
    }
    return undefined;
  }

  finish(): B {
    sortDiagnostics(this.diagnostics);
    return this.body();
  }

  /** Takes one non-blank line into the model, or says why it cannot. */
  protected abstract line(l: WordLine): LineProblem | undefined;
  protected abstract body(): B;

  protected warn(line: number, column: number, message: string): void {
    this.diagnostics.push({ severity: 'warning', line, column, message });
  }
}
