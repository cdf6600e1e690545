/* pages_programme.js -- the console's pages for cooperatives (list with
 * search and filters, detail with members and grants, create and edit),
 * project ideas (list by status, detail, status change telling the member)
 * and grants (detail with history, create, correct programme, amount and
 * notes per language). Loaded after lib.js and app.js; routes are added to
 * ROUTES (lib.js). Times are the daemon's *_local strings, shown as they
 * come (fmtDate). */
'use strict';

const IDEA_STATUSES = ['submitted', 'shortlisted', 'selected', 'declined'];

/* The query part of a hash route ("#/grants/new?member_id=3"). */
function hashQuery() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}

function kv(pairs, id) {
  return h('dl', { class: 'kv', id }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function back(hash, text) { return h('p', {}, h('a', { href: hash }, '← ' + text)); }

/* The member number as the member sees it (TA-000012). */
function memberNo(id) { return 'TA-' + String(id).padStart(6, '0'); }

/* ------------------------------------------------------------ cooperatives */

function coopForm(c, onSaved) {
  const v = c || {};
  const f = {
    code: h('input', { name: 'code', id: 'coop-code', value: v.code || '', size: 6, inputmode: 'numeric', required: true }),
    name: h('input', { name: 'name', id: 'coop-name', value: v.name || '', dir: 'auto', required: true }),
    province: select('province', programme().provinces, 'province', v.province),
    sector: select('sector', programme().sectors, 'sector', v.sector || '', true),
    contact_phone: h('input', { name: 'contact_phone', id: 'coop-contact', value: v.contact_phone || '', size: 14, dir: 'ltr' }),
  };
  const msg = h('span', { class: 'error', role: 'alert' });
  return h('form', { class: 'inline', id: 'coop-form', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    const body = {};
    for (const [k, el] of Object.entries(f)) {
      const x = el.value.trim();
      if (x !== '') body[k] = x;
      else if (c && (k === 'sector' || k === 'contact_phone')) body[k] = null;
    }
    try {
      const r = c ? await api('PATCH', '/cooperatives/' + c.id, body) : await api('POST', '/cooperatives', body);
      toast(t('saved')); onSaved(r);
    } catch (err) { msg.textContent = errorText(err); }
  } }, field(t('code'), f.code), field(t('name'), f.name), field(t('province'), f.province), field(t('sector'), f.sector),
  field(t('contact_phone'), f.contact_phone), h('button', { type: 'submit', id: 'coop-save' }, t('save')), msg);
}

async function pageCooperatives(main) {
  main.appendChild(h('h1', {}, t('nav_cooperatives')));
  const q = h('input', { name: 'q', id: 'coop-search', dir: 'auto' });
  const province = select('province', programme().provinces, 'province', '', true);
  const sector = select('sector', programme().sectors, 'sector', '', true);
  province.id = 'coop-province'; sector.id = 'coop-sector';
  const out = h('div', { id: 'coops-list' });
  let offset = 0;
  async function load() {
    clear(out);
    try {
      const r = await api('GET', '/cooperatives' + qs({ q: q.value.trim(), province: province.value, sector: sector.value, limit: 25, offset }));
      out.appendChild(table([t('code'), t('name'), t('province'), t('sector'), t('members_count'), t('contact_phone')],
        r.items.map((c) => ({ id: c.id, href: '#/cooperatives/' + c.id,
          cells: [c.code, h('bdi', {}, c.name), label('province', c.province), label('sector', c.sector), fmtNumber(c.members), phoneText(c.contact_phone)] })), 'coops-table'));
      out.appendChild(pager({ offset, limit: 25 }, r.total, (o) => { offset = o; load(); }));
    } catch (e) { out.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  main.appendChild(h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); offset = 0; load(); } },
    field(t('coop_search'), q), field(t('province'), province), field(t('sector'), sector),
    h('button', { type: 'submit', id: 'coop-search-go' }, t('search'))));
  main.appendChild(out);
  if (can('staff')) main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('new_cooperative')), coopForm(null, (c) => { location.hash = '#/cooperatives/' + c.id; })));
  await load();
}

