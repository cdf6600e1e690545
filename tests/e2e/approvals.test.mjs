// approvals.test.mjs -- broadcast approvals and the monthly budget in the
// console (issue 16, "missing" 9) in Debian's headless Chromium, in French
// and in Arabic: a send over the threshold waits (the toast and the list say
// why), its author sees no Approve button and the API refuses them, a second
// staff member approves (the messages are written) or rejects with a reason
// (a draft again, the reason shown); a send past the channel's budget is
// refused with the figures, and the month's spending is shown per channel.
// Config: approval over 1 recipient, 0.50 MAD a segment, a 3.00 MAD budget.
// Screenshots go to $E2E_OUT as approvals-*.png.
// Usage: node approvals.test.mjs [path/to/taawund]

import { assert, run, sql } from './harness.mjs';

const AMINA = { name: 'amina', password: 'oujda-berkane-2026', role: 'staff' };
const KARIM = { name: 'karim', password: 'nador-driouch-2026', role: 'staff' };
const OMAR = { name: 'omar', password: 'jerada-figuig-2026', role: 'viewer' };

await run('approvals', [AMINA, KARIM, OMAR], async (s) => {
  const { page } = s;
  const row = (id) => `#bc-table tr[data-id="${id}"]`;
  const waitToast = (re) => page.waitForFunction((src) => Array.from(document.querySelectorAll('.toast'))
    .some((x) => new RegExp(src).test(x.textContent)), re.source);
  const messages = (id) => Number(sql(s.db, `SELECT count(*) FROM messages WHERE broadcast_id = ${Number(id)}`));
  let first = null, second = null;

  await s.test('a send over the threshold waits and says why; its author cannot approve (French)', async () => {
    await s.signInHome(AMINA);
    await s.go('#/broadcasts', '#text-ar');
    await page.fill('#text-ar', 'تعاون: سوق الأحد');
    await page.fill('#text-fr', 'Taawun : marché dimanche');
    await page.selectOption('#aud-provinces', ['oujda-angad']);
    await page.waitForFunction(() => document.querySelector('#bc-recipients') && document.querySelector('#bc-recipients').textContent === '2');
    await page.click('#bc-send');
    await waitToast(/Pas encore envoyée.*2 destinataires, au-delà du seuil de 1/);
    const list = (await s.api('GET', '/broadcasts?status=awaiting_approval')).body.items;
    assert(list.length === 1, 'one awaiting: ' + JSON.stringify(list));
    first = list[0].id;
    await page.waitForSelector(`${row(first)} .approval-wait`);
    const text = await page.textContent(row(first));
    assert(/en attente d'approbation/.test(text) && /seuil de 1/.test(text), 'row: ' + text);
    assert(await page.locator(`${row(first)} .bc-approve`).count() === 0, 'no Approve for its author');
    const r = await s.api('POST', `/broadcasts/${first}/approve`);
    assert(r.status === 403 && r.body.error.code === 'own_broadcast', 'API: ' + JSON.stringify(r));
    assert(messages(first) === 0, 'nothing written');
    // A second one, sent through the API, to be rejected.
    const b = await s.api('POST', '/broadcasts', { name: 'foire', texts: { ar: 'تعاون: معرض', fr: 'Taawun : foire' }, audience: { provinces: ['berkane', 'driouch'] } });
    second = b.body.id;
    assert((await s.api('POST', `/broadcasts/${second}/send`)).status === 202, 'second waits');
    await s.go('#/broadcasts', `${row(second)} .approval-wait`);
    await s.shot('awaiting-fr');
    await s.signOut();
  });

  await s.test('a viewer sees why but has no buttons', async () => {
    await s.signInHome(OMAR);
    await s.go('#/broadcasts', `${row(first)} .approval-note`);
    assert(await page.locator('.bc-approve, .bc-reject').count() === 0, 'no buttons for a viewer');
    assert((await s.api('POST', `/broadcasts/${first}/approve`)).status === 403, 'viewer refused');
    await s.signOut();
  });

  await s.test('a second staff member approves: the messages are written (Arabic)', async () => {
    await s.signInHome(KARIM);
    await s.lang('ar');
    await s.go('#/broadcasts', `${row(first)} .bc-approve`);
    assert(/بانتظار الموافقة/.test(await page.textContent(row(first))), 'Arabic status');
    assert(!(await page.isVisible(`${row(first)} .bc-reject-reason`)), 'the reason is asked only after Reject');
    await s.shot('approve-ar');
    s.dialogs.length = 0;
    await page.click(`${row(first)} .bc-approve`);
    await waitToast(/تمت الموافقة/);
    assert(s.dialogs.length === 1 && /2 مستلم، 1/.test(s.dialogs[0].message), 'what is approved: ' + JSON.stringify(s.dialogs));
    await page.waitForFunction((sel) => document.querySelector(sel) && !document.querySelector(sel + ' .bc-approve'), row(first));
    assert(messages(first) === 2, 'two messages written');
    const b = (await s.api('GET', `/broadcasts/${first}`)).body;
    assert(b.approval.approved_by === 'karim' && ['started', 'finished'].includes(b.status), JSON.stringify(b.approval));
    // Spent (what the sandbox took) and pending (not yet taken): 1 in all.
    await page.waitForFunction(() => { const x = document.querySelector('#bc-budgets .budget[data-channel="sandbox"]'); return x && Number(x.dataset.spent) + Number(x.dataset.pending) === 1; });
    assert(/1 .*من 3/.test(await page.textContent('#bc-budgets')), 'budget in Arabic: ' + await page.textContent('#bc-budgets'));
    await s.shot('approved-ar');
  });

  await s.test('a second staff member rejects with a reason: a draft again (French)', async () => {
    await s.lang('fr');
    await s.go('#/broadcasts', `${row(second)} .bc-reject`);
    await page.click(`${row(second)} .bc-reject`);
    await page.fill(`${row(second)} .bc-reject-reason`, 'Texte à revoir');
    await s.shot('reject-fr');
    await page.click(`${row(second)} .bc-reject-confirm`);
    await waitToast(/Refusée : elle redevient un brouillon/);
    await page.waitForFunction((sel) => /Refusée par karim : Texte à revoir/.test((document.querySelector(sel) || {}).textContent || ''), row(second));
    assert(/brouillon/.test(await page.textContent(row(second))), 'draft again');
    assert(messages(second) === 0, 'nothing written');
    await s.shot('rejected-fr');
  });

  await s.test('a send past the monthly budget is refused with the figures (Arabic, French)', async () => {
    for (const [lang, re] of [['ar', /مرفوض: الميزانية الشهرية للقناة sandbox/], ['fr', /budget mensuel du canal sandbox est de 3.*cet envoi ajouterait 2,5/]]) {
      await s.lang(lang);
      await s.go('#/broadcasts', '#text-ar');
      await page.fill('#text-ar', 'تعاون: للجميع');
      await page.fill('#text-fr', 'Taawun : à tous');
      await page.waitForFunction(() => document.querySelector('#bc-recipients') && document.querySelector('#bc-recipients').textContent === '5');
      await page.click('#bc-send');
      await waitToast(re);
      await s.shot('budget-' + lang);
    }
    const refused = JSON.parse(sql(s.db, "SELECT json_group_array(refusal) FROM broadcasts WHERE refusal IS NOT NULL"));
    const used = (r) => r.spent_mad + r.pending_mad;
    assert(refused.length === 2 && used(JSON.parse(refused[0])) === 1, 'refusals: ' + JSON.stringify(refused));
    assert(Number(sql(s.db, "SELECT count(*) FROM messages WHERE direction = 'out'")) === 2, 'only the approved two written');
  });
}, {
  channel: 'price_per_segment_mad = 0.5; monthly_budget_mad = 3.0;',
  config: 'broadcasts: { approval_recipients = 1; };',
});
