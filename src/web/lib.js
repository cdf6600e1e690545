/* lib.js -- what every page of the staff console shares: building elements
 * (always with textContent, never HTML), the API client, the i18n strings,
 * the shell and hash routing, charts, tables and pagers. Loaded before app.js (pages); both are classic scripts sharing one
 * global scope. */
'use strict';

const GRANT_STATUSES = ['submitted', 'under_review', 'documents_missing', 'approved', 'rejected', 'disbursed'];
const EVENT_KINDS = ['event', 'workshop', 'training', 'exhibition', 'ideathon'];
const MESSAGE_STATUSES = ['queued', 'held', 'sending', 'sent', 'delivered', 'failed', 'expired', 'suppressed', 'cancelled'];

const state = { lang: 'fr', strings: {}, user: null, role: null, csrf: null, programme: null };
/* Names of the languages the console can offer texts in (its own labels). */
const LANGUAGE_NAMES = { ar: 'العربية', fr: 'Français', en: 'English' };
const ROLE_RANK = { viewer: 1, staff: 2, admin: 3 };

/* ------------------------------------------------------------ helpers */

function t(key, vars) {
  let s = state.strings[key];
  if (s === undefined) s = key;
  if (vars) for (const k of Object.keys(vars)) s = s.split('{' + k + '}').join(String(vars[k]));
  return s;
}

/* h('div', {class: 'x', onclick: fn}, 'text', child...) -- text is always
 * a text node; attributes are set with setAttribute (no HTML parsing). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined)
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/* The programme's facts, as GET /programme answered (see route()). */
function programme() {
  return state.programme || { timezone: undefined, languages: [], provinces: [], sectors: [], age_bands: [] };
}

function ageBands() { return programme().age_bands.map((b) => b.name); }

/* A time as the API gave it in programme time (NAME_local,
 * "YYYY-MM-DDTHH:MM", made by the daemon): shown as is, never rebuilt from
 * the browser's own zone data (which may disagree with the daemon's). */
function fmtDate(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || '');
  if (!m) return '—';
  return `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}`;
}

function fmtNumber(n) {
  return new Intl.NumberFormat(state.lang === 'ar' ? 'ar-MA' : 'fr-MA', { maximumFractionDigits: 2 }).format(Number(n) || 0);
}

/* A phone number kept left-to-right inside Arabic text. */
function phoneText(p) { return p ? h('bdi', { dir: 'ltr', class: 'phone' }, p) : '—'; }

function fmtMad(n) { return fmtNumber(n) + ' ' + t('mad'); }

function label(kind, code) {
  if (code === null || code === undefined || code === '') return '—';
  const k = kind + '.' + code;
  return state.strings[k] !== undefined ? state.strings[k] : code;
}

function badge(kind, code) { return h('span', { class: 'badge ' + code }, label(kind, code)); }

function toast(text, isError) {
  const el = h('div', { class: 'toast' + (isError ? ' error' : ''), role: 'status' }, text);
  document.body.appendChild(el);
  setTimeout(() => el.remove(), 3500);
}

/* "Saved", and what the server replaced to keep the text GSM-7 for basic
 * phones (the answer's "normalised": field -> characters). */
function savedText(r) {
  const n = r && r.normalised;
  if (!n) return t('saved');
  const chars = [...new Set(Object.values(n).flat())].map((c) => (c === '\u00a0' ? 'NBSP' : c));
  return t('saved') + ' ' + t('normalised_hint', { chars: chars.join(' ') });
}

function select(name, values, kind, current, withAny) {
  const s = h('select', { name });
  if (withAny) s.appendChild(h('option', { value: '' }, t('any')));
  for (const v of values) s.appendChild(h('option', { value: v }, kind ? label(kind, v) : v));
  s.value = current || '';
  return s;
}

function field(text, input) { return h('label', {}, text, input); }

/* An export's links: CSV in the separator chosen (by default the one the
 * console's language's spreadsheets expect: ';' in French and Arabic,
 * where ',' is the decimal mark) and an Excel workbook. path is the API's
 * CSV route ('/export/members'), name the file's name without extension,
 * id the links' prefix ('export' gives #export-sep, #export-link,
 * #export-xlsx). The daemon writes both files; the console only links. */
