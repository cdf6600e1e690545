// console.test.mjs -- end-to-end tests of the staff web console in Debian's
// headless Chromium (harness.mjs: the real taawund, a temporary config, the
// browser in another zone than the programme's); each test acts as a staff
// member would. Screenshots of every page go to $E2E_OUT as console-*.png.
// Usage: node console.test.mjs [path/to/taawund]

import fs from 'node:fs';
import path from 'node:path';
import { BROWSER_TZ, ROOT, assert, run, sql } from './harness.mjs';

const ADMIN = { name: 'amina', password: 'oujda-berkane-2026', role: 'admin' };
const LOCKED = { name: 'karim', password: 'nador-driouch-2026', role: 'staff' };

// ---------------------------------------------------------------- SMS measure (GSM 03.38)

const GSM_DEFAULT = new Set(Array.from('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'));
const GSM_EXT = new Set(Array.from('\f^{}\\[~]|€'));
function expectedSegments(text) {
  const chars = Array.from(text);
  const gsm = chars.every((c) => GSM_DEFAULT.has(c) || GSM_EXT.has(c));
  const cost = (c) => (gsm ? (GSM_EXT.has(c) ? 2 : 1) : (c.codePointAt(0) > 0xffff ? 2 : 1));
  const units = chars.reduce((n, c) => n + cost(c), 0);
  if (units <= (gsm ? 160 : 70)) return { encoding: gsm ? 'gsm7' : 'ucs2', segments: 1 };
  let seg = 1, used = 0;
  for (const c of chars) { if (used + cost(c) > (gsm ? 153 : 67)) { seg++; used = 0; } used += cost(c); }
  return { encoding: gsm ? 'gsm7' : 'ucs2', segments: seg };
}

// The opt-out hint of a language, read from the catalog the daemon loads.
function optOutHint(lang) {
  const text = fs.readFileSync(path.join(ROOT, 'conf', 'messages', lang + '.conf'), 'utf8');
  const m = /broadcast_opt_out_hint\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m) throw new Error('no broadcast_opt_out_hint in ' + lang);
  return JSON.parse('"' + m[1] + '"');
}

// ---------------------------------------------------------------- tests

