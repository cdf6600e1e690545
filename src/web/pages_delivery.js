/* pages_delivery.js -- what became of the messages staff sent (issue 16,
 * missing 4). #/broadcasts/ID/report: a broadcast's delivery report (GET
 * /broadcasts/ID/report): how far it went as a bar with the same in words,
 * a summary (messages, segments, attempts, cost estimated and actual,
 * first and last send and delivery), tables by status, channel, language,
 * error class and attempts, and its messages as CSV in the separator
 * chosen or as an Excel workbook (exportLinks, as the other exports; the
 * daemon masks the phone numbers for viewers in both). #/costs: what each channel cost in a month
 * (GET /channels/costs). Loaded after the broadcasts page, whose other
 * #/broadcasts/... hashes it hands back. Times are the daemon's *_local
 * strings (fmtDate); a cost whose price is unknown says so. */
'use strict';

const REPORT_POLL_MS = 5000;
const REPORT_STATUSES = ['delivered', 'sent', 'sending', 'queued', 'held', 'failed', 'suppressed', 'expired', 'cancelled'];

function madOrUnknown(v) { return v === null || v === undefined ? t('price_unknown') : fmtMad(v); }

function share(n, total) { return total ? Math.round(100 * n / total) : 0; }

/* The link to a broadcast's report, for the broadcasts list (a draft has
 * no messages, so no report). */
function reportLink(b) {
  return b.status === 'draft' ? '' : h('a', { href: `#/broadcasts/${Number(b.id)}/report`, class: 'bc-report', 'data-id': b.id }, t('report'));
}

/* Delivered of all, as a bar (role progressbar) and in words beside it:
 * never colour alone. */
function reportProgress(rep) {
  const total = rep.messages || 0, by = rep.by_status || {};
  const delivered = by.delivered || 0;
  const words = t('report_progress', {
    delivered: fmtNumber(delivered), pct: share(delivered, total), sent: fmtNumber(by.sent || 0),
    failed: fmtNumber(by.failed || 0), total: fmtNumber(total) });
  return h('div', { class: 'card', id: 'report-progress' },
    progressBar(t('status.delivered'), delivered, total, words), h('p', { id: 'report-progress-text' }, words));
}

function reportSummary(rep) {
  return kv([
    [t('recipients'), fmtNumber(rep.messages)],
    [t('segments'), fmtNumber(rep.segments)],
    [t('attempts'), fmtNumber(rep.attempts)],
    [t('cost'), madOrUnknown(rep.estimated_cost_mad)],
    [t('cost_actual'), madOrUnknown(rep.actual_cost_mad)],
    [t('first_sent'), fmtDate(rep.first_sent_at_local)],
    [t('last_sent'), fmtDate(rep.last_sent_at_local)],
    [t('first_delivered'), fmtDate(rep.first_delivered_at_local)],
    [t('last_delivered'), fmtDate(rep.last_delivered_at_local)],
  ], 'report-summary');
}

function countRows(by, order, kind) {
  const keys = order ? order.filter((k) => by[k]) : Object.keys(by).sort();
  return keys.map((k) => ({ id: k, cells: [kind ? label(kind, k) : k, fmtNumber(by[k])] }));
}

function reportTables(rep) {
  const total = rep.messages || 0, by = rep.by_status || {};
  const out = h('div', { class: 'grid' });
  out.appendChild(h('div', { class: 'card' }, h('h2', {}, t('by_status')),
    table([t('status'), t('messages'), t('share')], REPORT_STATUSES.filter((k) => by[k]).map((k) => ({ id: k, cells: [
      label('status', k), fmtNumber(by[k]), share(by[k], total) + ' %'] })), 'report-status')));
  out.appendChild(h('div', { class: 'card' }, h('h2', {}, t('by_error_class')),
    table([t('error_class'), t('messages')], countRows(rep.by_error_class || {}, null, 'err'), 'report-errors')));
  out.appendChild(h('div', { class: 'card' }, h('h2', {}, t('by_attempts')),
    table([t('attempts'), t('messages')], countRows(rep.by_attempts || {}), 'report-attempts')));
  const st = (p, k) => fmtNumber((p.by_status || {})[k] || 0);
  out.appendChild(h('div', { class: 'card wide' }, h('h2', {}, t('by_channel')),
    table([t('channel'), t('messages'), t('status.delivered'), t('status.sent'), t('status.failed'), t('segments'), t('price_per_segment'), t('cost'), t('cost_actual')],
      (rep.by_channel || []).map((c) => ({ id: c.channel, cells: [c.channel, fmtNumber(c.messages), st(c, 'delivered'), st(c, 'sent'), st(c, 'failed'),
        fmtNumber(c.segments), madOrUnknown(c.price_per_segment_mad), madOrUnknown(c.estimated_cost_mad), madOrUnknown(c.actual_cost_mad)] })), 'report-channels')));
  out.appendChild(h('div', { class: 'card wide' }, h('h2', {}, t('by_language')),
    table([t('language'), t('messages'), t('status.delivered'), t('status.sent'), t('status.failed')],
      (rep.by_language || []).map((l) => ({ id: l.language, cells: [LANGUAGE_NAMES[l.language] || t('language_unknown'), fmtNumber(l.messages),
        st(l, 'delivered'), st(l, 'sent'), st(l, 'failed')] })), 'report-languages')));
  return out;
}

