/**
 * The one table renderer every command prints with: a header row and one row per item,
 * columns separated by two spaces and padded to their widest cell (counted in characters,
 * not UTF-16 units), no trailing spaces. Bold headers only when colour is allowed.
 */

/** One column of a table. */
export interface Column<R> {
  /** Header text, e.g. `NAME`. */
  readonly header: string;
  /** The cell text for a row (never `undefined`: show `-` for "no value"). */
  readonly value: (row: R) => string;
  /** Right-align numbers. @default "left" */
  readonly align?: "left" | "right";
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Bold the header with ANSI escapes. @default false */
  readonly color?: boolean;
}

const GAP = "  ";

/** Characters as a terminal counts them (code points; combining marks are not special-cased). */
export function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "right" ? fill + text : text + fill;
}

/**
 * Renders `rows` as a table; ends with a newline. Cells have newlines and tabs replaced by
 * spaces so one row stays one line.
 */
export function renderTable<R>(
  columns: readonly Column<R>[],
  rows: readonly R[],
  options: TableOptions = {},
): string {
  const clean = (s: string) => s.replace(/[\r\n\t]/g, " ");
  const cells = rows.map((row) => columns.map((c) => clean(c.value(row))));
  const widths = columns.map((c, i) =>
    Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i]))),
  );
  const line = (texts: readonly string[]) =>
    texts
      .map((t, i) => pad(t, widths[i], columns[i].align ?? "left"))
      .join(GAP)
      .trimEnd();
  const header = line(columns.map((c) => c.header));
  const head = options.color ? `\u001b[1m${header}\u001b[0m` : header;
  return [head, ...cells.map(line)].map((l) => `${l}\n`).join("");
}
