"""test_ussd_services.py -- a registered member's services over USSD (grant
status, events with RSVP, project ideas, alerts, profile), drafts and
shortcuts, driven in Africa's Talking's format through the sandbox channel,
in Arabic and French. Every answer is checked by the harness (200, CON/END,
fits the screen in the encoding it travels in); texts come from the
catalogs; what is stored is read back from the database.

The default test daemon loads contrib/demo/demo.sql: members +212600000001
(ar, Berkane, cooperative 2002), +212600000002 (fr, Oujda-Angad, cooperative
1002), +212700000003 (ar, Taourirt, cooperative 5001); grants GR-2026-00041..46;
events with codes 101..107 (106 has 2 seats). Tests that need more rows
write them into the database before dialling."""

import math
import re
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import (Ussd, add_member, assert_menu, catalog, connect_db, items, measure, msg,
                      new_phone, numbered, parse_screen, province_name, query, sector_name)

FATIMA = "+212600000001"   # ar, berkane, cooperative 2002, grant GR-2026-00041
YOUSSEF = "+212600000002"  # fr, oujda-angad, cooperative 1002, grant GR-2026-00043
KHADIJA = "+212700000003"  # ar, taourirt, cooperative 5001, grant GR-2026-00046
MEMBER_OF = {"ar": FATIMA, "fr": YOUSSEF}

TZ = ZoneInfo("Africa/Casablanca")  # programme.timezone of the test config
HOME_KEYS = ["menu_grants", "menu_events", "menu_idea", "menu_alerts", "menu_profile"]
TOPICS = ["events", "trainings", "grants", "ideathon", "news"]
IDEA_REF = re.compile(r"ID-(\d{4})-(\d{5})")
PAGES_MAX = 16  # USSD_PAGES_MAX of the engine: no list may need more


# ---- the database

def writable(d):
    """A read-write transaction on the running daemon's database, committed
    when the block ends (conftest's connect_db: SQLite or PostgreSQL)."""
    return connect_db(d, write=True)


def registered_member(d, name, lang, province, coop_code=None, phone=None, sector="agrifood"):
    """Insert a registered, consenting member; return (phone, id)."""
    phone = phone or new_phone()
    return phone, add_member(d, phone, language=lang, name=name, cooperative=coop_code,
                             province=province, sector=sector, gender="f", birth_year=1990,
                             registered_via="import")


