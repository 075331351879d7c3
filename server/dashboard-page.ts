/**
 * The dashboard at `/`: one plain HTML page with a little JS (no framework, no build step) that
 * reads the public JSON routes: snapshot info, the segment and spend-band tables, a lookup box.
 * Kept as a string so `tsc` carries it into dist/ with the rest of the server.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>segstream</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { padding: .25rem .5rem; border-bottom: 1px solid #ddd; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .bar { background: #4a7; height: .6rem; display: inline-block; }
  #info, pre { background: #f6f6f6; padding: .5rem; }
  input { font: inherit; padding: .25rem; width: 16rem; }
</style>
</head>
<body>
<h1>segstream</h1>
<div id="info">loading…</div>
<h2>Lookup</h2>
<form id="lookup"><input id="cid" placeholder="customer id" autocomplete="off"> <button>Look up</button></form>
<pre id="customer" hidden></pre>
<h2>Segments</h2>
<table id="segments"><thead><tr><th>segment</th><th>customers</th><th>share</th><th></th></tr></thead><tbody></tbody></table>
<h2>Spend bands</h2>
<table id="bands"><thead><tr><th>band</th><th>customers</th><th>share</th><th>revenue</th><th>revenue share</th><th>mean weekly spend</th></tr></thead><tbody></tbody></table>
<p><a href="/docs">API (OpenAPI)</a> · <a href="/metrics">metrics</a></p>
<script>
const pct = (x) => (100 * x).toFixed(1) + '%';
const num = (x) => Number(x).toLocaleString('en-US', { maximumFractionDigits: 2 });
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
function rows(id, list) { document.querySelector('#' + id + ' tbody').innerHTML = list.map((r) => '<tr>' + r.map((c) => '<td>' + c + '</td>').join('') + '</tr>').join(''); }
async function get(path) { const r = await fetch(path); const body = await r.json(); if (!r.ok) throw new Error(body.message || r.status); return body; }
async function refresh() {
  try {
    const [snaps, segs, bands] = await Promise.all([get('/v1/snapshots'), get('/v1/segments'), get('/v1/spend-bands')]);
    const live = snaps.snapshots.find((s) => s.live);
    document.getElementById('info').textContent = live
      ? 'snapshot ' + live.id + ' · as of ' + live.as_of + ' · ' + num(segs.customers) + ' customers (live) · ' + snaps.snapshots.length + ' snapshots kept'
      : 'no snapshot yet';
    rows('segments', segs.segments.filter((s) => s.customers > 0).sort((a, b) => b.customers - a.customers)
      .map((s) => [esc(s.name), num(s.customers), pct(s.share), '<span class="bar" style="width:' + (200 * s.share).toFixed(0) + 'px"></span>']));
    rows('bands', bands.bands.map((b) => [b.band, num(b.customers), pct(b.share_customers), num(b.revenue), pct(b.share_revenue), num(b.mean_weekly_spend)]));
  } catch (e) { document.getElementById('info').textContent = 'not ready: ' + e.message; }
}
document.getElementById('lookup').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = document.getElementById('customer');
  out.hidden = false;
  const id = document.getElementById('cid').value.trim();
  try { out.textContent = JSON.stringify(await get('/v1/customers/' + encodeURIComponent(id)), null, 2); }
  catch (e) { out.textContent = e.message; }
});
refresh();
setInterval(refresh, 10000);
</script>
</body>
</html>
`;
