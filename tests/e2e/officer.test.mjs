// officer.test.mjs -- what was wrong in the console for a programme officer
// (issue 16, "wrong today" 10), in Debian's headless Chromium at 1280 px:
// Arabic text typed by people (SMS bodies, names) isolated in the French
// console; the audit page no wider than the window; rows opened from the
// keyboard alone; a broadcast's progress bar that follows it while it goes
// out, with its ARIA and its count in words; and (item 12) a draft edited
// and deleted from the console. Screenshots go to $E2E_OUT as officer-*.png.
// Usage: node officer.test.mjs [path/to/taawund]

import { assert, run, sql } from './harness.mjs';

const ADMIN = { name: 'nadia', password: 'guercif-nador-2026', role: 'admin' };

await run('officer', [ADMIN], async (s) => {
  const { page } = s;

  await s.test('Arabic SMS bodies and names are isolated in the French console', async () => {
    await s.signInHome(ADMIN);
    // An Arabic notice holding a Latin reference, to an Arabic-speaking member.
    const g = (await s.api('GET', '/grants?reference=GR-2026-00041')).body.items[0];
    const r = await s.api('POST', `/grants/${g.id}/status`, { status: 'under_review', note_ar: 'الملف 12 قيد الدراسة' });
    assert(r.status === 200 && r.body.notification_message_id, 'status: ' + JSON.stringify(r));
    await s.go('#/messages', '#messages-table');
    const bodies = await page.$$eval('#messages-table .sms-body', (els) => els.map((e) => ({
      tag: e.tagName, text: e.textContent, dir: getComputedStyle(e).direction, bidi: getComputedStyle(e).unicodeBidi,
    })));
    const arabic = bodies.filter((b) => /[\u0600-\u06ff]/.test(b.text));
    assert(arabic.length > 0, 'an Arabic body listed: ' + JSON.stringify(bodies));
    for (const b of bodies) assert(b.tag === 'BDI' && b.bidi === 'isolate', 'not isolated: ' + JSON.stringify(b));
    for (const b of arabic) assert(b.dir === 'rtl', 'Arabic body laid out ' + b.dir + ': ' + b.text);
    // Every text cell of a table is isolated too (names, titles, places).
    await s.go('#/members', '#members-list table');
    const loose = await page.$$eval('main td', (tds) => tds.filter((td) => td.firstChild && td.firstChild.nodeType === Node.TEXT_NODE
      && /[\u0600-\u06ffA-Za-z]/.test(td.textContent)).map((td) => td.textContent));
    assert(loose.length === 0, 'cells without isolation: ' + JSON.stringify(loose));
    const name = await page.$eval('#members-list tbody tr[data-id] td:nth-child(2) bdi', (e) => getComputedStyle(e).unicodeBidi);
    assert(name === 'isolate', 'name cell: ' + name);
    await s.shot('messages-fr');
  });

  await s.test('the audit page is no wider than the window', async () => {
    // A long unbroken value in a change's JSON diff (an event's description,
    // shown on no other list).
    const e = await s.api('POST', '/events', { code: '7701', kind: 'workshop', title_fr: 'Atelier', starts_at: '2031-03-03T10:00',
      place: 'Oujda', description_fr: 'https://example.org/' + 'programme-'.repeat(30) });
    assert(e.status === 201, 'event: ' + JSON.stringify(e));
    await s.go('#/audit', '#audit-table');
    assert(await page.evaluate(() => window.innerWidth) === 1280, 'viewport');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const date = await page.textContent('#audit-table tbody tr td');
    assert(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/.test(date.trim()), 'audit date shown as ' + date);
    await s.shot('audit');
    assert(width <= 1280, 'the audit page is ' + width + ' px wide');
  });

  // Tab until a row that opens something has the focus; false if none does.
  async function tabToRow(max) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.matches('tbody tr.clickable'))) return true;
    }
    return false;
  }

  await s.test('rows open from the keyboard alone', async () => {
    await s.go('#/members', '#members-list tbody tr[data-id]');
    assert(await tabToRow(40), 'no member row takes the focus');
    const id = await page.evaluate(() => document.activeElement.getAttribute('data-id'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#member-name');
    assert(page.url().endsWith('#/members/' + id), 'Enter opened ' + page.url());
    await s.go('#/events', '#events-table');
    assert(await tabToRow(60), 'no event row takes the focus');
    await s.shot('row-focus');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => /^#\/events\/\d+$/.test(location.hash));
    await page.waitForSelector('main h1');
  });

  await s.test('the progress bar follows a broadcast going out, with its ARIA and words', async () => {
    // A broadcast under way: four messages waiting on a channel no sender
    // serves, settled by hand below (the page is never reloaded meanwhile).
    const now = Math.floor(Date.now() / 1000);
    sql(s.db, `INSERT INTO broadcasts (name, channel, audience, texts, status, created_by, created_at, updated_at, started_at, recipients)
      VALUES ('suivi', 'ghost', '{}', '{"ar":"متابعة","fr":"Suivi"}', 'started', 'e2e', ${now}, ${now}, ${now}, 4)`);
    const id = Number(sql(s.db, "SELECT id FROM broadcasts WHERE name = 'suivi'"));
    for (let i = 1; i <= 4; i++) {
      sql(s.db, `INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments, status, broadcast_id, created_at, updated_at)
        VALUES ('ghost', 'out', '+44770090090${i}', 'broadcast', 'Suivi', 'gsm7', 1, 'queued', ${id}, ${now}, ${now})`);
    }
    await s.go('#/broadcasts', `#bc-table tr[data-id="${id}"] [role=progressbar]`);
    await page.evaluate(() => { window.__notReloaded = true; });
    const bar = `#bc-table tr[data-id="${id}"] [role=progressbar]`;
    const state = () => page.$eval(`#bc-table tr[data-id="${id}"]`, (tr) => {
      const pb = tr.querySelector('[role=progressbar]');
      return { now: pb && pb.getAttribute('aria-valuenow'), max: pb && pb.getAttribute('aria-valuemax'),
        label: pb && pb.getAttribute('aria-label'), words: tr.querySelector('.progress-text')?.textContent };
    });
    let st = await state();
    assert(st.now === '0' && st.max === '4' && st.label && st.words === '0 sur 4', 'before: ' + JSON.stringify(st));
    sql(s.db, `UPDATE messages SET status = 'delivered' WHERE broadcast_id = ${id} AND phone IN ('+447700900901', '+447700900902', '+447700900903')`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-valuenow') === '3', bar, { timeout: 8000 });
    st = await state();
    assert(st.words === '3 sur 4' && await page.evaluate(() => window.__notReloaded === true), 'during: ' + JSON.stringify(st));
    await s.shot('broadcast-progress');
    sql(s.db, `UPDATE messages SET status = 'failed' WHERE broadcast_id = ${id} AND status = 'queued'`);
    await page.waitForFunction((i) => /terminée/.test(document.querySelector(`#bc-table tr[data-id="${i}"]`)?.textContent || ''), id, { timeout: 8000 });
    st = await state();
    assert(st.now === '4' && st.words === '4 sur 4', 'after: ' + JSON.stringify(st));
  });

  await s.test('a draft is edited and deleted from the console', async () => {
    const b = await s.api('POST', '/broadcasts', { name: 'brouillon', texts: { ar: 'سوق الأحد', fr: 'Marché dimanche' }, audience: { provinces: ['nador'] } });
    assert(b.status === 201, 'draft: ' + JSON.stringify(b));
    const id = b.body.id;
    const count = async () => (await s.api('GET', '/broadcasts?limit=100')).body.total;
    const before = await count();
    await s.go('#/broadcasts', `#bc-table tr[data-id="${id}"] .bc-edit`);
    await page.click(`#bc-table tr[data-id="${id}"] .bc-edit`);
    await page.waitForFunction(() => document.querySelector('#text-fr').value === 'Marché dimanche');
    assert(await page.$eval('#aud-provinces', (el) => Array.from(el.selectedOptions).map((o) => o.value).join()) === 'nador', 'audience loaded');
    assert(await page.isVisible('#bc-editing'), 'editing said');
    await page.fill('#text-fr', 'Marché lundi');
    await page.click('#bc-save-draft');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.toast')).some((x) => /Enregistré/.test(x.textContent)));
    const got = (await s.api('GET', '/broadcasts/' + id)).body;
    assert(got.texts.fr === 'Marché lundi' && got.texts.ar === 'سوق الأحد' && got.status === 'draft', 'saved: ' + JSON.stringify(got));
    assert(await count() === before, 'editing made a new draft');
    await s.shot('draft-edit');
    await page.waitForSelector(`#bc-table tr[data-id="${id}"] .bc-delete`);
    await page.click(`#bc-table tr[data-id="${id}"] .bc-delete`);
    await page.waitForFunction((i) => !document.querySelector(`#bc-table tr[data-id="${i}"]`), id);
    assert((await s.api('GET', '/broadcasts/' + id)).status === 404, 'deleted');
  });
});
