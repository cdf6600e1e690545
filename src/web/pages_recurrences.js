/* pages_recurrences.js -- recurring broadcasts in the console: a draft
 * repeated weekly, monthly or the day before each event, its next
 * occurrences listed (from the daemon's POST /recurrences/preview) before it
 * is saved; the rules with their next occurrences, paused, resumed or
 * deleted. Every time shown is a *_local string of the daemon (programme
 * time), never rebuilt from the browser's zone; the only date arithmetic
 * here is a weekday's name from a calendar date (no zone involved).
 * Loaded after lib.js and app.js; the routes are added to ROUTES (lib.js).
 * #/recurrences/new?broadcast=ID opens the form with that draft chosen (the
 * composer's "Repeat…"). */
'use strict';

const RECUR_KINDS = ['weekly', 'monthly', 'event_eve'];
const RECUR_PREVIEW = 6;

/* The weekday (1 Monday .. 7) of the calendar date in "YYYY-MM-DDTHH:MM". */
function localWeekday(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(local || '');
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
  return d === 0 ? 7 : d;
}

function ruleText(r) {
  if (r.repeat === 'weekly') return t('recur_weekly_text', { day: label('weekday', r.weekday), time: r.time });
  if (r.repeat === 'monthly') return t('recur_monthly_text', { day: r.day, time: r.time });
  const prov = ((r.events || {}).provinces || []).map((p) => label('province', p)).join(state.lang === 'ar' ? '، ' : ', ');
  return t('recur_eve_text', { events: prov || t('recur_all_events'), time: r.time }) + ' — ' + label('recur_audience', r.audience || 'attendees');
}

/* One occurrence to come: its day and time, and what the daemon says of it. */
function occurrenceItem(o) {
  const notes = [];
  if (o.clamped) notes.push(h('span', { class: 'badge held recur-clamped' }, t('recur_clamped')));
  if (o.held_until_at_local) notes.push(h('span', { class: 'muted recur-held' }, t('recur_held', { at: fmtDate(o.held_until_at_local) })));
  if (o.event) notes.push(h('span', { class: 'recur-event' }, t('recur_event_of', { event: title(o.event), at: fmtDate(o.event.starts_at_local) })));
  return h('li', { class: 'occurrence', 'data-at': o.at_local },
    h('b', {}, label('weekday', localWeekday(o.at_local)), ' ', fmtDate(o.at_local)), notes.length ? ' · ' : '', notes.map((n, i) => [i ? ' · ' : '', n]));
}

function occurrenceList(items, id) {
  if (!items.length) return h('p', { class: 'muted', id }, t('recur_none'));
  return h('ul', { class: 'occurrences', id }, items.map(occurrenceItem));
}

/* The form: a draft, the rule, and the next occurrences before saving. */
function recurrenceForm(drafts, chosen, onSaved) {
  const zone = programme().timezone || '';
  const f = {
    draft: h('select', { id: 'recur-draft' }, drafts.map((b) => h('option', { value: b.id }, '#' + b.id + ' ' + b.name))),
    repeat: select('repeat', RECUR_KINDS, 'repeat', 'weekly'),
    weekday: select('weekday', ['1', '2', '3', '4', '5', '6', '7'], 'weekday', '1'),
    day: h('input', { type: 'number', id: 'recur-day', min: 1, max: 31, value: '1', size: 3 }),
    time: h('input', { type: 'time', id: 'recur-time', value: '10:00', required: true }),
    provinces: h('select', { multiple: true, id: 'recur-provinces', size: 4 }, programme().provinces.map((p) => h('option', { value: p }, label('province', p)))),
    audience: select('audience', ['attendees', 'broadcast'], 'recur_audience', 'attendees'),
    ends: h('input', { type: 'date', id: 'recur-ends' }),
    count: h('input', { type: 'number', id: 'recur-count', min: 1, max: 1000, size: 4 }),
  };
  f.repeat.id = 'recur-repeat'; f.weekday.id = 'recur-weekday'; f.audience.id = 'recur-audience';
  if (chosen) f.draft.value = String(chosen);
  const only = {
    weekly: field(t('recur_weekday'), f.weekday), monthly: field(t('recur_day'), f.day),
    eve: h('span', { class: 'row' }, field(t('recur_events'), f.provinces), field(t('recur_audience'), f.audience)),
  };
  const preview = h('div', { id: 'recur-preview', 'aria-live': 'polite' });
  const msg = h('span', { class: 'error', role: 'alert', id: 'recur-message' });
  function body() {
    const b = { repeat: f.repeat.value, time: f.time.value };
    if (b.repeat === 'weekly') b.weekday = Number(f.weekday.value);
    if (b.repeat === 'monthly') b.day = Number(f.day.value);
    if (b.repeat === 'event_eve') {
      const prov = Array.from(f.provinces.selectedOptions).map((o) => o.value);
      if (prov.length) b.events = { provinces: prov };
      b.audience = f.audience.value;
    }
    if (f.ends.value) b.ends = f.ends.value;
    if (f.count.value) b.count = Number(f.count.value);
    return b;
  }
  let timer = null, seq = 0;
  async function refresh() {
    // Only the fields of the chosen rule.
    only.weekly.hidden = f.repeat.value !== 'weekly';
    only.monthly.hidden = f.repeat.value !== 'monthly';
    only.eve.hidden = f.repeat.value !== 'event_eve';
    const mine = ++seq;
    try {
      const r = await api('POST', '/recurrences/preview', Object.assign(body(), { next: RECUR_PREVIEW }));
      if (mine !== seq) return;
      const clamped = r.occurrences.some((o) => o.clamped);
      clear(preview).appendChild(h('div', {}, h('h3', {}, t('recur_next')), occurrenceList(r.occurrences, 'recur-preview-list'),
        clamped ? h('p', { class: 'muted', id: 'recur-clamped-note' }, t('recur_clamped_note', { day: f.day.value })) : null));
    } catch (e) { if (mine === seq) clear(preview).appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  for (const el of Object.values(f)) { el.addEventListener('change', later); el.addEventListener('input', later); }
  const form = h('form', { id: 'recur-form', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      await api('POST', '/broadcasts/' + f.draft.value + '/recurrence', body());
      toast(t('recur_saved'));
      await onSaved();
    } catch (e) { msg.textContent = errorText(e); }
  } },
  h('div', { class: 'row' }, field(t('recur_draft'), f.draft), field(t('recur_repeat'), f.repeat), only.weekly, only.monthly,
    field(t('recur_time', { zone }), f.time)),
  only.eve,
  h('div', { class: 'row' }, field(t('recur_ends'), f.ends), field(t('recur_count'), f.count)),
  preview, h('p', {}, h('button', { type: 'submit', id: 'recur-save' }, t('recur_save')), ' ', msg));
  refresh();
  return form;
}

