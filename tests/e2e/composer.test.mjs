// composer.test.mjs -- the broadcast composer's audience as rich as the API
// (issue 16, missing 3), in Debian's headless Chromium at 1280 px, in French
// then Arabic: each filter POST /broadcasts accepts set from the console
// (province, sector, cooperative by search, gender, age band, language,
// event attendees, phone numbers) and what the broadcast names besides
// (topic, channel), the daemon's count shown for each equal to a direct
// POST /broadcasts/preview of the same body; the English text; a draft with
// every field saved, opened again with every field back, and deleted; and
// the top menu on one or two whole rows at 1280 px in French and Arabic.
// Screenshots go to $E2E_OUT as composer-*.png.
// Usage: node composer.test.mjs [path/to/taawund]

import path from 'node:path';
import { OUT, assert, run, sql } from './harness.mjs';

const STAFF = { name: 'samira', password: 'figuig-jerada-2026', role: 'staff' };
const ADMIN = { name: 'karim', password: 'driouch-guercif-2026', role: 'admin' };
// A second channel with its own price: the channel chosen changes the cost.
const CHANNELS = '{ name = "sandbox-b"; type = "sandbox"; price_per_segment_mad = 0.25; }';

const PROVINCES = ['berkane', 'nador', 'jerada', 'figuig'];
const SECTORS = ['agriculture', 'textile', 'tourism'];
const LANGS = ['ar', 'fr', 'en'];