def add_event(d, code, title_fr, title_ar, place, province, capacity, days=3, hour=9):
    """Insert a scheduled event `days` ahead at hour:00 UTC; return its id."""
    now = int(time.time())
    starts = (now // 86400 + days) * 86400 + hour * 3600
    with writable(d) as c:
        cur = c.execute(
            "INSERT INTO events (code, kind, title_ar, title_fr, title_en, starts_at, place,"
            " province, capacity, created_at, updated_at)"
            " VALUES (?, 'workshop', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (code, title_ar, title_fr, title_fr, starts, place, province, capacity, now, now))
        return cur.fetchone()[0]


def member_row(d, phone):
    rows = query(d, "SELECT * FROM members WHERE phone = ?", (phone,))
    assert len(rows) == 1, rows
    return rows[0]


def receipts(d, phone):
    return query(d, "SELECT * FROM messages WHERE phone = ? AND direction = 'out'"
                    " AND kind = 'receipt' ORDER BY id", (phone,))


def expected_segments(enc, units):
    if enc == "gsm7":
        return 1 if units <= 160 else math.ceil(units / 153)
    return 1 if units <= 70 else math.ceil(units / 67)


def check_sms(row, body, member_id, lang):
    """One queued receipt: the text, its encoding and segment count."""
    assert row["body"] == body, (row["body"], body)
    assert row["member_id"] == member_id, row
    assert row["status"] in ("queued", "sending", "sent", "delivered"), row
    enc, units = measure(body)
    assert enc == ("ucs2" if lang == "ar" else "gsm7"), (enc, body)
    assert row["encoding"] == enc, row
    assert row["segments"] == expected_segments(enc, units), row


# ---- events as the member should see them

def local(ts):
    return datetime.fromtimestamp(ts, TZ)


def screen_when(lang, ts):
    t = local(ts)
    return msg(lang, "event_when", day="%02d" % t.day, month="%02d" % t.month,
               hour="%02d" % t.hour, minute="%02d" % t.minute)


def upcoming_events(d, lang, province):
    """Upcoming events in the order the menu lists them: the member's
    province first, then by start."""
    col = {"fr": "title_fr", "en": "title_en"}.get(lang, "title_ar")
    return query(d, f"SELECT id, code, {col} AS title, place, starts_at, capacity, province"
                    " FROM events WHERE status = 'scheduled' AND starts_at > ?"
                    " ORDER BY (coalesce(province, '') = ?) DESC, starts_at, id",
                 (int(time.time()), province))


def stem(shown):
    """What is left of a shortened text once its ellipsis is taken off."""
    return shown.rstrip(".…").rstrip()


def is_prefix_of(shown, full):
    s = stem(shown)
    return bool(s) and full.startswith(s)


def check_event_items(lang, labels, events):
    """Each item is "<title, maybe shortened> <dd/mm>" in the expected order;
    a shortened title keeps words of the title that tell the items apart
    (issue 15, finding 4)."""
    assert len(labels) == len(events), (labels, [e["code"] for e in events])
    for label, e in zip(labels, events):
        date = local(e["starts_at"]).strftime("%d/%m")
        assert label.endswith(" " + date), (label, date)
        shown = stem(label[:-len(date) - 1])
        assert shown and shown in e["title"], (label, e["title"])
    assert len(set(labels)) == len(labels), labels


# ---- screens

def nav(lang):
    return msg(lang, "nav_back_home")


def check_home(s, lang, name):
    """Home: "<home_title>" (the name may be shortened) and the 5 services."""
    assert s.con, s
    assert msg(lang, "err_choice") not in s, s
    first = s.text.split("\n")[0]
    greeting = msg(lang, "home_title", name="")
    assert first.startswith(greeting), (first, greeting)
    assert is_prefix_of(first[len(greeting):], name), (first, name)
    assert_menu(s, lang, HOME_KEYS)
    assert len(items(s.text)) == len(HOME_KEYS), s


def check_home_pages(u, s, lang, name):
    """Home: greeting, then every service whole, on one screen. An Arabic
    name is left out of a French or English greeting: it would turn the
    screen into UCS-2 (issue 15, finding 5)."""
    assert s.con and msg(lang, "err_choice") not in s, s
    first = s.text.split("\n")[0]
    greeting = msg(lang, "home_title", name="")
    if lang != "ar" and measure(name)[0] == "ucs2":
        assert first == greeting.rstrip(), s
        assert measure(s.text)[0] == "gsm7", s
    else:
        assert first.startswith(greeting) and is_prefix_of(first[len(greeting):], name), s
    assert all_labels(u, lang, s) == [msg(lang, k) for k in HOME_KEYS], s
    assert msg(lang, "nav_more") not in s.text.split("\n"), s


def walk_forward(u, lang, first):
    """Follow 98 from first; return the pages (numbering must continue)."""
    pages = [first]
    for _ in range(PAGES_MAX):
        if msg(lang, "nav_more") not in pages[-1].text.split("\n"):
            break
        s = u.send("98")
        assert s.con and msg(lang, "err_choice") not in s, s
        pages.append(s)
    else:
        pytest.fail(f"more than {PAGES_MAX} pages: {pages[-1]!r}")
    numbers = [n for p in pages for n, _ in items(p.text)]
    assert numbers == list(range(1, len(numbers) + 1)), [p.text for p in pages]
    return pages


def walk_back(u, pages):
    """Go back with 0 from the last page to the first: the same screens."""
    for i in range(len(pages) - 1, 0, -1):
        s = u.send("0")
        assert s.con and s.text == pages[i - 1].text, (s, pages[i - 1])


def labels_of(pages):
    return [label for p in pages for _, label in items(p.text)]


def all_labels(u, lang, first):
    """Labels of every page of the list shown by first; ends on the first page."""
    pages = walk_forward(u, lang, first)
    walk_back(u, pages)
    return labels_of(pages)


# ---- home and shortcuts

@pytest.mark.parametrize("lang,phone,name", [
    ("ar", FATIMA, "فاطمة الزهراء بنعلي"),
    ("fr", YOUSSEF, "Youssef El Amrani"),
    ("ar", KHADIJA, "Khadija Ait Ali"),
])
def test_home_menu_of_a_member_in_their_language(daemon, lang, phone, name):
    s = Ussd(daemon, phone=phone).dial()
    check_home(s, lang, name)
    enc, _ = measure(s.text)
    assert enc == ("ucs2" if lang == "ar" else "gsm7"), s


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_shortcut_to_grant_status(daemon, lang):
    u = Ussd(daemon, phone=MEMBER_OF[lang])
    s = parse_first(u, "1")  # *384*123*1#
    assert s.con and s.text.startswith(msg(lang, "grants_title")), s
    assert msg(lang, "err_choice") not in s, s
    # The session goes on from there: 0 back leads home.
    check_home(u.send("0"), lang, member_row(daemon, u.phone)["name"])


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("text", ["9", "0", "x", "98", "1*9*9"])
def test_invalid_shortcut_lands_on_home_without_error(daemon, lang, text):
    phone = MEMBER_OF[lang]
    u = Ussd(daemon, phone=phone)
    s = parse_first(u, text)
    if text == "1*9*9":  # the valid part is kept: grant status, no error
        assert s.text.startswith(msg(lang, "grants_title")), s
        assert msg(lang, "err_choice") not in s, s
        return
    check_home(s, lang, member_row(daemon, phone)["name"])


def test_shortcut_never_writes(daemon):
    # *384*123*2*1*1#: events, first event, RSVP. The replay stops before the
    # booking: the member sees the event and nothing is stored.
    u = Ussd(daemon, phone=YOUSSEF)
    s = parse_first(u, "2*1*1")
    assert s.con and msg("fr", "event_rsvp") in numbered(s.text).values(), s
    assert query(daemon, "SELECT * FROM rsvps") == []
    assert receipts(daemon, YOUSSEF) == []
    s = parse_first(Ussd(daemon, phone=YOUSSEF), "5*2")  # profile, stop all
    assert s.con and msg("fr", "profile_stop") in numbered(s.text).values(), s
    assert member_row(daemon, YOUSSEF)["opted_out_at"] is None


def parse_first(u, text):
    """The first step of a dial carrying pre-typed inputs."""
    u.inputs = text.split("*")
    s = parse_screen(u.post_raw(text))
    u.screens.append(s)
    return s


# ---- grant status

GRANTS_OF = {  # newest change first
    FATIMA: ["GR-2026-00041", "GR-2026-00042"],   # her own, her cooperative's
    YOUSSEF: ["GR-2026-00044", "GR-2026-00043"],  # his cooperative's, his own
    KHADIJA: ["GR-2026-00046", "GR-2026-00045"],
}


def grant_row(d, ref):
    return query(d, "SELECT * FROM grants WHERE reference = ?", (ref,))[0]


RLM = "\u200f"


def detail_pages(u, lang, s):
    """The text lines of a detail screen and of the pages "98" leads to
    (issue 15, findings 2, 3: the details span screens rather than being
    cut); back on the first page afterwards. Returns (lines, pages)."""
    pages = [s]
    while msg(lang, "nav_more") in s.text.split("\n"):
        s = u.send("98")
        assert s.con and msg(lang, "err_choice") not in s, s
        pages.append(s)
        assert len(pages) < 6, pages
    for _ in pages[1:]:
        u.send("0")
    lines = []
    for p in pages:
        for line in p.text.split("\n"):
            if line in (msg(lang, "nav_more"), msg(lang, "nav_back")) or \
                    line.split(". ")[0].isdigit():
                continue
            lines.append(line)
    return lines, pages


def amount_text(lang, amount):
    """amount as the catalogs write it: groups of three digits separated by
    the language's thousands_sep (issue 15, finding 13), USSD and SMS alike."""
    return "{:,}".format(amount).replace(",", msg(lang, "thousands_sep"))


def check_grant_detail(d, s, lang, ref, u=None):
    g = grant_row(d, ref)
    assert s.con, s
    if u is None:
        lines, pages = s.text.split("\n")[:-1], [s]
    else:
        lines, pages = detail_pages(u, lang, s)
    # An Arabic screen that starts with Latin text: the right-to-left mark.
    assert lines[0] == (RLM + ref if lang == "ar" else ref), s
    assert lines[1] == catalog(lang)["grant_status"][g["status"]], s
    assert lines[2] == msg(lang, "grant_detail", reference="", status="", note="",
                           amount=amount_text(lang, g["amount_mad"])).split("\n")[2], s
    if g["amount_mad"] >= 1000:  # "150 000 MAD", "150,000 MAD", "150٬000 درهم"
        assert msg(lang, "thousands_sep") in lines[2], s
    note = g["note_" + lang] or ""
    if note:
        # The whole note, over one or more screens (issue 15, finding 3).
        assert " ".join(lines[3:]) == note, (lines, note)
    else:
        assert len(lines) == 3, s  # no empty line for a missing note
    # Detail screens keep their room for the details: "0" back only.
    for p in pages:
        assert p.text.split("\n")[-1] == msg(lang, "nav_back"), p


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF), ("ar", KHADIJA)])
def test_grants_listed_with_details(daemon, lang, phone):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    first = u.send("1")
    assert first.con and first.text.startswith(msg(lang, "grants_title")), first
    labels = all_labels(u, lang, first)
    refs = GRANTS_OF[phone]
    # In Arabic (80 units) the references lose the "GR-2026-" they share,
    # so the list fits one screen (issue 15, finding 4).
    short = lang == "ar"
    want = [msg(lang, "grant_item", reference=r[len("GR-2026-"):] if short else r,
                status=catalog(lang)["grant_status"][grant_row(d, r)["status"]]) for r in refs]
    assert labels == want + [msg(lang, "grants_enter_ref")], labels
    assert msg(lang, "nav_more") not in first.text.split("\n"), first
    for i, ref in enumerate(refs, 1):
        s = u.send(str(i))
        check_grant_detail(d, s, lang, ref, u)
        back = u.send("0")
        assert back.text == first.text, back
    check_grant_detail(d, u.send("2"), lang, refs[1], u)
    s = u.screens[-1]
    while msg(lang, "nav_more") in s.text.split("\n"):
        s = u.send("98")
    assert msg(lang, "err_choice") in u.send("98"), "98 on a detail's last page is a wrong key"
    home = u.send("00")
    check_home(home, lang, member_row(d, phone)["name"])


