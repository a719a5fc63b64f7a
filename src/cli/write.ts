/** Writes to stdout in pieces, waiting when the pipe is full, so long JSON never piles up in memory. */
import { once } from 'node:events';
import { recycle } from '../report/byte-sink';

export async function writeOut(pieces: Iterable<string | Uint8Array>): Promise<void> {
  for (const piece of pieces) {
    if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
    // Written at once (a file, or a pipe with room): nothing holds the bytes, and their buffer can be written again.
    else if (typeof piece !== 'string' && process.stdout.writableLength === 0) recycle(piece);
  }
}
