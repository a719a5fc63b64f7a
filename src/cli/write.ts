/** Writes to stdout in pieces, waiting when the pipe is full, so long JSON never piles up in memory. */
import { once } from 'node:events';

export async function writeOut(pieces: Iterable<string | Uint8Array>): Promise<void> {
  for (const piece of pieces) if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
}
