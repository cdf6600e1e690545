/* pages_broadcasts.js -- the console's broadcast page: the composer (texts
 * per language with the daemon's live counts, the audience, the preview
 * from POST /broadcasts/preview), drafts saved, edited and deleted, send
 * now or schedule, and the list with each broadcast's progress. Loaded
 * after lib.js and app.js; the route is added to ROUTES (lib.js).
 * #/broadcasts/attendees?event=ID opens it with an event's attendees as
 * the audience ("message the attendees", pages_events.js). */
'use strict';

const BROADCAST_POLL_MS = 2000;

/* A broadcast's progress: done of total as a bar (progressBar, lib.js)
 * and the same in words beside it. */
function progressCell(b) {
  /* A large broadcast is first written into the outbox in chunks: its
   * recipients queued so far of the plan's (GET /broadcasts/ID expansion). */
  const ex = b.status === 'expanding' && b.expansion;
  if (ex) {
    const words = t('expanding_of', { n: fmtNumber(ex.queued), m: fmtNumber(ex.total) });
    return h('div', { class: 'progress-cell' }, progressBar(t('bc.expanding'), ex.queued, ex.total, words), h('span', { class: 'progress-text' }, words));
  }
  const pr = b.progress || {}, total = pr.total || 0, done = (pr.sent || 0) + (pr.delivered || 0) + (pr.failed || 0);
  if (!total) return h('span', { class: 'progress-cell' }, '—');
  const words = t('progress_of', { n: fmtNumber(done), m: fmtNumber(total) });
  return h('div', { class: 'progress-cell' }, progressBar(t('progress'), done, total, words), h('span', { class: 'progress-text' }, words));
}

/* The cooperatives of the audience: a search (GET /cooperatives?q=) whose
 * matches are added with a click or Enter, each chosen one a chip that a
 * button removes. get() the ids, set(ids) loads them back (names fetched). */
function cooperativePicker(onChange) {
  const chosen = new Map();
  const q = h('input', { type: 'search', id: 'aud-coop-q', size: 22, autocomplete: 'off', placeholder: t('coop_search') });
  const found = h('div', { class: 'picker-found', id: 'aud-coop-found' });
  const chips = h('div', { class: 'chips', id: 'aud-coops' });
  let timer = null, seq = 0;
  function draw() {
    clear(chips);
    for (const [id, text] of chosen) {
      chips.appendChild(h('span', { class: 'chip', 'data-id': id }, h('bdi', {}, text),
        h('button', { type: 'button', class: 'chip-x', 'aria-label': t('remove_item', { item: text }), onclick: () => { chosen.delete(id); draw(); onChange(); } }, '×')));
    }
  }
  function add(c) {
    chosen.set(Number(c.id), c.code + ' — ' + c.name);
    draw(); onChange();
  }
  async function search() {
    const mine = ++seq;
    const r = await api('GET', '/cooperatives' + qs({ q: q.value.trim(), limit: 8 })).catch(() => ({ items: [] }));
    if (mine !== seq) return;
    clear(found);
    for (const c of r.items || []) {
      found.appendChild(h('button', { type: 'button', class: 'secondary coop-match', 'data-id': c.id, onclick: () => add(c) }, '+ ', h('bdi', {}, c.code + ' — ' + c.name)));
    }
    found.setAttribute('data-q', q.value.trim());
  }
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  q.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const first = found.querySelector('.coop-match');
    if (first) first.click();
  });
  return {
    el: h('div', { class: 'picker' }, field(t('cooperative'), q), found, chips),
    get: () => Array.from(chosen.keys()),
    set: async (ids) => {
      chosen.clear();
      for (const id of ids || []) chosen.set(Number(id), '#' + id);
      draw();
      for (const id of ids || []) {
        const c = await api('GET', '/cooperatives/' + id).catch(() => null);
        if (c && chosen.has(Number(id))) chosen.set(Number(id), c.code + ' — ' + c.name);
      }
      draw();
    },
  };
}

/* The whole audience and what the broadcast names besides (topic,
 * channel): every filter POST /broadcasts accepts (provinces, sectors,
 * cooperatives, genders, age bands, languages, event attendees, phones).
 * The choices are the daemon's (GET /programme, /events); read() gives the
 * body's audience, topic and channel; load(b) puts a stored draft back. */
