/** One text to read: a file, an archive member or standard input, streamed in decoded pieces (or as bytes). */
export interface InputSource {
  /** How the source is named in output: a file path, `bundle.tgz/member/path`, or `<stdin>`. */
  readonly path: string;
  readonly node: string;
  /** The text in pieces of any size; the segmenter aligns them to lines. */
  chunks(): AsyncIterable<string>;
  /**
   * The same source as its undecoded bytes (UTF-8), when it can give them: then they are read instead of chunks,
   * and a conntrack table's plain lines are read without being decoded. A wrapper that sees chunks must drop it.
   */
  bytes?(): AsyncIterable<Uint8Array>;
}
