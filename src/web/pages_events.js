/* pages_events.js -- the console's event page: details and edit (the form
 * is eventForm in app.js), the bookings with check-in on the day (who came:
 * a count staff report to the funder; walk-ins by member number or phone),
 * the attendee list as CSV, and "message the attendees" (the broadcast
 * page with the event as its audience). Loaded after lib.js, app.js and
 * pages_programme.js; the route is added to ROUTES (lib.js). Times are the
 * daemon's *_local strings, shown as they come (fmtDate). */
'use strict';

function checkinBox(e, r, onChange) {
  const box = h('input', { type: 'checkbox', class: 'checkin', 'data-member': r.member_id, checked: !!r.checked_in_at, 'aria-label': t('checkin_of', { name: r.name || memberNo(r.member_id) }) });
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      await api('POST', `/events/${e.id}/attendance`, { member_id: r.member_id, present: box.checked });
      onChange();
    } catch (err) { box.checked = !box.checked; toast(errorText(err), true); }
    box.disabled = false;
  });
  return box;
}

function walkIn(e, onChange) {
  const who = h('input', { id: 'walkin-member', size: 16, dir: 'ltr', placeholder: 'TA-000012 / 06…' });
  const msg = h('span', { class: 'error', id: 'walkin-error' });
  return h('form', { class: 'inline', id: 'walkin', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      await api('POST', `/events/${e.id}/attendance`, { member: who.value.trim(), present: true });
      who.value = '';
      onChange();
    } catch (err) { msg.textContent = errorText(err); }
  } }, field(t('checkin_walk_in'), who), h('button', { type: 'submit', id: 'walkin-add' }, t('checkin_add')), msg);
}

async function pageEventDetail(main, id) {
  const e = await api('GET', '/events/' + encodeURIComponent(id));
  const reload = () => route();
  main.appendChild(back('#/events', t('nav_events')));
  main.appendChild(h('h1', {}, title(e), ' ', badge('event', e.status)));
  main.appendChild(h('p', {}, fmtDate(e.starts_at_local), ' · ', e.place || '', ' · ', label('province', e.province)));
  const list = e.rsvp_list || [];
  main.appendChild(h('p', { id: 'event-figures' }, t('event_figures', { rsvps: e.rsvps, capacity: e.capacity ?? '∞', attended: e.attended ?? 0 })));
  const links = h('p', { class: 'row' },
    exportLinks(`/events/${e.id}/attendees.csv`, `attendees-${e.code}`, 'attendees', t('attendees_csv'), t('attendees_xlsx')));
  if (can('staff') && e.status === 'scheduled' && list.length)
    links.appendChild(h('a', { href: `#/broadcasts/attendees?event=${e.id}`, id: 'message-attendees' }, t('message_attendees')));
  main.appendChild(links);
  if (can('staff') && e.status === 'scheduled') {
    main.appendChild(h('div', { class: 'card' }, h('h2', {}, t('edit')), eventForm(e, reload),
      h('button', { class: 'danger', id: 'event-cancel', onclick: async () => {
        if (!window.confirm(t('cancel_event_confirm', { n: list.length || e.rsvps || 0 }))) return;
        try { const r = await api('POST', `/events/${e.id}/cancel`); toast(t('event_cancelled', { n: r.notices_queued ?? 0 })); reload(); } catch (err) { toast(errorText(err), true); }
      } }, t('cancel_event'))));
  }
  // The daemon says whether check-in is open (its clock, its rule).
  const open = can('staff') && e.checkin_open;
  main.appendChild(h('h2', {}, t('rsvps')));
  if (open) main.appendChild(walkIn(e, reload));
  main.appendChild(table([t('checked_in'), t('name'), t('phone'), t('language'), t('booked_at'), t('reminded_at')],
    list.map((r) => ({ id: r.member_id, cells: [
      open ? checkinBox(e, r, reload) : (r.checked_in_at ? '✓ ' + fmtDate(r.checked_in_at_local) : '—'),
      h('a', { href: '#/members/' + r.member_id }, r.name || memberNo(r.member_id)), phoneText(r.phone), r.language,
      fmtDate(r.created_at_local), fmtDate(r.reminded_at_local)] })), 'rsvp-table'));
}

ROUTES['events/'] = (main, parts) => pageEventDetail(main, parts[1]);
