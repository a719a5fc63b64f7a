/** Writes to stdout in pieces, waiting when the pipe is full, so long JSON never piles up in memory. */
import { once } from 'node:events';

/** A text's UTF-8 takes at most three bytes a UTF-16 unit. */
const MAX_BYTES_PER_UNIT = 3;
/** Text pieces are gathered as UTF-8 up to this many bytes a write; a longer piece is handed over as it is. */
const GATHERED = 1 << 20;

/**
 * `written` is told of each byte piece once stdout holds nothing more to write: its memory may then be reused.
 * Text pieces (a JSON document's 64 KB pieces) are encoded into one buffer of this writer's and written about a
 * megabyte at a time, the buffer used again while stdout keeps nothing of it: each write to stdout costs its
 * stream's code and a buffer of its own, made after a pass to measure the piece's UTF-8.
 */
export async function writeOut(
  pieces: Iterable<string | Uint8Array>,
  written?: (piece: Uint8Array) => void,
): Promise<void> {
  let gathered: Buffer | undefined;
  let used = 0;
  const flush = async (): Promise<void> => {
    if (!gathered || used === 0) return;
    const bytes = gathered.subarray(0, used);
    used = 0;
    if (!process.stdout.write(bytes)) await once(process.stdout, 'drain');
    if (process.stdout.writableLength > 0) gathered = undefined;
  };
  try {
    for (const piece of pieces) {
      const most = typeof piece === 'string' ? piece.length * MAX_BYTES_PER_UNIT : GATHERED + 1;
      if (most <= GATHERED) {
        if (gathered && used + most > GATHERED) await flush();
        gathered ??= Buffer.allocUnsafeSlow(GATHERED);
        used += gathered.write(piece as string, used);
        continue;
      }
      await flush();
      if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
      if (written && typeof piece !== 'string' && process.stdout.writableLength === 0) written(piece);
    }
  } finally {
    // What was gathered before a piece failed is written, as it was when each piece was written at once.
    await flush();
  }
}
