"""test_broadcasts.py -- staff broadcasts through the admin API: the preview
(recipients, per-language encoding and segments, the characters forcing
UCS-2, cost = recipients x segments x the channel's price) checked against
hand-computed values; sending as one expansion into the outbox where every
member gets their language and the opt-out hint; consent, opt-outs, topic
opt-outs and erasure honoured; audience filters; a scheduled broadcast and
quiet hours driven by the injectable clock (TAAWUN_TEST_NOW_FILE, no
sleeping); cancel mid-way; progress counts; validation and roles.
Standard library only (plus pytest)."""

import math
import os
import time
from datetime import datetime

import pytest

from conftest import DELETE, add_member, catalog, new_phone, query, sandbox_channel, wait_until
from outbox_helpers import FakeAT, at_send_channel, write_db
from test_admin_api import ZONE, Api, audit_rows, make_token

PRICE = 0.25


def measure(text):
    """(encoding, units, segments) as the network counts them."""
    from conftest import measure as m
    enc, units = m(text)
    single, part = (160, 153) if enc == "gsm7" else (70, 67)
    return enc, units, 1 if units <= single else math.ceil(units / part)


def hint(lang):
    return catalog(lang)["messages"]["broadcast_opt_out_hint"]


def add(d, phone=None, lang="fr", province="oujda-angad", sector="agriculture", gender="f",
        birth_year=1990, coop=None, consent=True, opted_out=False, erased=False, topics=None):
    """A member for an audience (coop: a cooperative id): their phone."""
    phone = phone or new_phone()
    add_member(d, phone, language=lang, name="Member", cooperative=coop, province=province,
               sector=sector, gender=gender, birth_year=birth_year, consent=consent,
               opted_out=opted_out, erased=erased, topics=topics)
    return phone


def coop(d, code, province="nador"):
    now = int(time.time())
    return write_db(d, "INSERT INTO cooperatives (code, name, province, created_at, updated_at)"
                       " VALUES (?,?,?,?,?)", (code, "Coop " + code, province, now, now))


def start(daemons, overrides=None):
    ov = {"programme.demo_data": DELETE,
          "channels": (sandbox_channel(price_per_segment_mad=PRICE),)}
    ov.update(overrides or {})
    conf = daemons.config(ov)
    token = make_token(conf, "staff-b", "staff")
    viewer = make_token(conf, "viewer-b", "viewer")
    d = daemons.start(config=conf)
    return d, Api(d, token), Api(d, viewer)


def out_for(d, phone):
    return query(d, "SELECT * FROM messages WHERE direction='out' AND phone=? AND kind='broadcast'",
                 (phone,))


def create(api, texts, audience=None, **extra):
    body = {"name": "test", "texts": texts, "audience": audience or {}}
    body.update(extra)
    r = api.post("/broadcasts", body)
    assert r.status == 201, r
    return r.json()


AR = "تعاون: ورشة التسويق الرقمي يوم السبت في وجدة، التسجيل مفتوح للجميع."
FR = ("Taawun: atelier de marketing numérique samedi à Oujda. Leçon gratuite, inscrivez-vous "
      "vite auprès de votre coopérative.")


