/** Feeds a finalized base to the BG/NBD and Gamma-Gamma models (engine/model). */
import type { CustomerTable } from '../aggregate/customer-table.js';
import type { Config } from '../config/config-schema.js';
import { type ModelResult, fitModels } from '../model/fit-models.js';
import { dayOf } from '../parse/parse-timestamp.js';

/** Fits the models on every customer with a purchase and predicts for each. */
export function fitPredictions(table: CustomerTable, config: Config): ModelResult {
  const n = table.size;
  const include = new Uint8Array(n);
  const firstDay = new Float64Array(n);
  const lastDay = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    include[c] = table.fields.orders[c]! >= 1 ? 1 : 0;
    firstDay[c] = dayOf(table.fields.first_purchase_at[c]!);
    lastDay[c] = dayOf(table.fields.last_purchase_at[c]!);
  }
  return fitModels(
    { purchaseDays: table.fields.purchase_days, firstDay, lastDay, asOfDay: table.asOfDay, meanRepeatValue: table.meanRepeatValue, include },
    { horizonDays: config.models.horizon_days, annualDiscountRate: config.models.annual_discount_rate },
  );
}
