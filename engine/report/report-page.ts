/**
 * The HTML of the report file and of the dashboard: one page shell, the chart code of
 * report-script.ts and ECharts itself, all inline, so the file opens with no network and the
 * dashboard loads nothing from anywhere but its own server. ECharts is read from node_modules
 * once, when a page is first built.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './report-data.js';
import { REPORT_SCRIPT } from './report-script.js';

let echartsSource: string | null = null;

/** The ECharts bundle (dist/echarts.min.js: every chart type, the SVG renderer). */
function echarts(): string {
  echartsSource ??= readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8');
  return echartsSource;
}

/**
 * JSON that is safe inside a `<script>` element: `<` can never close it (a customer id may be
 * any text), and U+2028/2029 stay escapes.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text as HTML: the page's own lines carry ids, which are only checked elsewhere. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin: 2.2rem 0 .3rem; border-bottom: 2px solid #3b6ea8; }
  h3 { font-size: .95rem; margin: 0 0 .3rem; }
  .note { color: #555; margin: .2rem 0 .6rem; } .empty { color: #777; font-style: italic; padding: .8rem; background: #f6f6f6; }
  .cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
  .card { background: #f4f7fb; border-radius: 6px; padding: .6rem .9rem; min-width: 9rem; }
  .big { font-size: 1.3rem; font-weight: 600; color: #1d3f66; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  .chart { width: 100%; }
  table { border-collapse: collapse; width: 100%; margin: .4rem 0; font-size: 13px; }
  th, td { padding: .2rem .45rem; border-bottom: 1px solid #e3e3e3; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .customer table th { text-align: left; font-weight: normal; color: #555; }
  .warnings li { color: #a33; }
  select, input, button { font: inherit; padding: .2rem .4rem; }
  header p { margin: 0; color: #555; }
  @media (max-width: 800px) { .pair { grid-template-columns: 1fr; } }
`;

function shell(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
<script>${echarts()}</script>
<script>${REPORT_SCRIPT}</script>
</head>
<body>
${body}
<script>${script}</script>
</body>
</html>
`;
}

/** The self-contained report file of `data`. */
export function reportHtml(data: ReportData): string {
  const body = `<header><h1>segstream report</h1><p>written ${new Date().toISOString()} from snapshot ${escapeHtml(data.snapshot.id)}</p></header>
<main id="report"></main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>`;
  const script = `SegstreamReport.render(JSON.parse(document.getElementById('report-data').textContent), document.getElementById('report'));`;
  return shell('segstream report', body, script);
}

/**
 * The dashboard: the same views drawn from `GET /v1/report` (again when a new snapshot goes live),
 * a campaign picker, and the lookup box showing one customer as a card.
 */
export function dashboardHtml(): string {
  const body = `<header><h1>segstream</h1><p id="status">loading…</p></header>
<section id="lookup-box"><h2>Look up a customer</h2>
<form id="lookup"><input id="cid" placeholder="customer id" autocomplete="off"> <button>Look up</button></form>
<div id="customer"></div></section>
<p><label>campaign <select id="campaign-pick"><option value="">(none)</option></select></label>
 · <a href="/docs">API (OpenAPI)</a> · <a href="/metrics">metrics</a> · <a href="/v1/report">report JSON</a></p>
<main id="report"></main>`;
  const script = `
(function () {
  var shown = null;
  var currency = 'USD';
  // ?campaign=NAME chooses the first campaign shown (?campaign= none); without it the page opens on
  // the newest kept campaign, so the demo's dashboard opens on its mini-program. The picker decides after.
  var params = new URLSearchParams(location.search);
  var wanted = params.has('campaign') ? params.get('campaign') || '' : undefined;
  var pick = document.getElementById('campaign-pick');
  var status = document.getElementById('status');
  function get(path) { return fetch(path).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw Object.assign(new Error(b.message || String(r.status)), { code: b.code }); return b; }); }); }
  function load(force) {
    var campaign = wanted !== null ? wanted : pick.value;
    return get('/v1/report' + (campaign ? '?campaign=' + encodeURIComponent(campaign) : '')).then(function (d) {
      var key = d.snapshot.id + '|' + campaign;
      currency = d.currency;
      status.textContent = 'live snapshot ' + d.snapshot.id + ' · as of ' + d.snapshot.as_of;
      if (!force && key === shown) return;
      shown = key;
      var known = Array.prototype.map.call(pick.options, function (o) { return o.value; });
      d.campaigns.forEach(function (n) { if (known.indexOf(n) < 0) { var o = document.createElement('option'); o.value = n; o.textContent = n; pick.appendChild(o); } });
      pick.value = campaign;
      wanted = null;
      SegstreamReport.render(d, document.getElementById('report'));
      document.body.setAttribute('data-rendered', d.snapshot.id);
    }).catch(function (e) {
      if (e.code === 'SEG_ERR_CAMPAIGN_NOT_FOUND') {
        // A campaign named in the address that is not kept: show the rest, and say so.
        wanted = null;
        pick.value = '';
        return load(true).then(function () { status.textContent += ' · ' + e.message; });
      }
      status.textContent = 'not ready: ' + e.message;
    });
  }
  function newestCampaign() {
    return get('/v1/campaigns').then(function (b) { return b.campaigns.length > 0 ? b.campaigns[0].name : ''; }, function () { return ''; });
  }
  pick.addEventListener('change', function () { load(true); });
  document.getElementById('lookup').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var out = document.getElementById('customer');
    var id = document.getElementById('cid').value.trim();
    get('/v1/customers/' + encodeURIComponent(id)).then(function (c) { SegstreamReport.customer(c, out, currency); })
      .catch(function (e) { out.textContent = e.message; });
  });
  (wanted === undefined ? newestCampaign().then(function (name) { wanted = name; }) : Promise.resolve()).then(function () {
    load(true);
    setInterval(function () { load(false); }, 15000);
  });
})();`;
  return shell('segstream', body, script);
}
