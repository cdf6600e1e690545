// templates.test.mjs -- message templates in the console (issue 16, "missing"
// 5) in Debian's headless Chromium, in French and in Arabic: a template is
// saved with a text per language, each measured live with the longest real
// value of each placeholder among the members of that language (the page says
// which value: the demo's French members include an Arabic name, which gives
// way to the catalog's word, so the French text stays GSM-7); an unknown
// placeholder is refused in the console's language; templates are edited,
// archived and brought back; a broadcast starts from one (the composer's
// picker fills its texts, its preview names the values); a viewer only reads.
// Screenshots go to $E2E_OUT as templates-*.png.
// Usage: node templates.test.mjs [path/to/taawund]

import { assert, run, sql } from './harness.mjs';

const STAFF = { name: 'nadia', password: 'berkane-oujda-2026', role: 'staff' };
const VIEWER = { name: 'omar', password: 'jerada-figuig-2026', role: 'viewer' };
const FR = 'Bonjour {name}, membre {member_no}: {event} le {date}. Reservez vite.';
const AR = 'مرحبا {name}، رقم عضويتك {member_no}: {event} يوم {date}.';

await run('templates', [STAFF, VIEWER], async (s) => {
  const { page } = s;
  const value = (l, p) => page.textContent(`#tpl-measure-${l} .ph-value[data-placeholder="${p}"] .ph-text`);
  const source = (l, p) => page.getAttribute(`#tpl-measure-${l} .ph-value[data-placeholder="${p}"]`, 'data-source');
  const longest = (lang) => sql(s.db, `SELECT name FROM members WHERE language='${lang}' AND consent_at IS NOT NULL`
    + ' AND erased_at IS NULL AND opted_out_at IS NULL AND is_test = 0').split('\n');
  let id = null;

  await s.test('a template measured live with the longest real values (French)', async () => {
    await s.signInHome(STAFF);
    await page.click('#nav-templates');
    await page.waitForSelector('#tpl-form');
    await page.fill('#tpl-name', 'Invitation salon');
    await page.fill('#tpl-text-fr', FR);
    await page.waitForSelector('#tpl-measure-fr .ph-value[data-placeholder="name"]');
    // The demo's French members: a Latin name and a 60-letter Arabic one;
    // the Arabic name cannot ride a GSM-7 text, so the longest one that can is shown.
    const names = longest('fr');
    assert(names.some((n) => /[\u0600-\u06ff]/.test(n)), 'an Arabic name among French members: ' + names);
    const latin = names.filter((n) => !/[\u0600-\u06ff]/.test(n)).sort((a, b) => b.length - a.length)[0];
    assert(await value('fr', 'name') === latin, 'longest name: ' + await value('fr', 'name'));
    assert(await source('fr', 'name') === 'longest_name', 'source');
    assert(/le nom le plus long/.test(await page.textContent('#tpl-measure-fr')), 'says which value, in French');
    assert(await page.getAttribute('#tpl-measure-fr', 'data-encoding') === 'gsm7', 'the French text stays GSM-7');
    const maxId = Number(sql(s.db, "SELECT max(id) FROM members WHERE language='fr' AND is_test = 0"));
    assert(await value('fr', 'member_no') === 'TA-' + String(maxId).padStart(6, '0'), 'highest member number');
    assert(await source('fr', 'event') === 'longest_upcoming_event', 'event: the longest title to come');
    // The counts are the daemon's, for the text as it would travel.
    const plan = (await s.api('POST', '/broadcasts/preview', { texts: { ar: FR, fr: FR } })).body;
    const L = plan.languages.find((x) => x.language === 'fr');
    assert(await page.getAttribute('#tpl-measure-fr', 'data-segments') === String(L.segments), 'segments as the API');
    assert((await page.textContent('#tpl-measure-fr .sms')).includes(latin), 'the text as measured');
    // An unknown placeholder is named, in French.
    await page.fill('#tpl-text-ar', AR + ' {nom}');
    await page.click('#tpl-save');
    await page.waitForFunction(() => /Champ \{nom\} inconnu/.test(document.querySelector('#tpl-message').textContent));
    await s.shot('unknown-fr');
    await page.fill('#tpl-text-ar', AR);
    await page.waitForSelector('#tpl-measure-ar .ph-value[data-placeholder="name"]');
    await s.shot('measure-fr');
    await page.click('#tpl-save');
    await page.waitForSelector('#tpl-table tbody tr[data-id]');
    const t = (await s.api('GET', '/templates')).body.items.find((x) => x.name === 'Invitation salon');
    assert(t && t.texts.fr === FR && t.texts.ar === AR, 'stored: ' + JSON.stringify(t));
    id = t.id;
    assert(/\{member_no\}/.test(await page.textContent('#tpl-table')), 'placeholders listed');
  });

  await s.test('in Arabic: edit, archive and bring back', async () => {
    await s.lang('ar');
    await s.go('#/templates/' + id, '#tpl-measure-ar .ph-value');
    assert(await page.getAttribute('html', 'dir') === 'rtl', 'right to left');
    // The Arabic text (UCS-2 anyway) takes the longest name, Latin or Arabic.
    const names = longest('ar').sort((a, b) => b.length - a.length);
    assert(await value('ar', 'name') === names[0], 'longest Arabic-text name: ' + await value('ar', 'name'));
    assert(await page.getAttribute('#tpl-measure-ar', 'data-encoding') === 'ucs2', 'UCS-2');
    assert(/أطول اسم/.test(await page.textContent('#tpl-measure-ar')), 'says which value, in Arabic');
    await s.shot('edit-ar');
    await page.fill('#tpl-text-ar', AR + ' شكرا');
    await page.click('#tpl-save');
    // Saved when the daemon has it (the textarea holds it before the PATCH ends).
    let stored = null;
    for (let i = 0; i < 100 && stored !== AR + ' شكرا'; i++) {
      stored = (await s.api('GET', '/templates/' + id)).body.texts.ar;
      if (stored !== AR + ' شكرا') await page.waitForTimeout(100);
    }
    assert(stored === AR + ' شكرا', 'edited: ' + stored);
    await s.go('#/templates', '#tpl-table');
    await page.click(`#tpl-table .tpl-archive[data-id="${id}"]`);
    await page.waitForFunction(() => !document.querySelector('#tpl-table .tpl-archive'));
    assert((await s.api('GET', '/templates/' + id)).body.archived === true, 'archived');
    await page.check('#tpl-show-archived');
    await page.waitForSelector(`#tpl-table .tpl-restore[data-id="${id}"]`);
    await s.shot('archived-ar');
    await page.click(`#tpl-table .tpl-restore[data-id="${id}"]`);
    await page.waitForSelector(`#tpl-table .tpl-archive[data-id="${id}"]`);
    assert(sql(s.db, "SELECT group_concat(action) FROM audit_log WHERE object_type='template'")
      === 'template.create,template.update,template.archive,template.update', 'audited');
  });

  await s.test('a broadcast starts from the template (Arabic, then French)', async () => {
    await s.go('#/templates', '#tpl-table');
    await page.click(`#tpl-table .tpl-use[data-id="${id}"]`);
    await page.waitForFunction(() => document.querySelector('#text-fr') && document.querySelector('#text-fr').value.length > 0);
    assert(await page.inputValue('#bc-template') === String(id), 'picker set');
    assert(await page.inputValue('#text-fr') === FR, 'French text filled');
    assert(await page.inputValue('#text-ar') === AR + ' شكرا', 'Arabic text filled');
    await page.waitForSelector('#bc-preview .bc-lang[data-language="fr"] .ph-value[data-placeholder="name"]');
    await s.shot('composer-ar');
    await s.lang('fr');
    await s.go('#/broadcasts', '#bc-template');
    await page.selectOption('#bc-template', String(id));
    await page.waitForFunction(() => document.querySelector('#text-fr').value.length > 0);
    await page.waitForSelector('#bc-preview .bc-lang[data-language="fr"] .ph-value[data-placeholder="name"]');
    assert(/le nom le plus long/.test(await page.textContent('#bc-preview')), 'the composer says which value');
    await s.shot('composer-fr');
  });

  await s.test('a viewer reads the templates and cannot change them', async () => {
    await s.signOut();
    await s.signInHome(VIEWER);
    await s.go('#/templates', '#tpl-table');
    assert(await page.locator('#tpl-editor').count() === 0, 'no editor');
    assert(await page.locator('.tpl-archive').count() === 0, 'no archive button');
    assert(await page.locator('.tpl-use').count() === 1, 'can start from it');
    assert((await s.api('POST', '/templates', { name: 'x', texts: { ar: 'x' } })).status === 403, 'API refuses');
  });
});