def test_preview_counts_segments_and_cost_by_hand(daemons):
    d, st, viewer = start(daemons)
    ar = [add(d, lang="ar") for _ in range(3)]
    fr = [add(d, lang="fr") for _ in range(2)]
    en = [add(d, lang="en")]  # no English text: gets the default (Arabic) one
    b = create(st, {"ar": AR, "fr": FR}, {"phones": ar + fr + en})
    assert b["status"] == "draft" and b["progress"]["total"] == 0
    p = viewer.get(f"/broadcasts/{b['id']}/preview")
    assert p.status == 200, p
    p = p.json()
    langs = {x["language"]: x for x in p["languages"]}
    ar_body, fr_body = AR + "\n" + hint("ar"), FR + "\n" + hint("fr")
    ar_m, fr_m = measure(ar_body), measure(fr_body)
    assert ar_m[0] == "ucs2" and fr_m[0] == "ucs2"      # ç forces UCS-2
    assert langs["ar"]["text"] == ar_body and langs["fr"]["text"] == fr_body
    assert langs["en"]["text"] == ar_body and langs["en"]["text_language"] == "ar"
    assert (langs["ar"]["encoding"], langs["ar"]["units"], langs["ar"]["segments"]) == ar_m
    assert (langs["fr"]["encoding"], langs["fr"]["units"], langs["fr"]["segments"]) == fr_m
    assert langs["fr"]["ucs2_characters"] == ["ç"] and langs["fr"]["ucs2_codepoints"] == ["U+00E7"]
    assert langs["ar"]["recipients"] == 3 and langs["fr"]["recipients"] == 2
    assert langs["en"]["recipients"] == 1 and p["recipients"] == 6
    segments = 4 * ar_m[2] + 2 * fr_m[2]
    assert p["segments"] == segments
    assert p["estimated_cost_mad"] == pytest.approx(segments * PRICE)
    assert p["price_per_segment_mad"] == PRICE and p["currency"] == "MAD"
    # A preview sends nothing.
    assert not query(d, "SELECT 1 FROM messages WHERE broadcast_id=?", (b["id"],))
    # A GSM-7 French text: the hint keeps it GSM-7, one segment.
    b2 = create(st, {"ar": AR, "fr": "Taawun: atelier samedi a Oujda."}, {"phones": fr})
    p2 = st.post(f"/broadcasts/{b2['id']}/preview").json()
    fr2 = [x for x in p2["languages"] if x["language"] == "fr"][0]
    assert fr2["encoding"] == "gsm7" and fr2["segments"] == 1 and fr2["ucs2_characters"] == []
    # The hint on a line of its own, spelt right, measured as it travels
    # (issue 15, finding 13: it was "...Oujda. STOP pour arreter").
    assert fr2["text"] == "Taawun: atelier samedi a Oujda.\n" + hint("fr")
    assert hint("fr") == "Désabonnement: STOP" and measure(fr2["text"])[0] == "gsm7"
    assert fr2["units"] == measure(fr2["text"])[1]
    assert p2["estimated_cost_mad"] == pytest.approx(2 * 1 * PRICE)
    # A text that already says how to stop gets no second hint.
    b3 = create(st, {"ar": AR, "fr": "Taawun: atelier samedi. STOP pour arreter"}, {"phones": fr})
    fr3 = [x for x in st.get(f"/broadcasts/{b3['id']}/preview").json()["languages"]
           if x["language"] == "fr"][0]
    assert fr3["text"] == "Taawun: atelier samedi. STOP pour arreter"
    assert fr3["opt_out_hint_added"] is False


def test_send_reaches_only_consenting_members_in_their_language(daemons):
    d, st, viewer = start(daemons)
    ok_ar, ok_fr = add(d, lang="ar"), add(d, lang="fr")
    never = [add(d, consent=False), add(d, opted_out=True), add(d, erased=True),
             add(d, topics={"news": False})]
    other_topic = add(d, topics={"events": False})  # opted out of another topic only
    b = create(st, {"ar": AR, "fr": FR}, {"phones": [ok_ar, ok_fr, other_topic] + never},
               topic="news")
    assert st.post(f"/broadcasts/{b['id']}/preview").json()["recipients"] == 3
    assert viewer.post(f"/broadcasts/{b['id']}/send").status == 403
    r = st.post(f"/broadcasts/{b['id']}/send")
    assert r.status == 200, (r, d.log()[-3000:])
    assert r.json()["status"] == "started" and r.json()["messages_written"] == 3
    wait_until(lambda: st.get(f"/broadcasts/{b['id']}").json()["finished"], what="all sent")
    g = st.get(f"/broadcasts/{b['id']}").json()
    assert g["progress"]["total"] == 3 and g["recipients"] == 3
    assert g["progress"]["sent"] + g["progress"]["delivered"] == 3
    assert out_for(d, ok_ar)[0]["body"] == AR + "\n" + hint("ar")
    assert out_for(d, ok_fr)[0]["body"] == FR + "\n" + hint("fr")
    assert out_for(d, ok_fr)[0]["encoding"] == "ucs2" and out_for(d, ok_fr)[0]["topic"] == "news"
    for p in never:
        assert not query(d, "SELECT 1 FROM messages WHERE phone=? AND direction='out'", (p,))
    # Sent once: a second send is refused.
    assert st.post(f"/broadcasts/{b['id']}/send").status == 409
    actions = [a["action"] for a in audit_rows(d) if a["object_type"] == "broadcast"]
    assert actions == ["broadcast.create", "broadcast.send"]


