/* app.js -- taawun's staff console: a single page with hash routes over the
 * admin API (/api/v1, the same as taawunctl). Everything shown is built with
 * createElement/textContent (never innerHTML with data: names typed on
 * phones are untrusted). Strings come from i18n/{ar,fr}.json; the
 * programme's facts (time zone, languages, provinces, sectors, age bands)
 * come from GET /api/v1/programme once signed in: the console holds none of
 * its own. Dates are shown in the programme's time zone. No framework, no
 * build step. This file holds the pages; lib.js, loaded first, what they
 * share. */

/* ------------------------------------------------------------ members */

async function pageMembers(main) {
  main.appendChild(h('h1', {}, t('nav_members')));
  const name = h('input', { name: 'name', id: 'member-search' });
  const phone = h('input', { name: 'phone', size: 14 });
  const f = {
    province: select('province', programme().provinces, 'province', '', true), sector: select('sector', programme().sectors, 'sector', '', true),
    gender: select('gender', ['f', 'm'], 'gender', '', true), age_band: select('age_band', ageBands(), null, '', true),
  };
  const out = h('div', { id: 'members-list' });
  let offset = 0;
  async function load() {
    const params = { name: name.value.trim(), phone: phone.value.trim(), limit: 25, offset };
    for (const [k, el] of Object.entries(f)) params[k] = el.value;
    clear(out);
    try {
      const r = await api('GET', '/members' + qs(params));
      out.appendChild(table([t('member_no'), t('name'), t('phone'), t('province'), t('sector'), t('language')],
        r.items.map((m) => ({ id: m.id, href: '#/members/' + m.id, cells: ['TA-' + String(m.id).padStart(6, '0'), m.name || '—', phoneText(m.phone), label('province', m.province), label('sector', m.sector), m.language] }))));
      out.appendChild(pager({ offset, limit: 25 }, r.total, (o) => { offset = o; load(); }));
    } catch (e) { out.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  main.appendChild(h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); offset = 0; load(); } },
    field(t('name'), name), field(t('phone'), phone), field(t('province'), f.province), field(t('sector'), f.sector),
    field(t('gender'), f.gender), field(t('age_band'), f.age_band), h('button', { type: 'submit', id: 'member-search-go' }, t('search')),
    exportLinks('/export/members', 'members', 'export')));
  main.appendChild(out);
  if (can('staff')) main.appendChild(importBox());
  await load();
}

/* CSV lines for display only (the daemon parses the file with libcsv):
 * fields split on the delimiter outside double quotes. */
function csvLines(text) {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const delim = (lines[0] || '').includes(';') && !(lines[0] || '').includes(',') ? ';' : ',';
  return lines.map((line) => {
    const out = []; let cur = '', q = false;
    for (const c of line) {
      if (c === '"') q = !q; else if (c === delim && !q) { out.push(cur); cur = ''; } else cur += c;
    }
    out.push(cur);
    return out;
  });
}

/* CSV import: a dry run first, its report shown line by line (an import is
 * all or nothing: any bad line refuses the file), then confirm. */