function grantsTable(items, id) {
  return table([t('reference'), t('member'), t('programme'), t('amount'), t('status'), t('updated_at')],
    items.map((g) => ({ id: g.id, href: '#/grants/' + g.id,
      cells: [g.reference, g.member_name ? h('bdi', {}, g.member_name) : '—', g.programme, fmtMad(g.amount_mad), badge('grant', g.status), fmtDate(g.updated_at_local)] })), id);
}

async function pageCooperative(main, id) {
  const c = await api('GET', '/cooperatives/' + encodeURIComponent(id));
  main.appendChild(back('#/cooperatives', t('nav_cooperatives')));
  main.appendChild(h('h1', { id: 'coop-title' }, h('bdi', {}, c.name), ' ', h('span', { class: 'muted' }, '(' + c.code + ')')));
  main.appendChild(h('div', { class: 'card' }, kv([[t('code'), c.code], [t('province'), label('province', c.province)], [t('sector'), label('sector', c.sector)],
    [t('contact_phone'), phoneText(c.contact_phone)], [t('members_count'), fmtNumber(c.members)], [t('created_at'), fmtDate(c.created_at_local)]], 'coop-facts')));
  if (can('staff')) main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('edit')), coopForm(c, () => route())));
  main.appendChild(h('h2', {}, t('nav_members')));
  const members = h('div', { id: 'coop-members' });
  main.appendChild(members);
  let offset = 0;
  async function loadMembers() {
    clear(members);
    const r = await api('GET', '/members' + qs({ cooperative_id: c.id, limit: 25, offset }));
    members.appendChild(table([t('member_no'), t('name'), t('phone'), t('province'), t('language')],
      r.items.map((m) => ({ id: m.id, href: '#/members/' + m.id, cells: [memberNo(m.id), m.name ? h('bdi', {}, m.name) : '—', phoneText(m.phone), label('province', m.province), m.language] })), 'coop-members-table'));
    members.appendChild(pager({ offset, limit: 25 }, r.total, (o) => { offset = o; loadMembers(); }));
  }
  await loadMembers();
  main.appendChild(h('h2', {}, t('nav_grants')));
  if (can('staff')) main.appendChild(h('p', {}, h('a', { href: '#/grants/new?cooperative_id=' + c.id, id: 'coop-new-grant', class: 'button' }, t('new_grant'))));
  main.appendChild(grantsTable(c.grants || [], 'coop-grants'));
}

/* ------------------------------------------------------------ ideas */

async function pageIdeas(main) {
  main.appendChild(h('h1', {}, t('nav_ideas')));
  const status = select('status', IDEA_STATUSES, 'idea', '', true);
  const sector = select('sector', programme().sectors, 'sector', '', true);
  status.id = 'idea-status-filter';
  const out = h('div', { id: 'ideas-list' });
  let offset = 0;
  async function load() {
    clear(out);
    try {
      const r = await api('GET', '/ideas' + qs({ status: status.value, sector: sector.value, limit: 25, offset }));
      out.appendChild(table([t('reference'), t('idea_title'), t('member'), t('sector'), t('status'), t('submitted_at')],
        r.items.map((i) => ({ id: i.id, href: '#/ideas/' + i.id,
          cells: [i.reference || '—', h('bdi', {}, i.title), i.member_name ? h('bdi', {}, i.member_name) : '—', label('sector', i.sector), badge('idea', i.status), fmtDate(i.created_at_local)] })), 'ideas-table'));
      out.appendChild(pager({ offset, limit: 25 }, r.total, (o) => { offset = o; load(); }));
    } catch (e) { out.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  main.appendChild(h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); offset = 0; load(); } },
    field(t('status'), status), field(t('sector'), sector), h('button', { type: 'submit', id: 'idea-search-go' }, t('search'))));
  main.appendChild(out);
  await load();
}