def to_reference_prompt(u, lang):
    """From home to the reference prompt through the grant list."""
    s = u.send("1")
    if s.text.startswith(msg(lang, "grant_ask_ref")):
        return s
    n = len(all_labels(u, lang, s))  # "enter a reference" is the last item
    s = u.send(str(n))
    assert s.con and msg(lang, "grant_ask_ref") in s and msg(lang, "err_reference") not in s, s
    return s


@pytest.mark.parametrize("lang,phone,typed,ref", [
    ("ar", FATIMA, "GR-2026-00041", "GR-2026-00041"),
    ("ar", FATIMA, "gr202600041", "GR-2026-00041"),
    ("ar", FATIMA, "202600041", "GR-2026-00041"),
    ("ar", FATIMA, " gr-2026-00042 ", "GR-2026-00042"),
    ("ar", FATIMA, "٢٠٢٦٠٠٠٤٢", "GR-2026-00042"),  # Arabic-Indic digits
    ("fr", YOUSSEF, "GR-2026-00043", "GR-2026-00043"),
    ("fr", YOUSSEF, "gr202600043", "GR-2026-00043"),
    ("fr", YOUSSEF, "202600044", "GR-2026-00044"),
])
def test_grant_reference_typed_in_any_form(daemon, lang, phone, typed, ref):
    u = Ussd(daemon, phone=phone)
    u.dial()
    to_reference_prompt(u, lang)
    check_grant_detail(daemon, u.send(typed), lang, ref, u)


@pytest.mark.parametrize("lang,phone,typed", [
    ("fr", YOUSSEF, "GR-2026-00041"),   # Fatima's own
    ("fr", YOUSSEF, "202600042"),       # Fatima's cooperative's
    ("fr", YOUSSEF, "GR-2026-00099"),   # nobody's
    ("fr", YOUSSEF, "00044"),           # a fragment of his own
    ("ar", FATIMA, "gr202600043"),      # Youssef's own
    ("ar", FATIMA, "GR-2026-00045"),    # Khadija's cooperative's
    ("ar", FATIMA, "GR-2026-00099"),
])
def test_other_or_unknown_reference_is_refused_on_a_clear_screen(daemon, lang, phone, typed):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    prompt = to_reference_prompt(u, lang)
    s = u.send(typed)
    assert s.con, s  # not an END: the member can type again
    # Exactly the error line over the prompt: nothing of another grant shows.
    assert s.text == msg(lang, "err_reference") + "\n" + prompt.text, s
    # The next try with the member's own reference works.
    own = GRANTS_OF[phone][0]
    check_grant_detail(d, u.send(own), lang, own, u)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_back_from_reference_prompt_returns_to_the_grant_list(daemon, lang):
    u = Ussd(daemon, phone=MEMBER_OF[lang])
    u.dial()
    grants = u.send("1")
    n = len(all_labels(u, lang, grants))
    assert msg(lang, "grant_ask_ref") in u.send(str(n))
    back = u.send("0")
    assert back.text == grants.text, f"0 on the reference prompt should go back to {grants!r}, got {back!r}"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_member_without_grants_is_asked_for_a_reference(daemon, lang):
    d = daemon
    name = "Nadia Benali" if lang == "fr" else "نادية بنعلي"
    phone, _ = registered_member(d, name, lang, "jerada")  # no cooperative, no grant
    u = Ussd(d, phone=phone)
    check_home(u.dial(), lang, name)
    s = u.send("1")
    assert s.con and s.text == msg(lang, "grant_ask_ref") + "\n" + nav(lang), s
    s = u.send("GR-2026-00041")
    assert s.con and msg(lang, "err_reference") in s and "30000" not in s, s
    check_home(u.send("0"), lang, name)
    u.send("1")
    check_home(u.send("00"), lang, name)


# ---- events

@pytest.mark.parametrize("lang,phone,province", [
    ("ar", FATIMA, "berkane"), ("fr", YOUSSEF, "oujda-angad"), ("ar", KHADIJA, "taourirt")])