function importBox() {
  const file = h('input', { type: 'file', accept: '.csv,text/csv', id: 'import-file' });
  const report = h('div', { id: 'import-report' });
  let csv = null;
  const send = (dry) => api('POST', '/import/members' + (dry ? '?dry_run=1' : ''), undefined, { type: 'text/csv', body: csv });
  function showReport(r, dry) {
    clear(report);
    const errors = r.errors || [];
    const byLine = new Map();
    for (const e of errors) byLine.set(e.line, (byLine.get(e.line) || []).concat(e));
    const lines = csvLines(csv);
    report.appendChild(h('p', { id: 'import-summary', class: errors.length ? 'error' : 'ok' }, errors.length
      ? t('import_refused', { n: r.errors_total ?? errors.length })
      : t(dry ? 'import_dry_summary' : 'import_done_summary', { rows: r.rows, created: r.created, updated: r.updated, unchanged: r.unchanged })));
    const rows = [];
    lines.forEach((fields, i) => {
      const n = i + 1;
      if (i === 0 || (fields.length === 1 && fields[0] === '')) return;
      const errs = byLine.get(n) || [];
      rows.push({ cells: [n, fields.join(' · '), errs.length
        ? h('span', { class: 'error row-error' }, errs.map((e) => `${e.column}: ${e.reason}`).join('; '))
        : h('span', { class: 'ok row-ok' }, dry ? t('import_ok') : t('import_done'))] });
    });
    for (const [n, errs] of byLine) if (n > lines.length || n < 1) rows.push({ cells: [n, '', h('span', { class: 'error row-error' }, errs.map((e) => `${e.column}: ${e.reason}`).join('; '))] });
    report.appendChild(table([t('row'), t('text'), t('result')], rows, 'import-rows'));
    if (dry && !errors.length) report.appendChild(h('button', { id: 'import-confirm', onclick: async () => {
      try { showReport(await send(false), false); toast(t('saved')); } catch (e) { report.appendChild(h('p', { class: 'error' }, errorText(e))); }
    } }, t('import_confirm')));
  }
  return h('div', { class: 'card' }, h('h2', {}, t('import_csv')), h('p', { class: 'muted' }, t('import_help')),
    h('div', { class: 'row' }, file, h('button', { id: 'import-dry', onclick: async () => {
      if (!file.files[0]) return;
      csv = await file.files[0].text();
      try { showReport(await send(true), true); } catch (e) {
        if (e instanceof ApiError && e.status === 422 && e.body && e.body.report) showReport(e.body.report, true);
        else clear(report).appendChild(h('p', { class: 'error' }, errorText(e)));
      }
    } }, t('import_check'))), report);
}

async function pageMember(main, id) {
  const m = await api('GET', '/members/' + encodeURIComponent(id));
  main.appendChild(h('p', {}, h('a', { href: '#/members' }, '← ' + t('nav_members'))));
  main.appendChild(h('h1', { id: 'member-name' }, m.name || m.member_no || '—'));
  const grid = h('div', { class: 'grid' });
  grid.appendChild(h('div', { class: 'card' }, h('h2', {}, t('profile')), h('dl', { class: 'kv' },
    [[t('member_no'), m.member_no], [t('phone'), phoneText(m.phone)], [t('cooperative'), m.cooperative_name ? `${m.cooperative_name} (${m.cooperative_code})` : '—'],
      [t('province'), label('province', m.province)], [t('sector'), label('sector', m.sector)], [t('gender'), label('gender', m.gender)],
      [t('birth_year'), m.birth_year ?? '—'], [t('language'), m.language], [t('registered_at'), fmtDate(m.registered_at_local)],
      [t('consent'), consentText(m)], [t('contact_person'), m.is_contact ? t('yes') : t('no')],
      [t('registered_by'), m.registered_by ? h('a', { href: '#/members/' + m.registered_by }, 'TA-' + String(m.registered_by).padStart(6, '0')) : '—'],
      [t('opted_out'), m.opted_out_at ? fmtDate(m.opted_out_at_local) : t('no')], [t('erased'), m.erased_at ? fmtDate(m.erased_at_local) : t('no')],
      m.consent_withdrawn_at ? [t('consent_withdrawn'), h('span', { id: 'member-withdrawn' }, t('consent_withdrawn_by', { date: fmtDate(m.consent_withdrawn_at_local), who: m.consent_withdrawn_by || '' }))] : null,
    ].filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))));
  grid.appendChild(h('div', { class: 'card' }, h('h2', {}, t('topics')), h('ul', {},
    Object.entries(m.topics || {}).map(([k, on]) => h('li', {}, label('topic', k) + ': ' + (on ? t('yes') : t('no')))))));
  main.appendChild(grid);
  if (can('staff') && !m.erased_at) main.appendChild(memberEdit(m));
  if (!m.erased_at) main.appendChild(memberChanges(m)); // pages_members.js
  main.appendChild(h('h2', {}, t('nav_grants')));
  if (can('staff') && !m.erased_at) main.appendChild(h('p', {}, h('a', { href: '#/grants/new?member_id=' + m.id, id: 'member-new-grant', class: 'button' }, t('new_grant'))));
  main.appendChild(table([t('reference'), t('programme'), t('amount'), t('status')],
    (m.grants || []).map((g) => ({ href: '#/grants/' + g.id, cells: [g.reference, g.programme, fmtMad(g.amount_mad), badge('grant', g.status)] }))));
  main.appendChild(h('h2', {}, t('rsvps')));
  main.appendChild(table([t('event'), t('starts_at'), t('booked_at')],
    (m.rsvps || []).map((r) => ({ cells: [title(r), fmtDate(r.starts_at_local), fmtDate(r.created_at_local)], href: r.event_id ? '#/events/' + r.event_id : undefined }))));
  main.appendChild(h('h2', {}, t('nav_messages')));
  main.appendChild(messagesTable(m.messages || []));
}