async function pageIdea(main, id) {
  const i = await api('GET', '/ideas/' + encodeURIComponent(id));
  main.appendChild(back('#/ideas', t('nav_ideas')));
  let shownStatus = badge('idea', i.status);
  main.appendChild(h('h1', { id: 'idea-title' }, h('bdi', {}, i.title), ' ', shownStatus));
  main.appendChild(h('div', { class: 'card' }, kv([[t('reference'), i.reference || '—'],
    [t('member'), i.member_id ? h('a', { href: '#/members/' + i.member_id }, i.member_name || memberNo(i.member_id)) : '—'],
    [t('sector'), label('sector', i.sector)], [t('submitted_at'), fmtDate(i.created_at_local)], [t('updated_at'), fmtDate(i.updated_at_local)]], 'idea-facts'),
  h('h2', {}, t('description')), h('p', { class: 'sms', id: 'idea-description', dir: 'auto' }, i.description)));
  if (!can('staff')) return;
  const st = select('status', IDEA_STATUSES, 'idea', i.status);
  st.id = 'idea-status';
  const result = h('div', { id: 'idea-result', role: 'status' });
  main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('change_idea_status')), h('p', { class: 'muted' }, t('idea_status_help')),
    h('div', { class: 'row' }, field(t('status'), st), h('button', { id: 'idea-save', onclick: async () => {
      clear(result);
      try {
        const r = await api('POST', `/ideas/${i.id}/status`, { status: st.value });
        toast(t('saved'));
        const now = badge('idea', r.status);
        shownStatus.replaceWith(now);
        shownStatus = now;
        result.appendChild(h('p', { class: 'ok', id: 'idea-saved' }, t('idea_saved', { status: label('idea', r.status) })));
        const mid = r.notification_message_id;
        if (mid && i.member_id) {
          const msgs = await api('GET', '/messages' + qs({ member_id: i.member_id, direction: 'out', limit: 5 }));
          result.appendChild(h('h2', {}, t('queued_sms')));
          result.appendChild(messagesTable((msgs.items || []).filter((x) => x.id === mid), 'idea-queued'));
        } else if (r.notification_message_id === null) {
          result.appendChild(h('p', { class: 'muted', id: 'idea-no-sms' }, t('no_sms_idea')));
        }
      } catch (e) { result.appendChild(h('p', { class: 'error' }, errorText(e))); }
    } }, t('save'))), result));
}

/* ------------------------------------------------------------ grants */

function notesInputs(g) {
  const notes = {};
  for (const l of programme().languages) {
    notes[l] = h('textarea', { name: 'note_' + l, id: 'grant-edit-note-' + l, rows: 2, dir: l === 'ar' ? 'rtl' : 'ltr' });
    notes[l].value = (g && g['note_' + l]) || '';
  }
  return notes;
}

function grantEditForm(g) {
  const prog = h('input', { name: 'programme', id: 'grant-edit-programme', value: g.programme || '', dir: 'auto' });
  const amount = h('input', { name: 'amount_mad', id: 'grant-edit-amount', type: 'number', min: 0, step: 1, value: g.amount_mad ?? '' });
  const notes = notesInputs(g);
  const msg = h('span', { class: 'error', role: 'alert' });
  return h('form', { id: 'grant-edit', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    const body = { programme: prog.value.trim(), amount_mad: Number(amount.value) };
    for (const [l, el] of Object.entries(notes)) body['note_' + l] = el.value.trim() || null;
    try { toast(savedText(await api('PATCH', '/grants/' + g.id, body))); route(); } catch (err) { msg.textContent = errorText(err); }
  } }, h('div', { class: 'row' }, field(t('programme'), prog), field(t('amount') + ' (' + t('mad') + ')', amount)),
  h('div', { class: 'row' }, Object.entries(notes).map(([l, el]) => field(t('note_in', { language: LANGUAGE_NAMES[l] || l }), el))),
  h('p', { class: 'muted' }, t('grant_edit_help')), h('button', { type: 'submit', id: 'grant-edit-save' }, t('save')), msg);
}

