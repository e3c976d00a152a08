/**
 * CSV as RFC 4180 reads it (comma-separated, "quoted" cells with "" for a quote, CRLF or LF),
 * with the line and column where every cell starts, so a problem names file:line:column.
 * A first line starting with "sep=" is not accepted: the separator is always the comma.
 */

export interface CsvCell {
  value: string;
  /** 1-based line and column where the cell starts */
  line: number;
  column: number;
}

export interface CsvRow {
  /** the line the row starts on */
  line: number;
  cells: CsvCell[];
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte order mark
  let line = 1;
  let col = 1;
  let row: CsvRow | undefined;
  const n = text.length;
  while (i < n) {
    row ??= { line, cells: [] };
    const start = { line, column: col };
    let value = '';
    if (text[i] === '"') {
      i++;
      col++;
      for (;;) {
        if (i >= n) throw new CsvSyntaxError('a quoted cell is not closed (a " is missing)', start.line, start.column);
        const c = text[i] as string;
        if (c === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            col += 2;
            continue;
          }
          i++;
          col++;
          break;
        }
        if (c === '\n') {
          line++;
          col = 1;
        } else col++;
        value += c;
        i++;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
        throw new CsvSyntaxError(`unexpected "${text[i]}" after a quoted cell (a cell is either quoted whole or not at all)`, line, col);
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        if (text[i] === '"') throw new CsvSyntaxError('a " inside an unquoted cell: quote the whole cell and write "" for a quote', line, col);
        value += text[i];
        i++;
        col++;
      }
    }
    row.cells.push({ value, ...start });
    if (i >= n) break;
    if (text[i] === ',') {
      i++;
      col++;
      if (i >= n) row.cells.push({ value: '', line, column: col });
      continue;
    }
    // end of the row
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    rows.push(row);
    row = undefined;
    line++;
    col = 1;
  }
  if (row) rows.push(row);
  // blank lines are no rows
  return rows.filter((r) => !(r.cells.length === 1 && r.cells[0]!.value.trim() === ''));
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

export function formatCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