/* Consent as the member gave it; registered by their cooperative's contact,
 * they are asked by SMS first (pending, or refused: nothing else is sent). */
function consentText(m) {
  if (m.consent_state === 'pending') return t('consent_pending');
  if (m.consent_state === 'refused') return t('consent_refused', { date: fmtDate(m.consent_state_at_local) });
  return m.consent_at ? t('consent_given', { date: fmtDate(m.consent_at_local), channel: m.consent_channel || '' }) : t('no');
}

function memberEdit(m) {
  const name = h('input', { name: 'name', id: 'edit-name', value: m.name || '' });
  const prov = select('province', programme().provinces, 'province', m.province);
  const sect = select('sector', programme().sectors, 'sector', m.sector);
  const gender = select('gender', ['f', 'm'], 'gender', m.gender);
  const lang = select('language', programme().languages, null, m.language);
  const contact = h('input', { type: 'checkbox', name: 'is_contact', id: 'edit-contact', checked: !!m.is_contact });
  const year = h('input', { name: 'birth_year', id: 'edit-birth-year', type: 'number', min: 1900, max: 2100, step: 1, value: m.birth_year ?? '' });
  const coop = cooperativeSelect(m.cooperative_id); // pages_members.js
  const msg = h('span', { role: 'status' });
  return h('div', { class: 'card' }, h('h2', {}, t('edit')),
    h('form', { class: 'inline', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('PATCH', '/members/' + m.id, { name: name.value, province: prov.value, sector: sect.value, gender: gender.value, language: lang.value, is_contact: contact.checked,
          birth_year: year.value === '' ? null : Number(year.value), cooperative_id: coop.value === '' ? null : Number(coop.value) });
        toast(t('saved')); route();
      } catch (err) { msg.textContent = errorText(err); msg.className = 'error'; }
    } }, field(t('name'), name), field(t('province'), prov), field(t('sector'), sect), field(t('gender'), gender), field(t('language'), lang),
    field(t('birth_year'), year), field(t('cooperative'), coop), field(t('contact_person'), contact), h('button', { type: 'submit', id: 'edit-save' }, t('save')),
    h('button', { type: 'button', class: 'danger', id: 'member-erase', onclick: async () => {
      if (!window.confirm(t('erase_confirm', { name: m.name || m.member_no }))) return;
      try { await api('DELETE', '/members/' + m.id); toast(t('erased_done')); route(); } catch (err) { msg.textContent = errorText(err); }
    } }, t('erase')), msg));
}

function messagesTable(items, id) {
  return table([t('date'), t('direction'), t('phone'), t('kind'), t('text'), t('status'), t('delivery')],
    items.map((x) => ({ cells: [fmtDate(x.created_at_local), x.direction === 'in' ? '⇠ ' + t('inbound') : '⇢ ' + t('outbound'), phoneText(x.phone), x.kind,
      h('bdi', { class: 'sms-body' }, x.body), badge('status', x.status),
      x.dlr_status ? `${x.dlr_status}${x.delivered_at ? ' · ' + fmtDate(x.delivered_at_local) : ''}` : (x.error || '')] })), id);
}

/* ------------------------------------------------------------ grants */

