/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A number as the table shows it: thousands grouped, at most one decimal below 100. */
export function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "—";
  return value >= 100
    ? Math.round(value).toLocaleString("en-US")
    : value.toFixed(value < 10 ? 2 : 1);
}

/** Text columns padded to line up, the first left-aligned, the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row.map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column])
      )
        .join("  ")
    )
    .join("\n");
}
