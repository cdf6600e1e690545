"""test_officer_changes.py -- what a programme officer changes through the
admin API (issue 16, "wrong today" 12): an idea's new status tells its
author by SMS in their language (catalog text, measured with the longest
title and status), once: the same status twice sends one SMS; a broadcast
draft can be edited and deleted (never one that went or is scheduled to
go); failed sign-ins are audited without the password or the token.
Standard library only (plus pytest)."""

import json
import time

import pytest

from conftest import add_member, assert_json_error, catalog, http_request, msg, new_phone, query
from fakes import segments_of
from outbox_helpers import write_db
from test_admin_api import Api, audit_rows, env, local, make_token  # noqa: F401

IDEA_TITLE_MAX = 60  # USSD_IDEA_TITLE_CHARS_MAX (core/ussd_state.h)


def new_idea(d, member, title, reference):
    write_db(d, "INSERT INTO ideas (reference, member_id, sector, title, description, status,"
                " created_at, updated_at) VALUES (?, ?, 'textile', ?, 'x', 'submitted', 0, 0)",
             (reference, member, title))
    return query(d, "SELECT id FROM ideas WHERE reference=?", (reference,))[0]["id"]


def notifications(d, phone):
    return query(d, "SELECT body FROM messages WHERE phone=? AND kind='notification'"
                    " ORDER BY id", (phone,))


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_an_idea_status_tells_its_author_once(env, lang):
    d, api = env
    st = api["staff"]
    phone = new_phone()
    mid = add_member(d, phone, name="Amal", language=lang)
    iid = new_idea(d, mid, "Séchoir solaire", f"ID-2026-9{['ar', 'fr', 'en'].index(lang)}001")
    r = st.post(f"/ideas/{iid}/status", {"status": "shortlisted"})
    assert r.status == 200 and r.json()["status"] == "shortlisted", r
    assert r.json()["notification_message_id"], r.json()
    status_text = catalog(lang)["sms_idea_status_word"]["shortlisted"]
    want = msg(lang, "sms_idea_status", reference=r.json()["reference"], title="Séchoir solaire",
               status=status_text)
    assert [m["body"] for m in notifications(d, phone)] == [want]
    # The same status again: nothing more.
    again = st.post(f"/ideas/{iid}/status", {"status": "shortlisted"})
    assert again.status == 200 and again.json()["notification_message_id"] is None, again
    assert len(notifications(d, phone)) == 1
    rows = [a for a in audit_rows(d) if a["action"] == "idea.status"]
    assert len(rows) == 1 and json.loads(rows[0]["summary"])["status"] == {
        "from": "submitted", "to": "shortlisted"}, rows
    # Another status: one more SMS.
    assert st.post(f"/ideas/{iid}/status", {"status": "selected"}).status == 200
    assert len(notifications(d, phone)) == 2
    assert_json_error(st.post("/ideas/999999/status", {"status": "selected"}), 404)
    assert_json_error(st.post(f"/ideas/{iid}/status", {"status": "won"}), 422)


@pytest.mark.parametrize("lang,budget", [("ar", 2), ("fr", 1), ("en", 1)])
def test_the_idea_status_sms_is_measured_with_the_longest_values(lang, budget):
    statuses = catalog(lang)["sms_idea_status_word"]
    assert set(statuses) == {"submitted", "shortlisted", "selected", "declined"}
    longest = max(statuses.values(), key=len)
    title = ("ص" if lang == "ar" else "e") * IDEA_TITLE_MAX
    body = msg(lang, "sms_idea_status", reference="ID-2026-00001", title=title, status=longest)
    assert segments_of(body) <= budget, (lang, segments_of(body), body)


