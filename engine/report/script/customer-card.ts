/**
 * The report's browser code, part 4 of 4: the dashboard's lookup card, one customer's fields in
 * groups, money in the report's currency.
 */
export const CUSTOMER_CARD = `
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
`;