def test_event_list_province_first_paginated_both_ways(daemon, lang, phone, province):
    d = daemon
    events = upcoming_events(d, lang, province)
    assert events[0]["province"] == province
    u = Ussd(d, phone=phone)
    u.dial()
    first = u.send("2")
    assert first.con and first.text.startswith(msg(lang, "events_title")), first
    pages = walk_forward(u, lang, first)
    check_event_items(lang, labels_of(pages), events)
    # 98 on the last page is a wrong key; the page stays (the error line may
    # push its last items to a next page).
    s = u.send("98")
    assert s.con and msg(lang, "err_choice") in s, s
    assert items(s.text)[0] == items(pages[-1].text)[0], s
    walk_back(u, pages)
    # Choose an event listed on a later page by its global number.
    n = len(events)
    s = u.send(str(n))
    assert s.con and is_prefix_of(s.text.split("\n")[0], events[-1]["title"]), s
    assert u.send("0").text == first.text
    check_home(u.send("0"), lang, member_row(d, phone)["name"])


def check_event_detail(s, lang, e, seats, u):
    """Title (it may give way), then date, time, place and seats whole on
    the first screen (issue 15, findings 2, 3), the options after them."""
    assert s.con, s
    when = screen_when(lang, e["starts_at"])
    assert when in s, f"no date and time {when!r} on {s!r}"
    lines, pages = detail_pages(u, lang, s)
    text = "\n".join(lines).replace(RLM, "")
    assert e["place"] in text.replace("\n", " "), f"no place {e['place']!r} on {pages!r}"
    assert seats in text, f"no {seats!r} on {pages!r}"
    titles = [line for line in lines if is_prefix_of(line, e["title"])]
    assert titles, (pages, e["title"])
    opts = numbered(pages[-1].text)
    assert opts.get("1") == msg(lang, "event_rsvp"), pages
    assert opts.get("2") == msg(lang, "event_sms"), pages


@pytest.mark.parametrize("lang,phone,province", [
    ("ar", FATIMA, "berkane"), ("fr", YOUSSEF, "oujda-angad")])
def test_event_detail_shows_when_place_and_seats(daemon, lang, phone, province):
    d = daemon
    for i, e in enumerate(upcoming_events(d, lang, province), 1):
        u = Ussd(d, phone=phone)
        u.dial()
        u.send("2")
        s = u.send(str(i))
        seats = (msg(lang, "seats_unlimited") if e["capacity"] is None
                 else msg(lang, "seats_left", n=e["capacity"]))
        check_event_detail(s, lang, e, seats, u)


@pytest.mark.parametrize("lang,phone,province,code", [
    ("ar", FATIMA, "berkane", "102"), ("fr", YOUSSEF, "oujda-angad", "104")])
def test_rsvp_books_once_and_queues_one_receipt(daemon, lang, phone, province, code):
    d = daemon
    events = upcoming_events(d, lang, province)
    k = [e["code"] for e in events].index(code) + 1
    e = events[k - 1]
    mid = member_row(d, phone)["id"]
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("2")
    s = u.send(str(k))
    assert s.con and is_prefix_of(s.text.split("\n")[0], e["title"]), s
    end = u.send("1")
    assert end.end and end.text == msg(lang, "rsvp_done", title=e["title"]), end
    rows = query(d, "SELECT * FROM rsvps WHERE event_id = ?", (e["id"],))
    assert [r["member_id"] for r in rows] == [mid], rows
    sms = receipts(d, phone)
    assert len(sms) == 1, sms
    check_sms(sms[0], msg(lang, "sms_rsvp", title=e["title"], when=screen_when(lang, e["starts_at"]),
                          place=e["place"], code=e["code"]), mid, lang)

    # Again, in a new session: harmless.
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("2")
    s = u.send(str(k))
    lines, _ = detail_pages(u, lang, s)
    assert msg(lang, "seat_yours") in lines, lines
    end = u.send("1")
    assert end.end and end.text == msg(lang, "rsvp_already", title=e["title"]), end
    assert len(query(d, "SELECT * FROM rsvps WHERE event_id = ?", (e["id"],))) == 1
    assert len(receipts(d, phone)) == 1


@pytest.mark.parametrize("lang,phone,province", [
    ("ar", FATIMA, "berkane"), ("fr", YOUSSEF, "oujda-angad")])
def test_sms_me_the_details(daemon, lang, phone, province):
    d = daemon
    e = upcoming_events(d, lang, province)[0]
    mid = member_row(d, phone)["id"]
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("2")
    u.send("1")
    end = u.send("2")
    assert end.end and end.text == msg(lang, "event_sms_sent"), end
    sms = receipts(d, phone)
    assert len(sms) == 1, sms
    check_sms(sms[0], msg(lang, "sms_event", title=e["title"], when=screen_when(lang, e["starts_at"]),
                          place=e["place"], code=e["code"]), mid, lang)
    assert query(d, "SELECT * FROM rsvps") == []


@pytest.mark.parametrize("lang,lang_no", [("ar", "1"), ("fr", "2")])
def test_unregistered_rsvp_is_sent_to_registration(daemon, lang, lang_no):
    d = daemon
    u = Ussd(d)
    u.dial()
    u.send(lang_no)
    s = u.send("2")  # public events
    assert s.con and s.text.startswith(msg(lang, "events_title")), s
    s = u.send("1")
    _, pages = detail_pages(u, lang, s)
    assert s.con and numbered(pages[-1].text).get("1") == msg(lang, "event_rsvp"), pages
    s = u.send("1")
    assert s.con and s.text == msg(lang, "err_register_first") + "\n" + msg(lang, "ask_name"), s
    assert query(d, "SELECT * FROM members WHERE phone = ?", (u.phone,)) == []
    assert query(d, "SELECT * FROM rsvps") == []
    assert query(d, "SELECT * FROM messages WHERE phone = ?", (u.phone,)) == []
    # The registration goes on from there.
    s = u.send("Amina Tazi")
    assert s.con and msg(lang, "ask_coop") in s, s


def test_full_event_says_so(daemon):
    # Event 106 has 2 seats: two members take them, the third is told.
    d = daemon
    e = query(d, "SELECT * FROM events WHERE code = '106'")[0]
    booked = []
    for phone, lang, province in ((FATIMA, "ar", "berkane"), (YOUSSEF, "fr", "oujda-angad")):
        k = [x["code"] for x in upcoming_events(d, lang, province)].index("106") + 1
        u = Ussd(d, phone=phone)
        u.dial()
        u.send("2")
        u.send(str(k))
        assert u.send("1").end
        booked.append(phone)
    assert len(query(d, "SELECT * FROM rsvps WHERE event_id = ?", (e["id"],))) == 2
    phone, _ = registered_member(d, "Salma Idrissi", "fr", "berkane")
    fr = [x["code"] for x in upcoming_events(d, "fr", "berkane")]
    u = Ussd(d, phone=phone)
    u.dial()
    events = u.send("2")
    s = u.send(str(fr.index("106") + 1))
    assert s.con and msg("fr", "seats_full") in s, s
    s = u.send("1")
    assert s.con and msg("fr", "event_full") in s, s  # a screen, not an error
    assert msg("fr", "err_choice") not in s, s
    assert u.send("0").text == events.text
    assert len(query(d, "SELECT * FROM rsvps WHERE event_id = ?", (e["id"],))) == 2
    assert receipts(d, phone) == []


