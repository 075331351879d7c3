/**
 * The chart code of the report and the dashboard: browser JavaScript, kept as strings so `tsc`
 * carries it into dist/ and both pages inline the same text (report-page.ts). Its four parts
 * (script/) share one function scope; it defines `SegstreamReport.render(data, root)`, which draws
 * every view of a report document (report-data.ts) with ECharts (SVG renderer: crisp at small
 * sizes, and a test can count the shapes), and `SegstreamReport.customer(view, root, currency)`,
 * the lookup card.
 */
import { BASE_VIEWS } from './script/base-views.js';
import { CHANGE_VIEWS } from './script/change-views.js';
import { CHART_KIT } from './script/chart-kit.js';
import { CUSTOMER_CARD } from './script/customer-card.js';

const RENDER = `
  function render(d, root) {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    root.textContent = '';
    setup(d.currency);
    // A campaign asked for is what the reader came for: it comes right after the headline.
    var views = d.campaign ? [headline, campaign, trend, segments, bands, rf, tiers, lifecycle, lost, winBack, migration, models]
      : [headline, trend, segments, bands, rf, tiers, lifecycle, lost, winBack, migration, models, campaign];
    views.forEach(function (view) { view(root, d); });
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  window.SegstreamReport = { render: render, customer: customer, charts: function () { return charts; } };
`;

/** The whole script, one IIFE. */
export const REPORT_SCRIPT = `(function () {
  'use strict';
${CHART_KIT}${BASE_VIEWS}${CHANGE_VIEWS}${CUSTOMER_CARD}${RENDER}})();
`;
