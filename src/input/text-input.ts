/** One text to read: a file, an archive member or standard input, streamed in decoded pieces. */
export interface InputSource {
  /** How the source is named in output: a file path, `bundle.tgz/member/path`, or `<stdin>`. */
  readonly path: string;
  readonly node: string;
  /** The text in pieces of any size; the segmenter aligns them to lines. */
  chunks(): AsyncIterable<string>;
}
