"""test_broadcast_audience.py -- what the console's broadcast composer offers
comes from the API and is what the API accepts (issue 16, missing 3): the
members' language as an audience filter (counted, validated, and the send
reaching only those languages); GET /programme naming the topics a
broadcast may carry, its default topic, and the channels a broadcast may
name (the real ones once one is configured, as POST /broadcasts checks).
Standard library only (plus pytest)."""

from conftest import DELETE, add_member, new_phone, query, sandbox_channel, wait_until
from outbox_helpers import FakeAT, at_send_channel
from test_admin_api import started

AR = "تعاون: سوق الأحد في الناظور."
FR = "Taawun : marché dimanche à Nador."
EN = "Taawun: Sunday market in Nador."


def start(daemons, channels=None, extra=None):
    ov = {"programme.demo_data": DELETE, "channels": channels or (sandbox_channel(),)}
    ov.update(extra or {})
    return started(daemons, "staff", ov)


def test_the_members_language_is_an_audience_filter(daemons):
    d, st = start(daemons)
    phones = {}
    for lang, n in (("ar", 3), ("fr", 2), ("en", 1)):
        phones[lang] = [new_phone() for _ in range(n)]
        for p in phones[lang]:
            add_member(d, p, language=lang, province="nador")

    def count(audience):
        r = st.post("/broadcasts/preview", {"texts": {"ar": AR, "fr": FR, "en": EN},
                                            "audience": audience})
        assert r.status == 200, r
        return r.json()["recipients"]

    assert count({}) == 6
    assert count({"languages": ["fr"]}) == 2
    assert count({"language": "en"}) == 1
    assert count({"languages": ["ar", "en"], "province": "nador"}) == 4
    assert count({"languages": ["fr"], "province": "figuig"}) == 0
    # Only the programme's languages, the field named.
    for bad in (["de"], [], ["fr", 3]):
        r = st.post("/broadcasts/preview", {"texts": {"ar": AR}, "audience": {"languages": bad}})
        assert r.status == 422 and r.json()["error"]["field"] == "audience.languages", (bad, r)
    # Stored as given, read back, and the send reaches only those members.
    r = st.post("/broadcasts", {"name": "fr+en", "texts": {"ar": AR, "fr": FR, "en": EN},
                                "audience": {"languages": ["fr", "en"]}})
    assert r.status == 201, r
    b = r.json()
    assert st.get(f"/broadcasts/{b['id']}").json()["audience"] == {"languages": ["fr", "en"]}
    assert st.post(f"/broadcasts/{b['id']}/send").status == 200
    wait_until(lambda: len(query(d, "SELECT id FROM messages WHERE broadcast_id=?",
                                 (b["id"],))) == 3, what="the broadcast expanded")
    got = {m["phone"] for m in query(d, "SELECT phone FROM messages WHERE broadcast_id=?",
                                     (b["id"],))}
    assert got == set(phones["fr"] + phones["en"])


def test_programme_names_what_a_broadcast_may_carry(daemons):
    d, st = start(daemons, (sandbox_channel(), sandbox_channel("sandbox-b")),
                  {"sms.outbound_channel": "sandbox"})
    p = st.get("/programme").json()
    assert p["topics"] == ["events", "trainings", "grants", "ideathon", "news"]
    assert p["broadcast_topic"] == "news"
    # Only test channels (a demo): each may be named; the default is the outbound one.
    assert p["broadcast_channels"] == ["sandbox", "sandbox-b"]
    assert p["outbound_channel"] == "sandbox"
    for ch in p["broadcast_channels"]:
        r = st.post("/broadcasts/preview", {"texts": {"ar": AR}, "channel": ch})
        assert r.status == 200 and r.json()["channel"] == ch, r
    # Every topic listed is accepted, and none (null).
    for topic in p["topics"] + [None]:
        r = st.post("/broadcasts", {"name": "t", "texts": {"ar": AR}, "topic": topic})
        assert r.status == 201 and r.json()["topic"] == topic, r
    # What no broadcast default names.
    b = st.post("/broadcasts", {"name": "d", "texts": {"ar": AR}}).json()
    assert b["topic"] == p["broadcast_topic"] and b["channel"] == p["outbound_channel"]


def test_with_a_real_channel_only_real_channels_are_offered(daemons, tmp_path):
    fake = FakeAT()
    try:
        d, st = start(daemons, (sandbox_channel(), at_send_channel(tmp_path, fake)),
                      {"sms.outbound_channel": "at"})
        p = st.get("/programme").json()
        assert p["broadcast_channels"] == ["at"] and p["outbound_channel"] == "at", p
        # The sandbox, not offered, is refused.
        r = st.post("/broadcasts/preview", {"texts": {"ar": AR}, "channel": "sandbox"})
        assert r.status == 422 and r.json()["error"]["field"] == "channel", r
        assert st.post("/broadcasts/preview", {"texts": {"ar": AR}, "channel": "at"}).status == 200
    finally:
        fake.close()
