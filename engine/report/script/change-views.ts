/**
 * The report's browser code, part 3 of 4: the views of what changed and what to do: the lost
 * report, the win-back list, the migration, the models' health and a campaign's result.
 */
export const CHANGE_VIEWS = `
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
`;
