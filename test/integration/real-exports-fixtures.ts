/**
 * Test helper: a UCI "Online Retail"-style line-item export written by the test itself (invoice
 * per order, one line per product, `C` cancellation invoices with negative quantities, a fifth of
 * the invoices without a customer id, zero-price lines, `12/1/2010 8:26` dates, `17850.0` ids),
 * and the per-customer numbers DESIGN defines, recomputed here from the lines with integer cents
 * and plain sets — independently of segstream's code.
 */

/** One invoice line. */
export interface Line {
  readonly invoice: string;
  readonly stock: string;
  readonly description: string;
  readonly quantity: number;
  /** `M/D/YYYY H:MM`, as Excel wrote the UCI file. */
  readonly date: string;
  readonly ms: number;
  readonly priceCents: number;
  /** The canonical id (`17850`), null for a line without a customer. */
  readonly customer: string | null;
}

/** The `--map` of the export. */
export const LINE_ITEM_MAP = 'customer_id=CustomerID,ts=InvoiceDate,order_id=InvoiceNo,amount=Quantity*UnitPrice';

const CUSTOMERS = ['17850', '14527', '13047', '12583', '15100', '13748', '12431', '16029'];
const PRODUCTS: ReadonlyArray<[string, string, number]> = [
  ['85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', 255],
  ['71053', 'WHITE METAL LANTERN', 339],
  ['22633', 'HAND WARMER, UNION JACK', 185],
  ['84879', 'ASSORTED COLOUR BIRD ORNAMENT', 169],
  ['22961', 'JAM MAKING SET "PRINTED"', 85],
  ['POST', 'POSTAGE', 1800],
  ['22423', 'REGENCY CAKESTAND 3 TIER', 1275],
  ['21930', 'FREE GIFT', 0],
];
const DAY = 86_400_000;

/** A small deterministic generator (an LCG), so the fixture is the same on every run. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return (s >>> 8) % n; // the low bits of an LCG cycle quickly
  };
}

function usDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** About 60 invoices of 8 customers from 2010-12-01 to 2011-04-10, with cancellations. */
export function lineItems(seed = 20101201): Line[] {
  const rand = lcg(seed);
  const start = Date.UTC(2010, 11, 1);
  const lines: Line[] = [];
  let invoice = 536365;
  for (let k = 0; k < 60; k++) {
    const customer = k % 5 === 4 ? null : CUSTOMERS[rand(CUSTOMERS.length)]!;
    const ms = start + rand(120) * DAY + (8 + rand(10)) * 3_600_000 + rand(60) * 60_000;
    const no = String(invoice++);
    const count = 1 + rand(4);
    const bought: Array<[string, string, number]> = [];
    for (let j = 0; j < count; j++) {
      const [stock, description, priceCents] = PRODUCTS[rand(PRODUCTS.length)]!;
      const quantity = 1 + rand(24);
      bought.push([stock, description, priceCents]);
      lines.push({ invoice: no, stock, description, quantity, date: usDate(ms), ms, priceCents, customer });
    }
    // Every seventh invoice of a known customer is partly cancelled a few days later.
    if (customer !== null && k % 7 === 0) {
      const later = ms + (1 + rand(10)) * DAY;
      const cancelled = bought.filter(([, , price]) => price > 0);
      const c = `C${invoice++}`;
      for (const [stock, description, priceCents] of cancelled.slice(0, 2)) {
        lines.push({ invoice: c, stock, description, quantity: -(1 + rand(3)), date: usDate(later), ms: later, priceCents, customer });
      }
    }
  }
  return lines;
}

function cell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** The export as the UCI file has it: pandas-style `17850.0` ids, a blank id where none. */
export function uciCsv(lines: readonly Line[]): string {
  const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
  const rows = lines.map((l) =>
    [l.invoice, l.stock, cell(l.description), String(l.quantity), l.date, (l.priceCents / 100).toFixed(2), l.customer === null ? '' : `${l.customer}.0`, 'United Kingdom'].join(','),
  );
  return `${header}\n${rows.join('\n')}\n`;
}

/** DESIGN's per-customer fields of the lines, with the default as_of (the end of the latest valid line's day). */
export function perCustomer(lines: readonly Line[]): Map<string, Record<string, unknown>> {
  const known = lines.filter((l) => l.customer !== null);
  const asOfDay = Math.floor(Math.max(...known.map((l) => l.ms)) / DAY);
  const acc = new Map<string, { orders: Set<string>; returns: Set<string>; cents: number; returned: number; days: Set<number>; first: number; last: number }>();
  for (const l of known) {
    if (!acc.has(l.customer!)) acc.set(l.customer!, { orders: new Set(), returns: new Set(), cents: 0, returned: 0, days: new Set(), first: Infinity, last: -Infinity });
    const a = acc.get(l.customer!)!;
    const cents = l.quantity * l.priceCents;
    a.cents += cents;
    if (cents >= 0) {
      a.orders.add(l.invoice);
      a.days.add(Math.floor(l.ms / DAY));
      a.first = Math.min(a.first, l.ms);
      a.last = Math.max(a.last, l.ms);
    } else {
      a.returns.add(l.invoice);
      a.returned -= cents;
    }
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [id, a] of acc) {
    const bought = a.orders.size > 0;
    out.set(id, {
      orders: a.orders.size,
      returns: a.returns.size,
      revenue: a.cents / 100,
      returned_amount: a.returned / 100,
      purchase_days: a.days.size,
      first_purchase_at: bought ? new Date(a.first).toISOString() : null,
      last_purchase_at: bought ? new Date(a.last).toISOString() : null,
      recency_days: bought ? asOfDay - Math.floor(a.last / DAY) : null,
    });
  }
  return out;
}