function audienceBox(onChange, forEvent) {
  const P = programme();
  const multi = (id, size, values, text) => h('select', { multiple: true, id, size: Math.min(size, Math.max(values.length, 2)) },
    values.map((v) => h('option', { value: v }, text(v))));
  const aud = {
    provinces: multi('aud-provinces', 4, P.provinces, (p) => label('province', p)),
    sectors: multi('aud-sectors', 4, P.sectors, (p) => label('sector', p)),
    genders: multi('aud-genders', 2, ['f', 'm'], (p) => label('gender', p)),
    age_bands: multi('aud-ages', 4, ageBands(), (p) => p),
    languages: multi('aud-languages', 3, P.languages, (l) => LANGUAGE_NAMES[l] || l),
    events: h('select', { multiple: true, id: 'aud-events', size: 4 }),
  };
  const coops = cooperativePicker(onChange);
  const phones = h('textarea', { id: 'aud-phones', rows: 2, cols: 22, dir: 'ltr', placeholder: '+212 6…' });
  const topic = h('select', { id: 'bc-topic' }, (P.topics || []).map((c) => h('option', { value: c }, label('topic', c))),
    h('option', { value: '' }, t('topic_none')));
  topic.value = P.broadcast_topic || '';
  const channel = h('select', { id: 'bc-channel' }, (P.broadcast_channels || []).map((c) => h('option', { value: c }, c)));
  if (P.outbound_channel) channel.value = P.outbound_channel;
  // The event {event} and {date} name (an invitation to a province names
  // an event its audience has not booked yet).
  const named = h('select', { id: 'bc-event' }, h('option', { value: '' }, '—'));
  for (const el of [...Object.values(aud), topic, channel, named]) el.addEventListener('change', onChange);
  phones.addEventListener('input', onChange);
  function addEvent(e) {
    if (aud.events.querySelector(`option[value="${Number(e.id)}"]`)) return;
    const text = `${e.code} — ${title(e)} (${fmtDate(e.starts_at_local)})`;
    aud.events.appendChild(h('option', { value: e.id }, text));
    named.appendChild(h('option', { value: e.id }, text));
  }
  const eventsLoaded = api('GET', '/events' + qs({ limit: 100 })).then((r) => {
    for (const e of r.items || []) addEvent(e);
    aud.events.setAttribute('data-loaded', '1');
  }).catch(() => {});
  const pick = (el, values) => { const want = new Set((values || []).map(String)); for (const o of el.options) o.selected = want.has(o.value); };
  async function ensureEvents(ids) {
    await eventsLoaded;
    for (const id of ids || []) {
      if (aud.events.querySelector(`option[value="${Number(id)}"]`)) continue;
      const e = await api('GET', '/events/' + id).catch(() => null);
      if (e) addEvent(e);
    }
  }
  const ready = forEvent ? ensureEvents([forEvent]).then(() => { pick(aud.events, [forEvent]); onChange(); }) : eventsLoaded;
  const el = h('div', {},
    h('div', { class: 'row' }, field(t('province'), aud.provinces), field(t('sector'), aud.sectors), field(t('gender'), aud.genders),
      field(t('age_band'), aud.age_bands), field(t('language'), aud.languages)),
    h('div', { class: 'row' }, coops.el, field(t('audience_events'), aud.events), field(t('audience_phones'), phones)),
    h('div', { class: 'row' }, field(t('bc_topic'), topic), field(t('channel'), channel), field(t('bc_event'), named)));
  return {
    el, ready,
    read() {
      const audience = {};
      for (const [k, sel] of Object.entries(aud)) {
        const v = Array.from(sel.selectedOptions).map((o) => (k === 'events' ? Number(o.value) : o.value));
        if (v.length) audience[k] = v;
      }
      const c = coops.get();
      if (c.length) audience.cooperatives = c;
      const ph = phones.value.split(/[\n,;]+/).map((x) => x.trim()).filter((x) => x);
      if (ph.length) audience.phones = ph;
      const body = { audience, topic: topic.value || null };
      if (channel.value) body.channel = channel.value;
      body.event = named.value ? Number(named.value) : null;
      return body;
    },
    async load(b) {
      const a = b.audience || {};
      await ensureEvents((a.events || []).concat(b.event_id ? [b.event_id] : []));
      for (const [k, sel] of Object.entries(aud)) pick(sel, a[k]);
      named.value = b.event_id ? String(b.event_id) : '';
      phones.value = (a.phones || []).join('\n');
      topic.value = b.topic || '';
      if (b.channel) channel.value = b.channel;
      await coops.set(a.cooperatives);
    },
  };
}

