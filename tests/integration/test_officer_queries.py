"""test_officer_queries.py -- what a programme officer types into the admin
API's query strings (issue 16, "wrong today" 11 and 12): a parameter the
route does not know, a value outside its list (`?status=bogus`,
`age_band=51+` with its `+` read as a space) or a parameter given twice is
answered 400 naming it, on every list route, never ignored; staff search
finds names however they are typed (`HÉLÈNE`, `helene` for Hélène, `فاطمه`
for فاطمة): the one folding of core/fold, through a stored folded column.
Standard library only (plus pytest)."""

import json
import urllib.parse

import pytest

from conftest import add_member, assert_json_error, new_phone, query
from test_admin_api import Api, env, make_token  # noqa: F401

# Every list route, with one of the parameters it does know.
LIST_ROUTES = ["/members?name=a", "/grants?programme=x", "/events?kind=workshop",
               "/ideas?member_id=1", "/messages?direction=in", "/broadcasts?status=draft",
               "/audit?who=x", "/cooperatives?q=x", "/tokens", "/channels", "/stats",
               "/dashboard", "/programme"]


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_an_unknown_query_parameter_is_refused(env, route):
    _, api = env
    admin = api["admin"]
    assert admin.get(route).status == 200, route
    sep = "&" if "?" in route else "?"
    err = assert_json_error(admin.get(route + sep + "colour=blue"), 400)
    assert err["code"] == "unknown_parameter" and err["field"] == "colour", err
    assert "colour" in err["message"], err


def test_the_refusal_names_what_the_route_knows(env):
    _, api = env
    err = assert_json_error(api["viewer"].get("/events?stauts=scheduled"), 400)
    assert err["field"] == "stauts"
    for known in ("status", "kind", "province", "from", "to", "limit", "offset"):
        assert known in err["message"], err["message"]


def test_a_parameter_given_twice_is_refused(env):
    _, api = env
    err = assert_json_error(api["viewer"].get("/grants?status=approved&status=rejected"), 400)
    assert err["code"] == "invalid_parameter" and err["field"] == "status", err


@pytest.mark.parametrize("route,field", [
    ("/grants?status=bogus", "status"), ("/events?status=bogus", "status"),
    ("/events?kind=bogus", "kind"), ("/ideas?status=bogus", "status"),
    ("/messages?status=bogus", "status"), ("/broadcasts?status=bogus", "status"),
    ("/members?gender=x", "gender"), ("/members?topic=bogus", "topic"),
    ("/members?age_band=51+", "age_band"), ("/members?age_band=bogus", "age_band"),
    ("/members?province=nowhere", "province"), ("/members?sector=mining", "sector"),
    ("/events?province=nowhere", "province"), ("/ideas?sector=mining", "sector"),
    ("/cooperatives?province=nowhere", "province"),
    ("/messages?direction=sideways", "direction"),
])
def test_a_value_outside_its_list_is_refused(env, route, field):
    _, api = env
    err = assert_json_error(api["viewer"].get(route), 400)
    assert err["code"] == "invalid_parameter" and err["field"] == field, (route, err)


def test_the_values_in_their_lists_are_taken(env):
    _, api = env
    v = api["viewer"]
    plus = urllib.parse.quote("51+")
    for route in ("/grants?status=approved", "/events?status=scheduled", "/ideas?status=submitted",
                  "/messages?status=delivered&channel=sandbox", "/broadcasts?status=started",
                  f"/members?age_band={plus}&province=berkane&sector=textile&gender=f",
                  "/members?topic=events", "/events?kind=workshop&province=nador"):
        r = v.get(route)
        assert r.status == 200, (route, r)


def names_found(api, typed):
    r = api.get("/members?" + urllib.parse.urlencode({"name": typed}))
    assert r.status == 200, (typed, r)
    return sorted(m["name"] for m in r.json()["items"])


def test_staff_search_finds_names_however_they_are_typed(env):
    d, api = env
    st, v = api["staff"], api["viewer"]
    helene, fatima = add_member(d, new_phone()), add_member(d, new_phone())
    # Written through the API (PATCH) and through a CSV import.
    assert st.patch(f"/members/{helene}", {"name": "Hélène Benali"}).status == 200
    csv = "name,phone,province,sector,gender,birth_year,language\n" \
          "فاطمة السوسي,0612399001,berkane,textile,f,1990,ar\n"
    r = st.call("POST", "/import/members", raw=csv.encode(), headers={"Content-Type": "text/csv"})
    assert r.status == 200, r
    assert st.patch(f"/members/{fatima}", {"name": "Œuvre Ærin"}).status == 200
    for typed in ("Hélène", "HÉLÈNE", "helene", "hel", "benali hélène", "BENALI"):
        assert names_found(v, typed) == ["Hélène Benali"], typed
    demo = "فاطمة الزهراء بنعلي"  # contrib/demo/demo.sql, loaded without the folded column
    for typed in ("فاطمة", "فاطمه", "فا"):
        assert names_found(v, typed) == sorted([demo, "فاطمة السوسي"]), typed
    for typed in ("السوسي", "فاطمه السوسي", "فاطمة السوسى"):
        assert names_found(v, typed) == ["فاطمة السوسي"], typed
    assert names_found(v, "الزهراء") == [demo]
    assert names_found(v, "oeuvre aerin") == ["Œuvre Ærin"]
    assert names_found(v, "lène") == []  # words are found by their beginning
    assert names_found(v, "helene fatima") == []  # every word typed must match
    # Quotes and FTS5 syntax typed are only text.
    for typed in ('"hel', 'hel*', 'NEAR(helene)', "helene OR x", "a:b"):
        assert v.get("/members?" + urllib.parse.urlencode({"name": typed})).status == 200, typed
    err = assert_json_error(v.get("/members?name=%2A%2A"), 400)
    assert err["field"] == "name"
    # A renamed member is found by the new name only; an erased one not at all.
    assert st.patch(f"/members/{helene}", {"name": "Hind Alaoui"}).status == 200
    assert names_found(v, "helene") == [] and names_found(v, "hind") == ["Hind Alaoui"]
    assert st.delete(f"/members/{helene}").status == 200
    assert names_found(v, "hind") == []
    stored = query(d, "SELECT name_folded FROM members WHERE phone='+212612399001'")
    assert stored == [{"name_folded": "فاطمه السوسي"}], stored


def test_names_written_behind_the_daemon_are_folded_at_start(daemons):
    conf = daemons.config()
    token = make_token(conf, "viewer", "viewer")
    d = daemons.start(config=conf)
    add_member(d, new_phone(), name="Zoé Ouali")  # sqlite3, not the daemon
    d.stop()
    d = daemons.start(config=conf)
    assert names_found(Api(d, token), "zoe") == ["Zoé Ouali"]
