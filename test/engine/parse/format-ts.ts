/**
 * A small strftime formatter for tests: the independent inverse of engine/parse/ts-pattern.ts,
 * written from the directives' definitions, so a property can format an instant and read it back.
 */
const SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, w: number, c = '0') => String(n).padStart(w, c);

/** Formats epoch ms as `pattern` at a UTC offset of `offsetMin` minutes (local = UTC + offset). */
export function formatTs(ms: number, pattern: string, offsetMin = 0): string {
  const d = new Date(ms + offsetMin * 60_000);
  const h = d.getUTCHours();
  return pattern.replace(/%([a-zA-Z%])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return pad(d.getUTCFullYear(), 4);
      case 'y':
        return pad(d.getUTCFullYear() % 100, 2);
      case 'm':
        return pad(d.getUTCMonth() + 1, 2);
      case 'd':
        return pad(d.getUTCDate(), 2);
      case 'e':
        return pad(d.getUTCDate(), 2, ' ');
      case 'H':
        return pad(h, 2);
      case 'I':
        return pad(h % 12 === 0 ? 12 : h % 12, 2);
      case 'p':
        return h < 12 ? 'AM' : 'PM';
      case 'M':
        return pad(d.getUTCMinutes(), 2);
      case 'S':
        return pad(d.getUTCSeconds(), 2);
      case 'f':
        return pad(d.getUTCMilliseconds(), 3);
      case 'b':
        return SHORT[d.getUTCMonth()]!;
      case 'B':
        return LONG[d.getUTCMonth()]!;
      case 'z': {
        const a = Math.abs(offsetMin);
        return `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
      }
      default:
        return '%';
    }
  });
}

/** The instant a pattern can carry of `ms`: cut to the finest field it has (day, minute, second, ms). */
export function truncateTo(ms: number, pattern: string): number {
  const unit = pattern.includes('%f') ? 1 : pattern.includes('%S') ? 1000 : pattern.includes('%M') ? 60_000 : pattern.includes('%H') || pattern.includes('%I') ? 3_600_000 : 86_400_000;
  return Math.floor(ms / unit) * unit;
}