async function pageBroadcasts(main) {
  main.appendChild(h('h1', {}, t('nav_broadcasts')));
  const budgets = main.appendChild(h('div', { id: 'bc-budgets-slot' })); // approvals.js
  // No preview until the page is built: the first runs at its end (built).
  let liveTimer = null, liveSeq = 0, built = false;
  const texts = {};
  const counters = {};
  const mirrors = {};
  // Every language of the programme, named by the console when it can.
  const langs = programme().languages;
  const composer = h('div', { class: 'card', id: 'composer' }, h('h2', {}, t('compose')));
  for (const l of langs) {
    texts[l] = h('textarea', { id: 'text-' + l, name: 'text_' + l, dir: l === 'ar' ? 'rtl' : 'ltr', rows: 3 });
    counters[l] = h('div', { class: 'counter', id: 'counter-' + l });
    mirrors[l] = h('div', { class: 'mirror', id: 'mirror-' + l, 'aria-hidden': 'true', dir: l === 'ar' ? 'rtl' : 'ltr' });
    const update = () => { mirror(l, []); scheduleLive(); };
    texts[l].addEventListener('input', update);
    composer.appendChild(field(t('text_in', { language: LANGUAGE_NAMES[l] || l }), texts[l]));
    composer.appendChild(counters[l]);
    composer.appendChild(mirrors[l]);
    update();
  }
  // A template fills the texts (pages_templates.js; #/broadcasts/new?template=ID).
  composer.insertBefore(await templatePicker(texts, () => langs.forEach((l) => texts[l].dispatchEvent(new Event('input')))), composer.children[1]);
  // "Message the attendees" from an event page: #/broadcasts/attendees?event=ID.
  const forEvent = Number(hashQuery().get('event')) || null;
  const aud = audienceBox(() => scheduleLive(), forEvent);
  composer.appendChild(h('h2', {}, t('audience')));
  composer.appendChild(aud.el);
  const previewBox = h('div', { id: 'bc-preview', class: 'card' });
  composer.appendChild(previewBox);
  const at = h('input', { type: 'datetime-local', id: 'bc-at' });
  const actions = h('div', { class: 'row' });
  composer.appendChild(actions);
  main.appendChild(composer);
  const listBox = h('div', { id: 'bc-list' });
  main.appendChild(h('h2', {}, t('broadcasts_list')));
  main.appendChild(listBox);

  if (forEvent) composer.insertBefore(h('p', { class: 'card', id: 'aud-event' }, t('audience_event', { id: forEvent }), ' ', h('a', { href: '#/broadcasts' }, t('audience_everyone'))), previewBox);
  function draft() { return Object.assign(aud.read(), { texts: typedTexts(texts) }); }
  /* The counts and the preview are the daemon's (measureTexts, lib.js).
   * Without a text in the default language the texts are still measured
   * but no plan is shown: the API would refuse it. */
  function scheduleLive() { if (!built) return; clearTimeout(liveTimer); liveTimer = setTimeout(live, 300); }
  function mirror(l, forcing) {
    clear(mirrors[l]);
    const force = new Set(forcing);
    for (const c of Array.from(texts[l].value)) mirrors[l].appendChild(force.has(c) ? h('span', { class: 'force', title: 'U+' + c.codePointAt(0).toString(16).toUpperCase() }, c) : document.createTextNode(c));
  }
  function showCounters(mine, typed) {
    for (const l of langs) {
      const L = typed[l] ? mine(l) : null;
      clear(counters[l]);
      if (!L) { counters[l].removeAttribute('data-segments'); counters[l].removeAttribute('data-encoding'); continue; }
      append(counters[l], [t('chars'), ' ', h('b', { class: 'n-chars' }, L.characters), ' · ', t('encoding'), ' ', h('b', { class: 'n-encoding' }, label('enc', L.encoding)),
        ' · ', t('units'), ' ', h('b', { class: 'n-units' }, L.units), ' · ', t('segments'), ' ', h('b', { class: 'n-segments' }, L.segments),
        L.ucs2_characters_total ? [' · ', t('forcing'), ' ', h('b', { class: 'n-forcing' }, L.ucs2_characters_total)] : [],
        L.opt_out_hint_added ? [' · ', t('hint_added')] : []]);
      counters[l].setAttribute('data-encoding', L.encoding);
      counters[l].setAttribute('data-segments', L.segments);
      mirror(l, L.ucs2_characters || []);
    }
  }
  async function live() {
    const d = draft();
    const seq = ++liveSeq;
    if (!Object.keys(d.texts).length) {
      showCounters(null, {});
      clear(previewBox).appendChild(h('p', { class: 'muted' }, t('type_text')));
      return;
    }
    try {
      const { plan, complete, mine } = await measureTexts(d.texts, d);
      if (seq !== liveSeq) return;
      showCounters(mine, d.texts);
      const def = programme().default_language;
      if (complete) showPlan(previewBox, plan);
      else clear(previewBox).appendChild(h('p', { class: 'muted', id: 'bc-need-default' }, t('need_default_text', { language: LANGUAGE_NAMES[def] || def })));
    } catch (e) { if (seq === liveSeq) clear(previewBox).appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  /* A draft is stored only when staff save it, send or schedule; one
   * opened from the list (Edit) is rewritten in place (PATCH). */
  let editing = null;
  const editingNote = h('p', { id: 'bc-editing', class: 'muted', hidden: true });
  composer.insertBefore(editingNote, composer.children[1]);
  function editDraft(id) {
    editing = id;
    editingNote.hidden = id === null;
    clear(editingNote);
    if (id !== null) append(editingNote, [t('editing_draft', { id }), ' ', h('button', { type: 'button', class: 'secondary', id: 'bc-new', onclick: () => route() }, t('compose'))]);
  }
  async function createDraft() {
    const d = draft();
    if (editing !== null) return (await api('PATCH', '/broadcasts/' + editing, d)).id;
    const first = Object.values(d.texts)[0] || '';
    const b = await api('POST', '/broadcasts', Object.assign({ name: first.slice(0, 40) || 'broadcast' }, d));
    return b.id;
  }
  async function openDraft(id) {
    const b = await api('GET', '/broadcasts/' + id);
    for (const l of langs) { texts[l].value = (b.texts || {})[l] || ''; mirror(l, []); }
    await aud.load(b);
    editDraft(b.id);
    texts[langs[0]].focus();
    scheduleLive();
  }
  function showPlan(box, plan) {
    clear(box);
    box.appendChild(h('p', {}, t('recipients'), ': ', h('b', { id: 'bc-recipients', 'data-recipients': plan.recipients }, fmtNumber(plan.recipients)), ' · ',
      t('total_segments'), ': ', h('b', { id: 'bc-segments', 'data-segments': plan.segments }, fmtNumber(plan.segments)), ' · ',
      t('cost'), ': ', h('b', { id: 'bc-cost', 'data-cost': plan.estimated_cost_mad }, fmtMad(Number(plan.estimated_cost_mad).toFixed(2))),
      ' (', fmtNumber(plan.price_per_segment_mad), ' ', t('mad'), ' / ', t('segments'), ')'));
    for (const L of plan.languages || []) {
      box.appendChild(h('div', { class: 'bc-lang', 'data-language': L.language, 'data-api-segments': L.segments, 'data-api-encoding': L.encoding,
        'data-recipients': L.recipients },
      h('p', { class: 'muted' }, t('as_sent', { language: L.language, n: fmtNumber(L.recipients) }), ' · ', label('enc', L.encoding), ' · ', t('segments'), ' ', L.segments),
      h('div', { class: 'sms', dir: 'auto' }, L.text || ''), h('ul', { class: 'ph-values' }, placeholderValues(L))));
    }
  }
  if (can('staff')) {
    append(actions, [
      h('button', { id: 'bc-preview-btn', class: 'secondary', onclick: live }, t('preview')),
      h('button', { id: 'bc-save-draft', class: 'secondary', onclick: async () => {
        try { editDraft(await createDraft()); toast(t('saved')); loadList(); } catch (e) { toast(errorText(e), true); }
      } }, t('save_draft')),
      h('button', { id: 'bc-send', onclick: async () => {
        if (!window.confirm(t('send_confirm'))) return;
        try { const id = await createDraft(); const r = await api('POST', `/broadcasts/${id}/send`); editDraft(null); toast(approvalOutcome(r) || t('sent_now')); loadList(); } catch (e) { toast(approvalErrorText(e), true); }
      } }, t('send_now')),
      field(t('schedule_at'), at),
      h('button', { id: 'bc-schedule', class: 'secondary', onclick: async () => {
        if (!at.value) { toast(t('pick_time'), true); return; }
        try { const id = await createDraft(); const r = await api('POST', `/broadcasts/${id}/schedule`, { at: at.value }); editDraft(null); toast(approvalOutcome(r) || t('scheduled')); loadList(); } catch (e) { toast(approvalErrorText(e), true); }
      } }, t('schedule')),
      // Repeat: the draft saved, then its rule chosen on the recurring page (pages_recurrences.js).
      h('button', { id: 'bc-repeat', class: 'secondary', onclick: async () => {
        try { location.hash = '#/recurrences/new?broadcast=' + await createDraft(); } catch (e) { toast(errorText(e), true); }
      } }, t('recur_repeat_link'))]);
  }
  /* While a broadcast is going out its bar follows it (GET /broadcasts/ID
   * every BROADCAST_POLL_MS, in place); once it is finished the list is
   * drawn again (its status, no Cancel). Stops when the page is left. */
  let polled = [];
  async function poll() {
    if (!listBox.isConnected || !polled.length) return;
    let finished = false;
    for (const id of polled) {
      try {
        const b = await api('GET', '/broadcasts/' + id);
        const cell = listBox.querySelector(`tr[data-id="${Number(id)}"] .progress-cell`);
        if (cell) cell.replaceWith(progressCell(b));
        finished = finished || !!b.finished || !['started', 'expanding'].includes(b.status);
      } catch (e) { return; }
    }
    if (finished) loadList(); else setTimeout(poll, BROADCAST_POLL_MS);
  }
  /* A draft in the list: edited in the composer, or deleted. */
  function draftActions(b) {
    return h('span', { class: 'row-actions' },
      h('button', { class: 'secondary bc-edit', 'data-id': b.id, onclick: (e) => { e.stopPropagation(); openDraft(b.id).catch((err) => toast(errorText(err), true)); } }, t('edit')),
      h('button', { class: 'danger bc-delete', 'data-id': b.id, onclick: async (e) => {
        e.stopPropagation();
        if (!window.confirm(t('delete_draft_confirm', { id: b.id }))) return;
        try { await api('DELETE', '/broadcasts/' + b.id); if (editing === b.id) editDraft(null); toast(t('deleted')); loadList(); } catch (err) { toast(errorText(err), true); }
      } }, t('delete')));
  }
  async function loadList() {
    clear(listBox);
    approvalBudgets(budgets);
    try {
      const r = await api('GET', '/broadcasts' + qs({ limit: 50 }));
      listBox.appendChild(table([t('id'), t('text'), t('status'), t('scheduled_at'), t('recipients'), t('progress'), ''],
        (r.items || []).map((b) => {
          const tx = b.texts || {};
          return { id: b.id, cells: [b.id, tx[state.lang] || tx.ar || tx.fr || '', [badge('bc', b.status), ' ', reportLink(b), approvalNote(b)], fmtDate(b.scheduled_at_local), fmtNumber(b.recipients),
            progressCell(b),
            b.status === 'awaiting_approval' ? approvalActions(b, loadList) : can('staff') && b.status === 'draft' ? draftActions(b) : can('staff') && ['scheduled', 'expanding', 'started'].includes(b.status)
              ? h('button', { class: 'danger bc-cancel', 'data-id': b.id, onclick: async () => {
                try { await api('POST', `/broadcasts/${b.id}/cancel`); toast(t('cancelled')); loadList(); } catch (e) { toast(errorText(e), true); }
              } }, t('cancel')) : ''] };
        }), 'bc-table'));
      polled = (r.items || []).filter((b) => ['started', 'expanding'].includes(b.status) && !b.finished).map((b) => b.id);
      if (polled.length) setTimeout(poll, BROADCAST_POLL_MS);
    } catch (e) { listBox.appendChild(h('p', { class: 'error' }, errorText(e))); }
  }
  built = true;
  scheduleLive();
  await loadList();
}

ROUTES.broadcasts = (main) => pageBroadcasts(main);