await run('console', [ADMIN, LOCKED], async (s) => {
  const { page, context, base, dir, db, dialogs } = s;

  await s.test('security headers on console and API answers', async () => {
    const r = await fetch(base + '/console/');
    const csp = r.headers.get('content-security-policy') || '';
    assert(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline') && csp.includes("frame-ancestors 'none'"), 'CSP: ' + csp);
    assert(r.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
    assert(r.headers.get('referrer-policy') === 'no-referrer', 'referrer-policy');
    const a = await fetch(base + '/api/v1/stats');
    assert(a.status === 401 && a.headers.get('cache-control') === 'no-store', 'api 401 no-store');
  });

  await s.test('wrong passwords slow the account down, never lock it', async () => {
    await s.signIn({ name: LOCKED.name, password: 'wrong-password-1' });
    await page.waitForFunction(() => document.querySelector('#login-message')?.textContent.length > 0);
    const first = await page.textContent('#login-message');
    assert(/incorrect/.test(first), 'message: ' + first);
    for (let i = 2; i <= 5; i++) {
      await page.fill('#login-password', 'wrong-password-' + i);
      await page.click('#login-submit');
      await page.waitForFunction((n) => document.querySelector('#login-password').value === '' && document.querySelector('#login-message').textContent !== '', i);
    }
    // The right password now meets a short back-off ...
    await page.fill('#login-password', LOCKED.password);
    await page.click('#login-submit');
    await page.waitForFunction(() => /bloqué/.test(document.querySelector('#login-message').textContent));
    await s.shot('login-locked');
    const login = () => fetch(base + '/console/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(LOCKED) });
    const r = await login();
    const wait = Number(r.headers.get('retry-after'));
    assert(r.status === 429 && wait > 0 && wait <= 10, 'back-off: ' + r.status + ' ' + wait);
    // ... and gets in once it is over.
    await new Promise((done) => setTimeout(done, wait * 1000 + 500));
    const ok = await login();
    assert(ok.status === 200, 'after the back-off: ' + ok.status);
  });

  await s.test('sign in, session cookie flags, dashboard', async () => {
    await s.signIn(ADMIN);
    await page.waitForSelector('#members-total');
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === 'taawun_session');
    assert(c && c.httpOnly && c.sameSite === 'Strict' && c.path === '/', 'cookie: ' + JSON.stringify(c));
    assert(await page.locator('svg.chart').count() >= 4, 'charts');
    assert(await page.getAttribute('#channels li[data-channel=sandbox]', 'data-state') !== null, 'channel state shown');
    assert((await page.textContent('#who')).includes(ADMIN.name), 'who');
    await s.shot('dashboard-fr');
  });

  await s.test('the channels page shows each channel\'s health with the daemon\'s times', async () => {
    await page.goto(base + '/console/#/channels');
    await page.waitForSelector('#channels-health tr[data-id=sandbox]');
    const cells = await page.locator('#channels-health tr[data-id=sandbox] td').allTextContents();
    assert(cells[1] === 'pas encore utilisé', 'state: ' + JSON.stringify(cells));
    assert(cells[2] === 'non' && cells[3] === 'non', 'flags: ' + JSON.stringify(cells));
    assert(cells[4] === '—', 'never accepted: ' + JSON.stringify(cells));
    await s.shot('channels-fr');
  });

  await s.test('a state-changing request without the CSRF token is refused', async () => {
    const no = await s.api('POST', '/simulator/ussd', { phone: '+447700900001', session: 'csrf', text: '' }, false);
    assert(no.status === 403 && no.body.error.code === 'csrf', 'without: ' + JSON.stringify(no));
    const yes = await s.api('POST', '/simulator/ussd', { phone: '+447700900001', session: 'csrf', text: '' }, true);
    assert(yes.status === 200 && yes.body.type === 'CON', 'with: ' + JSON.stringify(yes));
    const del = await s.api('DELETE', '/members/2', null, false);
    assert(del.status === 403, 'delete without token: ' + del.status);
  });

  await s.test("the phone simulator refuses a real member's number", async () => {
    const r = await s.api('POST', '/simulator/ussd', { phone: '+212600000001', session: 'real', text: '' }, true);
    assert(r.status === 400 && r.body.error.code === 'not_a_test_number', JSON.stringify(r));
  });

  await s.test('a member name holding <script> is shown as text', async () => {
    const evil = '<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2">';
    const r = await s.api('PATCH', '/members/3', { name: evil });
    assert(r.status === 200, 'patch: ' + JSON.stringify(r));
    dialogs.length = 0;
    await s.go('#/members', '#members-list table');
    await page.fill('#member-search', 'script');
    await page.click('#member-search-go');
    await page.waitForFunction(() => document.querySelectorAll('#members-list tbody tr[data-id]').length === 1);
    const cell = await page.locator('#members-list tbody tr[data-id] td').nth(1).textContent();
    assert(cell === evil, 'shown as: ' + cell);
    await s.go('#/members/3', '#member-name');
    assert((await page.textContent('#member-name')) === evil, 'member page title');
    await page.waitForTimeout(300); // let an injected onerror fire if there were one
    assert(await page.evaluate(() => window.__xss === undefined), 'script ran');
    assert(await page.locator('main script, main img').count() === 0, 'injected element');
    assert(!dialogs.some((x) => x.type === 'alert'), 'alert fired');
    await s.shot('member-page');
  });

  await s.test("mark a member their cooperative's contact person, then unmark", async () => {
    for (const want of [true, false]) {
      await s.go('#/members/2', '#edit-contact');
      assert((await page.isChecked('#edit-contact')) === !want, 'checkbox before: ' + !want);
      await page.setChecked('#edit-contact', want);
      await page.click('#edit-save');
      let got = null;
      for (let i = 0; i < 50 && !(got && got.is_contact === (want ? 1 : 0)); i++) {
        await page.waitForTimeout(100);
        got = (await s.api('GET', '/members/2', null)).body;
      }
      assert(got && got.is_contact === (want ? 1 : 0), 'stored: ' + JSON.stringify(got && got.is_contact));
    }
  });

  await s.test('CSV import with a bad row: dry-run report, then confirm', async () => {
    const probe = await s.api('POST', '/import/members?dry_run=1', null);
    if (probe.status === 404 && probe.body && /resource/.test(probe.body.error.message)) throw new Skip('no /api/v1/import/members endpoint in this build');
    const header = 'name,phone,province,sector,gender,birth_year,language\n';
    const good = 'Naima Ouali,0612300001,berkane,textile,f,1990,ar\n';
    const bad = 'Bad Row,12345,nowhere,textile,f,1990,ar\n';
    const file = path.join(dir, 'members.csv');
    fs.writeFileSync(file, header + good + bad);
    await s.go('#/members', '#import-file');
    await page.setInputFiles('#import-file', file);
    await page.click('#import-dry');
    await page.waitForSelector('#import-rows');
    assert(await page.locator('#import-rows tbody tr').count() === 2, 'both rows shown');
    assert(await page.locator('#import-rows tbody tr').nth(0).locator('.row-ok').count() === 1, 'good row ok');
    assert(await page.locator('#import-rows tbody tr').nth(1).locator('.row-error').count() === 1, 'bad row flagged');
    assert(await page.locator('#import-confirm').count() === 0, 'a file with a bad row cannot be confirmed');
    await s.shot('import-dry-run-refused');
    fs.writeFileSync(file, header + good);
    await page.setInputFiles('#import-file', file);
    await page.click('#import-dry');
    await page.waitForSelector('#import-confirm');
    await s.shot('import-dry-run-ok');
    await page.click('#import-confirm');
    await page.waitForFunction(() => /Import fait/.test(document.querySelector('#import-summary')?.textContent || ''));
    const m = await s.api('GET', '/members?phone=%2B212612300001', null);
    assert(m.body.items.length === 1 && m.body.items[0].name === 'Naima Ouali', 'imported member: ' + JSON.stringify(m.body));
  });

  await s.test('change a grant status: SMS preview, then the queued SMS', async () => {
    await s.go('#/grants', '#grants-table');
    await s.shot('grants');
    const row = page.locator('#grants-table tbody tr[data-id]').filter({ hasText: 'GR-2026-00043' });
    await row.click();
    await page.selectOption('#grant-status', 'approved');
    // The member (GR-2026-00043) reads French: their SMS carries the French
    // note only, and stays GSM-7 in one segment.
    await page.fill('#grant-note-ar', 'الملف كامل، تهانينا.');
    await page.fill('#grant-note-fr', 'Dossier complet, félicitations.');
    await page.waitForFunction(() => /félicitations/.test(document.querySelector('#grant-preview-body')?.textContent || ''));
    const previewText = await page.textContent('#grant-preview-body');
    assert(!/[\u0600-\u06ff]/.test(previewText), 'no Arabic in the French SMS: ' + previewText);
    const counter = await page.textContent('#grant-preview .counter');
    assert(/GSM/.test(counter) && /\b1 segment/.test(counter), 'one GSM-7 segment: ' + counter);
    await s.shot('grant-preview');
    await page.click('#grant-save');
    await page.waitForSelector('#grant-queued tbody tr');
    const queued = await page.locator('#grant-queued .sms-body').first().textContent();
    assert(queued === previewText, `queued ${queued} != preview ${previewText}`);
    const m = await s.api('GET', '/messages?kind=notification&limit=5', null);
    assert(m.body.items.some((x) => x.body === previewText), 'message stored');
    const g = (await s.api('GET', '/grants?reference=GR-2026-00043', null)).body.items[0];
    assert(g.note_fr === 'Dossier complet, félicitations.' && g.note_ar === 'الملف كامل، تهانينا.', 'notes per language: ' + JSON.stringify(g));
  });

  await s.test('an event shows and keeps its programme time in a browser of another zone', async () => {
    assert(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone) === BROWSER_TZ, 'browser zone');
    const ev = await s.api('POST', '/events', { code: '9901', kind: 'workshop', title_fr: 'Atelier horaires', starts_at: '2026-12-10T10:00', place: 'Oujda' });
    assert(ev.status === 201 && ev.body.starts_at_local === '2026-12-10T10:00', 'created: ' + JSON.stringify(ev));
    await s.go('#/events/' + ev.body.id, '#event-form');
    assert(await page.inputValue('#event-form input[name=starts_at]') === '2026-12-10T10:00', 'form value: ' + await page.inputValue('#event-form input[name=starts_at]'));
    assert((await page.textContent('main')).includes('10/12/2026 10:00'), 'shown at programme time');
    for (let i = 0; i < 2; i++) {
      await page.click('#event-save');
      await page.waitForSelector('#event-form');
      await page.waitForTimeout(300);
    }
    const after = (await s.api('GET', '/events/' + ev.body.id, null)).body;
    assert(after.starts_at === ev.body.starts_at && after.starts_at_local === '2026-12-10T10:00', 'moved to ' + after.starts_at_local);
    await s.go('#/events', '#events-table');
    const row = page.locator('#events-table tbody tr').filter({ hasText: '9901' });
    assert((await row.textContent()).includes('10/12/2026 10:00'), 'listed at programme time: ' + await row.textContent());
    await s.shot('event-times');
  });

  await s.test('cancelling an event reports the SMS queued', async () => {
    const ev = await s.api('POST', '/events', { code: '9902', kind: 'event', title_fr: 'Rencontre annulée', starts_at: '2030-03-03T10:00', place: 'Nador' });
    assert(ev.status === 201, 'created: ' + JSON.stringify(ev));
    sql(db, `INSERT INTO rsvps (event_id, member_id, created_at) SELECT ${ev.body.id}, id, strftime('%s','now') FROM members WHERE phone IN ('+212600000001','+212600000002')`);
    await s.go('#/events/' + ev.body.id, '#event-cancel');
    await page.click('#event-cancel');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.toast')).some((x) => /SMS/.test(x.textContent)));
    const text = await page.evaluate(() => Array.from(document.querySelectorAll('.toast')).map((x) => x.textContent).join(' | '));
    assert(/\b2 SMS/.test(text), 'toast: ' + text);
  });

  await s.test('a past event is not upcoming on the dashboard; amounts are rounded', async () => {
    const ev = await s.api('POST', '/events', { code: '9903', kind: 'event', title_fr: 'Vieille rencontre', starts_at: '2020-05-05T10:00', place: 'Oujda' });
    assert(ev.status === 201, 'created: ' + JSON.stringify(ev));
    await s.go('#/dashboard', '#members-total');
    await page.waitForSelector('main table');
    assert(!(await page.textContent('main')).includes('Vieille rencontre'), '2020 event listed as upcoming');
    assert(await page.evaluate(() => fmtNumber(0.1 + 0.5)) === '0,6', 'fmtNumber rounds');
  });

  await s.test('compose an Arabic broadcast: live counts match the API preview; schedule and cancel', async () => {
    await s.go('#/broadcasts', '#text-ar');
    const ar = 'ورشة التسويق الرقمي للتعاونيات يوم السبت في بركان، سجلوا الآن عبر الرمز *384*123# ولا تفوتوا الفرصة';
    await page.fill('#text-ar', ar);
    await page.fill('#text-fr', 'Atelier marketing numérique samedi à Berkane : inscrivez-vous au *384*123#. Prix 10€ [repas].');
    // The live counts are the daemon's: the text with the opt-out hint.
    const want = expectedSegments(ar + ' ' + optOutHint('ar'));
    await page.waitForFunction(() => document.querySelector('#counter-ar')?.getAttribute('data-segments') && document.querySelector('#counter-fr')?.getAttribute('data-segments'));
    const enc = await page.getAttribute('#counter-ar', 'data-encoding');
    const seg = Number(await page.getAttribute('#counter-ar', 'data-segments'));
    assert(enc === 'ucs2' && seg === want.segments, `live ar: ${enc} ${seg} (want ${want.segments})`);
    assert(await page.locator('#mirror-ar .force').count() > 0, 'UCS-2 characters highlighted');
    assert(await page.getAttribute('#counter-fr', 'data-encoding') === 'gsm7', 'fr stays GSM-7');
    // 158 characters of French: one segment alone, two with the hint.
    const fr158 = ('Taawun: la foire des cooperatives ouvre samedi a Oujda. Venez presenter vos produits, ' +
      'inscrivez-vous avant jeudi aupres de la delegation provinciale de votre commune svp.').slice(0, 158).padEnd(158, '.');
    await page.fill('#text-fr', fr158);
    await page.waitForFunction(() => document.querySelector('#counter-fr')?.getAttribute('data-segments') === '2');
    await page.selectOption('#aud-provinces', ['berkane', 'oujda-angad']);
    const before = (await s.api('GET', '/broadcasts?limit=100', null)).body.total;
    await page.click('#bc-preview-btn');
    await page.waitForSelector('.bc-lang');
    const plan = (await s.api('POST', '/broadcasts/preview', { texts: { ar, fr: fr158 }, audience: { provinces: ['berkane', 'oujda-angad'] } })).body;
    for (const L of plan.languages) {
      if (L.text_language !== L.language) continue;
      const c = await page.getAttribute('#counter-' + L.language, 'data-segments');
      assert(c === null || Number(c) === L.segments, `counter ${L.language}: ${c} vs plan ${L.segments}`);
    }
    await page.waitForFunction((n) => Number(document.querySelector('#bc-segments')?.getAttribute('data-segments')) === n, plan.segments);
    assert(Number(await page.textContent('#bc-recipients').then((s) => s.replace(/\D/g, ''))) === plan.recipients, 'recipients');
    assert(Math.abs(Number(await page.getAttribute('#bc-cost', 'data-cost')) - plan.estimated_cost_mad) < 1e-9, 'cost');
    assert(Math.abs(plan.estimated_cost_mad - plan.segments * plan.price_per_segment_mad) < 1e-6, 'cost = segments x price');
    assert((await s.api('GET', '/broadcasts?limit=100', null)).body.total === before, 'a preview stored a draft');
    await s.shot('broadcast-composer');
    const tomorrow = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10) + 'T10:00';
    await page.fill('#bc-at', tomorrow);
    await page.click('#bc-schedule');
    await page.waitForFunction((n) => document.querySelectorAll('#bc-table tbody tr[data-id]').length > n, 0);
    const id = (await s.api('GET', '/broadcasts?limit=1', null)).body.items[0].id;
    assert((await s.api('GET', `/broadcasts/${id}`, null)).body.scheduled_at_local === tomorrow, 'scheduled at programme time');
    await page.waitForSelector(`#bc-table tr[data-id="${id}"] .bc-cancel`);
    assert((await s.api('GET', `/broadcasts/${id}`, null)).body.status === 'scheduled', 'scheduled');
    await page.click(`#bc-table tr[data-id="${id}"] .bc-cancel`);
    await page.waitForFunction((bid) => !document.querySelector(`#bc-table tr[data-id="${bid}"] .bc-cancel`), id);
    assert((await s.api('GET', `/broadcasts/${id}`, null)).body.status === 'cancelled', 'cancelled');
    await s.shot('broadcasts-list');
  });

  await s.test('a broadcast whose messages are all settled is finished, with no Cancel', async () => {
    const b = await s.api('POST', '/broadcasts', { name: 'fini', texts: { ar: 'تجربة', fr: 'Essai' }, audience: { phones: ['+212600000002'] } });
    assert(b.status === 201, 'created: ' + JSON.stringify(b));
    assert((await s.api('POST', `/broadcasts/${b.body.id}/send`, null)).status === 200, 'sent');
    for (let i = 0; i < 50 && !(await s.api('GET', `/broadcasts/${b.body.id}`, null)).body.finished; i++) await page.waitForTimeout(100);
    await s.go('#/dashboard', '#members-total');
    await s.go('#/broadcasts', `#bc-table tr[data-id="${b.body.id}"]`);
    const row = page.locator(`#bc-table tr[data-id="${b.body.id}"]`);
    assert(await row.locator('.bc-cancel').count() === 0, 'a finished broadcast offers Cancel');
    assert(/terminée/.test(await row.textContent()), 'status shown: ' + await row.textContent());
  });

  await s.test('phone simulator: a whole registration, then the receipt SMS', async () => {
    await s.go('#/simulator', '#sim-phone');
    const phone = '+447700900002';
    await page.fill('#sim-phone', phone);
    await page.click('#sim-dial');
    await page.waitForFunction(() => /Français/.test(document.querySelector('#sim-screen').textContent));
    const steps = ['2', '1', 'Hafsa Zerouali', '0', '2', '1', '1', '1991', '1', '1'];
    for (const s of steps) {
      const before = await page.textContent('#sim-screen');
      await page.fill('#sim-input', s);
      await page.click('#sim-send');
      await page.waitForFunction((b) => document.querySelector('#sim-screen').textContent !== b, before);
    }
    assert(await page.getAttribute('#sim-screen', 'data-type') === 'END', 'END screen');
    const end = await page.textContent('#sim-screen');
    assert(/TA-\d{6}/.test(end), 'member number on screen: ' + end);
    await page.click('#sim-refresh');
    await page.waitForSelector('.sim-sms');
    assert(/TA-\d{6}/.test(await page.locator('.sim-sms').first().textContent()), 'receipt SMS');
    // The same number sends an SMS keyword; the reply shows, and lands in its inbox.
    await page.fill('#sim-sms-text', 'MES DONNEES');
    await page.click('#sim-sms-send');
    await page.waitForFunction(() => /Hafsa Zerouali/.test(document.querySelector('#sim-sms-reply').textContent));
    await page.waitForFunction(() => document.querySelectorAll('.sim-sms').length >= 2);
    await s.shot('simulator');
  });

  await s.test('every page renders (screenshots)', async () => {
    for (const [hash, sel, name] of [['#/members', '#members-list table', 'members'], ['#/events', '#events-table', 'events'],
      ['#/events/1', 'main h1', 'event'], ['#/messages', '#messages-table', 'messages'], ['#/audit', '#audit-table', 'audit']]) {
      await s.go(hash, sel);
      await s.shot(name);
    }
    const audit = await page.textContent('#audit-table');
    assert(audit.includes('session.login') && audit.includes('grant.status') && audit.includes('member.update'), 'audit rows');
  });

  await s.test('switch to Arabic: right-to-left', async () => {
    await s.go('#/dashboard', '#members-total');
    await page.click('#lang-ar');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert(await page.evaluate(() => document.documentElement.lang) === 'ar', 'lang');
    assert((await page.textContent('#nav-members')) === 'الأعضاء', 'nav in Arabic');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction) === 'rtl', 'computed direction');
    await page.waitForSelector('svg.chart');
    await s.shot('dashboard-ar');
    await s.go('#/members', '#members-list table');
    await s.shot('members-ar');
    await s.go('#/broadcasts', '#text-ar');
    await s.shot('broadcasts-ar');
    await s.go('#/simulator', '#sim-phone');
    await s.shot('simulator-ar');
    await page.click('#lang-fr');
    await page.waitForFunction(() => document.documentElement.dir === 'ltr');
  });

  await s.test('sign out ends the session', async () => {
    await page.click('#signout');
    await page.waitForSelector('#login-name');
    const r = await page.evaluate(async () => (await fetch('/api/v1/stats')).status);
    assert(r === 401, 'api after sign-out: ' + r);
  });
});