def test_audience_filters(daemons):
    d, st, _ = start(daemons)
    c = coop(d, "4401")
    year = datetime.now(ZONE).year
    a = add(d, province="nador", sector="agriculture", gender="f", birth_year=year - 20, coop=c)
    b = add(d, province="nador", sector="textile", gender="m", birth_year=year - 30)
    e = add(d, province="berkane", sector="agriculture", gender="f", birth_year=year - 60)
    add(d, province="figuig", sector="tourism", gender="m", birth_year=None)
    ev = st.post("/events", {"code": "8801", "kind": "workshop", "title_fr": "Atelier",
                             "starts_at": int(time.time()) + 86400, "place": "Nador"}).json()
    mid = query(d, "SELECT id FROM members WHERE phone=?", (e,))[0]["id"]
    write_db(d, "INSERT INTO rsvps (event_id, member_id, created_at) VALUES (?,?,?)",
             (ev["id"], mid, int(time.time())))

    def count(audience):
        bc = create(st, {"ar": AR}, audience)
        return st.get(f"/broadcasts/{bc['id']}/preview").json()["recipients"]

    assert count({}) == 4
    assert count({"province": "nador"}) == 2
    assert count({"provinces": ["nador", "berkane"], "sector": "agriculture"}) == 2
    assert count({"gender": "m"}) == 2
    assert count({"age_bands": ["18-25"]}) == 1
    assert count({"age_band": "51+"}) == 1
    assert count({"age_band": "unknown"}) == 1
    assert count({"cooperative": "4401"}) == 1
    assert count({"cooperatives": [c], "gender": "m"}) == 0
    assert count({"event": ev["id"]}) == 1
    assert count({"events": ["8801"], "province": "nador"}) == 0
    assert count({"phones": [a, "0" + b[4:]]}) == 2   # local form normalised
    # Validation names the field.
    for aud, field in [({"province": "atlantis"}, "audience.province"),
                       ({"planet": "x"}, "audience.planet"),
                       ({"cooperative": "9999"}, "audience.cooperative"),
                       ({"phones": ["12"]}, "audience.phones"),
                       ({"age_bands": []}, "audience.age_bands")]:
        r = st.post("/broadcasts", {"name": "x", "texts": {"ar": AR}, "audience": aud})
        assert r.status in (400, 422) and r.json()["error"]["field"] == field, (aud, r)
    r = st.post("/broadcasts", {"name": "x", "texts": {"fr": FR}})
    assert r.status == 422 and r.json()["error"]["field"] == "texts.ar"
    r = st.post("/broadcasts", {"name": "x", "texts": {"ar": AR, "de": "Hallo"}})
    assert r.status == 422 and r.json()["error"]["field"] == "texts.de"


def local_ts(y, mo, dd, h, mi):
    return int(datetime(y, mo, dd, h, mi, tzinfo=ZONE).timestamp())


def test_scheduled_broadcast_follows_the_injectable_clock(daemons, test_clock):
    t0 = local_ts(2031, 3, 10, 10, 0)
    test_clock.set(t0)
    d, st, _ = start(daemons, {"programme.send_window": "08:00-20:00"})
    phone = add(d, lang="fr")
    b = create(st, {"ar": AR, "fr": "Taawun: salon samedi."}, {"phones": [phone]})
    r = st.post(f"/broadcasts/{b['id']}/schedule", {"at": t0 - 10})
    assert r.status == 422 and r.json()["error"]["field"] == "at"
    r = st.post(f"/broadcasts/{b['id']}/schedule", {"at": "2031-03-10T11:00"})
    assert r.status == 200 and r.json()["status"] == "scheduled", r
    assert r.json()["scheduled_at"] == local_ts(2031, 3, 10, 11, 0)
    sentinel = create(st, {"ar": AR}, {"phones": [add(d)]})
    assert st.post(f"/broadcasts/{sentinel['id']}/schedule", {"at": t0 + 1800}).status == 200
    test_clock.set(t0 + 1800)
    wait_until(lambda: st.get(f"/broadcasts/{sentinel['id']}").json()["status"] in
               ("started", "finished"), what="the sentinel started")
    assert st.get(f"/broadcasts/{b['id']}").json()["status"] == "scheduled"
    assert not out_for(d, phone)
    test_clock.set(local_ts(2031, 3, 10, 11, 0))
    wait_until(lambda: out_for(d, phone) and out_for(d, phone)[0]["status"] in
               ("sent", "delivered"), what="the scheduled broadcast sent")
    g = st.get(f"/broadcasts/{b['id']}").json()
    assert g["status"] == "finished" and g["progress"]["total"] == 1
    assert any(a["action"] == "broadcast.send" and a["who"] == "scheduler"
               for a in audit_rows(d))