@pytest.mark.parametrize("capacity,members", [(3, 16), (1, 8)])
def test_race_for_the_last_seats(daemon, capacity, members):
    d = daemon
    title_fr, title_ar = "Atelier course aux places", "ورشة السباق على المقاعد"
    eid = add_event(d, "990", title_fr, title_ar, "Jerada, Maison des jeunes", "jerada",
                    capacity)
    phones = []
    for i in range(members):
        lang = "fr" if i % 2 else "ar"
        name = f"Membre Course {chr(65 + i)}" if lang == "fr" else f"عضو السباق {i}"
        phones.append((registered_member(d, name, lang, "jerada")[0], lang))
    # Every member opens the event (first in their list: their province).
    sessions = []
    for phone, lang in phones:
        u = Ussd(d, phone=phone)
        u.dial()
        u.send("2")
        s = u.send("1")
        title = title_fr if lang == "fr" else title_ar
        assert s.con and is_prefix_of(s.text.split("\n")[0], title), s
        sessions.append((u, lang))
    barrier = threading.Barrier(len(sessions))
    results = [None] * len(sessions)

    def book(i):
        u, _ = sessions[i]
        try:
            barrier.wait(timeout=10)
            r = u.post_raw(u.text + "*1")  # all at once
            results[i] = r
        except Exception as e:  # reported below
            results[i] = e

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a booking did not answer within 30 s"
    done, full = [], []
    for (u, lang), r in zip(sessions, results):
        assert not isinstance(r, Exception), r
        assert r.status == 200, r  # no 5xx, no busy
        body = r.body.decode("utf-8")
        title = title_fr if lang == "fr" else title_ar
        if body == "END " + msg(lang, "rsvp_done", title=title):
            done.append(u.phone)
        else:
            assert body.startswith("CON ") and msg(lang, "event_full") in body, body
            assert msg(lang, "err_choice") not in body, body
            full.append(u.phone)
    rows = query(d, "SELECT m.phone FROM rsvps r JOIN members m ON m.id = r.member_id"
                    " WHERE r.event_id = ?", (eid,))
    assert len(rows) == capacity, rows
    assert sorted(r["phone"] for r in rows) == sorted(done)
    assert len(full) == members - capacity
    sent = query(d, "SELECT phone FROM messages WHERE kind = 'receipt' AND direction = 'out'")
    assert sorted(r["phone"] for r in sent) == sorted(done)
    d.assert_alive()


# ---- project ideas

@pytest.mark.parametrize("lang,phone,title,text", [
    ("ar", FATIMA, "نسيج تقليدي", "ورشة لنسج الزرابي التقليدية وبيعها عبر الإنترنت"),
    ("fr", YOUSSEF, "Miel de thym", "Production et vente de miel de thym des montagnes"),
])
def test_idea_submitted_with_reference_and_receipt(daemon, lang, phone, title, text):
    d = daemon
    mid = member_row(d, phone)["id"]
    u = Ussd(d, phone=phone)
    u.dial()
    s = u.send("3")
    assert s.con and s.text.startswith(msg(lang, "idea_ask_sector")), s
    labels = all_labels(u, lang, s)
    assert labels == [sector_name(lang, x) for x in
                      ["agriculture", "livestock", "agrifood", "handicraft", "textile",
                       "tourism", "services", "other"]], labels
    s = u.send("5")  # textile, by its global number whatever the page
    assert s.con and s.text == msg(lang, "idea_ask_title") + "\n" + nav(lang), s
    s = u.send(title)
    assert s.con and s.text == msg(lang, "idea_ask_text") + "\n" + nav(lang), s
    s = u.send(text)
    assert s.con and msg(lang, "idea_confirm", title=title,
                         sector=sector_name(lang, "textile")) in s, s
    assert_menu(s, lang, ["idea_submit", "idea_cancel"])
    t0 = time.time()
    end = u.send("1")
    assert end.end, end
    m = IDEA_REF.search(end.text)
    assert m, end
    ref = m.group(0)
    assert end.text == msg(lang, "idea_done", reference=ref), end
    assert abs(int(m.group(1)) - local(t0).year) <= 1
    rows = query(d, "SELECT * FROM ideas WHERE member_id = ?", (mid,))
    assert len(rows) == 1, rows
    assert (rows[0]["reference"], rows[0]["sector"], rows[0]["title"], rows[0]["description"],
            rows[0]["status"]) == (ref, "textile", title, text, "submitted"), rows
    assert int(m.group(2)) == rows[0]["id"]
    sms = receipts(d, phone)
    assert len(sms) == 1, sms
    check_sms(sms[0], msg(lang, "sms_idea", title=title, reference=ref), mid, lang)
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) == []


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_idea_wrong_title_and_description(daemon, lang, phone):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("3")
    u.send("1")
    prompt = msg(lang, "idea_ask_title") + "\n" + nav(lang)
    for bad in ("ab", "12345", "", "   ", "T" * 61, "Miel#1"):
        s = u.send(bad)
        assert s.con and s.text == msg(lang, "err_title") + "\n" + prompt, (bad, s)
    s = u.send("Miel")
    assert s.con and msg(lang, "idea_ask_text") in s and msg(lang, "err_title") not in s, s
    prompt = msg(lang, "idea_ask_text") + "\n" + nav(lang)
    for bad in ("court", "123456789012", "", "x" * 161, "Mots " * 33):
        s = u.send(bad)
        assert s.con and s.text == msg(lang, "err_text") + "\n" + prompt, (bad, s)
    # Back from the description to the title, and forward again.
    s = u.send("0")
    assert s.con and s.text == msg(lang, "idea_ask_title") + "\n" + nav(lang), s
    u.send("Miel de montagne")
    s = u.send("Une description assez longue")
    assert s.con and msg(lang, "idea_confirm", title="Miel de montagne",
                         sector=sector_name(lang, "agriculture")) in s, s
    assert query(d, "SELECT * FROM ideas") == []


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_idea_cancelled_stores_nothing(daemon, lang, phone):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    for step in ("3", "2", "Elevage de chevres", "Cheptel de chevres laitieres"):
        assert u.send(step).con
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) != []
    end = u.send("2")
    assert end.end and end.text == msg(lang, "idea_cancelled"), end
    assert query(d, "SELECT * FROM ideas") == []
    assert receipts(d, phone) == []
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) == []
    # The next dial is a plain home, no idea offered.
    check_home(Ussd(d, phone=phone).dial(), lang, member_row(d, phone)["name"])