function grantFacts(g) {
  return h('div', { class: 'card', id: 'grant-facts-card' }, h('p', {}, badge('grant', g.status)), kv([
    [t('member'), g.member_id ? h('a', { href: '#/members/' + g.member_id }, g.member_name || memberNo(g.member_id)) : '—'],
    [t('cooperative'), g.cooperative_id ? h('a', { href: '#/cooperatives/' + g.cooperative_id }, g.cooperative_name || String(g.cooperative_id)) : '—'],
    [t('programme'), g.programme], [t('amount'), h('span', { id: 'grant-amount' }, fmtMad(g.amount_mad))],
    ...programme().languages.map((l) => [t('note_in', { language: LANGUAGE_NAMES[l] || l }), h('span', { dir: 'auto' }, g['note_' + l] || '—')]),
    [t('created_at'), fmtDate(g.created_at_local)], [t('updated_at'), fmtDate(g.updated_at_local)]], 'grant-facts'));
}

function grantHistory(g) {
  return table([t('date'), t('status'), t('note'), t('who')],
    (g.history || []).map((x) => ({ cells: [fmtDate(x.changed_at_local), badge('grant', x.status),
      h('span', { dir: 'auto' }, x.note || '—'), x.changed_by] })), 'grant-history');
}

async function pageGrant(main, id) {
  if (id.startsWith('new')) { await pageGrantNew(main); return; }
  let g = await api('GET', '/grants/' + encodeURIComponent(id));
  main.appendChild(back('#/grants', t('nav_grants')));
  main.appendChild(h('h1', { id: 'grant-title' }, g.reference));
  let facts = grantFacts(g), history = grantHistory(g);
  main.appendChild(facts);
  if (can('staff')) {
    const editor = h('div', { id: 'grant-editor' });
    main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('edit')), grantEditForm(g)));
    main.appendChild(editor);
    // After a status change the editor keeps the queued SMS on screen;
    // the facts and the history are read again.
    grantStatusEditor(g, editor, async () => {
      g = await api('GET', '/grants/' + g.id);
      const f = grantFacts(g), hi = grantHistory(g);
      facts.replaceWith(f); history.replaceWith(hi);
      facts = f; history = hi;
    });
  }
  main.appendChild(h('h2', {}, t('history')));
  main.appendChild(history);
}

/* The applicant typed as a member number (TA-000012, 12) or a phone
 * number: the member's id, or null. */
async function findMember(text) {
  const s = text.trim();
  const no = /^(?:TA-?)?0*(\d{1,9})$/i.exec(s);
  if (no && !/^0[5-7]\d{8}$/.test(s)) {
    try { return await api('GET', '/members/' + no[1] + '?messages=0'); } catch (e) { if (!(e instanceof ApiError && e.status === 404)) throw e; }
  }
  const r = await api('GET', '/members' + qs({ phone: s, limit: 1 })).catch((e) => { if (e instanceof ApiError && e.status === 400) return { items: [] }; throw e; });
  return r.items[0] || null;
}

async function findCooperative(text) {
  const s = text.trim();
  const r = await api('GET', '/cooperatives' + qs({ q: s, limit: 5 }));
  return r.items.find((c) => c.code === s) || (r.items.length === 1 ? r.items[0] : null);
}