function exportLinks(path, name, id, csvText, xlsxText) {
  const sep = h('select', { id: id + '-sep', 'aria-label': t('csv_separator') },
    [[';', 'sep_semicolon'], [',', 'sep_comma'], ['tab', 'sep_tab']].map(([v, k]) => h('option', { value: v }, t(k))));
  sep.value = state.lang === 'en' ? ',' : ';';
  const url = (params) => '/api/v1' + path + qs(Object.assign({ lang: state.lang }, params));
  const csv = h('a', { id: id + '-link', download: name + '.csv' }, csvText || t('export_csv'));
  const xlsx = h('a', { id: id + '-xlsx', href: url({ format: 'xlsx' }), download: name + '.xlsx' }, xlsxText || t('export_xlsx'));
  const update = () => { csv.href = url({ sep: sep.value }); };
  sep.addEventListener('change', update);
  update();
  return h('span', { class: 'row export-links' }, field(t('csv_separator'), sep), csv, xlsx);
}

/* A bar of value out of max (role progressbar and its ARIA; words, its
 * aria-valuetext, are to be shown beside it too: never colour alone). The
 * width is set through the CSSOM: no inline style attribute, as the CSP
 * wants. */
function progressBar(name, value, max, words) {
  const fill = h('div');
  fill.style.width = (max ? Math.min(100, Math.round(100 * value / max)) : 0) + '%';
  return h('div', { class: 'progress', role: 'progressbar', 'aria-label': name, 'aria-valuemin': 0, 'aria-valuemax': max,
    'aria-valuenow': value, 'aria-valuetext': words }, fill);
}

/* The texts typed ({lang: textarea} -> {lang: text}, the empty left out). */
function typedTexts(areas) {
  return Object.fromEntries(Object.entries(areas).filter(([, el]) => el.value.trim()).map(([l, el]) => [l, el.value]));
}

/* Texts measured as the daemon measures them (POST /broadcasts/preview,
 * which stores nothing; rest: the rest of the body, audience...): each as
 * it will travel, with the opt-out hint in its language. Without a text in
 * the default language the first text stands in for it (the API would
 * refuse the body else): complete says whether it did not. mine(l) is the
 * plan of the text typed in l. */
async function measureTexts(texts, rest) {
  const def = programme().default_language;
  const body = Object.assign({}, rest, { texts: Object.assign({}, texts) });
  const complete = !!texts[def];
  if (!complete) body.texts[def] = Object.values(texts)[0];
  const plan = await api('POST', '/broadcasts/preview', body);
  const mine = (l) => (plan.languages || []).find((x) => x.language === l && x.text_language === l);
  return { plan, complete, mine };
}

function can(role) { return (ROLE_RANK[state.role] || 0) >= ROLE_RANK[role]; }

/* ------------------------------------------------------------ API */

class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error ? body.error : {};
    super(e.message || ('HTTP ' + status));
    this.status = status; this.code = e.code; this.field = e.field; this.body = body;
  }
}

async function api(method, path, body, raw) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET' && state.csrf) opt.headers['X-CSRF-Token'] = state.csrf;
  if (raw !== undefined) {
    opt.headers['Content-Type'] = raw.type; opt.body = raw.body;
  } else if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body);
  }
  const r = await fetch('/api/v1' + path, opt);
  const ct = r.headers.get('content-type') || '';
  const data = ct.includes('json') ? await r.json().catch(() => null) : await r.text();
  if (r.status === 401) { state.user = null; renderLogin(t('session_ended')); throw new ApiError(401, data); }
  // A temporary password: choosing one's own comes first (pages_staff.js).
  if (r.status === 403 && data && data.error && data.error.code === 'password_change_required') { state.mustChange = true; renderPasswordChange(); throw new ApiError(401, data); }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) u.set(k, v);
  const s = u.toString();
  return s ? '?' + s : '';
}

function errorText(e) {
  if (e instanceof ApiError) return t('error') + ' ' + e.status + ': ' + e.message + (e.field ? ' (' + e.field + ')' : '');
  return t('error') + ': ' + e.message;
}

/* ------------------------------------------------------------ i18n */

