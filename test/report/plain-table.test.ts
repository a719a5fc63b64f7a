/** The one-pass layout of plain tables gives cli-table3's text exactly, for every table it takes. */
import test from 'ava';
import { plainTable, referenceTable } from '../../src/report/plain-table';
import { seeded } from '../generators/trace-ruleset';

const PIECES = ['', ' ', 'a', 'ns1/web:http', '10.96.0.10:80', 'forward 33.3%', '  lead', 'trail  ', '-', 'x y z'];
const ODD = ['日本', 'é', '\u001b[31mred\u001b[39m', '\t', '😀'];

function cellOf(random: () => number, odd: boolean): string {
  const lines = Array.from({ length: random() < 0.2 ? 1 + Math.floor(random() * 4) : 1 }, () =>
    Array.from({ length: Math.floor(random() * 3) }, () => PIECES[Math.floor(random() * PIECES.length)]!).join(''),
  );
  if (odd && random() < 0.1) lines.push(ODD[Math.floor(random() * ODD.length)]!);
  return lines.join('\n');
}

test('random tables: the same text as cli-table3, ASCII or not', (t) => {
  const random = seeded(30);
  let compared = 0;
  for (let run = 0; run < 400; run++) {
    const columns = 1 + Math.floor(random() * 6);
    const odd = random() < 0.3;
    const head = Array.from({ length: columns }, () => cellOf(random, odd));
    const rows = Array.from({ length: Math.floor(random() * 12) }, () =>
      Array.from({ length: columns }, () => cellOf(random, odd)),
    );
    t.is(plainTable(head, rows), referenceTable(head, rows), JSON.stringify({ head, rows }));
    compared++;
  }
  t.is(compared, 400);
});

test('a row shorter than the head is laid out by cli-table3', (t) => {
  const head = ['service', 'node', 'verdict'];
  const rows = [
    ['a', 'n1'],
    ['bb', 'n2', 'forward'],
  ];
  t.is(plainTable(head, rows), referenceTable(head, rows));
});
