/* approvals.js -- the console's part of broadcast approvals and budgets
 * (app/approval): why a send waits (the thresholds it passed), Approve and
 * Reject for a staff member who neither created it nor asked for it, what
 * was decided (approved by, rejected by and why, refused for the budget),
 * a refusal for the budget in the console's language, and each channel's
 * spending this month against its budget. Every figure is the daemon's;
 * the broadcasts page (pages_broadcasts.js) calls these. Loaded after
 * lib.js and app.js. */
'use strict';

/* t(key, vars) as nodes, each value isolated in its own <bdi> (userText):
 * a Latin name or a French reason inside an Arabic sentence keeps its
 * place. */
function approvalText(key, vars) {
  const names = Object.keys(vars), marks = {};
  names.forEach((k, i) => { marks[k] = '\u0001' + i + '\u0001'; });
  return t(key, marks).split(/\u0001(\d+)\u0001/).map((part, j) => (j % 2 ? userText(String(vars[names[Number(part)]])) : part));
}

/* The thresholds broadcast b passed, in words. */
function approvalReasons(b) {
  return ((b.approval && b.approval.reasons) || []).map((r) => r.threshold === 'recipients'
    ? t('approval_reason_recipients', { planned: fmtNumber(r.planned), limit: fmtNumber(r.limit) })
    : t('approval_reason_cost', { planned: fmtMad(r.planned), limit: fmtMad(r.limit) })).join(' · ');
}

/* What a send or schedule answered, for its toast; null when it went. */
function approvalOutcome(b) {
  return b && b.status === 'awaiting_approval' ? t('awaiting_approval_sent', { reasons: approvalReasons(b) }) : null;
}

/* An error of a send or an approval in the console's language. */
function approvalErrorText(e) {
  const x = e instanceof ApiError && e.body && e.body.error;
  if (x && x.code === 'over_budget') {
    return approvalText('over_budget', { channel: x.channel, budget: fmtMad(x.budget_mad), spent: fmtMad(x.spent_mad), pending: fmtMad(x.pending_mad || 0), planned: fmtMad(x.planned_mad) });
  }
  if (x && x.code === 'own_broadcast') return t('own_broadcast');
  return errorText(e);
}

/* What was decided about b, as a line under its status (or null). */
function approvalNote(b) {
  const a = b.approval || {};
  let text = null;
  if (b.status === 'awaiting_approval') text = approvalReasons(b);
  else if (a.budget_refusal && b.status === 'draft') {
    const r = a.budget_refusal;
    text = approvalText('budget_refused_note', { channel: r.channel, spent: fmtMad(r.spent_mad), pending: fmtMad(r.pending_mad || 0), planned: fmtMad(r.planned_mad), budget: fmtMad(r.budget_mad) });
  } else if (a.status === 'rejected') text = approvalText('approval_rejected_by', { who: a.rejected_by, reason: a.rejection_reason });
  else if (a.status === 'approved') text = approvalText('approval_approved_by', { who: a.approved_by });
  return text ? h('div', { class: 'approval-note muted', 'data-approval': a.status || 'none' }, text) : null;
}

/* The list's actions for b awaiting approval: Approve and Reject (with
 * its reason) for another staff member; its author and who asked wait. */
function approvalActions(b, reload) {
  const a = b.approval || {};
  if (!can('staff')) return '';
  if (state.user === b.created_by || state.user === a.requested_by) {
    return h('span', { class: 'muted approval-wait', 'data-id': b.id }, t('approval_waiting_other'));
  }
  const reason = h('input', { class: 'bc-reject-reason', 'data-id': b.id, size: 24, maxlength: 500, 'aria-label': t('reject_reason'), placeholder: t('reject_reason') });
  const form = h('form', { class: 'inline bc-reject-form', 'data-id': b.id, hidden: true, onsubmit: async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { reason.focus(); return; }
    try {
      await api('POST', `/broadcasts/${b.id}/reject`, { reason: reason.value.trim() });
      toast(t('rejected_draft')); reload();
    } catch (e) { toast(approvalErrorText(e), true); }
  } }, reason, ' ', h('button', { type: 'submit', class: 'danger bc-reject-confirm', 'data-id': b.id }, t('reject_confirm')));
  return h('span', { class: 'row-actions' },
    h('button', { class: 'bc-approve', 'data-id': b.id, onclick: async (e) => {
      e.stopPropagation();
      try {
        // What is approved, as the daemon plans it now (recipients, cost).
        const p = await api('GET', `/broadcasts/${b.id}/preview`);
        if (!window.confirm(t('approve_confirm', { id: b.id, n: fmtNumber(p.recipients), cost: fmtMad(p.estimated_cost_mad) }))) return;
        const r = await api('POST', `/broadcasts/${b.id}/approve`);
        toast(t(r.status === 'scheduled' ? 'approved_scheduled' : 'approved_sent')); reload();
      } catch (err) { toast(approvalErrorText(err), true); }
    } }, t('approve')),
    h('button', { class: 'secondary bc-reject', 'data-id': b.id, onclick: (e) => { e.stopPropagation(); form.hidden = false; reason.focus(); } }, t('reject')),
    form);
}

/* Each channel's spending this month against its budget (GET
 * /channels/budgets) drawn into slot (again at each call), a bar with its
 * ARIA and the same in words: spent (the same figure as the channel costs
 * page) and pending (waiting to go), both held against the budget. */
async function approvalBudgets(slot) {
  const box = h('div', { class: 'card', id: 'bc-budgets' }, h('h2', {}, t('budgets_title')));
  try {
    const r = await api('GET', '/channels/budgets');
    for (const c of r.items || []) {
      const budget = c.monthly_budget_mad;
      const figures = { spent: fmtMad(c.spent_mad), pending: fmtMad(c.pending_mad) };
      const words = budget === null ? t('budget_none', figures) : t('budget_of', Object.assign({ budget: fmtMad(budget) }, figures));
      const row = h('div', { class: 'budget', 'data-channel': c.channel, 'data-spent': c.spent_mad, 'data-pending': c.pending_mad, 'data-budget': budget === null ? '' : budget },
        h('b', { dir: 'ltr' }, c.channel), ' (', c.month, ') ', h('span', { class: 'budget-text' }, words));
      if (budget) row.appendChild(progressBar(t('budgets_title') + ' ' + c.channel, c.spent_mad + c.pending_mad, budget, words));
      box.appendChild(row);
    }
  } catch (e) { box.appendChild(h('p', { class: 'error' }, errorText(e))); }
  clear(slot).appendChild(box);
}