async function loadLanguage(lang) {
  const r = await fetch('/console/i18n/' + lang + '.json', { credentials: 'same-origin' });
  state.strings = await r.json();
  state.lang = lang;
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
  try { localStorage.setItem('taawun.lang', lang); } catch (e) { /* private mode */ }
}

function langSwitch() {
  return h('div', { class: 'lang-switch' },
    ['ar', 'fr', 'en'].map((l) => h('button', {
      class: l === state.lang ? '' : 'secondary', id: 'lang-' + l, type: 'button',
      onclick: async () => { await loadLanguage(l); route(); },
    }, LANGUAGE_NAMES[l])));
}

/* ------------------------------------------------------------ shell */

const PAGES = [
  ['dashboard', 'nav_dashboard', 'viewer'], ['members', 'nav_members', 'viewer'],
  ['cooperatives', 'nav_cooperatives', 'viewer'], ['grants', 'nav_grants', 'viewer'],
  ['ideas', 'nav_ideas', 'viewer'], ['events', 'nav_events', 'viewer'],
  ['broadcasts', 'nav_broadcasts', 'viewer'], ['recurrences', 'nav_recurrences', 'viewer'],
  ['templates', 'nav_templates', 'viewer'], ['messages', 'nav_messages', 'viewer'],
  ['channels', 'nav_channels', 'viewer'], ['costs', 'nav_costs', 'viewer'], ['simulator', 'nav_simulator', 'staff'],
  ['audit', 'nav_audit', 'admin'], ['staff', 'nav_staff', 'admin'],
];

/* Pages kept in files of their own (pages_*.js) add their routes here:
 * ROUTES.name = (main, parts) => ... for #/name[/...]; a key "name/" takes
 * #/name/ID where app.js handles only #/name. */
const ROUTES = {};

function shell(active) {
  const app = clear(document.getElementById('app'));
  const nav = h('nav', {}, PAGES.filter((p) => can(p[2])).map(([id, key]) =>
    h('a', { href: '#/' + id, class: id === active ? 'active' : '', id: 'nav-' + id }, t(key))));
  app.appendChild(h('header', { class: 'top' },
    h('span', { class: 'brand' }, t('brand')), nav,
    h('div', { class: 'who' }, h('a', { id: 'who', href: '#/password', title: t('password_change') }, state.user + ' (' + label('role', state.role) + ')'),
      langSwitch(), h('button', { class: 'secondary', id: 'signout', onclick: signOut }, t('sign_out')))));
  const main = h('main', { id: 'main' });
  app.appendChild(main);
  return main;
}

function renderLogin(message) {
  const app = clear(document.getElementById('app'));
  const name = h('input', { name: 'name', id: 'login-name', autocomplete: 'username', required: true });
  const pw = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { id: 'login-message', class: 'error', role: 'alert' }, message || '');
  const form = h('form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      msg.textContent = '';
      const r = await fetch('/console/login', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: name.value, password: pw.value }),
      });
      pw.value = '';
      if (r.ok) {
        const s = await r.json();
        Object.assign(state, { user: s.user, role: s.role, csrf: s.csrf, mustChange: !!s.must_change_password });
        if (!location.hash || location.hash === '#/login') location.hash = '#/dashboard';
        route();
      } else if (r.status === 403) {
        // Told only to whoever gave the right password.
        const code = ((await r.json().catch(() => ({}))).error || {}).code;
        msg.textContent = t(code === 'temporary_password_expired' ? 'login_expired' : 'login_disabled');
      } else if (r.status === 429) {
        msg.textContent = t('login_locked', { minutes: Math.ceil((Number(r.headers.get('Retry-After')) || 60) / 60) });
      } else {
        msg.textContent = t('login_failed');
      }
    },
  }, h('h1', {}, t('sign_in_title')), field(t('user_name'), name), field(t('password'), pw),
  h('button', { type: 'submit', id: 'login-submit' }, t('sign_in')), msg);
  app.appendChild(h('div', { class: 'login card' }, langSwitch(), form));
}

async function signOut() {
  await fetch('/console/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': state.csrf || '' } });
  Object.assign(state, { user: null, role: null, csrf: null });
  renderLogin(t('signed_out'));
}