async function pageGrants(main) {
  main.appendChild(h('h1', {}, t('nav_grants')));
  if (can('staff')) main.appendChild(h('p', {}, h('a', { href: '#/grants/new', id: 'grant-new-link', class: 'button' }, t('new_grant'))));
  const status = select('status', GRANT_STATUSES, 'grant', '', true);
  const ref = h('input', { name: 'reference', size: 16 });
  const out = h('div', { id: 'grants-list' });
  const editor = h('div', { id: 'grant-editor' });
  let offset = 0;
  async function load() {
    clear(out);
    const r = await api('GET', '/grants' + qs({ status: status.value, reference: ref.value.trim(), limit: 25, offset }));
    out.appendChild(table([t('reference'), t('member'), t('cooperative'), t('programme'), t('amount'), t('status'), t('updated_at')],
      r.items.map((g) => ({ id: g.id, cells: [g.reference, g.member_name || '—', g.cooperative_name || '—', g.programme, fmtMad(g.amount_mad), badge('grant', g.status), fmtDate(g.updated_at_local)] })), 'grants-table'));
    out.querySelectorAll('tbody tr[data-id]').forEach((tr) => {
      tr.classList.add('clickable');
      tr.addEventListener('click', () => grantStatusEditor(r.items.find((g) => String(g.id) === tr.getAttribute('data-id')), editor, load));
    });
    out.appendChild(pager({ offset, limit: 25 }, r.total, (o) => { offset = o; load(); }));
  }
  main.appendChild(h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); offset = 0; load(); } },
    field(t('status'), status), field(t('reference'), ref), h('button', { type: 'submit' }, t('search'))));
  main.appendChild(editor);
  main.appendChild(out);
  await load();
}

/* A grant's status change: the SMS the member will get, previewed by the
 * daemon as staff type, then saved and the queued SMS shown. onSaved runs
 * after a save (the list reloads, the detail page re-renders). */
