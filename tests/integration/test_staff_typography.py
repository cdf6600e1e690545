"""test_staff_typography.py -- staff text made to travel as GSM-7 on the
way in (issue 15, findings 2 and 5): one ’ « » or œ in a French event title
turned the whole detail screen into UCS-2 (80 units instead of 182) and
took the date, place and seats off it, and the API accepted it without a
word. Titles, places, notes and broadcast texts are normalised by
core/typography; the answer names what changed ("normalised") so the
console can show it; text with Arabic letters is left as it is."""

from conftest import Ussd, catalog, measure, msg, query
from test_admin_api import started

YOUSSEF = "+212600000002"  # fr, Oujda-Angad


def event_id(d, code):
    return query(d, "SELECT id FROM events WHERE code = ?", (code,))[0]["id"]


def test_a_french_title_with_typographic_quotes_stays_gsm7(daemons):
    d, api = started(daemons, "staff")
    eid = event_id(d, "101")  # Oujda: first on Youssef's list
    r = api.patch(f"/events/{eid}", {
        "title_fr": "Journée d\u2019information sur l\u2019export \u2013 «\u00a0Cœur\u00a0»",
        "place": "Oujda,\u00a0Chambre d\u2019agriculture\u2026"})
    assert r.status == 200, r
    e = r.json()
    assert e["title_fr"] == "Journée d'information sur l'export - \"Coeur\""
    assert e["place"] == "Oujda, Chambre d'agriculture..."
    assert e["normalised"] == {"title_fr": ["\u2019", "\u2013", "«", "\u00a0", "œ", "»"],
                               "place": ["\u00a0", "\u2019", "\u2026"]}, e["normalised"]
    stored = query(d, "SELECT title_fr, place FROM events WHERE id = ?", (eid,))[0]
    assert stored["title_fr"] == e["title_fr"] and stored["place"] == e["place"]
    # The member's French screens stay GSM-7 and keep the facts.
    u = Ussd(d, phone=YOUSSEF)
    u.dial()
    events = u.send("2")
    assert measure(events.text)[0] == "gsm7", events
    s = u.send("1")
    assert measure(s.text)[0] == "gsm7", s
    assert e["place"] in s.text and msg("fr", "seats_left", n=200) in s.text, s
    # The audit row holds the change, not the "normalised" report.
    rows = query(d, "SELECT * FROM audit_log WHERE action = 'event.update'")
    assert rows and "normalised" not in rows[-1]["summary"], rows


def test_arabic_and_plain_text_are_left_alone(daemons):
    d, api = started(daemons, "staff")
    eid = event_id(d, "106")
    r = api.patch(f"/events/{eid}", {"title_ar": "«لقاء» دار المتعاونة",
                                     "title_fr": "Rencontre Dar Al-Mutaawina, ça commence"})
    assert r.status == 200, r
    e = r.json()
    assert e["title_ar"] == "«لقاء» دار المتعاونة"
    assert e["title_fr"] == "Rencontre Dar Al-Mutaawina, ça commence"  # ç is content
    assert "normalised" not in e, e


def test_grant_notes_and_broadcast_texts(daemons):
    d, api = started(daemons, "staff")
    gid = query(d, "SELECT id FROM grants WHERE reference = 'GR-2026-00044'")[0]["id"]
    r = api.post(f"/grants/{gid}/status", {
        "status": "documents_missing",
        "note_fr": "Il manque l\u2019attestation\u00a0: envoyez-la\u2026",
        "note_ar": "ينقص «المحضر»."})
    assert r.status == 200, r
    g = r.json()
    assert g["normalised"] == {"note_fr": ["\u2019", "\u00a0", "\u2026"]}, g
    note = query(d, "SELECT note_fr, note_ar FROM grants WHERE id = ?", (gid,))[0]
    assert note["note_fr"] == "Il manque l'attestation : envoyez-la..."
    assert note["note_ar"] == "ينقص «المحضر»."

    text = "Salon de l\u2019Oriental samedi \u2013 venez nombreux\u00a0!"
    p = api.post("/broadcasts/preview", {"texts": {"ar": "معرض", "fr": text}, "audience": {}})
    assert p.status == 200, p
    body = p.json()
    assert body["normalised"] == {"texts.fr": ["\u2019", "\u2013", "\u00a0"]}, body
    fr = [x for x in body["languages"] if x["language"] == "fr"][0]
    assert fr["encoding"] == "gsm7" and fr["segments"] == 1, fr
    assert fr["text"].startswith("Salon de l'Oriental samedi - venez nombreux !"), fr
    b = api.post("/broadcasts", {"name": "salon", "texts": {"ar": "معرض", "fr": text},
                                 "audience": {}})
    assert b.status == 201, b
    assert b.json()["normalised"] == {"texts.fr": ["\u2019", "\u2013", "\u00a0"]}
    assert b.json()["texts"]["fr"] == "Salon de l'Oriental samedi - venez nombreux !"


def test_a_grant_corrected_by_patch(daemons):
    d, api = started(daemons, "staff")
    gid = query(d, "SELECT id FROM grants WHERE reference = 'GR-2026-00043'")[0]["id"]
    r = api.patch(f"/grants/{gid}", {"note_en": "Send the bank\u2019s certificate\u2026"})
    assert r.status == 200, r
    assert r.json()["normalised"] == {"note_en": ["\u2019", "\u2026"]}, r.json()
    assert query(d, "SELECT note_en FROM grants WHERE id = ?", (gid,))[0]["note_en"] == \
        "Send the bank's certificate..."
    rows = query(d, "SELECT summary FROM audit_log WHERE action = 'grant.update'")
    assert rows and "normalised" not in rows[-1]["summary"], rows
