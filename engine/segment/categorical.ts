/** A string-valued column as dictionary codes: `names[codes[c]]` is customer c's value. */
export interface Categorical {
  readonly codes: Uint16Array;
  readonly names: readonly string[];
}

/** The value of customer `c`. */
export function nameOf(col: Categorical, c: number): string {
  return col.names[col.codes[c]!]!;
}

/** Customers per value, in `names` order. */
export function countBy(col: Categorical): Record<string, number> {
  const counts = new Float64Array(col.names.length);
  for (let c = 0; c < col.codes.length; c++) counts[col.codes[c]!]!++;
  return Object.fromEntries(col.names.map((name, i) => [name, counts[i]!]));
}