function grantStatusEditor(g, editor, onSaved) {
  clear(editor);
  if (!can('staff')) return;
  const st = select('status', GRANT_STATUSES, 'grant', g.status);
  st.id = 'grant-status';
  // One note per language: the member's SMS carries the note of their own
  // language (an Arabic note in a French SMS would make it UCS-2).
  const notes = {};
  for (const l of programme().languages) notes[l] = h('textarea', { name: 'note_' + l, id: 'grant-note-' + l, rows: 2, dir: l === 'ar' ? 'rtl' : 'ltr' });
  const noteBody = () => {
    const b = { status: st.value };
    for (const [l, el] of Object.entries(notes)) b['note_' + l] = el.value.trim() || null;
    return b;
  };
  const preview = h('div', { id: 'grant-preview' });
  let timer = null;
  async function refresh() {
    clear(preview);
    try {
      const p = await api('POST', `/grants/${g.id}/status/preview`, noteBody());
      if (!p.message) { preview.appendChild(h('p', { class: 'muted' }, t('no_sms'))); return; }
      // U+2066/U+2069 isolate the number left-to-right inside the sentence.
      preview.appendChild(h('p', { class: 'muted' }, t('sms_to', { to: '\u2066' + p.message.to + '\u2069', language: p.message.language })));
      preview.appendChild(h('div', { class: 'sms', id: 'grant-preview-body', dir: 'auto' }, p.message.body));
      preview.appendChild(h('p', { class: 'counter' }, t('measure', { chars: Array.from(p.message.body).length, encoding: label('enc', p.message.encoding), segments: p.message.segments })));
    } catch (e) { preview.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  st.addEventListener('change', later);
  for (const el of Object.values(notes)) el.addEventListener('input', later);
  editor.appendChild(h('div', { class: 'card' }, h('h2', {}, t('change_status', { reference: g.reference })),
    location.hash === '#/grants/' + g.id ? null : h('p', {}, h('a', { href: '#/grants/' + g.id, id: 'grant-open' }, t('grant_details'))),
    h('div', { class: 'row' }, field(t('status'), st),
      Object.entries(notes).map(([l, el]) => field(t('note_in', { language: LANGUAGE_NAMES[l] || l }), el))),
    h('h2', {}, t('sms_preview')), preview,
    h('button', { id: 'grant-save', onclick: async () => {
      try {
        const r = await api('POST', `/grants/${g.id}/status`, noteBody());
        toast(savedText(r));
        clear(editor).appendChild(h('p', { class: 'ok', id: 'grant-saved' }, t('grant_saved', { reference: r.reference, id: r.notification_message_id ?? '—' })));
        if (r.notification_message_id) {
          const msgs = await api('GET', '/messages' + qs({ kind: 'notification', limit: 5 }));
          const mine = (msgs.items || []).filter((x) => x.id === r.notification_message_id);
          editor.appendChild(h('h2', {}, t('queued_sms')));
          editor.appendChild(messagesTable(mine, 'grant-queued'));
        }
        onSaved();
      } catch (e) { editor.appendChild(h('p', { class: 'error' }, errorText(e))); }
    } }, t('save'))));
  refresh();
}

/* ------------------------------------------------------------ events */

function eventForm(e, onSaved) {
  const v = e || {};
  const f = {
    code: h('input', { name: 'code', value: v.code || '', size: 6 }), kind: select('kind', EVENT_KINDS, 'kind', v.kind || 'workshop'),
    title_ar: h('input', { name: 'title_ar', value: v.title_ar || '', dir: 'rtl' }), title_fr: h('input', { name: 'title_fr', value: v.title_fr || '', dir: 'ltr' }),
    // The daemon's programme-time string, sent back untouched.
    starts_at: h('input', { name: 'starts_at', type: 'datetime-local', value: (v.starts_at_local || '').slice(0, 16) }),
    place: h('input', { name: 'place', value: v.place || '' }), province: select('province', programme().provinces, 'province', v.province),
    capacity: h('input', { name: 'capacity', type: 'number', min: 1, value: v.capacity ?? '' }),
    // Hours before the start; empty: the programme's default lead.
    reminder_h: h('input', { name: 'reminder_h', id: 'event-reminder-h', type: 'number', min: 1, max: 720, step: 1, placeholder: String(Math.round((programme().reminder_before_s || 86400) / 3600)), value: v.reminder_before_s == null ? '' : Math.round(v.reminder_before_s / 3600) }),
  };
  const msg = h('span', { class: 'error' });
  return h('form', { class: 'inline', id: 'event-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, el] of Object.entries(f)) if (el.value !== '' && k !== 'reminder_h') body[k] = k === 'capacity' ? Number(el.value) : el.value;
    if (f.reminder_h.value !== '') body.reminder_before_s = Number(f.reminder_h.value) * 3600;
    else if (e && e.reminder_before_s != null) body.reminder_before_s = null;
    try {
      const r = e ? await api('PATCH', '/events/' + e.id, body) : await api('POST', '/events', body);
      toast(savedText(r)); onSaved(r);
    } catch (err) { msg.textContent = errorText(err); }
  } }, Object.entries(f).map(([k, el]) => field(t(k), el)), h('button', { type: 'submit', id: 'event-save' }, t('save')), msg);
}

async function pageEvents(main) {
  main.appendChild(h('h1', {}, t('nav_events')));
  if (can('staff')) main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('new_event')), eventForm(null, (r) => { location.hash = '#/events/' + r.id; })));
  const r = await api('GET', '/events' + qs({ limit: 100 }));
  main.appendChild(table([t('code'), t('event'), t('kind'), t('starts_at'), t('province'), t('rsvps'), t('status')],
    r.items.map((e) => ({ href: '#/events/' + e.id, cells: [e.code, title(e), label('kind', e.kind), fmtDate(e.starts_at_local), label('province', e.province), `${e.rsvps} / ${e.capacity ?? '∞'}`, badge('event', e.status)] })), 'events-table'));
}

/* ------------------------------------------------------------ messages */