async function route() {
  if (!state.user) { renderLogin(); return; }
  if (state.mustChange) { renderPasswordChange(); return; }
  if (!state.programme) {
    try { state.programme = await api('GET', '/programme'); } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) clear(document.getElementById('app')).appendChild(h('p', { class: 'error' }, errorText(e)));
      return;
    }
  }
  const parts = (location.hash.replace(/^#\/?/, '') || 'dashboard').split('/');
  const page = parts[0];
  const main = shell(page);
  const handlers = {
    dashboard: pageDashboard, members: parts[1] ? () => pageMember(main, parts[1]) : pageMembers,
    grants: pageGrants, events: pageEvents,
    messages: pageMessages, simulator: pageSimulator, audit: pageAudit,
    channels: pageChannels,
  };
  const own = ROUTES[parts[1] ? page + '/' : page] || ROUTES[page];
  const fn = own ? () => own(main, parts) : handlers[page] || pageDashboard;
  try { await fn(main); } catch (e) { if (!(e instanceof ApiError && e.status === 401)) main.appendChild(h('p', { class: 'error' }, errorText(e))); }
}

/* ------------------------------------------------------------ charts */

function barChart(title, entries, opts) {
  const o = opts || {};
  const rowH = 22, labelW = 130, width = 460, valueW = 70;
  const max = Math.max(1, ...entries.map((e) => e.value));
  const height = Math.max(rowH, entries.length * rowH) + 6;
  const rtl = state.lang === 'ar';
  // Laid out explicitly for both directions: the SVG itself stays ltr so
  // text-anchor means the same thing in Arabic and French.
  const s = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title, direction: 'ltr' });
  entries.forEach((e, i) => {
    const y = i * rowH + 3;
    const w = Math.round((width - labelW - valueW) * e.value / max);
    const x = rtl ? width - labelW - w : labelW;
    s.appendChild(svg('text', { x: rtl ? width - 4 : 4, y: y + 14, 'text-anchor': rtl ? 'end' : 'start' }, e.label));
    s.appendChild(svg('rect', { class: 'bar ' + (e.cls || ''), x, y: y + 2, width: Math.max(w, 1), height: rowH - 6 }));
    s.appendChild(svg('text', { x: rtl ? x - 4 : x + w + 4, y: y + 14, 'text-anchor': rtl ? 'end' : 'start' },
      o.money ? fmtMad(e.value) : fmtNumber(e.value)));
  });
  return h('div', { class: 'card' }, h('h2', {}, title), entries.length ? s : h('p', { class: 'muted' }, t('nothing')));
}

function entriesOf(obj, kind) {
  return Object.entries(obj || {}).map(([k, v]) => ({ label: kind ? label(kind, k) : k, value: Number(v) || 0 }));
}

/* ------------------------------------------------------------ dashboard */

