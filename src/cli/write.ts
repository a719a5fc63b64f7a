/** Writes to stdout in pieces, waiting when the pipe is full, so long JSON never piles up in memory. */
import { once } from 'node:events';

/** `written` is told of each byte piece once stdout holds nothing more to write: its memory may then be reused. */
export async function writeOut(
  pieces: Iterable<string | Uint8Array>,
  written?: (piece: Uint8Array) => void,
): Promise<void> {
  for (const piece of pieces) {
    if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
    if (written && typeof piece !== 'string' && process.stdout.writableLength === 0) written(piece);
  }
}
