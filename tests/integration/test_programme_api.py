"""test_programme_api.py -- GET /api/v1/programme serves the programme's
facts as the config declares them (time zone, languages, provinces,
sectors) and the age bands of core/age_band, so the console holds none of
its own: a province changed in the config, at start or by a reload, is what
the API answers. Standard library only (plus pytest)."""

import signal

from conftest import PROVINCES, SECTORS, assert_json_error, http_request
from test_admin_api import started

AGE_BANDS = [{"name": "under-18", "min_age": 0, "max_age": 17},
             {"name": "18-25", "min_age": 18, "max_age": 25},
             {"name": "26-35", "min_age": 26, "max_age": 35},
             {"name": "36-50", "min_age": 36, "max_age": 50},
             {"name": "51+", "min_age": 51, "max_age": None}]


def test_programme_facts_come_from_the_config(daemons):
    d, api = started(daemons, "viewer")
    r = api.get("/programme")
    assert r.status == 200, r
    p = r.json()
    assert p["timezone"] == "Africa/Casablanca"
    assert p["languages"] == ["ar", "fr", "en"]
    assert p["provinces"] == PROVINCES
    assert p["sectors"] == SECTORS
    assert p["age_bands"] == AGE_BANDS
    # Without a token: 401, like every other resource of the API.
    assert_json_error(http_request(d.admin_port, "GET", "/api/v1/programme"), 401)


def test_a_changed_province_reaches_the_answer(daemons):
    changed = ["nador", "figuig", "berkane"]
    d, api = started(daemons, "viewer", {"programme.provinces": changed,
                                 "programme.timezone": "Africa/Cairo",
                                 "programme.languages": ["fr", "ar"],
                                 "programme.default_language": "fr"})
    p = api.get("/programme").json()
    assert p["provinces"] == changed
    assert p["timezone"] == "Africa/Cairo"
    assert p["languages"] == ["fr", "ar"] and p["default_language"] == "fr"
    assert p["sectors"] == SECTORS

    # A reload with another list is served at once.
    daemons.config({"programme.provinces": ["jerada"]})
    mark = len(d.lines)
    d.signal(signal.SIGHUP)
    d.wait_log(r"event=reload\b.*\bstatus=ok\b", start=mark)
    p = api.get("/programme").json()
    assert p["provinces"] == ["jerada"]
    assert p["timezone"] == "Africa/Casablanca"
