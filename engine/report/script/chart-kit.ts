/**
 * The report's browser code, part 1 of 4 (report-script.ts joins them into one function scope):
 * the chart kit. Number formats in the report's currency, DOM helpers that put text in through
 * textContent (never raw HTML), a chart (ECharts, SVG renderer, no animation) and a heatmap,
 * and the list of charts drawn. Written without backticks or dollar-brace.
 */
export const CHART_KIT = `
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
`;