# ---- alerts

def alert_label(lang, topic, on):
    return msg(lang, "alert_item", topic=catalog(lang)["topic_short"][topic],
               state=msg(lang, "alert_on" if on else "alert_off"))


def topics_in_db(d, mid):
    rows = query(d, "SELECT topic, enabled FROM member_topics WHERE member_id = ?", (mid,))
    return {r["topic"]: r["enabled"] for r in rows}


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_alerts_toggle_each_topic_and_persist(daemon, lang, phone):
    d = daemon
    mid = member_row(d, phone)["id"]
    u = Ussd(d, phone=phone)
    u.dial()
    first = u.send("4")
    assert first.con and first.text.startswith(msg(lang, "alerts_title")), first
    state = {t: True for t in TOPICS}  # every topic on by default
    assert all_labels(u, lang, first) == [alert_label(lang, t, True) for t in TOPICS]
    for k, topic in enumerate(TOPICS, 1):
        for _ in range(2):  # off, then on again
            s = u.send(str(k))
            assert s.con and s.text.startswith(msg(lang, "alerts_title")), s
            assert msg(lang, "err_choice") not in s, s
            state[topic] = not state[topic]
            assert topics_in_db(d, mid)[topic] == int(state[topic])
            assert all_labels(u, lang, s) == [alert_label(lang, t, state[t]) for t in TOPICS]
    # Leave two topics off; the next dial shows them off.
    u.send("2")
    u.send("4")
    assert topics_in_db(d, mid) == {"events": 1, "trainings": 0, "grants": 1,
                                    "ideathon": 0, "news": 1}
    check_home(u.send("00"), lang, member_row(d, phone)["name"])
    u = Ussd(d, phone=phone)
    u.dial()
    s = u.send("4")
    assert all_labels(u, lang, s) == [alert_label(lang, t, t not in ("trainings", "ideathon"))
                                      for t in TOPICS]


# ---- profile

@pytest.mark.parametrize("lang,phone,new_lang,new_no", [
    ("fr", YOUSSEF, "ar", "1"), ("ar", FATIMA, "fr", "2")])
def test_language_change_applies_to_the_next_dial(daemon, lang, phone, new_lang, new_no):
    d = daemon
    name = member_row(d, phone)["name"]
    u = Ussd(d, phone=phone)
    u.dial()
    s = u.send("5")
    assert all_labels(u, lang, s)[0] == msg(lang, "menu_language"), s
    s = u.send("1")
    assert s.con and s.text.startswith(msg(lang, "menu_language")), s
    assert [numbered(s.text).get(str(i)) for i in (1, 2, 3)] == \
        [msg(x, "language_name") for x in ("ar", "fr", "en")], s
    end = u.send(new_no)
    assert end.end and end.text == msg(new_lang, "language_changed"), end
    assert member_row(d, phone)["language"] == new_lang
    u = Ussd(d, phone=phone)
    check_home_pages(u, u.dial(), new_lang, name)


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_stop_all_messages_then_resume(daemon, lang, phone):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    s = u.send("5")
    assert all_labels(u, lang, s) == [msg(lang, k) for k in
                                           ("menu_language", "profile_stop", "profile_erase")]
    t0 = int(time.time())
    end = u.send("2")
    assert end.end and end.text == msg(lang, "stopped"), end
    m = member_row(d, phone)
    assert m["opted_out_at"] is not None and t0 - 2 <= m["opted_out_at"] <= time.time() + 2, m
    assert m["erased_at"] is None and m["name"], m
    # Still a member: home, and the profile now offers to resume.
    u = Ussd(d, phone=phone)
    check_home(u.dial(), lang, m["name"])
    s = u.send("5")
    assert all_labels(u, lang, s) == [msg(lang, k) for k in
                                           ("menu_language", "profile_start", "profile_erase")]
    end = u.send("2")
    assert end.end and end.text == msg(lang, "started"), end
    assert member_row(d, phone)["opted_out_at"] is None


def test_profile_shows_what_is_stored(daemon):
    m = member_row(daemon, YOUSSEF)
    u = Ussd(daemon, phone=YOUSSEF)
    u.dial()
    s = u.send("5")
    assert msg("fr", "profile_text", member_no="TA-%06d" % m["id"], name=m["name"],
               coop="Cooperative Angad Miel", province=province_name("fr", "oujda-angad"),
               sector=sector_name("fr", "agrifood")) in s, s


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_erase_my_data(daemon, lang, phone):
    d = daemon
    before = member_row(d, phone)
    mid = before["id"]
    # Something to erase: a seat, a topic switched off, a receipt.
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("2")
    u.send("1")
    assert u.send("1").end
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("4")
    u.send("2")
    assert query(d, "SELECT * FROM rsvps WHERE member_id = ?", (mid,))
    assert topics_in_db(d, mid) == {"trainings": 0}

    # Asked for confirmation; "2" cancels and changes nothing.
    u = Ussd(d, phone=phone)
    u.dial()
    profile = u.send("5")
    s = u.send("3")
    assert s.con and s.text.startswith(msg(lang, "erase_confirm")), s
    assert_menu(s, lang, ["erase_yes", "erase_no"])
    before = member_row(d, phone)
    back = u.send("2")
    assert back.con and back.text == profile.text, back
    assert member_row(d, phone) == before
    s = u.send("3")
    t0 = int(time.time())
    end = u.send("1")
    assert end.end and end.text == msg(lang, "erased"), end

    m = member_row(d, phone)
    assert m["id"] == mid and m["phone"] == phone
    for field in ("name", "cooperative_id", "province", "sector", "gender", "birth_year",
                  "consent_at", "consent_channel", "registered_at"):
        assert m[field] is None, (field, m)
    assert m["erased_at"] is not None and t0 - 2 <= m["erased_at"] <= time.time() + 2, m
    assert m["opted_out_at"] is not None, m
    assert query(d, "SELECT * FROM rsvps WHERE member_id = ?", (mid,)) == []
    assert query(d, "SELECT * FROM member_topics WHERE member_id = ?", (mid,)) == []
    for row in query(d, "SELECT body FROM messages WHERE member_id = ?", (mid,)):
        assert row["body"] == "", row
    # The next dial is an unknown number's: the language menu.
    s = Ussd(d, phone=phone).dial()
    assert s.con, s
    assert [numbered(s.text).get(str(i)) for i in (1, 2, 3)] == \
        [msg(x, "language_name") for x in ("ar", "fr", "en")], s
    assert before["name"] not in s


