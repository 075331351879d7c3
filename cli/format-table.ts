/** Plain-text tables for the terminal: columns padded, numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = header.map((h, j) => Math.max(h.length, ...text.map((r) => r[j]!.length)));
  const line = (cells: readonly string[], numeric: (j: number) => boolean) =>
    cells.map((c, j) => (numeric(j) ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd();
  const isNumeric = (j: number) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number' || /^-?[\d.,]+%$/.test(String(r[j])));
  return [line(header, isNumeric), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map((r) => line(r, isNumeric))].join('\n');
}

/** Thousands separators for integers, two decimals otherwise. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A share as a percentage with one decimal. */
export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
