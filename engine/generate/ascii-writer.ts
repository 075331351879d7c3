/**
 * Writes ASCII text straight into a reusable byte buffer: unsigned integers, money from whole
 * cents (`-12.30`), ISO-8601 UTC timestamps. Building JavaScript strings per row (number-to-string
 * conversion, template concatenation, then encoding) ran at a quarter of a million rows per
 * second; writing digits into bytes is several times faster and allocates nothing per row.
 *
 * The date part of a timestamp comes from a per-day cache (a history spans ~730 days).
 */

import { MS_PER_DAY } from '../parse/parse-timestamp.js';

const CH_0 = 48;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_COLON = 58;
const CH_Z = 90;

/** A growable-by-flush byte buffer with ASCII number and timestamp writers. */
export class AsciiWriter {
  /** Bytes `[0, length)` are the text written since the last `reset`. */
  readonly bytes: Buffer;
  length = 0;
  private readonly dayPrefix = new Map<number, Uint8Array>();

  /** `capacity`: the most bytes written between two resets. */
  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  /** Room left before the buffer is full. */
  get free(): number {
    return this.bytes.length - this.length;
  }

  /** Forgets the written bytes (the caller has copied or written them out). */
  reset(): void {
    this.length = 0;
  }

  /** The written bytes as a view (valid until the next write after `reset`). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Appends pre-encoded ASCII. */
  literal(text: Uint8Array): void {
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < text.length; i++) bytes[at++] = text[i] ?? 0;
    this.length = at;
  }

  /** Appends a non-negative integer below 2^53 in decimal. */
  uint(value: number): void {
    let digits = 1;
    for (let bound = 10; value >= bound && digits < 16; bound *= 10) digits++;
    if (value >= 1e16) digits = String(value).length;
    const bytes = this.bytes;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      const next = Math.floor(rest / 10);
      bytes[--at] = CH_0 + (rest - next * 10);
      rest = next;
    } while (rest > 0);
  }

  /** Appends a whole number of cents as money with two decimals: `1230` → `12.30`, `-5` → `-0.05`. */
  cents(value: number): void {
    let cents = value;
    if (cents < 0) {
      this.bytes[this.length++] = CH_MINUS;
      cents = -cents;
    }
    const units = Math.floor(cents / 100);
    const fraction = cents - units * 100;
    this.uint(units);
    const bytes = this.bytes;
    const at = this.length;
    const tens = Math.floor(fraction / 10);
    bytes[at] = CH_DOT;
    bytes[at + 1] = CH_0 + tens;
    bytes[at + 2] = CH_0 + fraction - tens * 10;
    this.length = at + 3;
  }

  /** Appends epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 bytes; years 0000–9999). */
  isoTime(ms: number): void {
    const day = Math.floor(ms / MS_PER_DAY);
    let prefix = this.dayPrefix.get(day);
    if (prefix === undefined) {
      prefix = Buffer.from(new Date(day * MS_PER_DAY).toISOString().slice(0, 11), 'latin1');
      this.dayPrefix.set(day, prefix);
    }
    this.literal(prefix);
    let rest = ms - day * MS_PER_DAY;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest - seconds * 1000;
    const bytes = this.bytes;
    const at = this.length;
    this.two(at, hours);
    bytes[at + 2] = CH_COLON;
    this.two(at + 3, minutes);
    bytes[at + 5] = CH_COLON;
    this.two(at + 6, seconds);
    bytes[at + 8] = CH_DOT;
    const hundreds = Math.floor(millis / 100);
    bytes[at + 9] = CH_0 + hundreds;
    this.two(at + 10, millis - hundreds * 100);
    bytes[at + 12] = CH_Z;
    this.length = at + 13;
  }

  private two(at: number, value: number): void {
    const tens = Math.floor(value / 10);
    this.bytes[at] = CH_0 + tens;
    this.bytes[at + 1] = CH_0 + value - tens * 10;
  }
}
