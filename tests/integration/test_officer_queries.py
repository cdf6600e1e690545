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