async function pageGrantNew(main) {
  if (!can('staff')) { main.appendChild(h('p', { class: 'error' }, t('not_allowed'))); return; }
  main.appendChild(back('#/grants', t('nav_grants')));
  main.appendChild(h('h1', {}, t('new_grant')));
  const q = hashQuery();
  const member = h('input', { name: 'member', id: 'grant-new-member', dir: 'ltr', size: 16 });
  const coop = h('input', { name: 'cooperative', id: 'grant-new-coop', dir: 'auto', size: 16 });
  const memberName = h('span', { class: 'muted', id: 'grant-new-member-name' });
  const coopName = h('span', { class: 'muted', id: 'grant-new-coop-name' });
  const found = { member: null, coop: null };
  if (q.get('member_id')) {
    found.member = await api('GET', '/members/' + encodeURIComponent(q.get('member_id')) + '?messages=0');
    member.value = found.member.member_no; memberName.textContent = found.member.name || '';
  }
  if (q.get('cooperative_id')) {
    found.coop = await api('GET', '/cooperatives/' + encodeURIComponent(q.get('cooperative_id')));
    coop.value = found.coop.code; coopName.textContent = found.coop.name;
  }
  member.addEventListener('change', async () => {
    found.member = member.value.trim() ? await findMember(member.value).catch(() => null) : null;
    memberName.textContent = found.member ? (found.member.name || found.member.member_no || '') : (member.value.trim() ? t('not_found') : '');
  });
  coop.addEventListener('change', async () => {
    found.coop = coop.value.trim() ? await findCooperative(coop.value).catch(() => null) : null;
    coopName.textContent = found.coop ? found.coop.name : (coop.value.trim() ? t('not_found') : '');
  });
  const prog = h('input', { name: 'programme', id: 'grant-new-programme', dir: 'auto', required: true });
  const amount = h('input', { name: 'amount_mad', id: 'grant-new-amount', type: 'number', min: 0, step: 1, required: true });
  const ref = h('input', { name: 'reference', id: 'grant-new-reference', size: 16, placeholder: t('reference_auto') });
  const notes = notesInputs(null);
  const msg = h('p', { class: 'error', role: 'alert', id: 'grant-new-error' });
  main.appendChild(h('form', { class: 'card', id: 'grant-new', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    if (member.value.trim() && !found.member) found.member = await findMember(member.value).catch(() => null);
    if (coop.value.trim() && !found.coop) found.coop = await findCooperative(coop.value).catch(() => null);
    if ((member.value.trim() && !found.member) || (coop.value.trim() && !found.coop) || (!found.member && !found.coop)) {
      msg.textContent = t('grant_applicant_needed'); return;
    }
    const body = { programme: prog.value.trim(), amount_mad: Number(amount.value) };
    if (found.member) body.member_id = found.member.id;
    if (found.coop) body.cooperative_id = found.coop.id;
    if (ref.value.trim()) body.reference = ref.value.trim();
    for (const [l, el] of Object.entries(notes)) if (el.value.trim()) body['note_' + l] = el.value.trim();
    try {
      const g = await api('POST', '/grants', body);
      toast(t('grant_created', { reference: g.reference }));
      location.hash = '#/grants/' + g.id;
    } catch (err) { msg.textContent = errorText(err); }
  } }, h('p', { class: 'muted' }, t('grant_new_help')),
  h('div', { class: 'row' }, field(t('member_or_phone'), member), memberName, field(t('cooperative_code'), coop), coopName),
  h('div', { class: 'row' }, field(t('programme'), prog), field(t('amount') + ' (' + t('mad') + ')', amount), field(t('reference'), ref)),
  h('div', { class: 'row' }, Object.entries(notes).map(([l, el]) => field(t('note_in', { language: LANGUAGE_NAMES[l] || l }), el))),
  h('button', { type: 'submit', id: 'grant-new-save' }, t('create')), msg));
}

Object.assign(ROUTES, {
  cooperatives: (main, parts) => (parts[1] ? pageCooperative(main, parts[1]) : pageCooperatives(main)),
  ideas: (main, parts) => (parts[1] ? pageIdea(main, parts[1]) : pageIdeas(main)),
  'grants/': (main, parts) => pageGrant(main, parts[1]),
});
