// programme.test.mjs -- the console's pages for cooperatives, project ideas
// and grants (issue 16, "missing" 1) in Debian's headless Chromium, in French
// and in Arabic: a cooperative found, created and edited, its members and
// grants; a grant created from it without a reference and corrected (amount,
// programme, notes per language), its status changed with the SMS preview;
// ideas listed by status and their status changed. Times shown are the
// daemon's programme-time strings although the browser runs in another zone.
// Screenshots go to $E2E_OUT as programme-*.png.
// Usage: node programme.test.mjs [path/to/taawund]

import { assert, run, sql } from './harness.mjs';

const STAFF = { name: 'salma', password: 'berkane-oujda-2026', role: 'staff' };
const VIEWER = { name: 'omar', password: 'jerada-figuig-2026', role: 'viewer' };

// fmtDate of lib.js, for the strings the API gives ("YYYY-MM-DDTHH:MM").
const shown = (local) => { const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local); return `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}`; };

await run('programme', [STAFF, VIEWER], async (s) => {
  const { page } = s;
  let coopId = null, grantId = null;

  await s.test('cooperatives: search, filter, create and edit (French)', async () => {
    await s.signInHome(STAFF);
    await s.go('#/cooperatives', '#coops-table');
    assert(await page.locator('#coops-table tbody tr[data-id]').count() >= 10, 'demo cooperatives listed');
    await page.fill('#coop-search', 'berkane');
    await page.click('#coop-search-go');
    await page.waitForFunction(() => document.querySelectorAll('#coops-table tbody tr[data-id]').length === 2);
    await page.selectOption('#coop-province', 'berkane');
    await page.selectOption('#coop-sector', 'textile');
    await page.click('#coop-search-go');
    await page.waitForFunction(() => document.querySelectorAll('#coops-table tbody tr[data-id]').length === 1);
    assert(/Dar Al-Mutaawina/.test(await page.textContent('#coops-table tbody')), 'filtered by sector');
    await s.shot('cooperatives-fr');
    await page.fill('#coop-code', '9101');
    await page.fill('#coop-name', 'Coopérative Zegzel Plantes');
    await page.selectOption('#coop-form select[name=province]', 'berkane');
    await page.selectOption('#coop-form select[name=sector]', 'agriculture');
    await page.fill('#coop-contact', '0612345001');
    await page.click('#coop-save');
    await page.waitForSelector('#coop-title');
    coopId = Number(/#\/cooperatives\/(\d+)/.exec(page.url())[1]);
    const c = (await s.api('GET', '/cooperatives/' + coopId)).body;
    assert(c.contact_phone === '+212612345001' && c.province === 'berkane', 'stored: ' + JSON.stringify(c));
    assert((await page.textContent('#coop-facts')).includes(shown(c.created_at_local)), 'created at programme time');
    await page.fill('#coop-name', 'Coopérative Zegzel Plantes Aromatiques');
    await page.click('#coop-save');
    await page.waitForFunction(() => /Aromatiques/.test(document.querySelector('#coop-title')?.textContent || ''));
    // Demo member Youssef joins it: listed among its members.
    const m = (await s.api('GET', '/members?phone=%2B212600000002')).body.items[0];
    assert((await s.api('PATCH', '/members/' + m.id, { cooperative_id: coopId })).status === 200, 'member moved');
    await s.go('#/cooperatives/' + coopId, '#coop-members-table');
    assert(await page.locator('#coop-members-table tbody tr[data-id]').count() === 1, 'its member listed');
    await page.click('#coop-members-table tbody tr[data-id]');
    await page.waitForSelector('#member-name');
    assert((await page.textContent('#member-name')) === 'Youssef El Amrani', 'row opens the member');
  });

  await s.test('a grant created from the cooperative, corrected, its status changed (French)', async () => {
    await s.go('#/cooperatives/' + coopId, '#coop-new-grant');
    await page.click('#coop-new-grant');
    await page.waitForSelector('#grant-new');
    assert(await page.inputValue('#grant-new-coop') === '9101', 'cooperative prefilled');
    await page.fill('#grant-new-programme', 'Plantes aromatiques');
    await page.fill('#grant-new-amount', '18000');
    await page.fill('#grant-edit-note-fr', 'Dossier reçu, merci.');
    await s.shot('grant-new-fr');
    await page.click('#grant-new-save');
    await page.waitForSelector('#grant-title');
    grantId = Number(/#\/grants\/(\d+)/.exec(page.url())[1]);
    const g = (await s.api('GET', '/grants/' + grantId)).body;
    assert(/^GR-\d{4}-\d{5}$/.test(g.reference) && g.cooperative_id === coopId && g.amount_mad === 18000, 'created: ' + JSON.stringify(g));
    assert((await page.textContent('#grant-title')) === g.reference, 'title');
    assert((await page.textContent('#grant-facts')).includes(shown(g.created_at_local)), 'created at programme time');
    // Corrected: amount, programme, a note per language; no SMS for that.
    const before = (await s.api('GET', '/messages?kind=notification&limit=1')).body.total;
    await page.fill('#grant-edit-amount', '20000');
    await page.fill('#grant-edit-note-ar', 'تم استلام الملف، شكرا.');
    await page.click('#grant-edit-save');
    await page.waitForFunction(() => /20[.\s\u202f\u00a0]?000/.test(document.querySelector('#grant-amount')?.textContent || ''));
    const after = (await s.api('GET', '/grants/' + grantId)).body;
    assert(after.amount_mad === 20000 && after.note_ar === 'تم استلام الملف، شكرا.' && after.note_fr === 'Dossier reçu, merci.', 'patched: ' + JSON.stringify(after));
    assert((await s.api('GET', '/messages?kind=notification&limit=1')).body.total === before, 'a correction sent an SMS');
    // The status, with the daemon's preview of the SMS to the contact phone
    // (no member has it: the programme's default language, Arabic).
    await page.selectOption('#grant-status', 'under_review');
    await page.fill('#grant-note-fr', 'Dossier en étude.');
    await page.fill('#grant-note-ar', 'الملف قيد الدراسة.');
    await page.waitForFunction(() => /الملف قيد الدراسة/.test(document.querySelector('#grant-preview-body')?.textContent || ''));
    assert((await page.textContent('#grant-preview')).includes('+2126*****01'), 'to the contact phone (masked)');
    await s.shot('grant-detail-fr');
    await page.click('#grant-save');
    await page.waitForSelector('#grant-saved');
    await page.waitForFunction(() => document.querySelectorAll('#grant-history tbody tr').length === 1 && /en étude/.test(document.querySelector('#grant-facts-card').textContent));
    const audit = (await s.api('GET', '/grants/' + grantId)).body;
    assert(audit.status === 'under_review' && audit.history.length === 1, 'status: ' + JSON.stringify(audit));
    assert((await page.textContent('#grant-history')).includes(shown(audit.history[0].changed_at_local)), 'history at programme time');
  });

  await s.test('ideas: listed by status, status changed (French)', async () => {
    const m = (await s.api('GET', '/members?phone=%2B212600000001')).body.items[0];
    for (const [ref, st, title] of [['ID-2026-00901', 'submitted', 'مجفف شمسي للتين'], ['ID-2026-00902', 'shortlisted', 'Atelier de couture mobile'], ['ID-2026-00903', 'submitted', 'Miel de thym en pots']]) {
      sql(s.db, `INSERT INTO ideas (reference, member_id, sector, title, description, status, created_at, updated_at) VALUES ('${ref}', ${m.id}, 'agrifood', '${title}', 'Vendre aux coopératives voisines, 3 emplois.', '${st}', 1733476800, 1733476800)`);
    }
    await s.go('#/ideas', '#ideas-table');
    await page.selectOption('#idea-status-filter', 'submitted');
    await page.click('#idea-search-go');
    await page.waitForFunction(() => document.querySelectorAll('#ideas-table tbody tr[data-id]').length === 2);
    // 1733476800 = 2024-12-06 09:20 UTC = 10:20 in Casablanca (UTC+1).
    assert((await page.textContent('#ideas-table')).includes('06/12/2024 10:20'), 'submitted at programme time');
    await s.shot('ideas-fr');
    await page.locator('#ideas-table tbody tr[data-id]').filter({ hasText: 'ID-2026-00901' }).click();
    await page.waitForSelector('#idea-status');
    await page.selectOption('#idea-status', 'selected');
    await page.click('#idea-save');
    await page.waitForSelector('#idea-saved');
    const id = Number(/#\/ideas\/(\d+)/.exec(page.url())[1]);
    assert((await s.api('GET', '/ideas/' + id)).body.status === 'selected', 'stored');
    await s.shot('idea-fr');
  });

  await s.test('the same pages in Arabic, right to left', async () => {
    await s.go('#/cooperatives', '#coops-table');
    await s.lang('ar');
    await page.waitForSelector('#coops-table');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction) === 'rtl', 'rtl');
    assert((await page.textContent('#nav-cooperatives')) === 'التعاونيات', 'nav in Arabic');
    await s.shot('cooperatives-ar');
    await s.go('#/cooperatives/' + coopId, '#coop-members-table');
    await s.shot('cooperative-ar');
    await s.go('#/grants/' + grantId, '#grant-history');
    assert((await page.textContent('#grant-facts-card')).includes('قيد الدراسة'), 'status label in Arabic');
    await s.shot('grant-detail-ar');
    await s.go('#/grants/new', '#grant-new');
    await page.fill('#grant-new-member', 'TA-000001');
    await page.dispatchEvent('#grant-new-member', 'change');
    await page.waitForFunction(() => (document.querySelector('#grant-new-member-name')?.textContent || '').length > 0);
    assert((await page.textContent('#grant-new-member-name')) === 'فاطمة الزهراء بنعلي', 'member found by number');
    await page.fill('#grant-new-programme', 'برنامج النسيج');
    await page.fill('#grant-new-amount', '5000');
    await page.fill('#grant-edit-note-ar', 'توصلنا بطلبك.');
    await s.shot('grant-new-ar');
    await page.click('#grant-new-save');
    await page.waitForSelector('#grant-title');
    const g = (await s.api('GET', '/grants/' + /#\/grants\/(\d+)/.exec(page.url())[1])).body;
    assert(g.member_id === 1 && g.programme === 'برنامج النسيج' && g.note_ar === 'توصلنا بطلبك.', 'created: ' + JSON.stringify(g));
    await s.go('#/ideas', '#ideas-table');
    await s.shot('ideas-ar');
    await page.locator('#ideas-table tbody tr[data-id]').filter({ hasText: 'ID-2026-00902' }).click();
    await page.waitForSelector('#idea-status');
    await page.selectOption('#idea-status', 'declined');
    await page.click('#idea-save');
    await page.waitForSelector('#idea-saved');
    await s.shot('idea-ar');
    await s.lang('fr');
  });

  await s.test('a viewer reads the pages and changes nothing', async () => {
    await s.signOut();
    await s.signInHome(VIEWER);
    await s.go('#/cooperatives/' + coopId, '#coop-members-table');
    assert(await page.locator('#coop-form, #coop-new-grant').count() === 0, 'no forms for a viewer');
    await s.go('#/grants/' + grantId, '#grant-history');
    assert(await page.locator('#grant-edit, #grant-status').count() === 0, 'no grant editor for a viewer');
    await s.go('#/ideas', '#ideas-table');
    await page.locator('#ideas-table tbody tr[data-id]').first().click();
    await page.waitForSelector('#idea-facts');
    assert(await page.locator('#idea-status').count() === 0, 'no idea status for a viewer');
    const r = await s.api('PATCH', '/grants/' + grantId, { amount_mad: 1 });
    assert(r.status === 403, 'viewer PATCH: ' + r.status);
  });
});