def test_quiet_hours_hold_then_release(daemons, test_clock):
    night = local_ts(2031, 7, 1, 22, 0)
    test_clock.set(night)
    d, st, _ = start(daemons, {"programme.send_window": "08:00-20:00"})
    phones = [add(d, lang="ar") for _ in range(3)]
    b = create(st, {"ar": AR}, {"phones": phones})
    p = st.get(f"/broadcasts/{b['id']}/preview").json()
    assert p["send_window"] == {"open": False, "opens_at": local_ts(2031, 7, 2, 8, 0),
                                "opens_at_local": "2031-07-02T08:00"}
    r = st.post(f"/broadcasts/{b['id']}/send").json()
    assert r["held_until_window"] == local_ts(2031, 7, 2, 8, 0)
    assert r["progress"]["held"] == 3
    # Still night: a sentinel broadcast scheduled at 23:00 starts on a later
    # tick, and that tick released nothing.
    sentinel = create(st, {"ar": AR}, {"phones": [add(d)]})
    assert st.post(f"/broadcasts/{sentinel['id']}/schedule",
                   {"at": local_ts(2031, 7, 1, 23, 0)}).status == 200
    test_clock.set(local_ts(2031, 7, 1, 23, 30))
    wait_until(lambda: st.get(f"/broadcasts/{sentinel['id']}").json()["status"] in
               ("started", "finished"), what="the sentinel started")
    assert st.get(f"/broadcasts/{b['id']}").json()["progress"]["held"] == 3
    assert all(m["status"] == "held" for p_ in phones for m in out_for(d, p_))
    # 07:59 is still quiet; 08:00 opens the window.
    test_clock.set(local_ts(2031, 7, 2, 8, 0))
    wait_until(lambda: st.get(f"/broadcasts/{b['id']}").json()["finished"],
               what="held messages released and sent")
    g = st.get(f"/broadcasts/{b['id']}").json()["progress"]
    assert g["held"] == 0 and g["sent"] + g["delivered"] == 4 - 1  # the three of b


def test_production_taawund_ignores_the_test_clock(daemons, tmp_path, monkeypatch):
    """The environment variable that moves taawund-test's clock does nothing
    to taawund: no test_clock line, and the admin API judges a schedule by
    the real time, not by the file's far-future time."""
    now_file = tmp_path / "now"
    now_file.write_text(str(local_ts(2031, 3, 10, 10, 0)))
    monkeypatch.setenv("TAAWUN_TEST_NOW_FILE", str(now_file))
    d, st, _ = start(daemons)
    b = create(st, {"ar": AR}, {"phones": [add(d)]})
    soon = int(time.time()) + 3600  # in the past by the file's clock
    r = st.post(f"/broadcasts/{b['id']}/schedule", {"at": soon})
    assert r.status == 200 and r.json()["scheduled_at"] == soon, r
    assert "event=test_clock" not in d.log()
    assert os.path.basename(d.proc.args[0]) == "taawund"


def test_cancel_mid_way(daemons, tmp_path):
    fake = FakeAT()
    try:
        ch = at_send_channel(tmp_path, fake, throughput_per_s=1, concurrency=1,
                             price_per_segment_mad=PRICE)
        d, st, _ = start(daemons, {"channels": (ch,)})
        phones = [add(d, lang="fr") for _ in range(8)]
        b = create(st, {"ar": AR, "fr": "Taawun: salon samedi."}, {"phones": phones})
        assert st.post(f"/broadcasts/{b['id']}/send").status == 200
        wait_until(lambda: len(fake.sends()) >= 1, what="a first send")
        r = st.post(f"/broadcasts/{b['id']}/cancel")
        assert r.status == 200, r
        stopped = r.json()["messages_cancelled"]
        assert 1 <= stopped <= 7 and r.json()["status"] == "cancelled"
        wait_until(lambda: st.get(f"/broadcasts/{b['id']}").json()["progress"]["sending"] == 0,
                   what="in-flight sends settled")
        g = st.get(f"/broadcasts/{b['id']}").json()["progress"]
        assert g["cancelled"] == stopped and g["total"] == 8
        cancelled = {m["phone"] for m in query(
            d, "SELECT phone FROM messages WHERE broadcast_id=? AND status='cancelled'",
            (b["id"],))}
        sent_to = {n for _, f in fake.sends() for n in f["to"][0].split(",")}
        assert not (cancelled & sent_to)
        assert st.post(f"/broadcasts/{b['id']}/cancel").status == 409
        a = [x for x in audit_rows(d) if x["action"] == "broadcast.cancel"]
        assert len(a) == 1
    finally:
        fake.close()