async function pageRecurrences(main) {
  main.appendChild(h('h1', {}, t('nav_recurrences')));
  main.appendChild(h('p', { class: 'muted' }, t('recur_help', { zone: programme().timezone || '' })));
  const chosen = Number(hashQuery().get('broadcast')) || null;
  const listBox = h('div', { id: 'recur-list' });
  if (can('staff')) {
    const drafts = (await api('GET', '/broadcasts' + qs({ status: 'draft', limit: 200 }))).items || [];
    const card = h('div', { class: 'card', id: 'recur-new' }, h('h2', {}, t('recur_new')));
    if (drafts.length) card.appendChild(recurrenceForm(drafts, chosen, load));
    else card.appendChild(h('p', { class: 'muted' }, t('recur_no_draft'), ' ', h('a', { href: '#/broadcasts' }, t('nav_broadcasts'))));
    main.appendChild(card);
  }
  main.appendChild(h('h2', {}, t('recur_list')));
  main.appendChild(listBox);
  async function act(fn, confirmText) {
    if (confirmText && !window.confirm(confirmText)) return;
    try { await fn(); toast(t('saved')); await load(); } catch (e) { toast(errorText(e), true); }
  }
  function actions(r) {
    if (!can('staff') || !['active', 'paused'].includes(r.status)) return '';
    return h('span', { class: 'row' },
      r.status === 'active'
        ? h('button', { type: 'button', class: 'secondary recur-pause', onclick: () => act(() => api('PATCH', '/recurrences/' + r.id, { status: 'paused' })) }, t('recur_pause'))
        : h('button', { type: 'button', class: 'secondary recur-resume', onclick: () => act(() => api('PATCH', '/recurrences/' + r.id, { status: 'active' })) }, t('recur_resume')),
      h('button', { type: 'button', class: 'danger recur-delete', onclick: () => act(() => api('DELETE', '/recurrences/' + r.id), t('recur_delete_confirm', { name: r.name })) }, t('delete')));
  }
  async function load() {
    const r = await api('GET', '/recurrences' + qs({ limit: 100 }));
    clear(listBox).appendChild(table([t('recur_draft'), t('recur_rule'), t('recur_next'), t('status'), t('recur_made'), ''],
      (r.items || []).map((x) => ({ id: x.id, cells: [
        h('bdi', {}, x.name), ruleText(x),
        x.status === 'active' ? occurrenceList(x.upcoming, null) : h('span', { class: 'muted' }, x.ended_reason ? label('recur_ended', x.ended_reason) : '—'),
        h('span', { class: 'badge recur-status ' + x.status }, label('recur_state', x.status)),
        h('span', { class: 'recur-counts' }, `${x.created_count} / ${x.skipped_count}`),
        actions(x)] })), 'recur-table'));
  }
  await load();
}

Object.assign(ROUTES, { recurrences: pageRecurrences, 'recurrences/': pageRecurrences });