async function pageReport(main, id) {
  const rep = await api('GET', `/broadcasts/${encodeURIComponent(id)}/report`);
  const hash = location.hash;
  main.appendChild(back('#/broadcasts', t('nav_broadcasts')));
  main.appendChild(h('h1', {}, t('report_of'), ' ', userText(rep.name), ' ', badge('bc', rep.status)));
  main.appendChild(reportProgress(rep));
  main.appendChild(h('p', { class: 'row' },
    exportLinks(`/broadcasts/${Number(rep.broadcast_id)}/messages.csv`, `broadcast-${Number(rep.broadcast_id)}`, 'report', t('report_csv'), t('report_xlsx')),
    can('staff') ? '' : h('span', { class: 'muted', id: 'report-csv-masked' }, t('report_csv_masked'))));
  main.appendChild(h('div', { class: 'card' }, reportSummary(rep)));
  main.appendChild(reportTables(rep));
  // While it is still going out the page follows it; it stops when left.
  if (rep.status === 'started')
    setTimeout(() => { if (main.isConnected && location.hash === hash) route(); }, REPORT_POLL_MS);
}

/* ------------------------------------------------------------ costs */

/* "YYYY-MM" moved by delta months. */
function shiftMonth(month, delta) {
  const m = /^(\d{4})-(\d{2})$/.exec(month || '');
  if (!m) return month;
  const n = Number(m[1]) * 12 + Number(m[2]) - 1 + delta;
  return `${Math.floor(n / 12)}-${String(n % 12 + 1).padStart(2, '0')}`;
}

async function pageCosts(main) {
  main.appendChild(h('h1', {}, t('nav_costs')));
  const month = h('input', { type: 'month', id: 'costs-month' });
  const box = h('div', { id: 'costs-box', 'aria-live': 'polite' });
  async function load() {
    const r = await api('GET', '/channels/costs' + qs({ month: month.value }));
    clear(box);
    month.value = r.month;
    box.appendChild(h('p', { class: 'muted', id: 'costs-period' }, t('costs_period', { from: fmtDate(r.starts_at_local), to: fmtDate(r.ends_at_local) })));
    box.appendChild(table([t('channel'), t('messages'), t('segments'), t('price_per_segment'), t('cost_actual')],
      (r.channels || []).map((c) => ({ id: c.channel, cells: [c.configured ? c.channel : t('channel_gone', { channel: c.channel }),
        fmtNumber(c.messages), fmtNumber(c.segments), madOrUnknown(c.price_per_segment_mad), madOrUnknown(c.cost_mad)] })), 'costs-table'));
    box.appendChild(h('p', { id: 'costs-total' }, h('b', {}, t('costs_total', { cost: madOrUnknown(r.total_cost_mad) }))));
  }
  const reload = () => load().catch((e) => toast(errorText(e), true));
  month.addEventListener('change', reload);
  const shift = (d) => { month.value = shiftMonth(month.value, d); reload(); };
  main.appendChild(h('div', { class: 'row card' },
    h('button', { class: 'secondary', id: 'costs-prev', onclick: () => shift(-1) }, t('month_previous')),
    field(t('month'), month),
    h('button', { class: 'secondary', id: 'costs-next', onclick: () => shift(1) }, t('month_next'))));
  main.appendChild(h('p', { class: 'muted' }, t('costs_note')));
  main.appendChild(box);
  await load();
}

/* #/broadcasts/ID/report here; any other #/broadcasts/... to the
 * broadcasts page as before. */
ROUTES['broadcasts/'] = (main, parts) => {
  if (parts[2] === 'report' && /^\d+$/.test(parts[1] || '')) return pageReport(main, parts[1]);
  return (ROUTES.broadcasts || pageBroadcasts)(main, parts);
};
ROUTES.costs = pageCosts;
