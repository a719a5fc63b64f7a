/** Writes to stdout in pieces, waiting when the pipe is full, so long JSON never piles up in memory. */
import { once } from 'node:events';
import { recycle } from '../report/byte-sink';

export async function writeOut(pieces: Iterable<string | Uint8Array>): Promise<void> {
  for (const piece of pieces) {
    if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
    // Nothing waits to be written (a file took it, a pipe took it or has drained): the bytes are out, and their
    // buffer can be written again.
    if (typeof piece !== 'string' && process.stdout.writableLength === 0) recycle(piece);
  }
}
