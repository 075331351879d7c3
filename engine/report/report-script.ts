/**
 * The chart code of the report and the dashboard: browser JavaScript, kept as a string so `tsc`
 * carries it into dist/ and both pages inline the same text. It defines `SegstreamReport.render(
 * data, root)`, which draws every view of a report document (report-data.ts) with ECharts (SVG
 * renderer: crisp at small sizes, and a test can count the shapes), and `SegstreamReport.customer(
 * view, root)`, the lookup card. Text goes in through textContent or `esc`, never as raw HTML.
 *
 * Written without backticks or dollar-brace, so the TypeScript template below stays plain text.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var COLORS = ['#3b6ea8', '#e07b39', '#4a9a5b', '#c0504d', '#8064a2', '#4bacc6', '#9b8b3a', '#d17fb0', '#7f7f7f', '#2f4f4f', '#b5651d', '#6a8caf'];
  var charts = [];
  var fmt = {};
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function setup(currency) {
    var money0 = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency, maximumFractionDigits: 0 });
    var money2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    var int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    var dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
    fmt.money = function (x) { return x === null || x === undefined ? '-' : (Math.abs(x) >= 1000 ? money0 : money2).format(x); };
    fmt.int = function (x) { return x === null || x === undefined ? '-' : int.format(x); };
    fmt.num = function (x) { return x === null || x === undefined ? '-' : dec.format(x); };
    fmt.pct = function (x) { return x === null || x === undefined ? '-' : (100 * x).toFixed(1) + '%'; };
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function section(root, id, title, note) {
    var s = el('section', { id: 'view-' + id, 'data-view': id }, [el('h2', { text: title }), note ? el('p', { class: 'note', text: note }) : null]);
    root.appendChild(s);
    return s;
  }
  function empty(s, text) { s.appendChild(el('p', { class: 'empty', 'data-empty': '1', text: text })); }
  function chart(s, name, option, height) {
    var div = el('div', { class: 'chart', 'data-chart': name, style: 'height:' + (height || 300) + 'px' });
    s.appendChild(div);
    var c = echarts.init(div, null, { renderer: 'svg' });
    option.animation = false;
    option.color = option.color || COLORS;
    c.setOption(option);
    charts.push(c);
    return c;
  }
  function table(s, name, head, rows) {
    var t = el('table', { 'data-table': name }, [el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))])]);
    var body = el('tbody');
    rows.forEach(function (r) {
      body.appendChild(el('tr', {}, r.map(function (c) {
        if (c !== null && typeof c === 'object') return el('td', { text: c.text, 'data-value': String(c.value) });
        return el('td', { text: c === null || c === undefined ? '-' : String(c) });
      })));
    });
    t.appendChild(body);
    s.appendChild(t);
    return t;
  }
  function v(value, text) { return { value: value, text: text }; }
  function heat(s, name, rows, cols, matrix, opts) {
    var data = [];
    var max = 0;
    var min = 0;
    matrix.forEach(function (row, i) { row.forEach(function (x, j) { if (x !== null) { data.push([j, i, x]); if (x > max) max = x; if (x < min) min = x; } }); });
    return chart(s, name, {
      title: opts.title ? { text: opts.title, left: 'left', top: 0, textStyle: { fontSize: 13 } } : undefined,
      tooltip: { formatter: function (p) { return esc(opts.rowName + ' ' + rows[p.value[1]] + ' → ' + opts.colName + ' ' + cols[p.value[0]]) + '<br>' + esc(opts.format(p.value[2])) + (opts.extra ? '<br>' + esc(opts.extra(p.value[1], p.value[0])) : ''); } },
      grid: { left: opts.left || 110, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: cols, name: opts.colName, nameLocation: 'middle', nameGap: 50, axisLabel: { rotate: cols.length > 6 ? 35 : 0 }, splitArea: { show: true } },
      yAxis: { type: 'category', data: rows, name: opts.rowName, inverse: true, splitArea: { show: true } },
      visualMap: { min: min, max: max || 1, calculable: false, orient: 'horizontal', right: 0, top: 0, itemHeight: 80, text: [opts.format(max), opts.format(min)],
        inRange: { color: min < 0 ? ['#c0504d', '#f4f8fc', '#3b6ea8'] : ['#f4f8fc', '#3b6ea8'] } },
      series: [{ name: name, type: 'heatmap', data: data, label: { show: rows.length * cols.length <= 169, fontSize: 10, formatter: function (p) { return opts.short(p.value[2]); } } }],
    }, opts.height || 360);
  }
  function short(x) {
    var a = Math.abs(x);
    if (a >= 1e6) return (x / 1e6).toFixed(1) + 'M';
    if (a >= 1e3) return (x / 1e3).toFixed(1) + 'k';
    return String(Math.round(x));
  }
  function bandLabel(b) { return b.min === null ? String(b.band) : b.band + ': ' + fmt.money(b.min) + '–' + fmt.money(b.max); }

  function headline(root, d) {
    var h = d.headline;
    var s = section(root, 'headline', 'Snapshot ' + d.snapshot.id, 'as of ' + d.snapshot.as_of + ' · money in ' + d.currency);
    var cards = [
      ['customers', 'customers', h.customers, fmt.int(h.customers)],
      ['purchasing_customers', 'with a purchase', h.purchasing_customers, fmt.int(h.purchasing_customers)],
      ['revenue', 'revenue (net)', h.revenue, fmt.money(h.revenue)],
      ['revenue_365d', 'revenue, last 365 days', h.revenue_365d, fmt.money(h.revenue_365d)],
      ['top_20', 'revenue of the top 20%', d.pareto.top_20, fmt.pct(d.pareto.top_20)],
      ['win_back', 'worth winning back', h.win_back, fmt.int(h.win_back)],
      ['rows_read', 'rows read', h.rows_read, fmt.int(h.rows_read)],
      ['rows_rejected', 'rows rejected', h.rows_rejected, fmt.int(h.rows_rejected) + ' (' + fmt.pct(h.reject_share) + ')'],
    ];
    s.appendChild(el('div', { class: 'cards' }, cards.map(function (c) {
      return el('div', { class: 'card' }, [el('div', { class: 'big', 'data-headline': c[0], 'data-value': String(c[2]), text: c[3] }), el('div', { text: c[1] })]);
    })));
    var reasons = Object.keys(h.rejects);
    if (reasons.length) s.appendChild(el('p', { class: 'note', text: 'rejects: ' + reasons.map(function (r) { return r + ' ' + fmt.int(h.rejects[r]); }).join(', ') }));
  }

  function trend(root, d) {
    var s = section(root, 'trend', 'Trend over the kept snapshots', 'customers, revenue and the lost at each snapshot kept (snapshots.keep in the config)');
    var t = d.trend;
    chart(s, 'trend', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 70, right: 80, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: t.map(function (x) { return x.as_of.slice(0, 10); }) },
      yAxis: [{ type: 'value', name: 'customers' }, { type: 'value', name: 'revenue', axisLabel: { formatter: short } }],
      series: [
        { name: 'customers', type: 'line', data: t.map(function (x) { return x.customers; }) },
        { name: 'lifecycle lost', type: 'line', data: t.map(function (x) { return x.lost; }) },
        { name: 'worth winning back', type: 'line', data: t.map(function (x) { return x.win_back; }) },
        { name: 'revenue', type: 'bar', yAxisIndex: 1, barMaxWidth: 40, data: t.map(function (x) { return x.revenue; }) },
      ],
    }, 260);
    table(s, 'trend', ['snapshot', 'as of', 'customers', 'revenue', 'lost', 'worth winning back'], t.map(function (x) {
      return [x.snapshot, x.as_of.slice(0, 10), v(x.customers, fmt.int(x.customers)), v(x.revenue, fmt.money(x.revenue)), fmt.int(x.lost), fmt.int(x.win_back)];
    }));
  }

  function segments(root, d) {
    var s = section(root, 'segments', 'Segments: who they are and what they bring', 'customers and net revenue per RFM segment, in rule order');
    var list = d.segments.filter(function (x) { return x.customers > 0; });
    if (!list.length) return empty(s, 'no customers');
    chart(s, 'segments', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 70, right: 80, top: 40, bottom: 90 },
      xAxis: { type: 'category', data: list.map(function (x) { return x.name; }), axisLabel: { rotate: 35 } },
      yAxis: [{ type: 'value', name: 'customers' }, { type: 'value', name: 'revenue', axisLabel: { formatter: short } }],
      series: [
        { name: 'customers', type: 'bar', data: list.map(function (x) { return x.customers; }) },
        { name: 'revenue', type: 'bar', yAxisIndex: 1, data: list.map(function (x) { return x.revenue; }) },
      ],
    }, 340);
    table(s, 'segments', ['segment', 'customers', 'share', 'revenue', 'share of revenue', 'revenue 365 d'], list.map(function (x) {
      return [x.name, v(x.customers, fmt.int(x.customers)), fmt.pct(x.share), v(x.revenue, fmt.money(x.revenue)), fmt.pct(x.share_revenue), fmt.money(x.revenue_365d)];
    }));
  }

  function bands(root, d) {
    var s = section(root, 'spend-bands', 'Spend bands and how concentrated revenue is', 'band 1 spends least; bands cut ' + d.spend_bands.by + ' (money per week); the Pareto curve ranks customers by revenue');
    var b = d.spend_bands.bands;
    if (!b.length) return empty(s, 'no spend bands');
    chart(s, 'spend-bands', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 30, top: 40, bottom: 110 },
      xAxis: { type: 'category', data: b.map(bandLabel), axisLabel: { rotate: 35, fontSize: 10 } },
      yAxis: { type: 'value', name: 'share', axisLabel: { formatter: function (x) { return Math.round(100 * x) + '%'; } } },
      series: [
        { name: 'share of customers', type: 'bar', data: b.map(function (x) { return x.share_customers; }) },
        { name: 'share of revenue', type: 'bar', data: b.map(function (x) { return x.share_revenue; }) },
      ],
    }, 360);
    var p = d.pareto;
    chart(s, 'pareto', {
      tooltip: { trigger: 'axis', valueFormatter: fmt.pct },
      grid: { left: 60, right: 30, top: 30, bottom: 50 },
      xAxis: { type: 'value', min: 0, max: 1, name: 'share of customers (ranked by revenue)', nameLocation: 'middle', nameGap: 30, axisLabel: { formatter: function (x) { return Math.round(100 * x) + '%'; } } },
      yAxis: { type: 'value', name: 'share of revenue', axisLabel: { formatter: function (x) { return Math.round(100 * x) + '%'; } } },
      series: [
        { name: 'revenue', type: 'line', showSymbol: false, areaStyle: { opacity: 0.15 }, data: p.points,
          markPoint: { symbolSize: 40, data: [{ coord: [0.2, p.top_20], value: fmt.pct(p.top_20) }] } },
        { name: 'equal spend', type: 'line', showSymbol: false, lineStyle: { type: 'dashed', color: '#999' }, data: [[0, 0], [1, 1]] },
      ],
    }, 300);
    s.appendChild(el('p', { class: 'note', text: 'the top 1% of customers bring ' + fmt.pct(p.top_1) + ' of revenue, the top 10% ' + fmt.pct(p.top_10) + ', the top 20% ' + fmt.pct(p.top_20) }));
    table(s, 'spend-bands', ['band', 'weekly spend from', 'to', 'customers', 'share', 'revenue', 'share of revenue', 'mean weekly spend'], b.map(function (x) {
      return [x.band, fmt.money(x.min), fmt.money(x.max), v(x.customers, fmt.int(x.customers)), fmt.pct(x.share_customers), v(x.revenue, fmt.money(x.revenue)), fmt.pct(x.share_revenue), fmt.money(x.mean_weekly_spend)];
    }));
  }

  function rf(root, d) {
    var s = section(root, 'rf-heatmap', 'Recency x frequency', 'R score (5 = bought most recently) against F score (5 = buys most often): how many customers, and their mean revenue');
    var h = d.rf_heatmap;
    var labels = h.customers.map(function (_, i) { return String(i + 1); });
    var total = 0;
    h.customers.forEach(function (row) { row.forEach(function (x) { total += x; }); });
    if (!total) return empty(s, 'no purchasing customers');
    var wrap = el('div', { class: 'pair' });
    s.appendChild(wrap);
    heat(wrap, 'rf-customers', labels, labels, h.customers, { title: 'customers', rowName: 'R', colName: 'F', left: 50, format: fmt.int, short: short, height: 320 });
    heat(wrap, 'rf-revenue', labels, labels, h.mean_revenue, { title: 'mean revenue', rowName: 'R', colName: 'F', left: 50, format: fmt.money, short: short, height: 320 });
  }

  function tiers(root, d) {
    var s = section(root, 'tiers', 'Loyalty tiers', 'tier by spend in the tier window; bars: customers, line: revenue');
    if (!d.tiers.length) return empty(s, 'no tiers');
    chart(s, 'tiers', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 70, right: 80, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: d.tiers.map(function (x) { return x.name + ' (from ' + fmt.money(x.min_spend) + ')'; }) },
      yAxis: [{ type: 'value', name: 'customers' }, { type: 'value', name: 'revenue', axisLabel: { formatter: short } }],
      series: [
        { name: 'customers', type: 'bar', data: d.tiers.map(function (x) { return x.customers; }) },
        { name: 'revenue', type: 'line', yAxisIndex: 1, data: d.tiers.map(function (x) { return x.revenue; }) },
      ],
    }, 280);
  }

  function lifecycle(root, d) {
    var s = section(root, 'lifecycle', 'Lifecycle', 'the funnel: customers with a purchase, and how many of them are still buying; the table: each stage');
    var list = d.lifecycle.filter(function (x) { return x.customers > 0; });
    if (!list.length) return empty(s, 'no customers');
    var n = {};
    d.lifecycle.forEach(function (x) { n[x.name] = x.customers; });
    var active = (n.new || 0) + (n.reactivated || 0) + (n.active || 0);
    var steps = [
      ['with a purchase', active + (n.at_risk || 0) + (n.lapsed || 0) + (n.lost || 0)],
      ['not lost', active + (n.at_risk || 0) + (n.lapsed || 0)],
      ['not lapsed', active + (n.at_risk || 0)],
      ['active (new, reactivated, active)', active],
    ];
    chart(s, 'lifecycle', {
      tooltip: { trigger: 'item', formatter: function (p) { return esc(p.name) + ': ' + esc(fmt.int(p.value)) + ' customers'; } },
      series: [{ name: 'lifecycle', type: 'funnel', sort: 'none', left: '5%', width: '55%', minSize: '5%', gap: 2,
        label: { position: 'right', formatter: function (p) { return p.name + '  ' + fmt.int(p.value); } },
        data: steps.map(function (x) { return { name: x[0], value: x[1] }; }) }],
    }, 260);
    table(s, 'lifecycle', ['stage', 'customers', 'share', 'revenue', 'revenue 365 d', 'mean p_alive'], list.map(function (x) {
      return [x.name, v(x.customers, fmt.int(x.customers)), fmt.pct(x.share), fmt.money(x.revenue), fmt.money(x.revenue_365d), fmt.num(x.mean_p_alive)];
    }));
  }

  function lost(root, d) {
    var s = section(root, 'lost', 'Lost customers: when and why', 'lifecycle lost: no purchase for more than the lapsed days (not the RFM segment lost, the bottom recency score)');
    if (!d.lost) return empty(s, 'this snapshot predates the lost report: rescore to get it');
    var dims = Object.keys(d.lost);
    var first = d.lost[dims[0]];
    var t = first.total;
    var reasons = Object.keys(t.reasons);
    s.appendChild(el('div', { class: 'cards' }, [
      ['customers', 'customers lost', t.customers, fmt.int(t.customers)],
      ['newly_lost', first.previous ? 'newly lost since ' + first.previous : 'newly lost', first.newly_lost, fmt.int(first.newly_lost)],
      ['revenue_365d_before', 'their revenue in the year before their last purchase', t.revenue_365d_before, fmt.money(t.revenue_365d_before)],
    ].concat(reasons.map(function (r) { return ['reason:' + r, 'lost as ' + r, t.reasons[r], fmt.int(t.reasons[r]) + ' (' + fmt.pct(t.customers ? t.reasons[r] / t.customers : 0) + ')']; }))
      .map(function (x) { return el('div', { class: 'card' }, [el('div', { class: 'big', 'data-lost': x[0], 'data-value': String(x[2]), text: x[3] }), el('div', { text: x[1] })]); })));
    if (!t.customers) return empty(s, 'no customer is lost');
    chart(s, 'lost-by-month', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 30, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: first.months.map(function (m) { return m.value; }) },
      yAxis: { type: 'value', name: 'customers lost' },
      series: reasons.map(function (r) { return { name: r, type: 'bar', stack: 'lost', data: first.months.map(function (m) { return m.reasons[r] || 0; }) }; }),
    }, 280);
    var pick = el('select', { 'data-lost-by': '1' }, dims.map(function (k) { return el('option', { value: k, text: 'by ' + k + (first.previous ? ' in ' + first.previous : '') }); }));
    s.appendChild(pick);
    var holder = el('div');
    s.appendChild(holder);
    function draw() {
      var groups = d.lost[pick.value].groups;
      holder.textContent = '';
      chart(holder, 'lost-by-group', {
        tooltip: { trigger: 'axis' }, legend: { top: 0 },
        grid: { left: 70, right: 90, top: 40, bottom: 90 },
        xAxis: { type: 'category', data: groups.map(function (g) { return g.value; }), axisLabel: { rotate: 35 } },
        yAxis: [{ type: 'value', name: 'customers' }, { type: 'value', name: 'worth a year', axisLabel: { formatter: short } }],
        series: reasons.map(function (r) { return { name: r, type: 'bar', stack: 'lost', data: groups.map(function (g) { return g.reasons[r] || 0; }) }; })
          .concat([{ name: 'revenue in the year before', type: 'line', yAxisIndex: 1, data: groups.map(function (g) { return g.revenue_365d_before; }) }]),
      }, 320);
    }
    pick.addEventListener('change', function () { charts = charts.filter(function (c) { if (c.getDom().parentNode === holder) { c.dispose(); return false; } return true; }); draw(); });
    draw();
  }

  function winBack(root, d) {
    var w = d.win_back;
    var s = section(root, 'win-back', 'Who to win back', fmt.int(w.customers) + ' lapsed or lost customers with a high M score; the top ' + w.top.length + ' by revenue');
    if (!w.top.length) return empty(s, 'nobody to win back');
    chart(s, 'win-back', {
      tooltip: { trigger: 'axis' },
      grid: { left: 90, right: 30, top: 20, bottom: 30 },
      xAxis: { type: 'value', axisLabel: { formatter: short } },
      yAxis: { type: 'category', inverse: true, data: w.top.map(function (x) { return x.customer_id; }) },
      series: [{ name: 'revenue', type: 'bar', data: w.top.map(function (x) { return x.revenue; }) }],
    }, Math.max(200, 20 * w.top.length + 50));
    table(s, 'win-back', ['customer', 'segment', 'stage', 'revenue', 'orders', 'days since last purchase', 'last purchase', 'CLV 365 d'], w.top.map(function (x) {
      return [x.customer_id, x.segment, x.lifecycle, v(x.revenue, fmt.money(x.revenue)), fmt.int(x.orders), fmt.int(x.recency_days), (x.last_purchase_at || '-').slice(0, 10), fmt.money(x.clv_365d)];
    }));
  }

  function migration(root, d) {
    var s = section(root, 'migration', 'Migration since the previous snapshot');
    var m = d.migration;
    if (!m) return empty(s, 'no earlier snapshot to compare with');
    s.appendChild(el('p', { class: 'note', text: 'from ' + m.from + ' (rows) to ' + m.to + ' (columns): customers per cell, or the revenue they made between the two snapshots' }));
    var dims = Object.keys(m.by);
    var pick = el('select', { 'data-migration-by': '1' }, dims.map(function (k) { return el('option', { value: k, text: 'by ' + k }); }));
    var measure = el('select', { 'data-migration-measure': '1' }, [el('option', { value: 'counts', text: 'customers' }), el('option', { value: 'revenue', text: 'revenue between the snapshots' })]);
    s.appendChild(el('p', {}, [pick, measure]));
    var holder = el('div');
    s.appendChild(holder);
    function draw() {
      var mm = m.by[pick.value];
      var money = measure.value === 'revenue';
      holder.textContent = '';
      heat(holder, 'migration', mm.rows, mm.columns, mm[measure.value], { rowName: 'from', colName: 'to', format: money ? fmt.money : fmt.int, short: short,
        extra: function (i, j) { return fmt.int(mm.counts[i][j]) + ' customers; revenue between ' + fmt.money(mm.revenue[i][j]) + (mm.revenue_365d ? ', in the last 365 days ' + fmt.money(mm.revenue_365d[i][j]) : ''); },
        height: Math.max(300, 26 * mm.rows.length + 120) });
    }
    function redraw() { charts = charts.filter(function (c) { if (c.getDom().parentNode === holder) { c.dispose(); return false; } return true; }); draw(); }
    pick.addEventListener('change', redraw);
    measure.addEventListener('change', redraw);
    draw();
  }

  function models(root, d) {
    var s = section(root, 'models', 'Predictions: the models and their health');
    var p = d.models.parameters || {};
    var rows = [];
    if (p.bgnbd) rows.push(['BG/NBD', 'r ' + fmt.num(p.bgnbd.r) + ', alpha ' + fmt.num(p.bgnbd.alpha) + ', a ' + fmt.num(p.bgnbd.a) + ', b ' + fmt.num(p.bgnbd.b), p.bgnbd.converged ? 'converged' : 'NOT converged', fmt.num(p.bgnbd.log_likelihood)]);
    if (p.gamma_gamma) rows.push(['Gamma-Gamma', 'p ' + fmt.num(p.gamma_gamma.p) + ', q ' + fmt.num(p.gamma_gamma.q) + ', v ' + fmt.num(p.gamma_gamma.v), p.gamma_gamma.converged ? 'converged' : 'NOT converged', fmt.num(p.gamma_gamma.log_likelihood)]);
    if (rows.length) table(s, 'models', ['model', 'parameters', 'fit', 'log-likelihood'], rows);
    else empty(s, 'no model fitted');
    var warnings = d.models.warnings;
    s.appendChild(el('ul', { class: warnings.length ? 'warnings' : 'note' }, (warnings.length ? warnings : ['no warnings']).map(function (w) { return el('li', { text: w }); })));
    var stages = d.lifecycle.filter(function (x) { return x.mean_p_alive !== null; });
    if (stages.length) {
      chart(s, 'p-alive', {
        tooltip: { trigger: 'axis', valueFormatter: fmt.num },
        grid: { left: 60, right: 30, top: 30, bottom: 40 },
        xAxis: { type: 'category', data: stages.map(function (x) { return x.name; }) },
        yAxis: { type: 'value', name: 'mean p_alive', min: 0, max: 1 },
        series: [{ name: 'mean p_alive', type: 'bar', data: stages.map(function (x) { return x.mean_p_alive; }) }],
      }, 240);
    }
    var cal = p.holdout;
    if (cal && cal.table && cal.table.length) {
      s.appendChild(el('p', { class: 'note', text: 'calibration check: BG/NBD fitted on the base as of ' + cal.calibration_end + ', predicting the ' + cal.days + ' days after; ' +
        'mean absolute error ' + fmt.num(cal.mean_absolute_error) + ' purchases per customer over the groups; ' + fmt.num(cal.predicted_total) + ' predicted against ' + fmt.int(cal.actual_total) + ' actual' }));
      chart(s, 'calibration', {
        tooltip: { trigger: 'axis', valueFormatter: fmt.num }, legend: { top: 0 },
        grid: { left: 60, right: 30, top: 40, bottom: 50 },
        xAxis: { type: 'category', name: 'repeat purchase days before the holdout', nameLocation: 'middle', nameGap: 30, data: cal.table.map(function (r) { return r.frequency; }) },
        yAxis: { type: 'value', name: 'mean purchases in the holdout' },
        series: [
          { name: 'predicted', type: 'line', data: cal.table.map(function (r) { return r.predicted; }) },
          { name: 'actual', type: 'line', data: cal.table.map(function (r) { return r.actual; }) },
        ],
      }, 280);
    } else {
      s.appendChild(el('p', { class: 'note', text: 'no calibration check: set models.holdout_days to fit on earlier data and compare with what came' }));
    }
  }

  function campaign(root, d) {
    var s = section(root, 'campaign', 'Campaign');
    var c = d.campaign;
    if (!c) return empty(s, d.campaigns.length ? 'campaigns kept: ' + d.campaigns.join(', ') + ' (choose one to see its result)' : 'no campaign yet: run segstream campaign');
    var e = c.effect || {};
    s.querySelector('h2').textContent = 'Campaign ' + c.name + ': did it move its participants up?';
    s.appendChild(el('p', { class: 'note', text: 'campaign ' + c.windows.C.from + ' to ' + c.windows.C.to + ' against the ' + c.windows.P.days + ' days before; ' + fmt.int(c.participants.customers) + ' participants, ' + fmt.int(c.control.customers) + ' in the control group' }));
    s.appendChild(el('div', { class: 'cards' }, [
      ['did', 'extra spend per participant (difference in differences)', e.did, fmt.money(e.did)],
      ['ci95', '95% interval', e.ci95 ? e.ci95.join(',') : null, e.ci95 ? fmt.money(e.ci95[0]) + ' to ' + fmt.money(e.ci95[1]) : '-'],
      ['incremental_revenue', 'incremental revenue', e.incremental_revenue, fmt.money(e.incremental_revenue)],
    ].map(function (x) { return el('div', { class: 'card' }, [el('div', { class: 'big', 'data-campaign': x[0], 'data-value': String(x[2]), text: x[3] }), el('div', { text: x[1] })]); })));
    var groups = [['participants', c.participants], ['control', c.control]];
    chart(s, 'campaign-spend', {
      tooltip: { trigger: 'axis', valueFormatter: fmt.money }, legend: { top: 0 },
      grid: { left: 70, right: 30, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: groups.map(function (g) { return g[0]; }) },
      yAxis: { type: 'value', name: 'mean spend per customer' },
      series: [
        { name: 'before (' + c.windows.P.from + ' to ' + c.windows.P.to + ')', type: 'bar', data: groups.map(function (g) { return g[1].mean_spend_P; }) },
        { name: 'during (' + c.windows.C.from + ' to ' + c.windows.C.to + ')', type: 'bar', data: groups.map(function (g) { return g[1].mean_spend_C; }) },
      ],
    }, 280);
    var sb = c.spend_bands;
    if (sb) {
      chart(s, 'campaign-moves', {
        tooltip: { trigger: 'axis', valueFormatter: fmt.pct }, legend: { top: 0 },
        grid: { left: 60, right: 30, top: 40, bottom: 40 },
        xAxis: { type: 'category', data: ['moved up', 'stayed', 'moved down'] },
        yAxis: { type: 'value', axisLabel: { formatter: function (x) { return Math.round(100 * x) + '%'; } } },
        series: [
          { name: 'participants', type: 'bar', data: [sb.participants.up, sb.participants.same, sb.participants.down] },
          { name: 'control', type: 'bar', data: [sb.control.up, sb.control.same, sb.control.down] },
        ],
      }, 260);
      var labels = sb.labels.map(String);
      var wrap = el('div', { class: 'pair' });
      s.appendChild(wrap);
      heat(wrap, 'campaign-bands-participants', labels, labels, sb.participants.matrix, { title: 'participants: spend band before and during', rowName: 'band before', colName: 'band during', left: 60, format: fmt.int, short: short, height: 340 });
      heat(wrap, 'campaign-bands-control', labels, labels, sb.control.matrix, { title: 'control: spend band before and during', rowName: 'band before', colName: 'band during', left: 60, format: fmt.int, short: short, height: 340 });
    }
    var sg = c.segments;
    if (sg && sg.participants && sg.participants.labels.length) {
      var segWrap = el('div', { class: 'pair' });
      s.appendChild(segWrap);
      [['participants', sg.participants], ['control', sg.control]].forEach(function (g) {
        heat(segWrap, 'campaign-segments-' + g[0], g[1].labels, g[1].labels, g[1].matrix, { title: g[0] + ': RFM segment the day before and on the last day', rowName: 'before', colName: 'after', left: 120, format: fmt.int, short: short, height: Math.max(320, 24 * g[1].labels.length + 140) });
      });
    }
  }

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

  var GROUPS = [
    ['Customer', ['customer_id', 'segment', 'rfm_cell', 'tier', 'spend_band', 'win_back']],
    ['Lifecycle', ['lifecycle', 'lost_at', 'lost_reason', 'returned_share', 'last_year_revenue']],
    ['Purchases', ['orders', 'purchase_days', 'first_purchase_at', 'last_purchase_at', 'recency_days', 'tenure_days', 'returns']],
    ['Money', ['revenue', 'revenue_90d', 'revenue_365d', 'aov', 'weekly_spend', 'returned_amount', 'margin']],
    ['Scores', ['r_score', 'f_score', 'm_score']],
    ['Predictions', ['p_alive', 'expected_purchases_90d', 'expected_aov', 'clv_365d']],
    ['Snapshot', ['snapshot', 'as_of', 'live']],
  ];
  var MONEY = ['revenue', 'revenue_90d', 'revenue_365d', 'aov', 'weekly_spend', 'returned_amount', 'margin', 'expected_aov', 'clv_365d', 'last_year_revenue'];
  var SHARES = ['returned_share'];
  function cellText(k, x) {
    if (x === null || x === undefined) return '-';
    if (MONEY.indexOf(k) >= 0) return fmt.money(x);
    if (SHARES.indexOf(k) >= 0) return fmt.pct(x);
    if (typeof x === 'number') return fmt.num(x);
    if (typeof x === 'boolean') return x ? 'yes' : 'no';
    if (typeof x === 'object') return JSON.stringify(x);
    return String(x);
  }
  function customer(view, root, currency) {
    setup(currency || 'USD');
    root.textContent = '';
    var seen = {};
    var blocks = GROUPS.map(function (g) {
      var rows = g[1].filter(function (k) { return k in view; }).map(function (k) {
        seen[k] = 1;
        return el('tr', {}, [el('th', { text: k.replace(/_/g, ' ') }), el('td', { 'data-field': k, text: cellText(k, view[k]) })]);
      });
      return el('div', { class: 'card' }, [el('h3', { text: g[0] }), el('table', {}, rows)]);
    });
    var rest = Object.keys(view).filter(function (k) { return !seen[k]; });
    if (rest.length) blocks.push(el('div', { class: 'card' }, [el('h3', { text: 'More' }), el('table', {}, rest.map(function (k) { return el('tr', {}, [el('th', { text: k.replace(/_/g, ' ') }), el('td', { 'data-field': k, text: cellText(k, view[k]) })]); }))]));
    root.appendChild(el('div', { class: 'cards customer' }, blocks));
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  window.SegstreamReport = { render: render, customer: customer, charts: function () { return charts; } };
})();
`;
