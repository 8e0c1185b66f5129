// A plain text table: a header row, columns padded to their widest cell. Pure. Cells often hold text from a
// server: each is neutralised (no terminal control sequences) and kept on one line.
import { plainText } from '../cloud/errors';

export function formatTable(header: string[], cells: string[][]): string {
  const rows = cells.map((row) => row.map((cell) => plainText(cell).replace(/[\n\t]/g, ' ')));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
