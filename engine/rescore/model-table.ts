/**
 * The columns of a customer table the models' fit reads, apart from the fit's own modules: the
 * rescore hands them to the model thread (model-thread.ts) without loading the fit on its thread.
 */
import type { CustomerTable } from '../aggregate/customer-table.js';

/** What the fit reads of a customer table (all a model thread is sent). */
export interface ModelTable {
  readonly size: number;
  readonly asOfDay: number;
  readonly meanRepeatValue: Float64Array;
  readonly fields: Pick<CustomerTable['fields'], 'orders' | 'purchase_days' | 'first_purchase_at' | 'last_purchase_at'>;
}

/** The columns of `table` the fit reads. */
export function modelTableOf(table: CustomerTable): ModelTable {
  const { orders, purchase_days, first_purchase_at, last_purchase_at } = table.fields;
  return { size: table.size, asOfDay: table.asOfDay, meanRepeatValue: table.meanRepeatValue, fields: { orders, purchase_days, first_purchase_at, last_purchase_at } };
}
