"""test_admin_api.py -- the staff admin API on the admin listener: bearer
tokens made with `taawund token` (shown once, stored as SHA-256 only), roles
(viewer < staff < admin, 403 where it must), 401 and 429 after repeated
failures, precise errors naming the field, an audit row for every change in
the change's own transaction (a failed change leaves none), grant status
changes queueing exactly one SMS in the recipient's language, event
cancellation notices, reminders driven by the injectable clock
(TAAWUN_TEST_NOW_FILE, no sleeping) and pagination.
Standard library only (plus pytest); the daemon runs from conftest."""

import hashlib
import json
import re
import time

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import (PgDatabase, add_member, assert_json_error, catalog, http_request, msg,
                      new_phone, query, run_taawund, wait_until)
from outbox_helpers import write_db
from test_ussd_services import screen_when  # the catalog's event_when, as SMS write it

API = "/api/v1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
ZONE = ZoneInfo("Africa/Casablanca")  # the test config's programme.timezone


def local(ts, fmt="%d/%m %H:%M"):
    """ts in the programme's local time, as the daemon writes it."""
    return datetime.fromtimestamp(ts, ZONE).strftime(fmt)


# --------------------------------------------------------------------------
# Helpers.

def stored_bytes(d):
    """Everything d's database holds, as bytes: its SQLite files (the WAL too),
    or on PostgreSQL every row of every table as text."""
    if not isinstance(d.db_path, PgDatabase):
        return b"".join(p.read_bytes() for p in d.db_path.parent.glob("taawun.db*"))
    tables = [r["tablename"] for r in
              query(d, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert "staff_tokens" in tables
    return "".join(str(r["t"]) for t in tables
                   for r in query(d, f'SELECT t::text AS t FROM "{t}" t')).encode()


def make_token(config, name, role):
    r = run_taawund("token", "create", name, "--role", role, "-c", config)
    assert r.returncode == 0, r
    token = r.stdout.strip()
    assert HEX64.match(token), r.stdout
    return token


class Api:
    def __init__(self, daemon, token):
        self.d, self.token = daemon, token

    def call(self, method, path, body=None, token=None, headers=None, raw=None):
        h = {}
        tok = self.token if token is None else token
        if tok:
            h["Authorization"] = f"Bearer {tok}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return http_request(self.d.admin_port, method, API + path, body=data, headers=h)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def env(daemons):
    """A daemon with one token per role: (daemon, {role: Api})."""
    conf = daemons.config()
    tokens = {role: make_token(conf, f"test-{role}", role) for role in ("admin", "staff", "viewer")}
    d = daemons.start(config=conf)
    return d, {role: Api(d, t) for role, t in tokens.items()}


def started(daemons, role, overrides=None):
    """A daemon on daemons.config(overrides) and an Api with a token of
    role (named "test-<role>")."""
    conf = daemons.config(overrides)
    token = make_token(conf, f"test-{role}", role)
    d = daemons.start(config=conf)
    return d, Api(d, token)


def audit_rows(d, tokens=False):
    """Audit rows, without those of the tokens the fixtures made unless asked."""
    rows = query(d, "SELECT * FROM audit_log ORDER BY id")
    return rows if tokens else [r for r in rows if r["object_type"] != "token"]


def out_messages(d, phone):
    return query(d, "SELECT * FROM messages WHERE direction='out' AND phone=? ORDER BY id", (phone,))


def member_id(d, phone):
    return query(d, "SELECT id FROM members WHERE phone=?", (phone,))[0]["id"]


def grant_id(d, ref):
    return query(d, "SELECT id FROM grants WHERE reference=?", (ref,))[0]["id"]


# --------------------------------------------------------------------------
# Listeners, authentication, tokens.

def test_public_listener_never_serves_api(env):
    d, api = env
    r = http_request(d.public_port, "GET", API + "/members",
                     headers={"Authorization": f"Bearer {api['admin'].token}"})
    assert_json_error(r, 404)
    r = api["admin"].get("/members")
    assert r.status == 200, r
    assert r.headers.get("cache-control") == "no-store"
    assert r.headers["content-type"].startswith("application/json")


def test_missing_and_invalid_tokens_are_401(env):
    d, api = env
    assert_json_error(api["admin"].get("/members", token=""), 401)
    assert_json_error(api["admin"].get("/members", token="0" * 64), 401)
    assert_json_error(api["admin"].get("/members", token="not-a-token"), 401)
    r = http_request(d.admin_port, "GET", API + "/members",
                     headers={"Authorization": "Basic " + api["admin"].token})
    assert_json_error(r, 401)


def test_repeated_failures_from_one_address_get_429(env):
    d, api = env
    for _ in range(10):
        assert_json_error(api["viewer"].get("/members", token="f" * 64), 401)
    r = api["viewer"].get("/members", token="f" * 64)
    assert_json_error(r, 429)
    assert int(r.headers["retry-after"]) > 0
    # Only failures are refused: a valid token still passes (issue 11).
    assert api["admin"].get("/members").status == 200
    d.assert_alive()


def test_roles(env):
    d, api = env
    coop = {"code": "9101", "name": "Cooperative Test Roles", "province": "berkane"}
    for role in ("viewer", "staff", "admin"):
        assert api[role].get("/members").status == 200
        assert api[role].get("/cooperatives").status == 200
        assert api[role].get("/grants").status == 200
        assert api[role].get("/events").status == 200
        assert api[role].get("/ideas").status == 200
        assert api[role].get("/messages").status == 200
        assert api[role].get("/stats").status == 200
    # Writes: staff and admin; viewer 403 and nothing written.
    before = len(audit_rows(d))
    assert_json_error(api["viewer"].post("/cooperatives", coop), 403)
    gid = grant_id(d, "GR-2026-00043")
    assert_json_error(api["viewer"].post(f"/grants/{gid}/status", {"status": "approved"}), 403)
    assert_json_error(api["viewer"].delete(f"/members/{member_id(d, '+212600000001')}"), 403)
    assert len(audit_rows(d)) == before
    assert query(d, "SELECT count(*) AS n FROM cooperatives WHERE code='9101'")[0]["n"] == 0
    assert api["staff"].post("/cooperatives", coop).status == 201
    coop2 = dict(coop, code="9102")
    assert api["admin"].post("/cooperatives", coop2).status == 201
    # Tokens and the audit log: admin only.
    for role in ("viewer", "staff"):
        assert_json_error(api[role].get("/tokens"), 403)
        assert_json_error(api[role].post("/tokens", {"name": "x", "role": "viewer"}), 403)
        assert_json_error(api[role].get("/audit"), 403)
    assert api["admin"].get("/tokens").status == 200
    assert api["admin"].get("/audit").status == 200


def test_tokens_shown_once_stored_as_hashes_and_revocable(daemons):
    conf = daemons.config()
    admin = make_token(conf, "alice", "admin")
    # A second live token with the same name is refused.
    r = run_taawund("token", "create", "alice", "--role", "staff", "-c", conf)
    assert r.returncode == 1 and not r.stdout.strip(), r
    r = run_taawund("token", "create", "bob", "--role", "boss", "-c", conf)
    assert r.returncode == 2, r
    d = daemons.start(config=conf)
    api = Api(d, admin)

    r = api.post("/tokens", {"name": "carol", "role": "viewer"})
    assert r.status == 201, r
    body = r.json()
    carol = body["token"]
    assert HEX64.match(carol) and body["role"] == "viewer" and body["name"] == "carol"
    # Only hashes are stored, and the token is never shown again.
    rows = query(d, "SELECT * FROM staff_tokens ORDER BY id")
    assert [r_["name"] for r_ in rows] == ["alice", "carol"]
    assert rows[1]["token_hash"] == hashlib.sha256(carol.encode()).hexdigest()
    assert rows[0]["token_hash"] == hashlib.sha256(admin.encode()).hexdigest()
    listing = api.get("/tokens").json()["items"]
    assert all("token" not in t and "token_hash" not in t for t in listing)
    dbbytes = stored_bytes(d)
    assert carol.encode() not in dbbytes and admin.encode() not in dbbytes

    viewer = Api(d, carol)
    assert viewer.get("/members").status == 200
    assert query(d, "SELECT last_used_at FROM staff_tokens WHERE name='carol'")[0]["last_used_at"]
    assert_json_error(api.post("/tokens", {"name": "carol", "role": "staff"}), 409)
    err = assert_json_error(api.post("/tokens", {"name": "dave", "role": "root"}), 422)
    assert err["field"] == "role"
    # Revoke through the API: 401 from then on.
    r = api.delete(f"/tokens/{body['id']}")
    assert r.status == 200 and r.json()["revoked_at"], r
    assert_json_error(viewer.get("/members"), 401)
    assert_json_error(api.delete(f"/tokens/{body['id']}"), 404)
    # Revoke through the command line (daemon running): 401 too.
    staff = make_token(conf, "erin", "staff")
    assert Api(d, staff).get("/members").status == 200
    r = run_taawund("token", "revoke", "erin", "-c", conf)
    assert r.returncode == 0, r
    assert_json_error(Api(d, staff).get("/members"), 401)
    r = run_taawund("token", "list", "-c", conf)
    assert r.returncode == 0 and "alice" in r.stdout and "erin" in r.stdout, r
    # Every token change is audited, by the API's principal or by "cli".
    acts = [(a["who"], a["action"]) for a in audit_rows(d, tokens=True)]
    assert ("cli", "token.create") in acts and ("alice", "token.create") in acts
    assert ("alice", "token.revoke") in acts and ("cli", "token.revoke") in acts
    assert all(carol not in a["summary"] for a in audit_rows(d, tokens=True))


# --------------------------------------------------------------------------
# Errors.

def test_errors_are_precise(env):
    d, api = env
    st = api["staff"]
    err = assert_json_error(st.call("POST", "/cooperatives", raw=b"{\"code\": ",
                                    headers={"Content-Type": "application/json"}), 400)
    assert err["code"] == "invalid_json"
    assert_json_error(st.call("POST", "/cooperatives", raw=b"[1,2]",
                              headers={"Content-Type": "application/json"}), 400)
    err = assert_json_error(st.call("POST", "/cooperatives", raw=b"code=1",
                                    headers={"Content-Type": "text/plain"}), 415)
    good = {"code": "9201", "name": "Coop", "province": "nador"}
    err = assert_json_error(st.post("/cooperatives", dict(good, colour="red")), 400)
    assert err["field"] == "colour"
    err = assert_json_error(st.post("/cooperatives", dict(good, name=12)), 400)
    assert err["field"] == "name"
    err = assert_json_error(st.post("/cooperatives", {"code": "9201", "province": "nador"}), 400)
    assert err["field"] == "name"
    err = assert_json_error(st.post("/cooperatives", dict(good, province="paris")), 422)
    assert err["field"] == "province"
    err = assert_json_error(st.post("/cooperatives", dict(good, contact_phone="12")), 422)
    assert err["field"] == "contact_phone"
    err = assert_json_error(st.post("/cooperatives", dict(good, code="AB")), 422)
    assert err["field"] == "code"
    assert st.post("/cooperatives", good).status == 201
    err = assert_json_error(st.post("/cooperatives", good), 409)
    assert err["field"] == "code"
    assert_json_error(st.get("/nothing-here"), 404)
    assert_json_error(st.get("/cooperatives/999999"), 404)
    assert_json_error(st.get("/cooperatives/abc"), 404)
    r = st.delete("/cooperatives")
    assert_json_error(r, 405)
    assert set(x.strip() for x in r.headers["allow"].split(",")) == {"GET", "POST"}
    err = assert_json_error(st.get("/members?limit=0"), 400)
    assert err["field"] == "limit"
    err = assert_json_error(st.get("/members?age_band=12-14"), 400)
    assert err["field"] == "age_band"
    mid = member_id(d, "+212600000002")
    err = assert_json_error(st.patch(f"/members/{mid}", {"birth_year": 1800}), 422)
    assert err["field"] == "birth_year"
    err = assert_json_error(st.patch(f"/members/{mid}", {"language": "de"}), 422)
    assert err["field"] == "language"
    err = assert_json_error(st.post(f"/grants/{grant_id(d, 'GR-2026-00043')}/status",
                                    {"status": "lost"}), 422)
    assert err["field"] == "status"
    d.assert_alive()


# --------------------------------------------------------------------------
# Audit.

def test_every_change_is_audited_in_its_transaction(env):
    d, api = env
    st = api["staff"]
    r = st.post("/cooperatives", {"code": "9301", "name": "Coop Audit", "province": "jerada",
                                  "sector": "handicraft", "contact_phone": "0612345678"})
    assert r.status == 201, r
    coop = r.json()
    assert coop["contact_phone"] == "+212612345678"
    rows = audit_rows(d)
    assert len(rows) == 1
    a = rows[0]
    assert (a["who"], a["role"], a["action"], a["object_type"], a["object_id"], a["client"]) == \
        ("test-staff", "staff", "cooperative.create", "cooperative", str(coop["id"]), "127.0.0.1")
    assert json.loads(a["summary"])["created"]["name"] == "Coop Audit"
    assert abs(a["at"] - time.time()) < 60
    # Failed changes leave no audit row and change nothing.
    assert_json_error(st.post("/cooperatives", {"code": "9301", "name": "Dup",
                                                "province": "jerada"}), 409)
    assert_json_error(st.patch(f"/cooperatives/{coop['id']}", {"province": "mars"}), 422)
    assert len(audit_rows(d)) == 1
    # An update records what changed, from and to.
    r = st.patch(f"/cooperatives/{coop['id']}", {"name": "Coop Audit 2"})
    assert r.status == 200 and r.json()["name"] == "Coop Audit 2", r
    a = audit_rows(d)[-1]
    assert a["action"] == "cooperative.update"
    assert json.loads(a["summary"])["changes"] == {"name": {"from": "Coop Audit",
                                                            "to": "Coop Audit 2"}}
    mid = member_id(d, "+212600000002")
    r = st.patch(f"/members/{mid}", {"sector": "tourism", "gender": "m"})
    assert r.status == 200 and r.json()["sector"] == "tourism", r
    a = audit_rows(d)[-1]
    assert (a["action"], a["object_id"]) == ("member.update", str(mid))
    assert json.loads(a["summary"])["changes"] == {"sector": {"from": "agrifood",
                                                              "to": "tourism"}}
    # The API lists it (admin), with filters and pagination.
    ad = api["admin"]
    page = ad.get("/audit?limit=2&object_type=cooperative").json()
    assert page["total"] == 2 and len(page["items"]) == 2
    page = ad.get("/audit?limit=2&who=test-staff").json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["action"] == "member.update"
    assert ad.get("/audit?limit=2&offset=2&who=test-staff").json()["items"][0]["action"] == \
        "cooperative.create"
    assert ad.get("/audit?object=member").json()["total"] == 1
    assert ad.get("/audit?who=test-staff").json()["total"] == 3
    assert ad.get("/audit?who=nobody").json()["total"] == 0
    assert ad.get(f"/audit?since={int(time.time()) + 3600}").json()["total"] == 0


def test_member_erase_uses_the_profile_erase(env):
    d, api = env
    phone = new_phone()
    mid = add_member(d, phone, language="fr")
    r = api["staff"].delete(f"/members/{mid}")
    assert r.status == 200, r
    m = r.json()
    assert m["erased_at"] and m["name"] is None and m["phone"] == phone
    assert_json_error(api["staff"].delete(f"/members/{mid}"), 409)
    assert_json_error(api["staff"].patch(f"/members/{mid}", {"name": "X"}), 409)
    acts = [a for a in audit_rows(d) if a["action"] == "member.erase"]
    assert len(acts) == 1 and acts[0]["object_id"] == str(mid)
    ids = [x["id"] for x in api["viewer"].get("/members?limit=500").json()["items"]]
    assert mid not in ids
    assert mid in [x["id"] for x in api["viewer"].get("/members?erased=1&limit=500").json()["items"]]


# --------------------------------------------------------------------------
# Grants.

def test_grant_status_change_queues_one_sms_in_the_members_language(env):
    d, api = env
    phone = "+212600000001"  # demo member, Arabic
    gid = grant_id(d, "GR-2026-00041")
    before = out_messages(d, phone)
    notes = {"note_ar": "تمت الموافقة على ملفك.", "note_fr": "Dossier accepté.",
             "note_en": "Application approved."}
    r = api["staff"].post(f"/grants/{gid}/status", dict(notes, status="approved"))
    assert r.status == 200, r
    g = r.json()
    assert g["status"] == "approved" and g["note_ar"] == notes["note_ar"]
    assert g["history"][-1]["status"] == "approved"
    assert g["history"][-1]["changed_by"] == "test-staff"
    after = out_messages(d, phone)
    new = after[len(before):]
    assert len(new) == 1, new
    sms = new[0]
    assert sms["id"] == g["notification_message_id"]
    expected = msg("ar", "sms_grant_status", reference="GR-2026-00041",
                   status=catalog("ar")["grant_status"]["approved"], note=notes["note_ar"])
    assert sms["body"] == expected
    assert sms["kind"] == "notification" and sms["member_id"] == member_id(d, phone)
    assert sms["encoding"] == "ucs2"
    hist = query(d, "SELECT * FROM grant_history WHERE grant_id=?", (gid,))
    assert len(hist) == 1 and hist[0]["note_fr"] == notes["note_fr"]
    a = [x for x in audit_rows(d) if x["action"] == "grant.status"]
    assert len(a) == 1
    s = json.loads(a[0]["summary"])
    assert s["status"] == {"from": "documents_missing", "to": "approved"}
    assert s["message_id"] == sms["id"]


def test_grant_of_a_cooperative_notifies_its_contact(env):
    d, api = env
    st = api["staff"]
    # Cooperative 1002's contact is the French-speaking demo member.
    coop = st.get("/cooperatives?q=1002").json()["items"][0]
    r = st.patch(f"/cooperatives/{coop['id']}", {"contact_phone": "+212600000002"})
    assert r.status == 200, r
    gid = grant_id(d, "GR-2026-00044")
    before = out_messages(d, "+212600000002")
    r = st.post(f"/grants/{gid}/status", {"status": "documents_missing",
                                          "note": "Envoyez le RIB."})
    assert r.status == 200, r
    new = out_messages(d, "+212600000002")[len(before):]
    assert len(new) == 1
    assert new[0]["body"] == msg("fr", "sms_grant_status", reference="GR-2026-00044",
                                 status=catalog("fr")["grant_status"]["documents_missing"],
                                 note="Envoyez le RIB.")
    # A created grant keeps its reference unique.
    mid = member_id(d, "+212700000003")
    r = st.post("/grants", {"member_id": mid, "programme": "Appui", "amount_mad": 5000,
                            "reference": "GR-2026-09999"})
    assert r.status == 201 and r.json()["status"] == "submitted", r
    err = assert_json_error(st.post("/grants", {"member_id": mid, "programme": "Appui",
                                                "amount_mad": 5000,
                                                "reference": "GR-2026-09999"}), 409)
    assert err["field"] == "reference"
    err = assert_json_error(st.post("/grants", {"programme": "Appui", "amount_mad": 1}), 400)
    assert err["field"] == "member_id"
    err = assert_json_error(st.post("/grants", {"member_id": mid, "programme": "Appui",
                                                "amount_mad": -1}), 422)
    assert err["field"] == "amount_mad"
    lst = api["viewer"].get("/grants?status=submitted").json()
    assert lst["total"] >= 2 and all(x["status"] == "submitted" for x in lst["items"])


# --------------------------------------------------------------------------
# Events: RSVP lists, cancellation notices, reminders.

def rsvp(d, event_id, member):
    write_db(d, "INSERT INTO rsvps (event_id, member_id, created_at) VALUES (?,?,?)",
             (event_id, member, int(time.time())))


def new_event(api, code, starts_at, **extra):
    body = {"code": code, "kind": "workshop", "title_ar": "ورشة التسويق",
            "title_fr": "Atelier marketing", "title_en": "Marketing workshop",
            "starts_at": starts_at, "place": "Oujda", "province": "oujda-angad",
            "capacity": 30}
    body.update(extra)
    r = api.post("/events", body)
    assert r.status == 201, r
    return r.json()


def test_event_cancel_sends_one_notice_per_rsvp(env):
    d, api = env
    st = api["staff"]
    ev = new_event(st, "7701", int(time.time()) + 5 * 86400)
    members = [(add_member(d, new_phone(), language=lang), lang) for lang in ("fr", "ar", "en")]
    for mid, _ in members:
        rsvp(d, ev["id"], mid)
    got = api["viewer"].get(f"/events/{ev['id']}").json()
    assert sorted(x["member_id"] for x in got["rsvp_list"]) == sorted(m for m, _ in members)
    r = st.post(f"/events/{ev['id']}/cancel")
    assert r.status == 200, r
    assert r.json()["status"] == "cancelled" and r.json()["notices_queued"] == 3
    for mid, lang in members:
        rows = query(d, "SELECT * FROM messages WHERE member_id=? AND direction='out'", (mid,))
        assert len(rows) == 1, rows
        title = {"ar": ev["title_ar"], "fr": ev["title_fr"], "en": ev["title_en"]}[lang]
        assert rows[0]["body"] == msg(lang, "sms_event_cancelled", title=title,
                                      when=screen_when(lang, ev["starts_at"]))
        assert rows[0]["kind"] == "notification"
    assert_json_error(st.post(f"/events/{ev['id']}/cancel"), 409)
    assert_json_error(st.patch(f"/events/{ev['id']}", {"place": "Berkane"}), 409)
    assert len([a for a in audit_rows(d) if a["action"] == "event.cancel"]) == 1


def test_event_create_update_and_validation(env):
    d, api = env
    st = api["staff"]
    ev = new_event(st, "7801", "2031-05-04T10:30")
    assert local(ev["starts_at"], "%Y-%m-%d %H:%M") == "2031-05-04 10:30"
    ev2 = new_event(st, "7802", "2031-05-04T10:30Z")
    assert ev2["starts_at"] == int(datetime(2031, 5, 4, 10, 30, tzinfo=ZoneInfo("UTC")).timestamp())
    err = assert_json_error(st.post("/events", {"code": "7803", "kind": "party",
                                                "title_fr": "x", "starts_at": 2000000000,
                                                "place": "x"}), 422)
    assert err["field"] == "kind"
    err = assert_json_error(st.post("/events", {"code": "7803", "kind": "event", "title_fr": "x",
                                                "starts_at": "tomorrow", "place": "x"}), 422)
    assert err["field"] == "starts_at"
    err = assert_json_error(st.post("/events", {"code": "7801", "kind": "event", "title_fr": "x",
                                                "starts_at": 2000000000, "place": "x"}), 409)
    assert err["field"] == "code"
    r = st.patch(f"/events/{ev['id']}", {"place": "Berkane", "capacity": None})
    assert r.status == 200 and r.json()["place"] == "Berkane" and r.json()["capacity"] is None
    a = audit_rows(d)[-1]
    assert a["action"] == "event.update"
    assert set(json.loads(a["summary"])["changes"]) == {"place", "capacity"}


def test_reminders_follow_the_injectable_clock(daemons, test_clock):
    t0 = 2000000000  # the scheduler's "now", far from the real clock
    test_clock.set(t0)
    conf = daemons.config({"programme.reminder_before_s": 3600})
    token = make_token(conf, "staff-1", "staff")
    d = daemons.start(config=conf)
    d.wait_log(r"event=test_clock\b")
    st = Api(d, token)
    soon = new_event(st, "7901", t0 + 1800)          # due at t0
    later = new_event(st, "7902", t0 + 2 * 86400)     # due at t0 + 2 days - 1 h
    last = new_event(st, "7903", t0 + 3 * 86400)      # due at t0 + 3 days - 1 h
    m_soon = add_member(d, new_phone(), language="fr")
    m_later = [add_member(d, new_phone(), language=lang) for lang in ("ar", "en")]
    m_last = add_member(d, new_phone(), language="fr")
    rsvp(d, soon["id"], m_soon)
    for m in m_later:
        rsvp(d, later["id"], m)
    rsvp(d, last["id"], m_last)

    def reminders(mid):
        return query(d, "SELECT * FROM messages WHERE member_id=? AND kind='reminder'", (mid,))

    wait_until(lambda: reminders(m_soon), what="reminder of the event starting soon")
    # The same tick saw the others, not yet due.
    assert not any(reminders(m) for m in m_later + [m_last])
    r = reminders(m_soon)[0]
    assert r["body"] == msg("fr", "sms_event_reminder", title=soon["title_fr"],
                            when=screen_when("fr", soon["starts_at"]), place="Oujda", code="7901")
    # Move the clock: the second event's RSVPs get theirs, once each.
    test_clock.set(later["starts_at"] - 3599)
    wait_until(lambda: all(reminders(m) for m in m_later), what="reminders of the later event")
    assert reminders(m_later[0])[0]["body"] == msg(
        "ar", "sms_event_reminder", title=later["title_ar"],
        when=screen_when("ar", later["starts_at"]), place="Oujda", code="7902")
    assert reminders(m_later[1])[0]["body"] == msg(
        "en", "sms_event_reminder", title=later["title_en"],
        when=screen_when("en", later["starts_at"]), place="Oujda", code="7902")
    test_clock.set(last["starts_at"] - 60)
    wait_until(lambda: reminders(m_last), what="reminder of the last event")
    for m in [m_soon] + m_later + [m_last]:
        assert len(reminders(m)) == 1
    # A cancelled event is never reminded.
    gone = new_event(st, "7904", t0 + 4 * 86400)
    m_gone = add_member(d, new_phone(), language="en")
    rsvp(d, gone["id"], m_gone)
    assert st.post(f"/events/{gone['id']}/cancel").status == 200
    sentinel = new_event(st, "7905", t0 + 4 * 86400 + 10)
    m_sentinel = add_member(d, new_phone(), language="en")
    rsvp(d, sentinel["id"], m_sentinel)
    test_clock.set(t0 + 4 * 86400 - 100)
    wait_until(lambda: reminders(m_sentinel), what="reminder of the sentinel event")
    assert not reminders(m_gone)


# --------------------------------------------------------------------------
# Search, detail, pagination, messages, stats.

def test_member_search_detail_and_pagination(env):
    d, api = env
    v = api["viewer"]
    r = v.get("/members?phone=0600000001").json()
    assert r["total"] == 1 and r["items"][0]["phone"] == "+212600000001"
    assert v.get("/members?province=berkane").json()["total"] == 1
    assert v.get("/members?gender=f").json()["total"] == 2
    year = time.localtime().tm_year
    band = next(b for b, lo, hi in (("18-25", 18, 25), ("26-35", 26, 35), ("36-50", 36, 50),
                                    ("51+", 51, 200)) if lo <= year - 1987 <= hi)
    assert "+212600000001" in [m["phone"] for m in v.get(f"/members?age_band={band}").json()["items"]]
    assert v.get("/members?name=youssef").json()["items"][0]["phone"] == "+212600000002"
    mid = member_id(d, "+212600000002")
    write_db(d, "INSERT INTO member_topics (member_id, topic, enabled, updated_at)"
                " VALUES (?, 'events', 0, 0)", (mid,))
    ev_members = [m["id"] for m in v.get("/members?topic=events").json()["items"]]
    assert mid not in ev_members and member_id(d, "+212600000001") in ev_members
    for _ in range(5):
        add_member(d, new_phone())
    total = v.get("/members").json()["total"]
    assert total == 10  # the demo's 5 and these 5
    seen = []
    for off in range(0, total, 3):
        page = v.get(f"/members?limit=3&offset={off}").json()
        assert page["limit"] == 3 and page["offset"] == off and page["total"] == total
        seen += [m["id"] for m in page["items"]]
    assert len(seen) == total == len(set(seen))
    assert v.get(f"/members?offset={total}").json()["items"] == []
    detail = v.get(f"/members/{member_id(d, '+212600000001')}").json()
    assert detail["topics"]["events"] is True
    assert {g["reference"] for g in detail["grants"]} >= {"GR-2026-00041", "GR-2026-00042"}
    assert detail["member_no"].startswith("TA-")
    assert isinstance(detail["rsvps"], list) and isinstance(detail["messages"], list)


def test_messages_filters_and_stats(env):
    d, api = env
    phone = "+212600000001"
    gid = grant_id(d, "GR-2026-00041")
    assert api["staff"].post(f"/grants/{gid}/status", {"status": "under_review"}).status == 200
    mid = member_id(d, phone)
    # The one SMS of the status change, settled (the sandbox delivers at once).
    wait_until(lambda: [m["status"] for m in out_messages(d, phone)] == ["delivered"],
               what="the status SMS delivered")
    v = api["viewer"]
    r = v.get(f"/messages?member_id={mid}&direction=out").json()
    assert r["total"] == 1 and [m["member_id"] for m in r["items"]] == [mid]
    assert v.get("/messages?phone=0600000001").json()["total"] == r["total"]
    assert assert_json_error(v.get("/messages?status=no-such-status"), 400)["field"] == "status"
    assert v.get("/messages?broadcast_id=424242").json()["total"] == 0
    err = assert_json_error(v.get("/messages?direction=up"), 400)
    assert err["field"] == "direction"
    s = v.get("/stats").json()
    assert s["members"]["by_province"]["berkane"] == 1
    assert s["members"]["by_gender"] == {"f": 2, "m": 3}
    assert sum(s["members"]["by_age_band"].values()) == s["members"]["total"] == 5
    assert s["messages"]["by_status"] == {"delivered": 1}
    assert s["messages"]["delivery_by_channel"] == {
        "sandbox": {"sent": 1, "delivered": 1, "failed": 0, "rate": 1.0}}
