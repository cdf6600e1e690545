"""The console's phone simulator sends SMS keywords too (issue 16, missing 11).

POST /simulator/sms {phone, text} handles one SMS from a test number through
the sandbox channel exactly as a provider's webhook would (the SMS command
router, stored, the reply recorded as sent), audits it under the staff
member's name, and answers the reply the phone would get. A real member's
number is refused before anything is stored."""
import json

from conftest import assert_json_error, query
from test_admin_api import Api, make_token

REAL = "+212600000001"  # a demo member
TEST_PHONE = "+447700900077"  # core/test_number.h: the reserved test range


def audit(d):
    return query(d, "SELECT * FROM audit_log WHERE action='simulator.sms' ORDER BY id")


def messages_of(d, phone):
    return query(d, "SELECT * FROM messages WHERE phone=? ORDER BY id", (phone,))


def sms(api, phone, text):
    return api.post("/simulator/sms", {"phone": phone, "text": text})


def test_simulator_sms_answers_keywords_in_the_members_language(daemons):
    conf = daemons.config({"programme.send_window": ""})
    d = daemons.start(config=conf)
    st = Api(d, make_token(conf, "staff-sms", "staff"))

    r = sms(st, "+44 7700 900077", "AIDE")
    assert r.status == 200, r
    fr = r.json()
    assert fr["channel"] and fr["reply"], fr
    assert "STOP" in fr["reply"], fr  # the French help names the keywords

    r = sms(st, TEST_PHONE, "مساعدة")
    assert r.status == 200, r
    ar = r.json()["reply"]
    assert any("\u0600" <= c <= "\u06ff" for c in ar), ar  # answered in Arabic

    # Stored as a provider's SMS would be: the inbound rows and the replies.
    rows = messages_of(d, TEST_PHONE)
    assert [m["direction"] for m in rows].count("in") == 2, rows
    assert {m["body"] for m in rows if m["direction"] == "out"} >= {fr["reply"], ar}, rows
    # One audit row per SMS, under the staff token's name.
    a = audit(d)
    assert [(x["who"], x["object_id"]) for x in a] == [("staff-sms", TEST_PHONE)] * 2, a
    assert json.loads(a[1]["summary"])["text"] == "مساعدة"


def test_simulator_sms_stop_opts_the_test_number_out(daemons):
    conf = daemons.config({"programme.send_window": ""})
    d = daemons.start(config=conf)
    st = Api(d, make_token(conf, "staff-stop", "staff"))
    r = sms(st, TEST_PHONE, "STOP")
    assert r.status == 200 and r.json()["reply"], r
    # Not a member: the number goes on the suppression list.
    assert query(d, "SELECT * FROM sms_suppressions WHERE phone=?", (TEST_PHONE,)), \
        query(d, "SELECT * FROM sms_suppressions")


def test_simulator_sms_refuses_a_real_member_and_bad_bodies(daemons):
    conf = daemons.config()
    d = daemons.start(config=conf)
    st = Api(d, make_token(conf, "staff-bad", "staff"))
    viewer = Api(d, make_token(conf, "viewer-bad", "viewer"))
    before = len(query(d, "SELECT id FROM messages"))

    r = sms(st, REAL, "STOP")
    assert_json_error(r, 400)
    assert r.json()["error"]["code"] == "not_a_test_number", r
    assert_json_error(sms(st, "12", "AIDE"), 422)
    assert_json_error(st.post("/simulator/sms", {"phone": TEST_PHONE}), 400)
    assert_json_error(st.post("/simulator/sms", {"phone": TEST_PHONE, "text": 5}), 400)
    assert_json_error(st.post("/simulator/sms", {"phone": TEST_PHONE, "text": "A",
                                                  "extra": 1}), 400)
    assert_json_error(sms(st, TEST_PHONE, "x" * 5000), 422)
    assert_json_error(sms(viewer, TEST_PHONE, "AIDE"), 403)
    assert len(query(d, "SELECT id FROM messages")) == before
    assert not audit(d)
