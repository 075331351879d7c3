/**
 * Draws a synthetic transaction history, customer after customer, into reusable chunks.
 *
 * The model (constants below), chosen to look like a retail export and to exercise every part of
 * the scoring:
 * - Purchase rate: 55% of customers are one-time buyers; the others get a weight from a mix of
 *   Gamma(0.6) (most) and Pareto(α = 1.3, capped at 50; 8%, the heavy buyers). The `M - N` rows
 *   beyond each customer's first are shared out in proportion to the weights by systematic
 *   sampling: each customer gets the floor or the ceiling of its expected share, and the total is
 *   exactly `M`. With M = 10 N: ~60% of customers buy once, the top 10% hold ~60% of the rows.
 * - Time: a two-year history ending at `endMs`. A customer's first purchase is its acquisition;
 *   frequent buyers tend to be older customers (acquisition skewed early by their row count). Half
 *   of the customers churn after an exponential lifetime (mean 240 days); the later rows are
 *   uniform over the active span and come out in time order (sequential uniform order statistics,
 *   so a customer with millions of rows needs no buffer and no sort).
 * - Money: lognormal amounts, median 40, with a customer-level spend level (σ 0.5) and a row-level
 *   spread (σ 0.75), 0.9 in all; whole cents. Margin is 15–45% of the amount, same sign.
 * - Returns: about 3% of all rows; only a customer's later rows can be returns, each refunding all
 *   (60%) or part of that customer's latest purchase, so a return is always dated after a purchase.
 *   With `M` close to `N` few rows can be returns; the share of later rows is capped at 50%.
 *
 * Row order: grouped by customer, each customer's rows in time order, customers in the order of
 * drawing; ids are a seeded permutation of `1..N`, so the file is neither sorted by id nor by time
 * (like a per-customer export). Memory is O(1) in `N` and `M`: two passes over the weight stream
 * (the first only sums the weights) replace an N-sized array.
 *
 * Determinism: the draws depend only on the seed and the options, never on the chunk size.
 */

import { IdPermutation } from './id-permutation.js';
import { type MiniProgram, MiniProgramDraw } from './mini-program.js';
import { Prng } from './prng.js';
import type { TransactionChunk } from './transaction-chunk.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';

const HISTORY_DAYS = 730;
const ONE_TIMER_SHARE = 0.55;
const PARETO_SHARE = 0.08;
const PARETO_ALPHA = 1.3;
/** Caps the Pareto tail: uncapped, one customer of 10k took 17% of all rows. */
const MAX_WEIGHT = 50;
const GAMMA_SHAPE = 0.6;
/** How much more a customer's acquisition leans early per unit of log row count. */
const TENURE_LEAN = 0.5;
const CHURN_SHARE = 0.5;
const CHURN_MEAN_DAYS = 240;
const LOG_MEDIAN_AMOUNT = Math.log(40);
const CUSTOMER_SIGMA = 0.5;
const ROW_SIGMA = 0.75;
const RETURN_SHARE = 0.03;
const MAX_LATER_RETURN_SHARE = 0.5;
const FULL_REFUND_SHARE = 0.6;
const MARGIN_MIN = 0.15;
const MARGIN_SPREAD = 0.3;

// Independent streams per concern, so the weight stream can be replayed on its own.
const MAIN_STREAM = 0;
const WEIGHT_STREAM = 1;
const ID_STREAM = 2;

/** What the drawer needs: counts, seed, and the last millisecond of the history. */
export interface DrawParams {
  readonly customers: number;
  readonly transactions: number;
  readonly seed: number;
  readonly endMs: number;
  /** A simulated mini-program (mini-program.ts); none by default. */
  readonly program?: MiniProgram | null | undefined;
}

function drawWeight(rng: Prng): number {
  if (rng.uniform() < ONE_TIMER_SHARE) return 0;
  if (rng.uniform() < PARETO_SHARE) return Math.min(MAX_WEIGHT, rng.uniform() ** (-1 / PARETO_ALPHA));
  return rng.gamma(GAMMA_SHAPE);
}

/** Draws the rows of a synthetic base into chunks, customer by customer, until `transactions`. */
export class TransactionDrawer {
  private readonly customers: number;
  private readonly extraTotal: number;
  private readonly endMs: number;
  private readonly startMs: number;
  private readonly returnShare: number;
  private readonly rng: Prng;
  private readonly weightRng: Prng;
  private readonly ids: IdPermutation;
  /** Rows beyond the first per unit of weight; 0 weights everywhere fall back to equal weights. */
  private readonly extraPerWeight: number;
  private readonly equalWeights: boolean;
  private readonly offset: number;
  private readonly program: MiniProgramDraw | null;

  private customer = 0;
  private cumulative = 0;
  private assigned = 0;
  private drawn = 0;

  // The current customer: rows still to emit, and its drawn attributes.
  private rowsLeft = 0;
  private laterLeft = 0;
  private id = 0;
  private acquiredMs = 0;
  private spanMs = 0;
  private orderStat = 0;
  private logMu = 0;
  private lastCents = 0;

