// staff.test.mjs -- staff accounts in the console (issue 16, "missing" 2) in
// Debian's headless Chromium, in French and in Arabic: an admin creates an
// account and reads its temporary password once; its holder must choose a
// password before anything else; roles change, accounts are disabled,
// enabled and given a new temporary password; the last admin cannot be
// demoted; viewers and staff cannot reach the page (403).
// Screenshots go to $E2E_OUT as staff-*.png.
// Usage: node staff.test.mjs [path/to/taawund]

import { assert, run } from './harness.mjs';

const ADMIN = { name: 'amina', password: 'oujda-berkane-2026', role: 'admin' };
const KARIM = { name: 'karim', password: 'nador-driouch-2026', role: 'staff' };
const OMAR = { name: 'omar', password: 'jerada-figuig-2026', role: 'viewer' };
const TEMPORARY = /^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/;

await run('staff', [ADMIN, KARIM, OMAR], async (s) => {
  const { page } = s;
  const row = (name) => page.locator('#staff-table tbody tr[data-id]').filter({ has: page.locator('td:first-child', { hasText: new RegExp('^' + name + '\\b') }) });
  const toasts = () => page.evaluate(() => Array.from(document.querySelectorAll('.toast')).map((x) => x.textContent).join(' | '));
  let temp = null;
  const salma = { name: 'salma', password: 'mon mot de passe à moi' };

  await s.test('an admin creates an account and reads its temporary password once (French)', async () => {
    await s.signInHome(ADMIN);
    await page.click('#nav-staff');
    await page.waitForSelector('#staff-table');
    assert(await page.locator('#staff-table tbody tr[data-id]').count() === 3, 'three accounts');
    await page.fill('#staff-name', 'salma');
    await page.selectOption('#staff-role', 'staff');
    await page.click('#staff-create');
    await page.waitForSelector('#staff-temp-password');
    temp = await page.textContent('#staff-temp-password');
    assert(TEMPORARY.test(temp), 'temporary password: ' + temp);
    const u = (await s.api('GET', '/staff')).body.items.find((x) => x.name === 'salma');
    assert(u.password_temporary && u.role === 'staff', 'stored: ' + JSON.stringify(u));
    // The expiry is the daemon's programme-time string.
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(u.password_temporary_until_local);
    assert((await page.textContent('#staff-temporary')).includes(`${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}`), 'expiry at programme time');
    assert(/provisoire/.test(await row('salma').textContent()), 'listed as temporary');
    await s.shot('created-fr');
    await page.click('#staff-temp-done');
    assert(await page.locator('#staff-temp-password').count() === 0, 'shown once');
    await s.go('#/staff', '#staff-table');
    assert(!(await page.textContent('main')).includes(temp), 'not shown again');
  });

  await s.test('the new account must choose its password before anything else', async () => {
    await s.signOut();
    await s.signIn({ name: 'salma', password: temp });
    await page.waitForSelector('#pw-forced');
    await s.shot('choose-password-fr');
    await s.go('#/members', '#pw-forced');
    assert(await page.locator('#members-list').count() === 0, 'members reachable before the change');
    const r = await s.api('GET', '/members');
    assert(r.status === 403 && r.body.error.code === 'password_change_required', 'API: ' + JSON.stringify(r));
    await page.fill('#pw-current', temp);
    await page.fill('#pw-new', salma.password);
    await page.fill('#pw-again', 'something else entirely');
    await page.click('#pw-save');
    await page.waitForFunction(() => /diffèrent/.test(document.querySelector('#pw-message').textContent));
    await page.fill('#pw-current', temp);
    await page.fill('#pw-new', salma.password);
    await page.fill('#pw-again', salma.password);
    await page.click('#pw-save');
    await page.waitForSelector('#members-total');
    assert((await s.api('GET', '/members')).status === 200, 'API after the change');
    await s.signOut();
    await s.signIn({ name: 'salma', password: temp });
    await page.waitForFunction(() => /incorrect/.test(document.querySelector('#login-message').textContent));
    await s.signInHome(salma);
    await s.signOut();
  });

  await s.test('role, disable, enable and reset; the last admin stays (French)', async () => {
    await s.signInHome(ADMIN);
    await s.go('#/staff', '#staff-table');
    await row('karim').locator('select.staff-role-select').selectOption('viewer');
    await row('karim').locator('.staff-role-save').click();
    await page.waitForFunction(() => /lecture seule/.test(document.querySelector('#staff-table').textContent));
    await row('karim').locator('.staff-disable').click();
    await page.waitForFunction(() => /désactivé/.test(document.querySelector('#staff-table').textContent));
    const k = (await s.api('GET', '/staff')).body.items.find((x) => x.name === 'karim');
    assert(k.role === 'viewer' && k.disabled, 'karim: ' + JSON.stringify(k));
    // The last admin: refused, and said so.
    await row('amina').locator('select.staff-role-select').selectOption('staff');
    await row('amina').locator('.staff-role-save').click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.toast')).some((x) => /dernier administrateur/.test(x.textContent)));
    assert((await s.api('GET', '/staff')).body.items.find((x) => x.name === 'amina').role === 'admin', 'still admin');
    await s.shot('accounts-fr');
    await row('amina').locator('.staff-disable').click();
    await page.waitForFunction(() => (Array.from(document.querySelectorAll('.toast')).filter((x) => /dernier administrateur/.test(x.textContent)).length) >= 1);
    assert(!(await s.api('GET', '/staff')).body.items.find((x) => x.name === 'amina').disabled, 'still active: ' + await toasts());
    // Disabled karim cannot sign in, and is told why.
    await s.signOut();
    await s.signIn(KARIM);
    await page.waitForFunction(() => /désactivé/.test(document.querySelector('#login-message').textContent));
    await s.shot('disabled-login-fr');
    await s.signInHome(ADMIN);
    await s.go('#/staff', '#staff-table');
    await row('karim').locator('.staff-enable').click();
    await page.waitForFunction(() => !/désactivé/.test(document.querySelector('#staff-table').textContent));
    await row('karim').locator('.staff-reset').click();
    await page.waitForSelector('#staff-temp-password');
    assert(TEMPORARY.test(await page.textContent('#staff-temp-password')), 'a new temporary password');
    const audit = (await s.api('GET', '/audit?object_type=staff_user&limit=50')).body.items.map((a) => a.action);
    for (const a of ['staff_user.create', 'staff_user.role', 'staff_user.disable', 'staff_user.enable', 'staff_user.password_reset', 'staff_user.password_change'])
      assert(audit.includes(a), 'audited: ' + a + ' in ' + audit.join(','));
  });

  await s.test('the accounts page and the password form in Arabic', async () => {
    await s.go('#/staff', '#staff-table');
    await s.lang('ar');
    await page.waitForSelector('#staff-table');
    assert((await page.textContent('#nav-staff')) === 'حسابات الموظفين', 'nav in Arabic');
    assert(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction) === 'rtl', 'rtl');
    await page.fill('#staff-name', 'nadia');
    await page.selectOption('#staff-role', 'viewer');
    await page.click('#staff-create');
    await page.waitForSelector('#staff-temp-password');
    const nadia = { name: 'nadia', password: await page.textContent('#staff-temp-password') };
    await s.shot('created-ar');
    await s.signOut();
    await s.signIn(nadia);
    await page.waitForSelector('#pw-forced');
    assert(/اختر كلمة المرور/.test(await page.textContent('#pw-forced')), 'form in Arabic');
    await s.shot('choose-password-ar');
    await page.fill('#pw-current', nadia.password);
    await page.fill('#pw-new', 'كلمة سر طويلة بما يكفي');
    await page.fill('#pw-again', 'كلمة سر طويلة بما يكفي');
    await page.click('#pw-save');
    await page.waitForSelector('#members-total');
    await s.lang('fr');
  });

  await s.test('viewers and staff cannot reach the accounts (403)', async () => {
    for (const who of [OMAR, salma]) {
      await s.signOut();
      await s.signInHome(who);
      assert(await page.locator('#nav-staff').count() === 0, 'no nav entry for ' + who.name);
      await s.go('#/staff', 'main p.error');
      assert(await page.locator('#staff-table, #staff-form').count() === 0, 'page shown to ' + who.name);
      for (const [m, p, b] of [['GET', '/staff', null], ['POST', '/staff', { name: 'eve', role: 'admin' }], ['PATCH', '/staff/1', { role: 'viewer' }], ['POST', '/staff/1/password', null]]) {
        const r = await s.api(m, p, b);
        assert(r.status === 403, `${who.name} ${m} ${p}: ${r.status}`);
      }
    }
    await s.shot('not-allowed');
  });
});
