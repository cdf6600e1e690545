// members.test.mjs -- a member's page in the console (issue 16, "missing" 8)
// in Debian's headless Chromium, in French and in Arabic: birth year and
// cooperative edited, a new phone number with the old one listed, consent
// withdrawn on the member's request; a viewer sees the history and changes
// nothing. Screenshots go to $E2E_OUT as members-*.png.
// Usage: node members.test.mjs [path/to/taawund]

import { assert, run } from './harness.mjs';

const STAFF = { name: 'salma', password: 'berkane-oujda-2026', role: 'staff' };
const VIEWER = { name: 'omar', password: 'jerada-figuig-2026', role: 'viewer' };

await run('members', [STAFF, VIEWER], async (s) => {
  const { page } = s;
  let youssef = null, khadija = null;

  await s.test('birth year, cooperative and a new phone number (French)', async () => {
    await s.signInHome(STAFF);
    youssef = (await s.api('GET', '/members?phone=%2B212600000002')).body.items[0];
    await s.go('#/members/' + youssef.id, '#edit-birth-year');
    await page.waitForSelector('#edit-cooperative[data-loaded]');
    await page.fill('#edit-birth-year', '1993');
    const coop = (await s.api('GET', '/cooperatives?q=2001')).body.items[0];
    await page.selectOption('#edit-cooperative', String(coop.id));
    await page.click('#edit-save');
    await page.waitForFunction(() => /2001/.test(document.querySelector('main .kv')?.textContent || ''));
    let m = (await s.api('GET', '/members/' + youssef.id)).body;
    assert(m.birth_year === 1993 && m.cooperative_id === coop.id, 'saved: ' + JSON.stringify(m));
    await page.fill('#member-new-phone', '0661 11 22 33');
    await page.click('#member-phone-save');
    await page.waitForFunction(() => document.querySelectorAll('#member-phones tbody tr').length === 1 && !/Rien/.test(document.querySelector('#member-phones tbody').textContent));
    m = (await s.api('GET', '/members/' + youssef.id)).body;
    assert(m.phone === '+212661112233' && m.previous_phones[0].phone === '+212600000002', 'phone: ' + JSON.stringify(m.previous_phones));
    const row = await page.textContent('#member-phones tbody');
    const [, y, mo, d, hh, mm] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(m.previous_phones[0].replaced_at_local);
    assert(row.includes('+212600000002') && row.includes(`${d}/${mo}/${y} ${hh}:${mm}`) && row.includes('salma'), 'history row: ' + row);
    // Another member's number: refused and said so.
    await page.fill('#member-new-phone', '+212600000001');
    await page.click('#member-phone-save');
    await page.waitForFunction(() => /autre membre/.test(document.querySelector('#member-changes-message')?.textContent || ''));
    await s.shot('edit-fr');
  });

  await s.test('consent withdrawn on the member\'s request (French)', async () => {
    await s.go('#/members/' + youssef.id, '#member-withdraw');
    await page.fill('#member-withdraw-note', 'Appel téléphonique');
    await page.click('#member-withdraw');
    await page.waitForSelector('#member-withdrawn');
    const m = (await s.api('GET', '/members/' + youssef.id)).body;
    assert(m.consent_withdrawn_by === 'salma' && m.opted_out_at, 'withdrawn: ' + JSON.stringify(m));
    assert(await page.locator('#member-withdraw').count() === 0, 'no second withdrawal button');
    const audit = await s.api('GET', '/audit?object_type=member&limit=10');
    assert(audit.status === 403, 'staff read the audit: ' + audit.status);
    await s.shot('withdrawn-fr');
  });

  await s.test('the same in Arabic, right to left', async () => {
    khadija = (await s.api('GET', '/members?phone=%2B212700000003')).body.items[0];
    await s.go('#/members/' + khadija.id, '#member-new-phone');
    await s.lang('ar');
    await page.waitForSelector('#member-new-phone');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction) === 'rtl', 'rtl');
    assert(/أرقام الهاتف السابقة/.test(await page.textContent('#member-changes')), 'labels in Arabic');
    await page.fill('#member-new-phone', '0700112233');
    await page.click('#member-phone-save');
    await page.waitForFunction(() => /\+212700000003/.test(document.querySelector('#member-phones tbody')?.textContent || ''));
    await page.click('#member-withdraw');
    await page.waitForSelector('#member-withdrawn');
    await s.shot('edit-ar');
    await s.lang('fr');
  });

  await s.test('a viewer sees the history and changes nothing', async () => {
    await s.signOut();
    await s.signInHome(VIEWER);
    await s.go('#/members/' + youssef.id, '#member-phones');
    assert(await page.locator('#member-phone-form, #member-withdraw, #edit-save').count() === 0, 'forms for a viewer');
    assert((await page.textContent('#member-phones')).includes('+212600000002'), 'history shown');
    const r = await s.api('POST', `/members/${youssef.id}/phone`, { phone: '+212661112299' });
    assert(r.status === 403, 'viewer: ' + r.status);
    await s.shot('viewer');
  });
});
