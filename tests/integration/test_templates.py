"""test_templates.py -- message templates through the admin API (issue 16,
missing 5): saved with texts per language and a unique name, placeholders
checked on save (an unknown {foo} refused naming it, in templates and
broadcasts alike), listed by name, edited and archived with audit rows
saying what changed, roles as for broadcasts (viewer reads, staff writes).
Standard library only (plus pytest)."""

import json

import pytest

from test_admin_api import Api, audit_rows, make_token

FR = "Bonjour {name}, votre numero {member_no}: rendez-vous a {event} le {date}."
AR = "مرحبا {name}، رقم عضويتك {member_no}: موعدنا في {event} يوم {date}."


@pytest.fixture
def apis(daemons):
    conf = daemons.config()
    staff = make_token(conf, "staff-t", "staff")
    viewer = make_token(conf, "viewer-t", "viewer")
    d = daemons.start(config=conf)
    return d, Api(d, staff), Api(d, viewer)


def test_create_list_edit_archive_with_audit(apis):
    d, st, viewer = apis
    r = st.post("/templates", {"name": "Invitation", "texts": {"ar": AR, "fr": FR}})
    assert r.status == 201, r
    t = r.json()
    assert t["name"] == "Invitation" and t["texts"] == {"ar": AR, "fr": FR}
    assert t["placeholders"] == ["name", "member_no", "event", "date"]
    assert t["archived"] is False and t["archived_at"] is None
    assert t["created_by"] == "staff-t" and "created_at_local" in t
    st.post("/templates", {"name": "Rappel", "texts": {"ar": "تذكير {event}"}})
    # Listed by name; readable by a viewer.
    names = [x["name"] for x in viewer.get("/templates").json()["items"]]
    assert names == ["Invitation", "Rappel"]
    assert viewer.get(f"/templates/{t['id']}").json()["texts"]["fr"] == FR
    # Edit: the fields given replace the stored ones; typography made GSM-7.
    r = st.patch(f"/templates/{t['id']}", {"texts": {"ar": AR, "fr": "Bonjour {name}\u2019s"}})
    assert r.status == 200, r
    assert r.json()["texts"]["fr"] == "Bonjour {name}'s" and r.json()["name"] == "Invitation"
    assert r.json()["normalised"]["texts.fr"]
    assert r.json()["placeholders"] == ["name", "member_no", "event", "date"]  # ar still has all
    # A name already used: 409 naming the field.
    r = st.patch(f"/templates/{t['id']}", {"name": "Rappel"})
    assert r.status == 409 and r.json()["error"]["field"] == "name", r
    assert st.post("/templates", {"name": "Rappel", "texts": {"ar": "x"}}).status == 409
    # Archive (DELETE): out of the list, still readable, back with PATCH.
    r = st.delete(f"/templates/{t['id']}")
    assert r.status == 200 and r.json() == {"id": t["id"], "archived": True}, r
    assert [x["name"] for x in st.get("/templates").json()["items"]] == ["Rappel"]
    all_ = st.get("/templates?archived=1").json()
    assert all_["total"] == 2 and [x["archived"] for x in all_["items"]] == [True, False]
    assert st.get(f"/templates/{t['id']}").json()["archived_at"] is not None
    r = st.patch(f"/templates/{t['id']}", {"archived": False})
    assert r.status == 200 and r.json()["archived"] is False, r
    # Every change audited, the edit with what changed.
    rows = [r for r in audit_rows(d) if r["object_type"] == "template"]
    assert [r["action"] for r in rows] == ["template.create", "template.create",
                                           "template.update", "template.archive",
                                           "template.update"]
    assert all(r["who"] == "staff-t" for r in rows)
    edit = json.loads(rows[2]["summary"])["changes"]
    assert set(edit) == {"texts"}
    assert edit["texts"]["to"]["fr"] == "Bonjour {name}'s"
    assert json.loads(rows[3]["summary"])["changes"] == {"archived": {"from": False, "to": True}}
    assert json.loads(rows[4]["summary"])["changes"] == {"archived": {"from": True, "to": False}}


def test_unknown_placeholder_refused_naming_it(apis):
    d, st, _ = apis
    r = st.post("/templates", {"name": "x", "texts": {"ar": AR, "fr": "Bonjour {nom}, {name}"}})
    assert r.status == 400, r
    e = r.json()["error"]
    assert e["code"] == "unknown_placeholder" and e["field"] == "texts.fr"
    assert "{nom}" in e["message"]
    # Braces that name no word are text; case matters.
    assert st.post("/templates", {"name": "ok", "texts": {"ar": "مرحبا {name} :-} { }"}}).status == 201
    r = st.post("/templates", {"name": "y", "texts": {"ar": "{Name}"}})
    assert r.status == 400 and "{Name}" in r.json()["error"]["message"]
    # Broadcasts' texts get the same check.
    r = st.post("/broadcasts", {"name": "b", "texts": {"ar": "{prenom} مرحبا"}})
    assert r.status == 400 and r.json()["error"]["field"] == "texts.ar", r
    assert "{prenom}" in r.json()["error"]["message"]
    # A placeholder written in Arabic, with spaces or left open would reach
    # members as written: each is refused, naming what was typed.
    for typed in ("{الاسم}", "{ name }", "{name"):
        r = st.post("/templates", {"name": "w", "texts": {"ar": f"مرحبا {typed} اليوم"}})
        assert r.status == 400 and r.json()["error"]["code"] == "unknown_placeholder", r
        assert typed in r.json()["error"]["message"], r.json()
    # The other rules of texts hold as for broadcasts.
    r = st.post("/templates", {"name": "z", "texts": {"fr": "Bonjour"}})
    assert r.status == 422 and r.json()["error"]["field"] == "texts.ar", r
    r = st.post("/templates", {"name": "z", "texts": {"ar": "x", "de": "y"}})
    assert r.status == 422 and r.json()["error"]["field"] == "texts.de", r
    assert st.post("/templates", {"name": "z"}).status == 400
    assert st.post("/templates", {"name": "z", "texts": {"ar": "x"}, "x": 1}).status == 400
    # A stored template keeps its texts when an edit is refused.
    t = st.post("/templates", {"name": "keep", "texts": {"ar": AR}}).json()
    assert st.patch(f"/templates/{t['id']}", {"texts": {"ar": "{foo}"}}).status == 400
    assert st.get(f"/templates/{t['id']}").json()["texts"] == {"ar": AR}
    assert not [r for r in audit_rows(d) if r["action"] == "template.update"]


def test_roles_and_missing(apis):
    _, st, viewer = apis
    t = st.post("/templates", {"name": "x", "texts": {"ar": AR}}).json()
    assert viewer.post("/templates", {"name": "v", "texts": {"ar": AR}}).status == 403
    assert viewer.patch(f"/templates/{t['id']}", {"name": "v"}).status == 403
    assert viewer.delete(f"/templates/{t['id']}").status == 403
    assert viewer.get("/templates").status == 200
    assert st.get("/templates/999").status == 404
    assert st.patch("/templates/999", {"name": "q"}).status == 404
    assert st.delete("/templates/999").status == 404
    assert st.get("/templates?archived=2").status == 400
