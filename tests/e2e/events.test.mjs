// events.test.mjs -- an event on its day in the console (issue 16, missing
// 7), in Debian's headless Chromium, in French then Arabic: bookings checked
// in one click, a walk-in added by phone number, the count of who came, the
// event's own reminder lead saved without moving its start (the browser runs
// in another zone than the programme), the attendee list as CSV, and
// "message the attendees" opening the broadcast composer with that audience.
// Screenshots go to $E2E_OUT as events-*.png.
// Usage: node events.test.mjs [path/to/taawund]

import { assert, run, sql } from './harness.mjs';

const STAFF = { name: 'nadia', password: 'oujda-saidia-2026', role: 'staff' };

await run('events', [STAFF], async (s) => {
  const { page } = s;
  let ev = null;

  await s.test('check-in on the day and a walk-in (French)', async () => {
    await s.signInHome(STAFF);
    const starts = Math.floor(Date.now() / 60000) * 60 + 2 * 3600; // whole minutes, as the form keeps
    const r = await s.api('POST', '/events', {
      code: '8301', kind: 'workshop', title_fr: 'Atelier emballage', title_ar: 'ورشة التغليف',
      starts_at: starts, place: 'Berkane', province: 'berkane', capacity: 20 });
    assert(r.status === 201, 'event created: ' + JSON.stringify(r));
    ev = r.body;
    for (const phone of ['+212600000001', '+212600000002'])
      sql(s.db, `INSERT INTO rsvps (event_id, member_id, created_at) SELECT ${ev.id}, id, strftime('%s','now') FROM members WHERE phone='${phone}'`);
    await s.go('#/events/' + ev.id, '#rsvp-table');
    assert(await page.locator('#rsvp-table input.checkin').count() === 2, 'a box per booking');
    assert(/0 présents/.test(await page.textContent('#event-figures')), 'nobody yet');
    await page.locator('#rsvp-table input.checkin').first().check();
    await page.waitForFunction(() => /1 présents/.test(document.querySelector('#event-figures')?.textContent || ''));
    await page.fill('#walkin-member', '0700000003');
    await page.click('#walkin-add');
    await page.waitForFunction(() => /2 présents/.test(document.querySelector('#event-figures')?.textContent || ''));
    assert(await page.locator('#rsvp-table input.checkin').count() === 3, 'the walk-in is listed');
    await page.fill('#walkin-member', 'TA-999999');
    await page.click('#walkin-add');
    await page.waitForFunction(() => (document.querySelector('#walkin-error')?.textContent || '').length > 0);
    const got = (await s.api('GET', '/events/' + ev.id)).body;
    assert(got.attended === 2 && got.rsvps === 3, 'stored: ' + JSON.stringify(got));
    await s.shot('checkin-fr');
  });

  await s.test('its own reminder lead, saved without moving the start', async () => {
    await s.go('#/events/' + ev.id, '#event-reminder-h');
    await page.fill('#event-reminder-h', '48');
    await page.click('#event-save');
    await page.waitForFunction(() => document.querySelector('#event-reminder-h')?.value === '48');
    const got = (await s.api('GET', '/events/' + ev.id)).body;
    assert(got.reminder_before_s === 48 * 3600, 'lead stored: ' + got.reminder_before_s);
    assert(got.starts_at === ev.starts_at, `start moved: ${ev.starts_at} -> ${got.starts_at}`);
  });

  await s.test('the attendee list as CSV', async () => {
    const text = await s.linkText('#attendees-link');
    const lines = text.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert(lines[0].startsWith('"member_no"') || lines[0].startsWith('member_no'), 'header: ' + lines[0]);
    assert(lines.length === 4, 'three bookings: ' + text);
    assert(text.includes('+212700000003'), 'staff see the full number');
  });

  await s.test('message the attendees', async () => {
    await page.click('#message-attendees');
    await page.waitForSelector('#aud-event');
    await page.fill('#text-ar', 'شكرا على حضوركم');
    await page.fill('#text-fr', 'Merci de votre venue');
    const preview = await s.api('POST', '/broadcasts/preview', { audience: { events: [ev.id] }, texts: { ar: 'x', fr: 'x' } });
    assert(preview.status === 200 && preview.body.recipients === 3, 'audience of the event: ' + JSON.stringify(preview.body));
    await s.shot('message-attendees-fr');
  });

  await s.test('the same page in Arabic', async () => {
    await s.go('#/events/' + ev.id, '#rsvp-table');
    await s.lang('ar');
    await page.waitForSelector('#rsvp-table');
    assert((await page.textContent('#rsvp-table thead')).includes('حاضر'), 'headers in Arabic');
    assert(/2 حاضرون/.test(await page.textContent('#event-figures')), 'figures in Arabic');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction) === 'rtl', 'right to left');
    await s.shot('checkin-ar');
    await s.lang('fr');
  });
});
