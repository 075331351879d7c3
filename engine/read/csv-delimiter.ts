const LF = 0x0a;
const QUOTE = 0x22;

/** Delimiters the CSV scanner knows; `auto` picks the most frequent of them in the header line. */
export type CsvDelimiter = ',' | '\t' | ';';

/** The delimiter the first line uses most outside quotes; `,` on ties or when none appears. */
export function guessDelimiter(bytes: Uint8Array): CsvDelimiter {
  let comma = 0;
  let tab = 0;
  let semi = 0;
  let inQuotes = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (c === LF) break;
    else if (c === 0x2c) comma++;
    else if (c === 0x09) tab++;
    else if (c === 0x3b) semi++;
  }
  if (tab > comma && tab >= semi) return '\t';
  if (semi > comma && semi > tab) return ';';
  return ',';
}
