/** One input as text: a file's contents or standard input. */
export interface TextInput {
  readonly path: string;
  readonly text: string;
}

/** An input that could not be read (missing file, permission, not text). */
export interface InputFailure {
  readonly path: string;
  readonly reason: string;
}
