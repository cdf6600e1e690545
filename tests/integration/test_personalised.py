"""test_personalised.py -- broadcasts personalised per recipient (issue 16,
missing 5): {name}, {member_no}, {event} and {date} put in each member's text
by the one INSERT ... SELECT of the expansion; a GSM-7 text never turned
UCS-2 by a member's name (an Arabic name in a French text gives way to the
catalog's word, a French name in an Arabic text is kept); each message's
encoding and segments those of its own body; the plan measured with the
longest real value of each placeholder among the recipients, saying which;
{event} needs the broadcast's event. Standard library only (plus pytest)."""

import time

from conftest import DELETE, add_member, catalog, new_phone, query, sandbox_channel
from outbox_helpers import write_db
from test_admin_api import Api, make_token
from test_ussd_services import screen_when  # the catalog's event_when
from test_broadcasts import measure

EVENT_AR, EVENT_FR = "ورشة التسويق الرقمي", "Atelier marketing numerique"
FR = "Bonjour {name}, membre {member_no}: {event} le {date}."
AR = "مرحبا {name}، رقم عضويتك {member_no}: {event} يوم {date}."


def start(daemons):
    conf = daemons.config({"programme.demo_data": DELETE, "channels": (sandbox_channel(),)})
    token = make_token(conf, "staff-p", "staff")
    d = daemons.start(config=conf)
    return d, Api(d, token)


def add_event(d, code="SALON26", starts_at=None):
    now = int(time.time())
    starts_at = starts_at or now + 10 * 86400
    eid = write_db(d, "INSERT INTO events (code, kind, title_ar, title_fr, starts_at, place,"
                      " province, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                   (code, "workshop", EVENT_AR, EVENT_FR, starts_at, "Oujda", "oujda-angad",
                    now, now))
    return eid, starts_at


def member(d, lang, name):
    phone = new_phone()
    mid = add_member(d, phone, language=lang, name=name, province="oujda-angad")
    return phone, mid


def body_of(d, phone):
    rows = query(d, "SELECT body, encoding, segments FROM messages WHERE phone=? AND"
                    " kind='broadcast'", (phone,))
    assert len(rows) == 1, rows
    return rows[0]


def hint(lang):
    return "\n" + catalog(lang)["messages"]["broadcast_opt_out_hint"]


def fallback(lang):
    return catalog(lang)["messages"]["broadcast_name_fallback"]


def test_each_recipient_gets_their_own_text(daemons):
    d, st = start(daemons)
    eid, starts_at = add_event(d)
    # {date} as the catalogs write it, as on the screens ("10h00" in French).
    when = {lang: screen_when(lang, starts_at) for lang in ("ar", "fr")}
    assert "h" in when["fr"]
    fr_latin, fr_latin_id = member(d, "fr", "Hélène Dupont-Marchand")
    fr_arabic, fr_arabic_id = member(d, "fr", "فاطمة الزهراء")
    fr_none, fr_none_id = member(d, "fr", None)
    ar_arabic, ar_arabic_id = member(d, "ar", "عائشة بنت عبد الرحمن")
    ar_latin, ar_latin_id = member(d, "ar", "Nadia")
    phones = [fr_latin, fr_arabic, fr_none, ar_arabic, ar_latin]
    b = st.post("/broadcasts", {"name": "invite", "texts": {"ar": AR, "fr": FR},
                                "audience": {"phones": phones}, "event": "SALON26"})
    assert b.status == 201, b
    b = b.json()
    assert b["event_id"] == eid

    # The plan: each placeholder measured with the longest real value.
    p = st.get(f"/broadcasts/{b['id']}/preview").json()
    assert p["event_id"] == eid and p["event_missing"] is False
    langs = {x["language"]: x for x in p["languages"]}
    fr, ar = langs["fr"]["placeholders"], langs["ar"]["placeholders"]
    assert fr["name"] == {"value": "Hélène Dupont-Marchand", "source": "longest_name"}
    assert ar["name"] == {"value": "عائشة بنت عبد الرحمن", "source": "longest_name"}
    top = max(fr_latin_id, fr_arabic_id, fr_none_id)
    assert fr["member_no"] == {"value": f"TA-{top:06d}", "source": "highest_member_no"}
    assert fr["event"] == {"value": EVENT_FR, "source": "event"}
    assert ar["event"] == {"value": EVENT_AR, "source": "event"}
    assert fr["date"] == {"value": when["fr"], "source": "event"}
    assert langs["fr"]["text"] == FR.format(name="Hélène Dupont-Marchand",
                                            member_no=f"TA-{top:06d}", event=EVENT_FR,
                                            date=when["fr"]) + hint("fr")
    assert langs["fr"]["encoding"] == "gsm7"   # the Arabic name did not make it UCS-2
    assert (langs["fr"]["units"], langs["fr"]["segments"]) == measure(langs["fr"]["text"])[1:]

    r = st.post(f"/broadcasts/{b['id']}/send")
    assert r.status == 200 and r.json()["messages_written"] == 5, r

    def expect(lang, text, name, mid):
        return text.format(name=name, member_no=f"TA-{mid:06d}",
                           event=EVENT_FR if lang == "fr" else EVENT_AR,
                           date=when[lang]) + hint(lang)

    cases = [
        (fr_latin, expect("fr", FR, "Hélène Dupont-Marchand", fr_latin_id), "gsm7"),
        (fr_arabic, expect("fr", FR, fallback("fr"), fr_arabic_id), "gsm7"),
        (fr_none, expect("fr", FR, fallback("fr"), fr_none_id), "gsm7"),
        (ar_arabic, expect("ar", AR, "عائشة بنت عبد الرحمن", ar_arabic_id), "ucs2"),
        (ar_latin, expect("ar", AR, "Nadia", ar_latin_id), "ucs2"),
    ]
    for phone, want, enc in cases:
        m = body_of(d, phone)
        assert m["body"] == want, (phone, m["body"])
        assert m["encoding"] == enc and (m["encoding"], m["segments"]) == (
            measure(want)[0], measure(want)[2]), m
    assert fallback("fr") == "cher membre" and measure(fallback("fr"))[0] == "gsm7"