async function pageMessages(main) {
  main.appendChild(h('h1', {}, t('nav_messages')));
  const phone = h('input', { name: 'phone', size: 14 });
  const status = select('status', MESSAGE_STATUSES, 'status', '', true);
  const direction = select('direction', ['in', 'out'], 'dir', '', true);
  const channel = h('input', { name: 'channel', size: 10 });
  const kind = h('input', { name: 'kind', size: 12 });
  const out = h('div', { id: 'messages-list' });
  /* Pages by before_id (GET /messages: as cheap at any depth over ten
   * million messages); the total is counted up to a bound. */
  let pages = [null];
  async function load() {
    clear(out);
    try {
      const r = await api('GET', '/messages' + qs({ phone: phone.value.trim(), status: status.value, direction: direction.value, channel: channel.value.trim(), kind: kind.value.trim(), limit: 50, before_id: pages[pages.length - 1] }));
      out.appendChild(messagesTable(r.items, 'messages-table'));
      const from = (pages.length - 1) * 50, to = from + r.items.length;
      const range = { from: to ? from + 1 : 0, to, total: fmtNumber(r.total) };
      out.appendChild(h('div', { class: 'pager' },
        h('button', { class: 'secondary', disabled: pages.length === 1, onclick: () => { pages.pop(); load(); } }, t('previous')),
        h('span', {}, t(r.total_exact ? 'range' : 'range_at_least', range)),
        h('button', { class: 'secondary', disabled: r.next_before_id === null, onclick: () => { pages.push(r.next_before_id); load(); } }, t('next'))));
    } catch (e) { out.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  main.appendChild(h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); pages = [null]; load(); } },
    field(t('phone'), phone), field(t('status'), status), field(t('direction'), direction), field(t('channel'), channel), field(t('kind'), kind),
    h('button', { type: 'submit' }, t('search'))));
  main.appendChild(out);
  await load();
}

/* ------------------------------------------------------------ simulator */