await run('composer', [STAFF, ADMIN], async (s) => {
  const { page } = s;
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/broadcasts/preview')) sent.push(r.postDataJSON()); });

  // Members enough to tell every filter apart: 24 with consent, spread over
  // provinces, sectors, cooperatives, genders, ages and languages; three
  // have turned event alerts off; six booked an event.
  const rows = [];
  for (let i = 0; i < 24; i++) {
    const name = `Membre ${i}`;
    rows.push(`('+2126620000${String(i + 10)}', '${name}', '${name.toLowerCase()}', ${1 + (i % 5)}, '${PROVINCES[i % 4]}', '${SECTORS[i % 3]}', '${i % 2 ? 'm' : 'f'}', ${1950 + i * 3}, '${LANGS[i % 3]}', strftime('%s','now'), 'ussd', 'import', strftime('%s','now'), strftime('%s','now'), strftime('%s','now'))`);
  }
  sql(s.db, `INSERT INTO members (phone, name, name_folded, cooperative_id, province, sector, gender, birth_year, language, consent_at, consent_channel, registered_via, registered_at, created_at, updated_at) VALUES ${rows.join(',')}`);
  sql(s.db, "INSERT INTO member_topics (member_id, topic, enabled, updated_at) SELECT id, 'events', 0, strftime('%s','now') FROM members WHERE phone IN ('+212662000010', '+212662000011', '+212662000012')");
  const coop = JSON.parse(sql(s.db, "SELECT json_object('id', id, 'code', code) FROM cooperatives WHERE id = 3"));

  let ev = null;
  let everyone = 0;
  const base = { texts: { ar: 'اجتماع يوم الأحد', fr: 'Réunion dimanche' } };

  // The console's count once the daemon answered: body is what the console
  // should send, compared field by field with what it sent, and its count
  // with a direct preview of the same body.
  async function expectCount(body, what) {
    const direct = await s.api('POST', '/broadcasts/preview', body);
    assert(direct.status === 200, what + ': direct preview ' + JSON.stringify(direct));
    const want = direct.body.recipients;
    await page.waitForFunction((w) => document.querySelector('#bc-recipients')?.getAttribute('data-recipients') === String(w), want)
      .catch(() => { throw new Error(`${what}: the console shows ${JSON.stringify(sent.at(-1))}, the API ${want}`); });
    const got = sent.at(-1);
    assert(JSON.stringify(got.audience) === JSON.stringify(body.audience), `${what}: sent ${JSON.stringify(got.audience)}, expected ${JSON.stringify(body.audience)}`);
    for (const k of ['topic', 'channel', 'event']) if (k in body) assert(got[k] === body[k], `${what}: ${k} ${got[k]} sent, ${body[k]} expected`);
    return want;
  }

  /* Each filter alone: set, its count checked (different from everyone's,
   * so a filter ignored fails), then cleared (everyone's count again). */
  async function everyFilter(lang) {
    await s.go('#/broadcasts', '#aud-events[data-loaded]');
    await page.fill('#text-ar', base.texts.ar);
    await page.fill('#text-fr', base.texts.fr);
    everyone = await expectCount(Object.assign({ audience: {}, topic: 'news', channel: 'sandbox' }, base), lang + ' everyone');
    const one = async (what, body, set, unset) => {
      await set();
      const n = await expectCount(Object.assign({ topic: 'news', channel: 'sandbox' }, base, body), `${lang} ${what}`);
      assert(n !== everyone, `${lang} ${what}: ${n} as for everyone, the filter tells nothing apart`);
      await unset();
      await expectCount(Object.assign({ audience: {}, topic: 'news', channel: 'sandbox' }, base), `${lang} ${what} cleared`);
    };
    const multi = (id, values) => [() => page.selectOption(id, values), () => page.selectOption(id, [])];
    await one('province', { audience: { provinces: ['nador', 'figuig'] } }, ...multi('#aud-provinces', ['nador', 'figuig']));
    await one('sector', { audience: { sectors: ['tourism'] } }, ...multi('#aud-sectors', ['tourism']));
    await one('gender', { audience: { genders: ['f'] } }, ...multi('#aud-genders', ['f']));
    await one('age band', { audience: { age_bands: ['51+'] } }, ...multi('#aud-ages', ['51+']));
    await one('language', { audience: { languages: ['fr', 'en'] } }, ...multi('#aud-languages', ['fr', 'en']));
    await one('event attendees', { audience: { events: [ev.id] } }, ...multi('#aud-events', [String(ev.id)]));
    await one('cooperative', { audience: { cooperatives: [coop.id] } }, async () => {
      await page.fill('#aud-coop-q', coop.code);
      await page.waitForFunction((c) => document.querySelector('#aud-coop-found')?.getAttribute('data-q') === c
        && document.querySelectorAll('#aud-coop-found .coop-match').length === 1, coop.code);
      await page.press('#aud-coop-q', 'Enter');
      await page.waitForSelector(`#aud-coops .chip[data-id="${coop.id}"]`);
    }, () => page.click(`#aud-coops .chip[data-id="${coop.id}"] .chip-x`));
    await one('phones', { audience: { phones: ['0662000013', '+212 662 000 014'] } },
      () => page.fill('#aud-phones', '0662000013\n+212 662 000 014'), () => page.fill('#aud-phones', ''));
    await one('topic', { audience: {}, topic: 'events' }, () => page.selectOption('#bc-topic', 'events'), () => page.selectOption('#bc-topic', 'news'));
    // A topic of none reaches those who turned every alert off too.
    await page.selectOption('#bc-topic', '');
    await expectCount(Object.assign({ audience: {}, topic: null, channel: 'sandbox' }, base), lang + ' no topic');
    await page.selectOption('#bc-topic', 'news');
    // The channel: the same people, its own price.
    const opts = await page.$$eval('#bc-channel option', (os) => os.map((o) => o.value));
    const facts = (await s.api('GET', '/programme')).body;
    assert(JSON.stringify(opts) === JSON.stringify(facts.broadcast_channels) && opts.includes('sandbox-b'), 'channels offered: ' + opts);
    await page.selectOption('#bc-channel', 'sandbox-b');
    await expectCount(Object.assign({ audience: {}, topic: 'news', channel: 'sandbox-b' }, base), lang + ' channel');
    const direct = (await s.api('POST', '/broadcasts/preview', Object.assign({ audience: {}, channel: 'sandbox-b' }, base))).body;
    assert(Number(direct.estimated_cost_mad) > 0, 'the second channel costs: ' + JSON.stringify(direct));
    await page.waitForFunction((c) => document.querySelector('#bc-cost')?.getAttribute('data-cost') === String(c), direct.estimated_cost_mad);
    await page.selectOption('#bc-channel', 'sandbox');
    // The event {event} and {date} name: the texts tell it to each member.
    const named = { ar: 'تعاون: {event} يوم {date}', fr: 'Taawun : {event} le {date}' };
    await page.fill('#text-ar', named.ar);
    await page.fill('#text-fr', named.fr);
    await page.selectOption('#bc-event', String(ev.id));
    await expectCount({ audience: {}, topic: 'news', channel: 'sandbox', event: ev.id, texts: named }, lang + ' event named');
    await page.waitForFunction(() => /Atelier séchage|ورشة التجفيف/.test(document.querySelector('#bc-preview .bc-lang .sms')?.textContent || ''));
    await page.selectOption('#bc-event', '');
    await page.fill('#text-ar', base.texts.ar);
    await page.fill('#text-fr', base.texts.fr);
    // All at once: the intersection, as the API counts it.
    await page.selectOption('#aud-languages', ['ar', 'fr']);
    await page.selectOption('#aud-genders', ['m']);
    await page.fill('#aud-phones', '');
    const n = await expectCount(Object.assign({ audience: { genders: ['m'], languages: ['ar', 'fr'] }, topic: 'news', channel: 'sandbox' }, base), lang + ' together');
    assert(n > 0 && n < everyone, `${lang} together: ${n} of ${everyone}`);
    await s.shot('audience-' + lang);
  }

  await s.test('every audience filter in French: the count is the API\'s', async () => {
    await s.signInHome(STAFF);
    const r = await s.api('POST', '/events', { code: '8401', kind: 'workshop', title_fr: 'Atelier séchage', title_ar: 'ورشة التجفيف',
      starts_at: '2031-05-04T10:00', place: 'Nador', province: 'nador', capacity: 30 });
    assert(r.status === 201, 'event: ' + JSON.stringify(r));
    ev = r.body;
    sql(s.db, `INSERT INTO rsvps (event_id, member_id, created_at) SELECT ${ev.id}, id, strftime('%s','now') FROM members WHERE phone LIKE '+2126620000%' AND id % 4 = 0`);
    await everyFilter('fr');
  });

  await s.test('every audience filter in Arabic: the count is the API\'s', async () => {
    await s.lang('ar');
    await everyFilter('ar');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('#composer')).direction) === 'rtl', 'right to left');
  });

  await s.test('the English text is offered and measured', async () => {
    await s.lang('fr');
    await s.go('#/broadcasts', '#text-en');
    const facts = (await s.api('GET', '/programme')).body;
    const boxes = await page.$$eval('#composer textarea[id^="text-"]', (els) => els.map((e) => e.id.slice(5)));
    assert(JSON.stringify(boxes) === JSON.stringify(facts.languages), 'a text per programme language: ' + boxes);
    await page.fill('#text-ar', base.texts.ar);
    await page.fill('#text-en', 'Meeting on Sunday');
    await page.waitForFunction(() => document.querySelector('#counter-en')?.getAttribute('data-segments') === '1');
    await page.waitForSelector('#bc-preview .bc-lang[data-language="en"]');
    const en = await page.textContent('#bc-preview .bc-lang[data-language="en"] .sms');
    assert(en.startsWith('Meeting on Sunday'), 'English members get the English text: ' + en);
    assert(sent.at(-1).texts.en === 'Meeting on Sunday', 'sent: ' + JSON.stringify(sent.at(-1)));
  });

  await s.test('a draft keeps every audience field: saved, opened again, deleted (Arabic)', async () => {
    await s.lang('ar');
    await s.go('#/broadcasts/attendees?event=' + ev.id, '#aud-event');
    // Opened from the event: its attendees chosen in the picker.
    await page.waitForFunction((id) => Array.from(document.querySelector('#aud-events').selectedOptions).map((o) => o.value).join() === String(id), ev.id);
    await page.fill('#text-ar', 'تذكير بالورشة');
    await page.fill('#text-fr', "Rappel de l'atelier");
    await page.fill('#text-en', 'Workshop reminder');
    await page.selectOption('#aud-provinces', ['nador', 'berkane']);
    await page.selectOption('#aud-sectors', ['agriculture', 'textile']);
    await page.selectOption('#aud-genders', ['f']);
    await page.selectOption('#aud-ages', ['26-35', '36-50', '51+']);
    await page.selectOption('#aud-languages', ['ar', 'en']);
    await page.fill('#aud-coop-q', coop.code);
    await page.waitForSelector(`#aud-coop-found .coop-match[data-id="${coop.id}"]`);
    await page.click(`#aud-coop-found .coop-match[data-id="${coop.id}"]`);
    await page.waitForSelector(`#aud-coops .chip[data-id="${coop.id}"]`);
    await page.fill('#aud-phones', '06 62 00 00 20');
    await page.selectOption('#bc-topic', 'events');
    await page.selectOption('#bc-channel', 'sandbox-b');
    await page.selectOption('#bc-event', String(ev.id));
    const audience = { provinces: ['berkane', 'nador'], sectors: ['agriculture', 'textile'], genders: ['f'], age_bands: ['26-35', '36-50', '51+'],
      languages: ['ar', 'en'], events: [ev.id], cooperatives: [coop.id], phones: ['06 62 00 00 20'] };
    await expectCount({ audience, topic: 'events', channel: 'sandbox-b', event: ev.id, texts: { ar: 'تذكير بالورشة', fr: "Rappel de l'atelier", en: 'Workshop reminder' } }, 'draft');
    const before = (await s.api('GET', '/broadcasts?limit=100')).body.total;
    await page.click('#bc-save-draft');
    await page.waitForSelector('#bc-editing:not([hidden])');
    const list = (await s.api('GET', '/broadcasts?limit=100')).body;
    assert(list.total === before + 1, 'one draft stored');
    const id = list.items[0].id;
    const stored = (await s.api('GET', '/broadcasts/' + id)).body;
    const sorted = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
    // Stored as the API normalises it: the number in E.164.
    audience.phones = ['+212662000020'];
    assert(sorted(stored.audience) === sorted(audience), 'stored audience: ' + JSON.stringify(stored.audience));
    assert(stored.topic === 'events' && stored.channel === 'sandbox-b' && stored.event_id === ev.id && stored.texts.en === 'Workshop reminder', 'stored: ' + JSON.stringify(stored));

    // A fresh page: the draft listed with Edit and Delete, every field back.
    await s.go('#/broadcasts', `#bc-table tr[data-id="${id}"] .bc-edit`);
    assert(await page.isVisible(`#bc-table tr[data-id="${id}"] .bc-delete`), 'Delete offered');
    assert(await page.$eval('#aud-provinces', (el) => el.selectedOptions.length) === 0, 'a fresh composer');
    await page.click(`#bc-table tr[data-id="${id}"] .bc-edit`);
    await page.waitForFunction(() => document.querySelector('#text-en').value === 'Workshop reminder');
    await page.waitForSelector(`#aud-coops .chip[data-id="${coop.id}"]`);
    const chosen = (sel) => page.$eval(sel, (el) => Array.from(el.selectedOptions).map((o) => o.value).join());
    assert(await chosen('#aud-provinces') === 'berkane,nador', 'provinces back');
    assert(await chosen('#aud-sectors') === 'agriculture,textile', 'sectors back');
    assert(await chosen('#aud-genders') === 'f', 'gender back');
    assert(await chosen('#aud-ages') === '26-35,36-50,51+', 'age bands back');
    assert(await chosen('#aud-languages') === 'ar,en', 'languages back');
    assert(await chosen('#aud-events') === String(ev.id), 'event back');
    assert(await page.inputValue('#aud-phones') === '+212662000020', 'phones back');
    assert(await page.inputValue('#bc-topic') === 'events', 'topic back');
    assert(await page.inputValue('#bc-channel') === 'sandbox-b', 'channel back');
    assert(await page.inputValue('#bc-event') === String(ev.id), 'the named event back');
    assert((await page.textContent(`#aud-coops .chip[data-id="${coop.id}"]`)).includes(coop.code), 'cooperative named');
    assert(await page.inputValue('#text-fr') === "Rappel de l'atelier" && await page.inputValue('#text-ar') === 'تذكير بالورشة', 'texts back');
    await expectCount({ audience, topic: 'events', channel: 'sandbox-b', event: ev.id, texts: stored.texts }, 'draft opened');
    await s.shot('draft-ar');
    // Changed and saved in place, then deleted.
    await page.selectOption('#bc-topic', '');
    await page.click(`#aud-coops .chip[data-id="${coop.id}"] .chip-x`);
    await page.click('#bc-save-draft');
    await page.waitForFunction(async (i) => {
      const b = await (await fetch('/api/v1/broadcasts/' + i)).json();
      return b.topic === null && !b.audience.cooperatives;
    }, id);
    assert((await s.api('GET', '/broadcasts?limit=100')).body.total === before + 1, 'saved in place');
    await page.click(`#bc-table tr[data-id="${id}"] .bc-delete`);
    await page.waitForFunction((i) => !document.querySelector(`#bc-table tr[data-id="${i}"]`), id);
    assert((await s.api('GET', '/broadcasts/' + id)).status === 404, 'deleted');
  });

  /* The top menu at 1280 px: on rows of its own, each link whole, no row
   * shared with the brand or the user's controls, at most two rows, in the
   * language with the longest labels (French) and in Arabic, as admin (the
   * most links). */
  for (const lang of ['fr', 'ar']) {
    await s.test(`the admin top menu fits at 1280 px (${lang})`, async () => {
      await s.signOut();
      await s.signInHome(ADMIN);
      await s.lang(lang);
      await page.waitForSelector('#nav-staff');
      const m = await page.evaluate(() => {
        const links = Array.from(document.querySelectorAll('header.top nav a')).map((a) => a.getBoundingClientRect());
        const rows = new Set(links.map((r) => Math.round(r.top)));
        const who = document.querySelector('header.top .who').getBoundingClientRect();
        const brand = document.querySelector('header.top .brand').getBoundingClientRect();
        const nav = document.querySelector('header.top nav').getBoundingClientRect();
        return { rows: rows.size, tall: links.some((r) => r.height > 40), width: document.documentElement.scrollWidth,
          overlap: nav.top < Math.max(who.bottom, brand.bottom) - 1, n: links.length };
      });
      assert(m.n >= 12, 'the admin links: ' + m.n);
      assert(m.rows <= 2, `the menu wraps onto ${m.rows} rows`);
      assert(!m.tall, 'a link broken over two lines');
      assert(!m.overlap, 'the menu shares a row with the brand or the user');
      assert(m.width <= 1280, 'the page is ' + m.width + ' px wide');
      await page.screenshot({ path: path.join(OUT, `composer-menu-${lang}.png`), clip: { x: 0, y: 0, width: 1280, height: 160 } });
    });
  }
  /* On a slow link the templates list answers after the composer's first
   * texts exist: no preview may run before the audience and the preview
   * box are built (it threw "Cannot access 'aud' before initialization",
   * caught by the closing "no script errors" test). */
  await s.test('the composer opens whole while the templates list is slow', async () => {
    await page.route('**/api/v1/templates?*', async (r) => { await new Promise((ok) => setTimeout(ok, 1500)); await r.continue(); });
    try {
      const before = s.pageErrors.length;
      await s.go('#/broadcasts', '#bc-template');
      await page.fill('#text-ar', 'تجربة');
      await page.waitForSelector('#bc-recipients');
      assert(s.pageErrors.length === before, 'page errors: ' + s.pageErrors.slice(before).join('; '));
    } finally { await page.unroute('**/api/v1/templates?*'); }
  });
  await s.lang('fr');
}, { channels: CHANNELS });