# ---- drafts

REG_STEPS = {  # language number, then up to the province (nador)
    "ar": ["1", "1", "سعاد الإدريسي", "0", "3"],
    "fr": ["2", "1", "Souad Idrissi", "2001", "3"],
}
REG_NAME = {"ar": "سعاد الإدريسي", "fr": "Souad Idrissi"}


def start_registration(d, lang):
    u = Ussd(d)
    u.dial()
    for step in REG_STEPS[lang]:
        s = u.send(step)
        assert s.con, (step, s)
    assert msg(lang, "ask_sector") in s, s  # the province is chosen: sector next
    rows = query(d, "SELECT flow FROM ussd_drafts WHERE phone = ?", (u.phone,))
    assert [r["flow"] for r in rows] == ["register"], rows
    return u.phone  # and the session is dropped: nothing more is sent on it


def resume_screen_ok(s, lang, key):
    assert s.con and s.text.split("\n")[0] == msg(lang, key), s
    assert_menu(s, lang, ["resume_continue", "resume_restart"])


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_dropped_registration_is_resumed(daemon, lang):
    d = daemon
    phone = start_registration(d, lang)
    u = Ussd(d, phone=phone)  # a new sessionId, empty text
    resume_screen_ok(u.dial(), lang, "resume_register")
    s = u.send("1")
    assert s.con and s.text.startswith(msg(lang, "ask_sector")), s
    for step in ("1", "1", "1985", "1"):
        assert u.send(step).con
    coop = msg(lang, "no_coop") if lang == "ar" else "Cooperative Agrumes de Berkane"
    assert f"{REG_NAME[lang]}\n{coop}" in u.screens[-1], u.screens[-1]
    assert province_name(lang, "nador") in u.screens[-1]
    end = u.send("1")
    no = re.search(r"TA-\d{6}", end.text)
    assert end.end and no and end.text == msg(lang, "registered", member_no=no.group(0)), end
    m = member_row(d, phone)
    assert (m["name"], m["province"], m["sector"], m["language"]) == \
        (REG_NAME[lang], "nador", "agriculture", lang), m
    assert (m["cooperative_id"] is None) == (lang == "ar"), m
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) == []
    check_home(Ussd(d, phone=phone).dial(), lang, REG_NAME[lang])


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_dropped_registration_started_over(daemon, lang):
    d = daemon
    phone = start_registration(d, lang)
    u = Ussd(d, phone=phone)
    resume_screen_ok(u.dial(), lang, "resume_register")
    s = u.send("2")
    assert s.con and s.text.startswith(msg(lang, "welcome", programme="Taawun")), s
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) == []
    s = u.send("1")
    assert s.con and s.text == msg(lang, "ask_name"), s  # the old name is not kept
    assert query(d, "SELECT * FROM members WHERE phone = ?", (phone,)) == []


def test_old_draft_is_not_offered(daemon):
    d = daemon
    phone = start_registration(d, "fr")
    with writable(d) as c:  # older than ussd.draft_ttl_s (default one day)
        c.execute("UPDATE ussd_drafts SET updated_at = updated_at - 86400 - 60 WHERE phone = ?",
                  (phone,))
    s = Ussd(d, phone=phone).dial()
    assert s.con and msg("fr", "resume_register") not in s, s
    assert numbered(s.text).get("2") == msg("fr", "language_name"), s


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_dropped_idea_is_resumed(daemon, lang, phone):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    for step in ("3", "4", "Tapis de laine"):
        assert u.send(step).con
    rows = query(d, "SELECT flow FROM ussd_drafts WHERE phone = ?", (phone,))
    assert [r["flow"] for r in rows] == ["idea"], rows
    u = Ussd(d, phone=phone)
    resume_screen_ok(u.dial(), lang, "resume_idea")
    s = u.send("1")
    assert s.con and s.text == msg(lang, "idea_ask_text") + "\n" + nav(lang), s
    s = u.send("Tapis tisses a la main par les femmes")
    assert msg(lang, "idea_confirm", title="Tapis de laine",
               sector=sector_name(lang, "handicraft")) in s, s
    end = u.send("1")
    assert end.end and IDEA_REF.search(end.text), end
    rows = query(d, "SELECT title, sector FROM ideas")
    assert rows == [{"title": "Tapis de laine", "sector": "handicraft"}], rows
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) == []
    check_home(Ussd(d, phone=phone).dial(), lang, member_row(d, phone)["name"])


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_dropped_idea_started_over(daemon, lang, phone):
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    for step in ("3", "4", "Tapis de laine"):
        assert u.send(step).con
    u = Ussd(d, phone=phone)
    resume_screen_ok(u.dial(), lang, "resume_idea")
    s = u.send("2")
    assert s.con and s.text.startswith(msg(lang, "idea_ask_sector")), s
    for step in ("1", "Dattes sechees", "Sechage solaire des dattes de Figuig"):
        s = u.send(step)
    assert msg(lang, "idea_confirm", title="Dattes sechees",
               sector=sector_name(lang, "agriculture")) in s, s
    assert "Tapis" not in s
    assert u.send("1").end
    assert [r["title"] for r in query(d, "SELECT title FROM ideas")] == ["Dattes sechees"]


# ---- every screen fits, with the longest data

LONG_LATIN = ("Mohamed Abderrahmane Benabdellah El Idrissi Ouazzani Alaoui Z")[:60]
LONG_ARABIC = ("محمد عبد الرحمن بن عبد الله الإدريسي الوزاني العلوي الحسني الشريف")[:60]


