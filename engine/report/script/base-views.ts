/**
 * The report's browser code, part 2 of 4: the views of one snapshot: headline, trend, segments,
 * spend bands and the Pareto curve, the R x F heatmaps, tiers and the lifecycle funnel. Each view
 * is `view(root, data)` over the report document (report-data.ts).
 */
export const BASE_VIEWS = `
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
`;