def test_segments_follow_each_name_and_the_plan_takes_the_longest(daemons):
    d, st = start(daemons)
    short, short_id = member(d, "fr", "Ali")
    long_, long_id = member(d, "fr", "Marie-Christine Delacroix-Beaumont")
    # 160 septets with the short name and the hint; the long name needs two segments.
    base = "Taawun: {name}, votre atelier est confirme. "
    pad = 160 - len(base.replace("{name}", "Ali")) - len(hint("fr"))
    text = base + "x" * pad
    b = st.post("/broadcasts", {"name": "s", "texts": {"ar": "مرحبا {name}", "fr": text},
                                "audience": {"phones": [short, long_]}}).json()
    p = st.get(f"/broadcasts/{b['id']}/preview").json()
    fr = [x for x in p["languages"] if x["language"] == "fr"][0]
    assert fr["placeholders"]["name"]["value"] == "Marie-Christine Delacroix-Beaumont"
    assert fr["segments"] == 2 and p["segments"] == 2 * 2  # an upper bound: 2 recipients x 2
    assert "member_no" not in fr["placeholders"]
    assert st.post(f"/broadcasts/{b['id']}/send").status == 200
    assert body_of(d, short)["segments"] == 1 and body_of(d, short)["encoding"] == "gsm7"
    assert body_of(d, long_)["segments"] == 2
    assert measure(body_of(d, short)["body"]) == ("gsm7", 160, 1)


def test_event_placeholders_need_an_event(daemons):
    d, st = start(daemons)
    eid, starts_at = add_event(d)
    _, long_at = add_event(d, "LONG26")
    write_db(d, "UPDATE events SET title_fr = 'Journee regionale de l''economie sociale'"
                " WHERE code = 'LONG26'")
    phone, _ = member(d, "fr", "Samir")
    body = {"name": "e", "texts": {"ar": "{event}", "fr": "Rendez-vous {event} le {date}"},
            "audience": {"phones": [phone]}}
    r = st.post("/broadcasts", body)
    assert r.status == 422 and r.json()["error"]["code"] == "event_required", r
    assert r.json()["error"]["field"] in ("texts.ar", "texts.fr")
    # The preview (nothing stored) measures with the longest title to come.
    p = st.post("/broadcasts/preview", body).json()
    fr = [x for x in p["languages"] if x["language"] == "fr"][0]
    assert p["event_missing"] is True and p["event_id"] is None
    assert fr["placeholders"]["event"] == {"value": "Journee regionale de l'economie sociale",
                                           "source": "longest_upcoming_event"}
    assert fr["placeholders"]["date"] == {"value": screen_when("fr", long_at),
                                          "source": "longest_upcoming_event"}
    # An audience of one event's attendees names it; so does "event".
    r = st.post("/broadcasts", dict(body, audience={"events": [eid]}))
    assert r.status == 201 and r.json()["event_id"] is None, r
    r = st.post("/broadcasts", dict(body, event=eid))
    assert r.status == 201 and r.json()["event_id"] == eid, r
    # PATCH keeps the event unless given; null takes it away (then refused).
    bid = r.json()["id"]
    assert st.patch(f"/broadcasts/{bid}", {"name": "e2"}).json()["event_id"] == eid
    r = st.patch(f"/broadcasts/{bid}", {"event": None})
    assert r.status == 422 and r.json()["error"]["code"] == "event_required", r
    assert st.post("/broadcasts", dict(body, event="NOPE")).status == 422
    assert st.post("/broadcasts", dict(body, event=[1])).status == 400
