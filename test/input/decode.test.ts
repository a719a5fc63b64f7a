/**
 * The input's UTF-8 decoding: whatever the bytes (a byte order mark, characters cut between pieces, invalid
 * sequences) and however a stream cuts them, `decode` gives the text the WHATWG decoder gives the whole file.
 */
import { Readable } from 'node:stream';
import test from 'ava';
import fc from 'fast-check';
import { decode } from '../../src/input/archives';

/** Bytes that make BOMs, 2- to 4-byte characters, their cut forms, surrogates and bytes never valid. */
const BYTES = [
  0x41, 0x0a, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x80, 0xed, 0xa0, 0xc0,
  0xf4, 0x90,
];

async function decoded(bytes: Uint8Array, cuts: number[]): Promise<string> {
  const at = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
  const pieces = at.slice(1).map((end, i) => Buffer.from(bytes.subarray(at[i], end)));
  let text = '';
  for await (const piece of decode(Readable.from(pieces, { objectMode: true }))) text += piece;
  return text;
}

test('decode gives what TextDecoder gives the whole input, for any bytes and any pieces (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...BYTES), { maxLength: 16 }),
      fc.array(fc.nat(), { maxLength: 5 }),
      fc.boolean(),
      async (body, cuts, bom) => {
        const bytes = Uint8Array.from(bom ? [0xef, 0xbb, 0xbf, ...body] : body);
        return (await decoded(bytes, cuts)) === new TextDecoder('utf-8').decode(bytes);
      },
    ),
    { numRuns: 3000 },
  );
  t.pass();
});

test('a byte order mark is dropped once, at the start only, even when its bytes come in pieces', async (t) => {
  const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41]);
  t.is(await decoded(bytes, [1, 2]), '\ufeffA');
  t.is(await decoded(Uint8Array.from([0x41, 0xef, 0xbb, 0xbf]), [2]), 'A\ufeff');
});
