"""test_console_pages_api.py -- the admin API behind the console's pages for
cooperatives, ideas and grants (issue 16, "missing" 1): cooperatives
searched by name or code and filtered by province and sector, a
cooperative's members and grants; ideas listed by status; a grant created
from the console without a reference and corrected with PATCH (programme,
amount, notes per language) -- audited with what changed, never sending an
SMS, its status left to POST .../status; roles as everywhere (viewer 403).
Standard library only (plus pytest)."""

import json
import time

from conftest import assert_json_error, query
from outbox_helpers import write_db
from test_admin_api import audit_rows, env, member_id  # noqa: F401


def sms_count(d):
    return query(d, "SELECT count(*) AS n FROM messages WHERE direction='out'")[0]["n"]


def test_cooperatives_search_filters_members_and_grants(env):
    d, api = env
    st, vw = api["staff"], api["viewer"]
    r = st.post("/cooperatives", {"code": "7701", "name": "Coopérative Tafilalt Argan",
                                  "province": "figuig", "sector": "agrifood"})
    assert r.status == 201, r
    coop = r.json()
    st.post("/cooperatives", {"code": "7702", "name": "Tafilalt Tissage", "province": "figuig",
                              "sector": "textile"})
    names = lambda page: sorted(c["name"] for c in page["items"])  # noqa: E731
    page = vw.get("/cooperatives?q=tafilalt").json()
    assert names(page) == ["Coopérative Tafilalt Argan", "Tafilalt Tissage"], page
    assert names(vw.get("/cooperatives?q=7701").json()) == ["Coopérative Tafilalt Argan"]
    assert names(vw.get("/cooperatives?q=tafilalt&sector=textile").json()) == ["Tafilalt Tissage"]
    assert vw.get("/cooperatives?q=tafilalt&province=nador").json()["total"] == 0
    # Its members (GET /members?cooperative_id=) and its grants (detail).
    mid = member_id(d, "+212600000002")
    assert st.patch(f"/members/{mid}", {"cooperative_id": coop["id"]}).status == 200
    members = vw.get(f"/members?cooperative_id={coop['id']}").json()
    assert [m["id"] for m in members["items"]] == [mid] and members["total"] == 1
    g = st.post("/grants", {"cooperative_id": coop["id"], "programme": "Équipement",
                            "amount_mad": 25000})
    assert g.status == 201, g
    detail = vw.get(f"/cooperatives/{coop['id']}").json()
    assert detail["members"] == 1
    assert [x["reference"] for x in detail["grants"]] == [g.json()["reference"]]
    assert detail["created_at_local"] and detail["grants"][0]["updated_at_local"]
    # Viewers read, never write.
    assert_json_error(vw.post("/cooperatives", {"code": "7703", "name": "x",
                                                "province": "figuig"}), 403)
    assert_json_error(vw.patch(f"/cooperatives/{coop['id']}", {"name": "x"}), 403)


def test_ideas_listed_by_status_and_their_status_changed(env):
    d, api = env
    st, vw = api["staff"], api["viewer"]
    mid = member_id(d, "+212600000002")
    for ref, status in (("ID-7701", "submitted"), ("ID-7702", "shortlisted"),
                        ("ID-7703", "submitted")):
        write_db(d, "INSERT INTO ideas (reference, member_id, sector, title, description, status,"
                    " created_at, updated_at) VALUES (?, ?, 'agrifood', 'Séchoir solaire',"
                    " 'Un séchoir pour les figues', ?, ?, ?)",
                 (ref, mid, status, int(time.time()), int(time.time())))
    page = vw.get("/ideas?status=submitted").json()
    assert sorted(i["reference"] for i in page["items"]) == ["ID-7701", "ID-7703"]
    assert page["items"][0]["member_name"] and page["items"][0]["created_at_local"]
    iid = query(d, "SELECT id FROM ideas WHERE reference='ID-7701'")[0]["id"]
    assert_json_error(vw.post(f"/ideas/{iid}/status", {"status": "selected"}), 403)
    r = st.post(f"/ideas/{iid}/status", {"status": "selected"})
    assert r.status == 200 and r.json()["status"] == "selected", r
    a = audit_rows(d)[-1]
    assert (a["action"], a["object_id"]) == ("idea.status", str(iid))
    assert json.loads(a["summary"])["status"] == {"from": "submitted", "to": "selected"}
    assert vw.get("/ideas?status=selected").json()["total"] == 1


def test_a_grant_created_without_reference_then_corrected(env):
    d, api = env
    st, vw = api["staff"], api["viewer"]
    mid = member_id(d, "+212600000002")
    r = st.post("/grants", {"member_id": mid, "programme": "Appui", "amount_mad": 12000,
                            "note_fr": "Dossier reçu"})
    assert r.status == 201, r
    g = r.json()
    assert g["reference"].startswith("GR-") and g["status"] == "submitted"
    before_sms = sms_count(d)
    # One change of each kind; what changed is audited, from and to.
    r = st.patch(f"/grants/{g['id']}", {"amount_mad": 15000, "programme": "Appui 2026",
                                        "note_ar": "الملف مكتمل", "note_fr": None})
    assert r.status == 200, r
    got = r.json()
    assert (got["amount_mad"], got["programme"], got["note_ar"], got["note_fr"]) == \
        (15000, "Appui 2026", "الملف مكتمل", None)
    assert got["status"] == "submitted" and got["reference"] == g["reference"]
    assert got["history"] is not None and got["updated_at_local"]
    a = audit_rows(d)[-1]
    assert (a["action"], a["object_type"], a["object_id"], a["who"]) == \
        ("grant.update", "grant", str(g["id"]), "test-staff")
    assert json.loads(a["summary"])["changes"] == {
        "amount_mad": {"from": 12000, "to": 15000},
        "programme": {"from": "Appui", "to": "Appui 2026"},
        "note_ar": {"from": None, "to": "الملف مكتمل"},
        "note_fr": {"from": "Dossier reçu", "to": None}}
    # "note" sets every language at once.
    r = st.patch(f"/grants/{g['id']}", {"note": "OK"})
    assert [r.json()[k] for k in ("note_ar", "note_fr", "note_en")] == ["OK", "OK", "OK"]
    # A correction never tells the member; the status is not PATCH's.
    assert sms_count(d) == before_sms
    rows = len(audit_rows(d))
    err = assert_json_error(st.patch(f"/grants/{g['id']}", {"status": "approved"}), 400)
    assert err["field"] == "status"
    assert assert_json_error(st.patch(f"/grants/{g['id']}", {"amount_mad": -1}),
                             422)["field"] == "amount_mad"
    assert assert_json_error(st.patch(f"/grants/{g['id']}", {"programme": ""}),
                             422)["field"] == "programme"
    assert_json_error(st.patch(f"/grants/{g['id']}", None), 400)
    assert_json_error(st.patch("/grants/999999", {"amount_mad": 1}), 404)
    assert_json_error(vw.patch(f"/grants/{g['id']}", {"amount_mad": 1}), 403)
    assert len(audit_rows(d)) == rows
    assert query(d, "SELECT amount_mad FROM grants WHERE id=?", (g["id"],))[0]["amount_mad"] == \
        15000