def test_a_draft_is_edited_and_deleted_never_once_it_goes(env):
    d, api = env
    st = api["staff"]
    r = st.post("/broadcasts", {"name": "foire", "texts": {"ar": "سوق", "fr": "Foire"},
                                "audience": {"provinces": ["berkane"]}})
    assert r.status == 201, r
    bid = r.json()["id"]
    # Only the texts change: the rest stays as stored.
    p = st.patch(f"/broadcasts/{bid}", {"texts": {"ar": "سوق التعاونيات", "fr": "Foire des coops"}})
    assert p.status == 200, p
    got = st.get(f"/broadcasts/{bid}").json()
    assert got["name"] == "foire" and got["status"] == "draft", got
    assert got["texts"] == {"ar": "سوق التعاونيات", "fr": "Foire des coops"}, got
    assert got["audience"]["provinces"] == ["berkane"], got
    # Checked as a new draft is.
    assert assert_json_error(st.patch(f"/broadcasts/{bid}", {"audience": {"provinces": ["x"]}}),
                             422)["field"].startswith("audience")
    assert assert_json_error(st.patch(f"/broadcasts/{bid}", {"colour": "red"}), 400)
    assert_json_error(api["viewer"].patch(f"/broadcasts/{bid}", {"name": "x"}), 403)
    upd = [a for a in audit_rows(d) if a["action"] == "broadcast.update"]
    assert len(upd) == 1 and json.loads(upd[0]["summary"])["to"]["texts"]["fr"] == "Foire des coops"
    # Deleted: gone, audited with what it held.
    assert st.delete(f"/broadcasts/{bid}").json() == {"id": bid, "deleted": True}
    assert_json_error(st.get(f"/broadcasts/{bid}"), 404)
    assert_json_error(st.delete(f"/broadcasts/{bid}"), 404)
    dele = [a for a in audit_rows(d) if a["action"] == "broadcast.delete"]
    assert json.loads(dele[0]["summary"])["deleted"]["name"] == "foire"
    listed = api["admin"].get("/audit?action=broadcast.delete").json()["items"][0]
    assert listed["at_local"] == local(listed["at"], "%Y-%m-%dT%H:%M"), listed  # shown as a date
    # A scheduled broadcast is not deleted (cancel it); an edit takes it back
    # to draft (nothing goes in a form nobody scheduled; app/approval). A
    # sent one is neither edited nor deleted.
    sch = st.post("/broadcasts", {"name": "plus tard", "texts": {"ar": "غدا"}}).json()["id"]
    at = time.strftime("%Y-%m-%dT10:00", time.localtime(time.time() + 5 * 86400))
    assert st.post(f"/broadcasts/{sch}/schedule", {"at": at}).status == 200
    assert_json_error(st.delete(f"/broadcasts/{sch}"), 409)
    p = st.patch(f"/broadcasts/{sch}", {"name": "autre"})
    assert p.status == 200 and p.json()["status"] == "draft" and p.json()["scheduled_at"] is None
    assert st.post(f"/broadcasts/{sch}/send").status == 200
    assert_json_error(st.patch(f"/broadcasts/{sch}", {"name": "encore"}), 409)
    assert_json_error(st.delete(f"/broadcasts/{sch}"), 409)
    assert st.get(f"/broadcasts/{sch}").json()["name"] == "autre"


def test_failed_sign_ins_are_audited_without_the_secret(daemons):
    conf = daemons.config()
    d = daemons.start(config=conf)
    token = "ab" * 32
    body = json.dumps({"name": "nobody", "password": "s3cret-typed-here"}).encode()
    r = http_request(d.admin_port, "POST", "/console/login", body=body,
                     headers={"Content-Type": "application/json"})
    assert r.status == 401, r
    assert http_request(d.admin_port, "GET", "/api/v1/stats",
                        headers={"Authorization": f"Bearer {token}"}).status == 401
    rows = query(d, "SELECT * FROM audit_log WHERE action IN"
                    " ('session.login_failed', 'token.auth_failed') ORDER BY id")
    assert [x["action"] for x in rows] == ["session.login_failed", "token.auth_failed"], rows
    text = json.dumps(rows)
    assert "s3cret-typed-here" not in text and token not in text and "nobody" not in text
    assert all(x["client"] == "127.0.0.0/24" for x in rows), rows