  /** Prepares a run; the first pass over the weight stream happens here (O(customers) time). */
  constructor(params: DrawParams) {
    this.customers = params.customers;
    this.extraTotal = params.transactions - params.customers;
    this.endMs = params.endMs;
    this.startMs = params.endMs + 1 - HISTORY_DAYS * MS_PER_DAY;
    this.returnShare =
      this.extraTotal === 0 ? 0 : Math.min(MAX_LATER_RETURN_SHARE, (RETURN_SHARE * params.transactions) / this.extraTotal);
    this.rng = new Prng(params.seed, MAIN_STREAM);
    this.ids = new IdPermutation(params.customers, new Prng(params.seed, ID_STREAM));

    const firstPass = new Prng(params.seed, WEIGHT_STREAM);
    let total = 0;
    for (let i = 0; i < params.customers; i++) total += drawWeight(firstPass);
    this.equalWeights = total === 0;
    this.extraPerWeight = this.extraTotal / (this.equalWeights ? params.customers : total);
    this.weightRng = new Prng(params.seed, WEIGHT_STREAM);
    this.offset = this.rng.uniform();
    this.program = params.program ? new MiniProgramDraw(params.program, params.seed) : null;
  }

  /** Ids of the mini-program's participants drawn so far (empty without a program). */
  get participants(): readonly number[] {
    return this.program?.participants ?? [];
  }

  /** Rows drawn so far. */
  get rowsDrawn(): number {
    return this.drawn;
  }

  /** Fills `chunk` from the start with the next rows; returns how many (0 once all are drawn). */
  fill(chunk: TransactionChunk): number {
    const { customerId, ts, amount, margin, capacity } = chunk;
    const rng = this.rng;
    let n = 0;
    while (n < capacity) {
      if (this.rowsLeft === 0 && !this.startCustomer()) break;
      let cents: number;
      let isReturn = false;
      if (this.laterLeft === this.rowsLeft) {
        // A later row: the next of the customer's sorted uniform times in (acquired, acquired + span].
        const left = this.laterLeft--;
        this.orderStat = 1 - (1 - this.orderStat) * rng.uniform() ** (1 / left);
        ts[n] = this.acquiredMs + 1 + Math.floor(this.orderStat * (this.spanMs - 1));
        isReturn = rng.uniform() < this.returnShare;
      } else {
        ts[n] = this.acquiredMs;
      }
      if (isReturn) {
        cents = rng.uniform() < FULL_REFUND_SHARE ? this.lastCents : Math.max(1, Math.round(this.lastCents * rng.uniform()));
      } else {
        cents = Math.max(1, Math.round(Math.exp(this.logMu + ROW_SIGMA * rng.normal()) * 100));
        if (this.program) cents = this.program.purchase(cents, ts[n]!);
        this.lastCents = cents;
      }
      const marginCents = Math.round(cents * (MARGIN_MIN + MARGIN_SPREAD * rng.uniform()));
      customerId[n] = this.id;
      // A zero margin is written as +0 whatever the sign, so every format reads back the same value.
      if (isReturn) {
        amount[n] = -cents / 100;
        margin[n] = marginCents === 0 ? 0 : -marginCents / 100;
      } else {
        amount[n] = cents / 100;
        margin[n] = marginCents / 100;
      }
      this.rowsLeft--;
      n++;
    }
    chunk.length = n;
    this.drawn += n;
    return n;
  }

  /** Draws the next customer's attributes; false when every customer is done. */
  private startCustomer(): boolean {
    const i = this.customer;
    if (i >= this.customers) return false;
    this.customer = i + 1;

    let extra: number;
    const remaining = this.extraTotal - this.assigned;
    if (i === this.customers - 1) {
      extra = remaining;
    } else {
      const weight = this.equalWeights ? 1 : drawWeight(this.weightRng);
      this.cumulative += weight * this.extraPerWeight;
      // Systematic sampling; the cap keeps float drift from handing out more than M - N.
      extra = Math.max(0, Math.min(Math.floor(this.cumulative + this.offset) - this.assigned, remaining));
    }
    this.assigned += extra;
    this.rowsLeft = extra + 1;
    this.laterLeft = extra;

    const rng = this.rng;
    this.id = this.ids.at(i) + 1;
    const lean = 1 + TENURE_LEAN * Math.log(extra + 1);
    const windowMs = this.endMs - this.startMs;
    // windowMs - 1 keeps the acquisition strictly before endMs, leaving room for a later row.
    this.acquiredMs = this.startMs + Math.floor(rng.uniform() ** lean * (windowMs - 1));
    const activeMs = this.endMs - this.acquiredMs;
    const churns = rng.uniform() < CHURN_SHARE;
    const lifetimeMs = MS_PER_DAY * (1 - CHURN_MEAN_DAYS * Math.log(rng.uniform()));
    this.spanMs = churns ? Math.min(activeMs, Math.floor(lifetimeMs)) : activeMs;
    this.orderStat = 0;
    this.logMu = LOG_MEDIAN_AMOUNT + CUSTOMER_SIGMA * rng.normal();
    this.program?.startCustomer(this.id, this.acquiredMs, this.acquiredMs + this.spanMs, extra);
    return true;
  }
}
