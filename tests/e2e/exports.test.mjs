// exports.test.mjs -- the console's exports in the form the officer's
// spreadsheet expects (issue 16, missing 12), in Debian's headless Chromium:
// in French the CSV separator is ';' unless another is chosen, in English
// ','; the Excel link gives a workbook; the same on an event's attendee
// list and in Arabic. Screenshots go to $E2E_OUT as exports-*.png.
// Usage: node exports.test.mjs [path/to/taawund]

import { assert, run } from './harness.mjs';

const STAFF = { name: 'salma', password: 'berkane-oujda-2026', role: 'staff' };

// The first line of the CSV behind a link, and what its response says.
async function fetched(page, selector) {
  const href = await page.getAttribute(selector, 'href');
  return page.evaluate(async (u) => {
    const r = await fetch(u);
    const type = r.headers.get('content-type');
    if (/spreadsheetml/.test(type)) {
      const b = new Uint8Array(await r.arrayBuffer());
      return { href: u, status: r.status, type, magic: String.fromCharCode(b[0], b[1]), size: b.length };
    }
    const text = await r.text();
    return { href: u, status: r.status, type, first: text.replace(/^\uFEFF/, '').split('\r\n')[0] };
  }, href);
}

await run('exports', [STAFF], async (s) => {
  const { page } = s;

  await s.test('members in French: ";" by default, "," when chosen, and an .xlsx', async () => {
    await s.signInHome(STAFF);
    await s.lang('fr');
    await s.go('#/members', '#export-link');
    assert(await page.inputValue('#export-sep') === ';', 'default in French: ' + await page.inputValue('#export-sep'));
    let r = await fetched(page, '#export-link');
    assert(r.status === 200 && /text\/csv/.test(r.type), 'csv: ' + JSON.stringify(r));
    assert(r.first.startsWith('"phone";"name";"cooperative_code"'), 'French header: ' + r.first);
    assert(/[?&]sep=%3B/.test(r.href) && /[?&]lang=fr/.test(r.href), 'href: ' + r.href);
    await page.selectOption('#export-sep', ',');
    r = await fetched(page, '#export-link');
    assert(r.first.startsWith('"phone","name","cooperative_code"'), 'comma chosen: ' + r.first);
    r = await fetched(page, '#export-xlsx');
    assert(r.status === 200 && r.magic === 'PK' && r.size > 1000, 'workbook: ' + JSON.stringify(r));
    assert(await page.getAttribute('#export-xlsx', 'download') === 'members.xlsx', 'file name');
    await s.shot('members-fr');
  });

  await s.test('in English the default is ","', async () => {
    await s.lang('en');
    await s.go('#/members', '#export-link');
    assert(await page.inputValue('#export-sep') === ',', 'default in English');
    const r = await fetched(page, '#export-link');
    assert(r.first.startsWith('"phone","name"'), 'English header: ' + r.first);
    await s.lang('fr');
  });

  await s.test('an event\'s attendees in Arabic: ";" and a workbook', async () => {
    const ev = (await s.api('GET', '/events?limit=1')).body.items[0];
    await s.go('#/events/' + ev.id, '#attendees-link');
    await s.lang('ar');
    await page.waitForSelector('#attendees-link');
    assert(await page.inputValue('#attendees-sep') === ';', 'default in Arabic');
    let r = await fetched(page, '#attendees-link');
    assert(r.status === 200 && r.first.startsWith('"member_no";"name";"phone"'), 'attendees: ' + r.first);
    r = await fetched(page, '#attendees-xlsx');
    assert(r.status === 200 && r.magic === 'PK', 'attendee workbook: ' + JSON.stringify(r));
    assert(/فاصل/.test(await page.textContent('.export-links')), 'labels in Arabic');
    await s.shot('attendees-ar');
    await s.lang('fr');
  });
});
