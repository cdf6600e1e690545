/* pages_members.js -- what staff change on a member's page beyond the
 * profile form of app.js: a new phone number (the numbers they had before
 * are listed), and consent withdrawn on the member's request (every send to
 * them stops). The profile form gets its cooperative list from here.
 * Loaded after lib.js and app.js. */
'use strict';

/* A select of the cooperatives (code and name), "—" for none; filled once
 * the list arrives. */
function cooperativeSelect(current) {
  const s = h('select', { name: 'cooperative_id', id: 'edit-cooperative' }, h('option', { value: '' }, '—'));
  if (current) s.appendChild(h('option', { value: current }, String(current)));
  s.value = current ? String(current) : '';
  api('GET', '/cooperatives' + qs({ limit: 500 })).then((r) => {
    clear(s).appendChild(h('option', { value: '' }, '—'));
    for (const c of r.items) s.appendChild(h('option', { value: c.id }, c.code + ' — ' + c.name));
    s.value = current ? String(current) : '';
    s.setAttribute('data-loaded', '1');
  }).catch(() => {});
  return s;
}

/* The previous numbers (everyone may read), and for staff the phone and
 * consent changes. */
function memberChanges(m) {
  const box = h('div', { class: 'card', id: 'member-changes' }, h('h2', {}, t('phone_history')));
  box.appendChild(table([t('phone'), t('replaced_at'), t('who')],
    (m.previous_phones || []).map((p) => ({ cells: [phoneText(p.phone), fmtDate(p.replaced_at_local), p.replaced_by] })), 'member-phones'));
  if (!can('staff')) return box;
  const phone = h('input', { name: 'phone', id: 'member-new-phone', dir: 'ltr', size: 16, inputmode: 'tel' });
  const msg = h('p', { role: 'status', id: 'member-changes-message' });
  const fail = (e) => { msg.className = 'error'; msg.textContent = e instanceof ApiError && e.status === 409 && e.field === 'phone' ? t('phone_taken') : errorText(e); };
  box.appendChild(h('form', { class: 'inline', id: 'member-phone-form', onsubmit: async (ev) => {
    ev.preventDefault();
    if (!phone.value.trim() || !window.confirm(t('phone_confirm', { phone: phone.value.trim() }))) return;
    try { await api('POST', `/members/${m.id}/phone`, { phone: phone.value.trim() }); toast(t('saved')); route(); } catch (e) { fail(e); }
  } }, field(t('new_phone'), phone), h('button', { type: 'submit', id: 'member-phone-save' }, t('change_phone')),
  h('span', { class: 'muted' }, t('phone_help'))));
  box.appendChild(h('h2', {}, t('consent')));
  if (m.consent_withdrawn_at) {
    box.appendChild(h('p', { class: 'muted' }, t('consent_withdrawn_by', { date: fmtDate(m.consent_withdrawn_at_local), who: m.consent_withdrawn_by || '' })));
  } else {
    const note = h('input', { name: 'note', id: 'member-withdraw-note', size: 40, dir: 'auto', placeholder: t('withdraw_note') });
    box.appendChild(h('p', { class: 'muted' }, t('withdraw_help')));
    box.appendChild(h('div', { class: 'row' }, note, h('button', { type: 'button', class: 'danger', id: 'member-withdraw', onclick: async () => {
      if (!window.confirm(t('withdraw_confirm', { name: m.name || m.member_no }))) return;
      try { await api('POST', `/members/${m.id}/consent/withdraw`, note.value.trim() ? { note: note.value.trim() } : {}); toast(t('saved')); route(); } catch (e) { fail(e); }
    } }, t('withdraw_consent'))));
  }
  box.appendChild(msg);
  return box;
}