def add_long_data(d):
    """A cooperative and an event with texts longer than any screen."""
    now = int(time.time())
    with writable(d) as c:
        c.execute("INSERT INTO cooperatives (code, name, province, sector, created_at,"
                  " updated_at) VALUES ('9001', ?, 'figuig', 'other', ?, ?)",
                  ("Cooperative Agricole Feminine des Oasis de Figuig Tres Longue", now, now))
    add_event(d, "909", "Atelier regional sur la digitalisation des cooperatives feminines "
              "de l'Oriental " * 2, "ورشة جهوية حول رقمنة التعاونيات النسائية بجهة الشرق " * 3,
              "Salle polyvalente de la Chambre d'agriculture, boulevard Mohammed V " * 2,
              "figuig", 1000, days=2)


def add_long_grant(d, mid):
    now = int(time.time())
    with writable(d) as c:
        c.execute("INSERT INTO grants (reference, member_id, programme, amount_mad, status,"
                  " note_ar, note_fr, note_en, created_at, updated_at)"
                  " VALUES (?, ?, 'P', 1234567890, 'documents_missing', ?, ?, ?, ?, ?)",
                  ("GR-2026-9%04d" % mid, mid, "ملاحظة طويلة جدا حول الملف " * 8,
                   "Il manque plusieurs pieces au dossier de la cooperative " * 4,
                   "Note " * 40, now, now))


def walk_everything(d, phone, lang):
    """Visit every member screen, with and without an error line."""
    name = member_row(d, phone)["name"]
    u = Ussd(d, phone=phone)
    check_home_pages(u, u.dial(), lang, name)
    u.send("x")                                   # home with an error line
    u.send("00")
    grants = u.send("1")                           # grants, every page, back
    labels = all_labels(u, lang, grants) if grants.text.startswith(
        msg(lang, "grants_title")) else []
    for i in range(1, len(labels)):
        u.send(str(i))                             # each grant's detail
        u.send("x")                                # ... with an error line
        u.send("0")
    if labels:
        u.send(str(len(labels)))                   # the reference prompt
    u.send("GR-0000-00000")                        # ... with err_reference
    u.send("00")
    events = u.send("2")
    pages = walk_forward(u, lang, events)          # events, every page
    u.send("98")                                   # ... err_choice on the last
    walk_back(u, pages)
    for i in range(1, len(labels_of(pages)) + 1):
        s = u.send(str(i))                         # each event's detail
        assert s.con, s
        _, pages = detail_pages(u, lang, s)
        for p in pages:
            for n, label in items(p.text):
                assert label == msg(lang, ["event_rsvp", "event_sms"][n - 1]), p
        assert numbered(pages[-1].text).get("1") == msg(lang, "event_rsvp"), pages
        u.send("x")
        u.send("00")
        u.send("2")
    u.send("00")
    s = u.send("3")                                # idea: sector pages
    all_labels(u, lang, s)
    u.send("x")
    u.send("1")
    u.send("ab")                                   # err_title
    u.send("T" * 30 + " " + "ث" * 29 if lang == "ar" else "T" * 30 + " " + "t" * 29)
    u.send("court")                                # err_text
    s = u.send(("وصف " * 40)[:159] if lang == "ar" else ("Description " * 14)[:160])
    assert_menu_pages(u, lang, s, ["idea_submit", "idea_cancel"])
    u.send("x")
    end = u.send("2")                              # cancelled: no draft left
    assert end.end and end.text == msg(lang, "idea_cancelled"), end
    screens = u.screens[:-1]
    u = Ussd(d, phone=phone)
    u.dial()
    s = u.send("4")                                # alerts pages
    all_labels(u, lang, s)
    u.send("x")
    u.send("00")
    s = u.send("5")                                # profile pages
    assert_menu_pages(u, lang, s, ["menu_language", "profile_stop", "profile_erase"])
    u.send("x")
    s = u.send("3")                                # erase confirm
    assert_menu(s, lang, ["erase_yes", "erase_no"])
    u.send("x")
    s = u.send("0")
    s = u.send("1")                                # languages
    assert [numbered(s.text).get(str(i)) for i in (1, 2, 3)] == \
        [msg(x, "language_name") for x in ("ar", "fr", "en")], s
    u.send("x")
    u.send("00")
    for s in screens + u.screens:
        assert s.con, s


def assert_menu_pages(u, lang, s, keys):
    """The options of a (possibly paginated) menu are whole catalog texts."""
    assert all_labels(u, lang, s) == [msg(lang, k) for k in keys], s


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF), ("ar", KHADIJA)])
def test_every_screen_fits_with_demo_data(daemon, lang, phone):
    add_long_data(daemon)
    walk_everything(daemon, phone, lang)


@pytest.mark.parametrize("lang,name", [
    ("ar", LONG_ARABIC), ("fr", LONG_LATIN), ("fr", LONG_ARABIC), ("ar", LONG_LATIN)],
    ids=["ar-arabic-name", "fr-latin-name", "fr-arabic-name", "ar-latin-name"])
def test_every_screen_fits_with_the_longest_data(daemon, lang, name):
    assert len(name) == 60
    d = daemon
    add_long_data(d)
    phone, mid = registered_member(d, name, lang, "figuig", coop_code="9001")
    add_long_grant(d, mid)
    walk_everything(d, phone, lang)
    # And once more with the RSVP taken and alerts switched off.
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("2")
    u.send("1")
    end = u.send("1")
    assert end.end, end
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("4")
    for k in range(1, 6):
        u.send(str(k))
    walk_everything(d, phone, lang)


@pytest.mark.parametrize("lang,phone", [("ar", FATIMA), ("fr", YOUSSEF)])
def test_idea_menu_left_for_home_with_nothing_typed_leaves_no_draft(daemon, lang, phone):
    # The member looks at "submit an idea", goes home with 00 and uses
    # another service: there is no idea under way to offer on the next dial.
    d = daemon
    u = Ussd(d, phone=phone)
    u.dial()
    s = u.send("3")
    assert s.con and s.text.startswith(msg(lang, "idea_ask_sector")), s
    check_home(u.send("00"), lang, member_row(d, phone)["name"])
    assert u.send("2").text.startswith(msg(lang, "events_title"))
    s = Ussd(d, phone=phone).dial()
    assert msg(lang, "resume_idea") not in s, s
    check_home(s, lang, member_row(d, phone)["name"])