function pageSimulator(main) {
  main.appendChild(h('h1', {}, t('nav_simulator')));
  main.appendChild(h('p', { class: 'muted' }, t('simulator_help')));
  const phone = h('input', { id: 'sim-phone', value: '+447700900' + String(Math.floor(Math.random() * 1000)).padStart(3, '0'), size: 16 });
  const screen = h('div', { class: 'screen', id: 'sim-screen', 'aria-live': 'polite' }, t('sim_idle'));
  const input = h('input', { id: 'sim-input', autocomplete: 'off', dir: 'auto' });
  const inbox = h('div', { id: 'sim-inbox' });
  let session = null, inputs = [];
  async function step() {
    try {
      const r = await api('POST', '/simulator/ussd', { phone: phone.value.trim(), session, text: inputs.join('*') });
      screen.textContent = r.screen;
      screen.setAttribute('data-type', r.type);
      if (r.type === 'END') { session = null; setTimeout(loadInbox, 600); }
    } catch (e) { screen.textContent = errorText(e); session = null; }
  }
  async function dial() {
    session = Math.random().toString(36).slice(2, 12);
    inputs = [];
    input.value = '';
    await step();
    input.focus();
  }
  async function send() {
    if (!session) return;
    inputs.push(input.value);
    input.value = '';
    await step();
  }
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); send(); } });
  async function loadInbox() {
    clear(inbox);
    try {
      const r = await api('GET', '/messages' + qs({ phone: phone.value.trim(), direction: 'out', limit: 20 }));
      inbox.appendChild(h('h2', {}, t('sim_inbox')));
      if (!r.items.length) inbox.appendChild(h('p', { class: 'muted' }, t('nothing')));
      for (const m of r.items) inbox.appendChild(h('div', { class: 'sms sim-sms', dir: 'auto' }, h('small', { class: 'muted' }, fmtDate(m.created_at_local) + ' · ' + label('status', m.status)), h('br'), m.body));
    } catch (e) { inbox.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  const smsText = h('input', { id: 'sim-sms-text', autocomplete: 'off', dir: 'auto', size: 28 });
  const smsReply = h('div', { id: 'sim-sms-reply', class: 'sms', dir: 'auto', 'aria-live': 'polite', hidden: true });
  async function sendSms(e) {
    e.preventDefault();
    smsReply.hidden = false;
    try {
      const r = await api('POST', '/simulator/sms', { phone: phone.value.trim(), text: smsText.value });
      smsReply.textContent = r.reply === null ? t('sim_sms_no_reply') : t('sim_sms_reply') + ' : ' + r.reply;
      smsText.value = '';
      loadInbox();
    } catch (err) { smsReply.textContent = errorText(err); }
  }
  const smsForm = h('form', { id: 'sim-sms', onsubmit: sendSms },
    field(t('sim_sms'), smsText), h('button', { type: 'submit', id: 'sim-sms-send' }, t('sim_send')), smsReply);
  const keys = h('div', { class: 'keys' }, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map((k) =>
    h('button', { type: 'button', onclick: () => { input.value += k; input.focus(); } }, k)));
  main.appendChild(h('div', { class: 'sim' },
    h('div', { class: 'phone' }, screen, input,
      h('div', { class: 'actions' }, h('button', { id: 'sim-dial', type: 'button', onclick: dial }, t('sim_dial')),
        h('button', { id: 'sim-send', type: 'button', onclick: send }, t('sim_send')),
        h('button', { id: 'sim-hangup', type: 'button', class: 'danger', onclick: () => { session = null; screen.textContent = t('sim_idle'); } }, t('sim_hangup'))), keys),
    h('div', {}, field(t('sim_number'), phone), smsForm, h('button', { class: 'secondary', id: 'sim-refresh', onclick: loadInbox }, t('sim_refresh')), inbox)));
  loadInbox();
}

/* ------------------------------------------------------------ channels */

// Each channel's health as its provider last answered (GET /channels/health):
// times are the daemon's programme-time strings (*_local), never rebuilt here.
async function pageChannels(main) {
  main.appendChild(h('h1', {}, t('nav_channels')));
  const r = await api('GET', '/channels/health');
  const yes = (b, id) => h('span', { class: b ? 'badge error' : 'badge', 'data-flag': id }, t(b ? 'yes' : 'no'));
  main.appendChild(table([t('channel'), t('health_state'), t('health_credentials'), t('health_balance'),
    t('health_last_success'), t('health_last_error'), t('health_queue'), t('health_sending'), t('health_held'), t('health_oldest')],
  r.items.map((c) => ({ id: c.name, cells: [c.name + ' (' + c.type + ')', badge('chan', c.state),
    yes(c.credentials_refused, 'credentials'), yes(c.balance_exhausted, 'balance'), fmtDate(c.last_success_at_local),
    c.last_error_at_local ? fmtDate(c.last_error_at_local) + ' · ' + label('chan', c.last_error_class) : '—',
    fmtNumber(c.queue_depth), fmtNumber(c.sending), fmtNumber(c.held), fmtDate(c.oldest_queued_at_local)] })), 'channels-health'));
}

/* ------------------------------------------------------------ audit */

async function pageAudit(main) {
  main.appendChild(h('h1', {}, t('nav_audit')));
  const who = h('input', { name: 'who', size: 12 });
  const type = h('input', { name: 'object_type', size: 12 });
  const out = h('div', { id: 'audit-list' });
  let offset = 0;
  async function load() {
    clear(out);
    const r = await api('GET', '/audit' + qs({ who: who.value.trim(), object_type: type.value.trim(), limit: 50, offset }));
    out.appendChild(table([t('date'), t('who'), t('role'), t('action'), t('object'), t('summary'), t('client')],
      r.items.map((a) => ({ cells: [fmtDate(a.at_local), a.who, a.role, a.action, `${a.object_type} ${a.object_id ?? ''}`, h('code', {}, typeof a.summary === 'string' ? a.summary : JSON.stringify(a.summary)), a.client] })), 'audit-table'));
    out.appendChild(pager({ offset, limit: 50 }, r.total, (o) => { offset = o; load(); }));
  }
  main.appendChild(h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); offset = 0; load(); } },
    field(t('who'), who), field(t('object'), type), h('button', { type: 'submit' }, t('search'))));
  main.appendChild(out);
  await load();
}

/* ------------------------------------------------------------ start */

async function start() {
  let lang = 'fr';
  try { lang = localStorage.getItem('taawun.lang') || 'fr'; } catch (e) { /* private mode */ }
  await loadLanguage(['ar', 'fr', 'en'].includes(lang) ? lang : 'fr');
  const r = await fetch('/console/session', { credentials: 'same-origin' });
  if (r.ok) {
    const s = await r.json();
    Object.assign(state, { user: s.user, role: s.role, csrf: s.csrf, mustChange: !!s.must_change_password });
  }
  window.addEventListener('hashchange', route);
  route();
}

document.addEventListener('DOMContentLoaded', start);
