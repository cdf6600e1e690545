"""test_sms_direction.py -- the right-to-left mark on Arabic SMS (issue 15,
finding 11, which USSD screens already honoured): an Arabic SMS whose first
strong letter is Latin (a member number TA-000001, a reference GR-2026-...,
the programme's name written in Latin letters) travels with U+200F in front,
so that phones taking the direction from the first letter read it right to
left. The mark is one UCS-2 unit, counted in the stored segments and in the
reply budget (sms.max_reply_segments); a French or English text never gets
it, nor does an Arabic one that starts with an Arabic letter.

Replies, notices (a grant's new status) and broadcasts are checked: the
first two with catalogs in which the Arabic texts start with the programme's
Latin name ("Taawun: "), as a programme may write them, broadcasts with a
staff text that starts with a member number.
"""

import re
import shutil
import time

import pytest

from conftest import (DELETE, MESSAGES_DIR, DaemonFactory, add_member, catalog, measure,
                      new_phone, query, sandbox_channel, wait_until)
from fakes import segments_of
from outbox_helpers import write_db
from test_admin_api import Api, make_token
from test_sms_commands import MAX_SEGMENTS, Phone

RLM = "\u200f"


def latin_arabic_catalogs(tmp):
    """conf/messages/ with every Arabic SMS text that starts with the
    programme's Arabic name starting with its Latin one instead."""
    out = tmp / "messages"
    shutil.copytree(MESSAGES_DIR, out)
    ar = out / "ar.conf"
    text = ar.read_text(encoding="utf-8")
    text, n = re.subn(r'= "تعاون: ', '= "Taawun: ', text)
    assert n > 20, n
    ar.write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def latin(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("direction")
    factory = DaemonFactory(tmp)
    messages = latin_arabic_catalogs(tmp)
    conf = factory.config({"programme.messages_dir": str(messages)})
    token = make_token(conf, "staff-dir", "staff")
    d = factory.start(config=conf)
    try:
        yield d, Api(d, token)
    finally:
        factory.finish()


def member(d, lang):
    phone = new_phone()
    mid = add_member(d, phone, language=lang, name="Amina Test", cooperative="2002",
                     province="berkane", sector="textile", gender="f", birth_year=1990)
    return Phone(d, phone=phone), mid


def test_an_arabic_reply_that_starts_latin_gets_the_mark(latin):
    d, _ = latin
    p, _ = member(d, "ar")
    got = p.send("مساعدة")
    assert got.startswith(RLM + "Taawun: "), got
    assert got.count(RLM) == 1
    # Stored as it travels: the mark is one more UCS-2 unit.
    row = p.last_reply
    assert row["encoding"] == "ucs2" and row["segments"] == segments_of(got) <= MAX_SEGMENTS
    for lang, word in (("fr", "AIDE"), ("en", "HELP")):
        q, _ = member(d, lang)
        other = q.send(word)
        assert other.startswith("Taawun: ") and RLM not in other, other


def test_a_list_reply_keeps_the_mark_within_its_budget(latin):
    """Many long Arabic events: the page is filled to the budget with the
    mark counted, never one unit over it."""
    d, _ = latin
    now = int(time.time())
    for i in range(12):
        write_db(d, "INSERT INTO events (code, kind, title_ar, title_fr, title_en, starts_at,"
                    " place, province, capacity, created_at, updated_at) VALUES (?, 'workshop',"
                    " ?, 'Atelier', 'Workshop', ?, 'Berkane', 'berkane', 9, ?, ?)",
                 ("D%d%d" % (i, now % 1000), "ورشة التسويق الرقمي للتعاونيات النسائية %d" % i,
                  now + (3 + i) * 86400, now, now))
    p, _ = member(d, "ar")
    got = p.send("انشطة")
    assert got.startswith(RLM), got
    enc, units = measure(got)
    assert enc == "ucs2" and units > 67, (units, got)  # the budget is used
    assert segments_of(got) == MAX_SEGMENTS == p.last_reply["segments"], got


def test_a_notice_that_starts_latin_gets_the_mark(latin):
    d, api = latin
    p, mid = member(d, "ar")
    now = int(time.time())
    gid = write_db(d, "INSERT INTO grants (reference, member_id, programme, amount_mad, status,"
                      " created_at, updated_at) VALUES ('GR-2026-07001', ?, 'fonds', 1000,"
                      " 'submitted', ?, ?)", (mid, now, now))
    r = api.post(f"/grants/{gid}/status", {"status": "approved"})
    assert r.status == 200, r
    rows = query(d, "SELECT * FROM messages WHERE phone=? AND direction='out'"
                    " AND kind='notification'", (p.phone,))
    assert len(rows) == 1, rows
    body = rows[0]["body"]
    assert body.startswith(RLM + "Taawun: ") and "GR-2026-07001" in body, body
    assert rows[0]["segments"] == segments_of(body)


def hint(lang):
    return catalog(lang)["messages"]["broadcast_opt_out_hint"]


def test_a_broadcast_that_starts_latin_gets_the_mark(daemons):
    conf = daemons.config({"programme.demo_data": DELETE, "channels": (sandbox_channel(),)})
    token = make_token(conf, "staff-bd", "staff")
    d = daemons.start(config=conf)
    st = Api(d, token)
    ar, fr = new_phone(), new_phone()
    add_member(d, ar, language="ar")
    add_member(d, fr, language="fr")
    ar_text = "TA-000001 و TA-000002: ورشة التسويق يوم السبت في وجدة."
    fr_text = "TA-000001: atelier samedi a Oujda."
    r = st.post("/broadcasts", {"name": "dir", "texts": {"ar": ar_text, "fr": fr_text},
                                "audience": {"phones": [ar, fr]}})
    assert r.status == 201, r
    bid = r.json()["id"]
    langs = {x["language"]: x for x in st.get(f"/broadcasts/{bid}/preview").json()["languages"]}
    ar_body = RLM + ar_text + "\n" + hint("ar")
    assert langs["ar"]["text"] == ar_body
    assert langs["ar"]["units"] == measure(ar_body)[1] == measure(ar_text + "\n" + hint("ar"))[1] + 1
    assert "U+200F" not in langs["ar"]["ucs2_codepoints"]
    assert langs["fr"]["text"] == fr_text + "\n" + hint("fr") and langs["fr"]["encoding"] == "gsm7"
    assert st.post(f"/broadcasts/{bid}/send").status == 200
    wait_until(lambda: st.get(f"/broadcasts/{bid}").json()["finished"], what="all sent")
    out = {row["phone"]: row for row in query(d, "SELECT * FROM messages WHERE broadcast_id=?",
                                              (bid,))}
    assert out[ar]["body"] == ar_body and out[ar]["segments"] == segments_of(ar_body)
    assert out[fr]["body"] == fr_text + "\n" + hint("fr")
