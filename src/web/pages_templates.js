/* pages_templates.js -- message templates in the console: the list (by
 * name; archived ones on request), create and edit with a text per
 * language, archive and bring back, and "use": a broadcast started from a
 * template (#/broadcasts/new?template=ID; the composer's picker fills its
 * texts). Each text is measured live by the daemon (POST
 * /broadcasts/preview, which stores nothing) with the longest real value
 * of each placeholder among the members of that language, and the page
 * says which value that was. Loaded after lib.js and app.js; routes are
 * added to ROUTES (lib.js). */
'use strict';

const PLACEHOLDERS = ['name', 'member_no', 'event', 'date'];

/* What a placeholder stands for, and where the value it was measured with
 * came from (the plan's source), in the console's language. */
function placeholderHelp(p) {
  return { name: t('ph_name'), member_no: t('ph_member_no'), event: t('ph_event'), date: t('ph_date') }[p];
}
function sourceText(p, source) {
  if (p === 'date' && source === 'longest_upcoming_event') return t('ph_src_date_of_that_event');
  return { longest_name: t('ph_src_longest_name'), name_fallback: t('ph_src_name_fallback'), highest_member_no: t('ph_src_highest_member_no'),
    event: t('ph_src_event'), longest_upcoming_event: t('ph_src_longest_upcoming_event') }[source] || source;
}

/* "{name} → «Hélène Dupont-Marchand» (the longest name)" lines of one
 * language's plan (L.placeholders: what the daemon measured with). */
function placeholderValues(L) {
  const p = (L && L.placeholders) || {};
  return Object.keys(p).map((k) => h('li', { class: 'ph-value', 'data-placeholder': k, 'data-source': p[k].source },
    h('code', { dir: 'ltr' }, '{' + k + '}'), ' → ', h('bdi', { class: 'ph-text' }, p[k].value), ' ',
    h('span', { class: 'muted' }, '(' + sourceText(k, p[k].source) + ')')));
}

/* A refused save in the console's language: an unknown placeholder named
 * with the text it is in, a name already taken; else the API's words. */
function templateError(e) {
  if (!(e instanceof ApiError)) return errorText(e);
  if (e.status === 409) return t('template_exists');
  if (e.code === 'unknown_placeholder') {
    const lang = (e.field || '').split('.')[1];
    return t('unknown_placeholder', { word: (/ (\{.*) \(use /.exec(e.message) || ['', ''])[1], language: LANGUAGE_NAMES[lang] || lang });
  }
  return errorText(e);
}

/* Insert text at the cursor of textarea el. */
function insertAtCursor(el, text) {
  const at = el.selectionStart ?? el.value.length, end = el.selectionEnd ?? at;
  el.value = el.value.slice(0, at) + text + el.value.slice(end);
  el.selectionStart = el.selectionEnd = at + text.length;
  el.focus();
  el.dispatchEvent(new Event('input'));
}

/* The form: name and a text per language, measured live. onSaved(t) after
 * a save; tpl: the template edited (null: a new one). */
function templateForm(tpl, onSaved) {
  const langs = programme().languages;
  const name = h('input', { id: 'tpl-name', name: 'name', required: true, size: 30, value: tpl ? tpl.name : '' });
  const texts = {}, measures = {};
  const msg = h('p', { class: 'error', role: 'alert', id: 'tpl-message' });
  let timer = null, seq = 0;
  const form = h('form', { id: 'tpl-form', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      const body = { name: name.value.trim(), texts: typedTexts(texts) };
      const r = tpl ? await api('PATCH', '/templates/' + tpl.id, body) : await api('POST', '/templates', body);
      toast(savedText(r));
      onSaved(r);
    } catch (e) {
      msg.textContent = templateError(e);
    }
  } }, field(t('template_name'), name));
  const chips = (l) => h('span', { class: 'row tpl-chips' }, t('placeholders'), ' ', PLACEHOLDERS.map((p) =>
    h('button', { type: 'button', class: 'secondary tpl-insert', 'data-placeholder': p, 'data-language': l, title: placeholderHelp(p),
      onclick: () => insertAtCursor(texts[l], '{' + p + '}') }, '{' + p + '}')));
  for (const l of langs) {
    texts[l] = h('textarea', { id: 'tpl-text-' + l, name: 'text_' + l, dir: l === 'ar' ? 'rtl' : 'ltr', rows: 3 });
    texts[l].value = (tpl && tpl.texts && tpl.texts[l]) || '';
    texts[l].addEventListener('input', () => { msg.textContent = ''; clearTimeout(timer); timer = setTimeout(measure, 300); });
    measures[l] = h('div', { class: 'counter tpl-measure', id: 'tpl-measure-' + l, 'aria-live': 'polite' });
    append(form, [field(t('text_in', { language: LANGUAGE_NAMES[l] || l }), texts[l]), chips(l), measures[l]]);
  }
  append(form, [h('p', { class: 'muted' }, t('template_measure_help')),
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'tpl-save' }, t('save')),
      tpl ? h('a', { href: '#/templates', id: 'tpl-new' }, t('template_new')) : ''), msg]);
  /* Measured as the daemon measures a broadcast to every member
   * (measureTexts, lib.js): with the opt-out hint, the longest name of that
   * language, and so on. */
  async function measure() {
    const tx = typedTexts(texts);
    const mySeq = ++seq;
    for (const l of langs) if (!tx[l]) { clear(measures[l]); measures[l].removeAttribute('data-segments'); }
    if (!Object.keys(tx).length) return;
    try {
      const { mine } = await measureTexts(tx, { audience: {} });
      if (mySeq !== seq) return;
      for (const l of Object.keys(tx)) {
        const L = mine(l);
        clear(measures[l]);
        if (!L) continue;
        measures[l].setAttribute('data-segments', L.segments);
        measures[l].setAttribute('data-encoding', L.encoding);
        append(measures[l], [h('span', {}, t('chars'), ' ', h('b', { class: 'n-chars' }, L.characters), ' · ', t('encoding'), ' ',
          h('b', { class: 'n-encoding' }, label('enc', L.encoding)), ' · ', t('segments'), ' ', h('b', { class: 'n-segments' }, L.segments),
          // The characters forcing UCS-2 where a few do (an Arabic text: all its letters, a count).
          L.ucs2_characters_total ? [' · ', t('forcing'), ' ', h('b', { class: 'n-forcing' }, L.ucs2_characters_total <= 5 ? L.ucs2_characters.join(' ') : L.ucs2_characters_total)] : []),
        Object.keys(L.placeholders || {}).length ? h('ul', { class: 'ph-values' }, placeholderValues(L)) : '',
        h('div', { class: 'sms', dir: 'auto' }, L.text)]);
      }
    } catch (e) {
      if (mySeq === seq) msg.textContent = templateError(e);
    }
  }
  form.measure = measure;
  return form;
}

