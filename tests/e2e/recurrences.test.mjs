// recurrences.test.mjs -- recurring broadcasts in the console (issue 16,
// missing 6), in Debian's headless Chromium, in French then Arabic: a
// draft repeated monthly on the 31st shows its next sends before saving,
// the shorter months' last day said; weekly sends keep their time (the
// browser runs in another zone than the programme); the day before an
// event; the list with its next sends, pause, resume and delete.
// Screenshots go to $E2E_OUT as recurrences-*.png.
// Usage: node recurrences.test.mjs [path/to/taawund]

import { assert, run } from './harness.mjs';

const STAFF = { name: 'amina', password: 'berkane-nador-2026', role: 'staff' };

await run('recurrences', [STAFF], async (s) => {
  const { page } = s;
  let draft = null;

  const previewTexts = () => page.$$eval('#recur-preview-list li.occurrence', (els) => els.map((e) => e.textContent));
  const previewAt = () => page.$$eval('#recur-preview-list li.occurrence', (els) => els.map((e) => e.getAttribute('data-at')));

  await s.test('monthly on the 31st: the next sends before saving (French)', async () => {
    await s.signInHome(STAFF);
    const r = await s.api('POST', '/broadcasts', { name: 'Permanence mensuelle', audience: { provinces: ['berkane'] },
      texts: { ar: 'تعاون: مداومة التعاونية غدا.', fr: 'Taawun: permanence de la coopérative demain.' } });
    assert(r.status === 201, 'draft: ' + JSON.stringify(r));
    draft = r.body;
    // From the composer: "Repeat…" saves the draft and opens the rule's form.
    await s.go('#/broadcasts', '#bc-repeat');
    await page.fill('#text-ar', 'تعاون: مداومة التعاونية غدا.');
    await page.fill('#text-fr', 'Taawun: permanence de la coopérative demain.');
    await page.click('#bc-repeat');
    await page.waitForSelector('#recur-form');
    const made = Number(/broadcast=(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
    assert(await page.inputValue('#recur-draft') === String(made), 'the composer\'s draft is chosen');
    await s.go('#/recurrences/new?broadcast=' + draft.id, '#recur-form');
    assert(await page.inputValue('#recur-draft') === String(draft.id), 'the draft is chosen');
    assert(await page.locator('#nav-recurrences').count() === 1, 'in the menu');
    await page.selectOption('#recur-repeat', 'monthly');
    await page.fill('#recur-day', '31');
    await page.fill('#recur-time', '09:00');
    await page.waitForFunction(() => document.querySelectorAll('#recur-preview-list li.occurrence').length === 6 &&
      [...document.querySelectorAll('#recur-preview-list li')].every((li) => /T09:00$/.test(li.getAttribute('data-at'))));
    const at = await previewAt();
    const days = at.map((a) => Number(a.slice(8, 10)));
    assert(days.some((d) => d === 31) && days.some((d) => d === 30 || d === 28 || d === 29), 'the 31st and a shorter month: ' + at);
    const texts = await previewTexts();
    assert(texts.every((x) => / 09:00/.test(x)), 'shown at 09:00 programme time: ' + texts);
    assert(texts.some((x) => x.includes('dernier jour du mois')), 'the shorter month said: ' + texts);
    assert(/le 31 devient le dernier jour du mois/.test(await page.textContent('#recur-clamped-note')), 'the note');
    await s.shot('monthly-preview-fr');
    await page.click('#recur-save');
    await page.waitForSelector('#recur-table tbody tr[data-id]');
    const row = await page.textContent('#recur-table tbody tr[data-id]');
    assert(row.includes('Le 31 de chaque mois à 09:00') && row.includes('Permanence mensuelle'), 'listed: ' + row);
    const got = (await s.api('GET', '/recurrences')).body;
    assert(got.total === 1 && got.items[0].day === 31 && got.items[0].time === '09:00', 'stored: ' + JSON.stringify(got.items[0]));
  });

  await s.test('weekly keeps its time; pause and resume', async () => {
    await s.go('#/recurrences', '#recur-form');
    await page.selectOption('#recur-repeat', 'weekly');
    await page.selectOption('#recur-weekday', '1');
    await page.fill('#recur-time', '10:30');
    await page.fill('#recur-count', '4');
    await page.waitForFunction(() => {
      const li = [...document.querySelectorAll('#recur-preview-list li.occurrence')];
      return li.length === 4 && li.every((x) => /T10:30$/.test(x.getAttribute('data-at')));
    });
    const texts = await previewTexts();
    assert(texts.every((x) => x.startsWith('lundi ') && x.includes(' 10:30')), 'Mondays at 10:30: ' + texts);
    await page.click('#recur-save');
    await page.waitForFunction(() => document.querySelectorAll('#recur-table tbody tr[data-id]').length === 2);
    const first = page.locator('#recur-table tbody tr[data-id]').first();
    assert((await first.textContent()).includes('Chaque lundi à 10:30'), 'the weekly rule');
    await first.locator('button.recur-pause').click();
    await page.waitForFunction(() => document.querySelector('#recur-table tbody tr[data-id] .recur-status')?.textContent === 'en pause');
    await page.locator('#recur-table tbody tr[data-id]').first().locator('button.recur-resume').click();
    await page.waitForFunction(() => document.querySelector('#recur-table tbody tr[data-id] .recur-status')?.textContent === 'active');
    await s.shot('list-fr');
  });

  await s.test('the day before an event, in Arabic', async () => {
    const starts = Math.floor(Date.now() / 86400000) * 86400 + 5 * 86400 + 9 * 3600; // in five days, 09:00 UTC
    const ev = await s.api('POST', '/events', { code: '8701', kind: 'training', title_fr: 'Formation compost', title_ar: 'تكوين السماد',
      starts_at: starts, place: 'Berkane', province: 'berkane', capacity: 30 });
    assert(ev.status === 201, 'event: ' + JSON.stringify(ev));
    await s.go('#/recurrences', '#recur-form');
    await s.lang('ar');
    await page.waitForSelector('#recur-form');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction) === 'rtl', 'right to left');
    await page.selectOption('#recur-repeat', 'event_eve');
    await page.selectOption('#recur-provinces', ['berkane']);
    await page.fill('#recur-time', '18:00');
    await page.waitForFunction(() => [...document.querySelectorAll('#recur-preview-list li.occurrence')]
      .some((li) => (li.textContent || '').includes('تكوين السماد') && /T18:00$/.test(li.getAttribute('data-at'))));
    const texts = await previewTexts();
    const eve = texts.find((x) => x.includes('تكوين السماد'));
    assert(/ 18:00/.test(eve), 'the eve at 18:00: ' + eve);
    await s.shot('event-eve-ar');
    const rows = await page.textContent('#recur-table');
    assert(rows.includes('يوم 31 من كل شهر على الساعة 09:00') && rows.includes('كل الاثنين على الساعة 10:30'), 'rules in Arabic: ' + rows);
    await s.shot('list-ar');
  });

  await s.test('delete stops a rule (Arabic, then French)', async () => {
    await page.locator('#recur-table tbody tr[data-id]').first().locator('button.recur-delete').click();
    await page.waitForFunction(() => document.querySelectorAll('#recur-table tbody tr[data-id]').length === 1);
    assert(s.dialogs.some((d) => d.type === 'confirm'), 'asked first');
    const got = (await s.api('GET', '/recurrences')).body;
    assert(got.total === 1 && got.items[0].repeat === 'monthly', 'the monthly one is left');
    await s.lang('fr');
    await page.waitForSelector('#recur-table');
  });
});