async function pageDashboard(main) {
  main.appendChild(h('h1', {}, t('nav_dashboard')));
  const [stats, dash, events, channels] = await Promise.all([
    api('GET', '/stats'), api('GET', '/dashboard'),
    // Upcoming: from now on (an instant, the same in every zone).
    api('GET', '/events' + qs({ status: 'scheduled', from: Math.floor(Date.now() / 1000), limit: 8 })),
    api('GET', '/channels'),
  ]);
  // What each provider last answered to our sends (a refused key shows here).
  main.appendChild(h('div', { class: 'card', id: 'channels' }, h('h2', {}, t('channels')), h('ul', {},
    (channels.items || []).map((c) => h('li', { 'data-channel': c.name, 'data-state': c.state, class: ['ok', 'unknown'].includes(c.state) ? '' : 'error' },
      c.name + ' (' + c.type + '): ', badge('chan', c.state), c.changed_at_local ? ' · ' + fmtDate(c.changed_at_local) : '')))));
  const m = stats.members || {};
  const grid = h('div', { class: 'grid' });
  grid.appendChild(h('div', { class: 'card' }, h('h2', {}, t('members_total')), h('p', {}, h('b', { id: 'members-total' }, fmtNumber(m.total)))));
  grid.appendChild(barChart(t('by_province'), entriesOf(m.by_province, 'province')));
  grid.appendChild(barChart(t('by_sector'), entriesOf(m.by_sector, 'sector')));
  grid.appendChild(barChart(t('by_gender'), entriesOf(m.by_gender, 'gender')));
  grid.appendChild(barChart(t('by_age_band'), ageBands().map((b) => ({ label: b, value: (m.by_age_band || {})[b] || 0 }))));
  const gs = dash.grants_by_status || {};
  grid.appendChild(barChart(t('grants_by_status'), GRANT_STATUSES.map((s) => ({ label: label('grant', s), value: (gs[s] || {}).count || 0 }))));
  grid.appendChild(barChart(t('grants_amount'), GRANT_STATUSES.map((s) => ({ label: label('grant', s), value: (gs[s] || {}).amount_mad || 0 })), { money: true }));
  const week = dash.messages_this_week || {};
  for (const ch of Object.keys(week)) {
    // Each status counted as itself: a cancelled message was never sent.
    const st = week[ch];
    grid.appendChild(barChart(t('messages_week', { channel: ch }), MESSAGE_STATUSES.filter((k) => st[k]).map((k) => ({
      label: label('status', k), value: st[k], cls: k === 'delivered' ? 'alt' : (['failed', 'expired', 'cancelled', 'suppressed'].includes(k) ? 'bad' : ''),
    }))));
  }
  if (!Object.keys(week).length) grid.appendChild(h('div', { class: 'card' }, h('h2', {}, t('messages_week', { channel: '' })), h('p', { class: 'muted' }, t('nothing'))));
  main.appendChild(grid);
  main.appendChild(h('h2', {}, t('upcoming_events')));
  main.appendChild(table([t('event'), t('starts_at'), t('province'), t('rsvps')],
    (events.items || []).map((e) => ({ cells: [title(e), fmtDate(e.starts_at_local), label('province', e.province), `${e.rsvps} / ${e.capacity ?? '∞'}`], href: '#/events/' + e.id }))));
}

function title(e) { return e['title_' + state.lang] || e.title_fr || e.title_ar || e.title_en || e.code || ''; }

/* Text typed by people (names, SMS bodies, titles, notes) may be Arabic
 * in a French page or French in an Arabic one: each is isolated in a
 * <bdi> (its own direction, found from its first letter) so that it never
 * reorders the text around it. */
function userText(s) { return h('bdi', {}, s === undefined || s === null ? '' : s); }

/* A table: strings in cells are shown isolated (userText); a row with an
 * href opens it on a click, and from the keyboard (focusable, Enter or
 * Space: see openRowByKey). */
function table(headers, rows, id) {
  const tb = h('tbody');
  for (const r of rows) {
    const tr = h('tr', r.href ? { class: 'clickable', tabindex: 0, onclick: () => { location.hash = r.href; } } : {},
      r.cells.map((c) => h('td', {}, typeof c === 'string' && c !== '' ? userText(c) : c)));
    if (r.id) tr.setAttribute('data-id', r.id);
    tb.appendChild(tr);
  }
  if (!rows.length) tb.appendChild(h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, t('nothing'))));
  return h('table', id ? { id } : {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), tb);
}

/* A focused row that opens something (tr.clickable, focusable: tabindex)
 * opens on Enter or Space as it does on a click, for people who use the
 * keyboard only. One listener for every table, those of every page file. */
function openRowByKey(e) {
  const tr = e.target instanceof Element ? e.target.closest('tr.clickable') : null;
  if (!tr || e.target !== tr || (e.key !== 'Enter' && e.key !== ' ')) return;
  e.preventDefault();
  tr.click();
}
document.addEventListener('keydown', openRowByKey);

function pager(page, total, onChange) {
  const from = total ? page.offset + 1 : 0, to = Math.min(page.offset + page.limit, total);
  return h('div', { class: 'pager' },
    h('button', { class: 'secondary', disabled: page.offset === 0, onclick: () => onChange(Math.max(0, page.offset - page.limit)) }, t('previous')),
    h('span', {}, t('range', { from, to, total })),
    h('button', { class: 'secondary', disabled: to >= total, onclick: () => onChange(page.offset + page.limit) }, t('next')));
}
