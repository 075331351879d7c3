/**
 * The dashboard at `/`: the report's page drawn live from `GET /v1/report` by the same chart code
 * as `segstream report` (engine/report/report-page.ts), plus the customer lookup box. Built once,
 * on the first request: it inlines ECharts (1.1 MB), so a server that nobody opens never reads it.
 */
import { dashboardHtml } from '../engine/report/report-page.js';

let page: string | null = null;

/** The dashboard's HTML. */
export function dashboardPage(): string {
  page ??= dashboardHtml();
  return page;
}