async function pageTemplates(main, parts) {
  main.appendChild(h('h1', {}, t('nav_templates')));
  const id = Number(parts[1]) || null;
  const tpl = id ? await api('GET', '/templates/' + id) : null;
  if (can('staff')) {
    const form = templateForm(tpl, (r) => {
      const want = '#/templates/' + r.id;
      if (location.hash === want) route(); else location.hash = want; // hashchange routes
    });
    main.appendChild(h('div', { class: 'card', id: 'tpl-editor' }, h('h2', {}, tpl ? t('template_edit', { name: tpl.name }) : t('template_new')), form));
    if (tpl) form.measure();
  }
  const showArchived = h('input', { type: 'checkbox', id: 'tpl-show-archived' });
  const listBox = h('div', { id: 'tpl-list' });
  main.appendChild(h('p', {}, h('label', { class: 'check' }, showArchived, t('templates_archived'))));
  main.appendChild(listBox);
  showArchived.addEventListener('change', load);
  async function act(fn) {
    try { await fn(); toast(t('saved')); await load(); } catch (e) { toast(errorText(e), true); }
  }
  function actions(x) {
    const out = [h('a', { class: 'button tpl-use', href: '#/broadcasts/new?template=' + x.id, 'data-id': x.id }, t('template_use'))];
    if (!can('staff')) return h('span', { class: 'row-actions' }, out);
    if (x.archived) {
      out.push(h('button', { type: 'button', class: 'secondary tpl-restore', 'data-id': x.id, onclick: () => act(() => api('PATCH', '/templates/' + x.id, { archived: false })) }, t('template_restore')));
    } else {
      out.push(h('a', { class: 'button secondary tpl-edit', href: '#/templates/' + x.id, 'data-id': x.id }, t('edit')));
      out.push(h('button', { type: 'button', class: 'danger tpl-archive', 'data-id': x.id, onclick: () => {
        if (window.confirm(t('template_archive_confirm', { name: x.name }))) act(() => api('DELETE', '/templates/' + x.id));
      } }, t('template_archive')));
    }
    return h('span', { class: 'row-actions' }, out);
  }
  async function load() {
    const r = await api('GET', '/templates' + qs({ limit: 200, archived: showArchived.checked ? 1 : undefined }));
    clear(listBox).appendChild(table([t('template_name'), t('languages'), t('placeholders'), t('updated_at'), ''],
      (r.items || []).map((x) => ({ id: x.id, cells: [h('span', {}, userText(x.name), x.archived ? [' ', h('span', { class: 'badge cancelled' }, t('template_archived'))] : ''),
        Object.keys(x.texts || {}).map((l) => LANGUAGE_NAMES[l] || l).join(', '),
        h('span', { dir: 'ltr' }, (x.placeholders || []).map((p) => '{' + p + '}').join(' ')), fmtDate(x.updated_at_local), actions(x)] })), 'tpl-table'));
  }
  await load();
}

/* The composer's picker (pages_broadcasts.js calls it): a select of the
 * templates that fills the composer's texts (texts: {lang: textarea}),
 * preselected from #/broadcasts/new?template=ID. */
async function templatePicker(texts, onPick) {
  const r = await api('GET', '/templates' + qs({ limit: 200 }));
  const want = Number(hashQuery().get('template')) || null;
  const sel = h('select', { id: 'bc-template' }, h('option', { value: '' }, t('template_none')),
    (r.items || []).map((x) => h('option', { value: x.id, selected: x.id === want }, x.name)));
  const fill = () => {
    const x = (r.items || []).find((i) => String(i.id) === sel.value);
    if (!x) return;
    for (const [l, el] of Object.entries(texts)) el.value = (x.texts || {})[l] || '';
    onPick(x);
  };
  sel.addEventListener('change', fill);
  if (want) setTimeout(fill, 0);
  return field(t('template_pick'), sel);
}

Object.assign(ROUTES, { templates: pageTemplates, 'templates/': pageTemplates });
