/**
 * The dashboard at `/`: the report's page drawn live from `GET /v1/report` by the same chart code
 * as `segstream report` (engine/report/report-page.ts), plus the customer lookup box. Built once,
 * on the first request: it inlines ECharts (1.1 MB), so a server that nobody opens never reads it,
 * and a browser that has it revalidates by its ETag instead of fetching it again.
 */
import { createHash } from 'node:crypto';
import { dashboardHtml } from '../engine/report/report-page.js';

let page: { readonly html: string; readonly etag: string } | null = null;

/** The dashboard's HTML and its ETag. */
export function dashboardPage(): { readonly html: string; readonly etag: string } {
  if (page === null) {
    const html = dashboardHtml();
    page = { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"` };
  }
  return page;
}
