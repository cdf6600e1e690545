/* pages_staff.js -- staff accounts in the console (admins): create an
 * account, change its role, disable or enable it, reset its password; and
 * every user's own password change, which a temporary password asks for at
 * once. An admin never types a colleague's password: the daemon draws a
 * temporary one, shown once here to be handed over in person or by phone;
 * it only lets its holder choose their own (POST /console/password).
 * Loaded after lib.js and app.js; routes are added to ROUTES (lib.js). */
'use strict';

/* The form choosing one's own password. forced: after signing in with a
 * temporary password (nothing else is reachable until it is done). */
function passwordForm(forced) {
  const current = h('input', { type: 'password', id: 'pw-current', autocomplete: 'current-password', required: true });
  const fresh = h('input', { type: 'password', id: 'pw-new', autocomplete: 'new-password', required: true, minlength: 10 });
  const again = h('input', { type: 'password', id: 'pw-again', autocomplete: 'new-password', required: true, minlength: 10 });
  const msg = h('p', { class: 'error', role: 'alert', id: 'pw-message' });
  return h('form', { id: 'pw-form', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    if (fresh.value !== again.value) { msg.textContent = t('password_mismatch'); return; }
    if (Array.from(fresh.value).length < 10) { msg.textContent = t('password_short'); return; }
    const r = await fetch('/console/password', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': state.csrf || '' },
      body: JSON.stringify({ current: current.value, new: fresh.value }),
    });
    current.value = fresh.value = again.value = '';
    if (r.ok) {
      state.mustChange = false;
      toast(t('password_changed'));
      if (forced || location.hash === '#/password') location.hash = '#/dashboard';
      route();
    } else if (r.status === 401) {
      state.user = null; renderLogin(t('session_ended'));
    } else {
      const code = ((await r.json().catch(() => ({}))).error || {}).code;
      msg.textContent = code === 'wrong_password' ? t('password_wrong') : code === 'invalid_password' ? t('password_short') : t('error') + ' ' + r.status;
    }
  } }, field(t(forced ? 'password_temporary' : 'password_current'), current), field(t('password_new'), fresh), field(t('password_again'), again),
  h('p', { class: 'muted' }, t('password_rules')), h('button', { type: 'submit', id: 'pw-save' }, t('save')), msg);
}

/* After signing in with a temporary password: this form only. */
function renderPasswordChange() {
  const app = clear(document.getElementById('app'));
  app.appendChild(h('div', { class: 'login card', id: 'pw-forced' }, langSwitch(), h('h1', {}, t('password_choose_title')),
    h('p', {}, t('password_choose_help', { user: state.user })), passwordForm(true),
    h('p', {}, h('button', { class: 'secondary', type: 'button', onclick: signOut }, t('sign_out')))));
}

function pagePassword(main) {
  main.appendChild(h('h1', {}, t('password_change')));
  main.appendChild(h('div', { class: 'card' }, passwordForm(false)));
}

/* ------------------------------------------------------------ accounts */

function accountState(u) {
  if (u.disabled) return h('span', { class: 'badge failed' }, t('account_disabled'));
  if (u.password_temporary) return h('span', { class: 'badge held' }, t('account_temporary', { until: fmtDate(u.password_temporary_until_local) }));
  return h('span', { class: 'badge delivered' }, t('account_active'));
}

/* The temporary password, shown once with what to do with it. */
function temporaryBox(box, u) {
  clear(box).appendChild(h('div', { class: 'card', id: 'staff-temporary' },
    h('h2', {}, t('temporary_for', { name: u.name })),
    h('p', {}, h('code', { id: 'staff-temp-password', class: 'temporary', dir: 'ltr' }, u.temporary_password)),
    h('p', {}, t('temporary_help', { until: fmtDate(u.password_temporary_until_local) })),
    h('button', { type: 'button', class: 'secondary', id: 'staff-temp-done', onclick: () => clear(box) }, t('temporary_noted'))));
}

function accountError(e) {
  if (e instanceof ApiError && e.code === 'last_admin') return t('last_admin');
  if (e instanceof ApiError && e.status === 409) return t('account_exists');
  return errorText(e);
}

async function pageStaff(main) {
  main.appendChild(h('h1', {}, t('nav_staff')));
  if (!can('admin')) { main.appendChild(h('p', { class: 'error' }, t('not_allowed'))); return; }
  const box = h('div', { id: 'staff-result', 'aria-live': 'polite' });
  const list = h('div', { id: 'staff-list' });
  const name = h('input', { name: 'name', id: 'staff-name', autocomplete: 'off', required: true, size: 16 });
  const role = select('role', ['viewer', 'staff', 'admin'], 'role', 'staff');
  role.id = 'staff-role';
  const msg = h('span', { class: 'error', role: 'alert', id: 'staff-message' });
  main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('new_account')), h('p', { class: 'muted' }, t('new_account_help')),
    h('form', { class: 'inline', id: 'staff-form', onsubmit: async (ev) => {
      ev.preventDefault();
      msg.textContent = '';
      try {
        const u = await api('POST', '/staff', { name: name.value.trim(), role: role.value });
        name.value = '';
        temporaryBox(box, u);
        await load();
      } catch (e) { msg.textContent = accountError(e); }
    } }, field(t('user_name'), name), field(t('role'), role), h('button', { type: 'submit', id: 'staff-create' }, t('create')), msg)));
  main.appendChild(box);
  main.appendChild(list);
  async function act(fn, confirmText) {
    if (confirmText && !window.confirm(confirmText)) return;
    try { await fn(); toast(t('saved')); await load(); } catch (e) { toast(accountError(e), true); }
  }
  async function load() {
    const r = await api('GET', '/staff');
    clear(list).appendChild(table([t('user_name'), t('role'), t('account_state'), t('last_login'), t('created_at'), ''],
      r.items.map((u) => {
        const rs = select('role', ['viewer', 'staff', 'admin'], 'role', u.role);
        rs.classList.add('staff-role-select');
        const me = u.name === state.user;
        return { id: u.id, cells: [h('span', {}, u.name, me ? ' ' + t('you') : ''),
          h('span', { class: 'row' }, rs, h('button', { type: 'button', class: 'secondary staff-role-save', onclick: () => act(() => api('PATCH', '/staff/' + u.id, { role: rs.value })) }, t('change_role'))),
          accountState(u), fmtDate(u.last_login_at_local), fmtDate(u.created_at_local),
          h('span', { class: 'row' },
            u.disabled
              ? h('button', { type: 'button', class: 'secondary staff-enable', onclick: () => act(() => api('PATCH', '/staff/' + u.id, { disabled: false })) }, t('enable'))
              : h('button', { type: 'button', class: 'danger staff-disable', onclick: () => act(() => api('PATCH', '/staff/' + u.id, { disabled: true }), t('disable_confirm', { name: u.name })) }, t('disable')),
            h('button', { type: 'button', class: 'secondary staff-reset', onclick: () => act(async () => temporaryBox(box, await api('POST', `/staff/${u.id}/password`)), t('reset_confirm', { name: u.name })) }, t('reset_password')))] };
      }), 'staff-table'));
  }
  await load();
}

Object.assign(ROUTES, { staff: pageStaff, password: pagePassword });
