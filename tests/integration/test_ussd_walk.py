"""test_ussd_walk.py -- every USSD screen walked in Arabic, French and
English with the longest real data of the demo (a 54-letter Arabic name on
French menus in a cooperative with a 60-letter Arabic name, a 55-letter
French name on English menus, an event titled in 80 characters with a long
place, a grant note of 165 Arabic letters), as issue 15's "Done when" asks:

- every answer within the limits (182 GSM-7 septets, 80 UCS-2 units);
- every detail screen keeps its date, time and place (events: the first
  screen has date and time, the place is whole on the screens "98" leads
  to) and a grant's note whole;
- a list page shows at least three items where three labels fit;
- every service of home and of the profile, and every alert topic, within
  three keys from home;
- a wrong key keeps the options (and "98");
- a retransmission of each step gets the same answer and changes nothing.

Members are walked breadth first from home over every option (the choices
that stop, erase or change the language end the walk there: they are
checked, not taken); strangers walk the registration in each language. The
members their cooperative's contact person registered are asked for consent
first in each language (no, then yes). The counts of screens, answers and
SMS are printed for the closing note."""

from conftest import (SCREEN_MAX_GSM7, SCREEN_MAX_UCS2, Ussd, add_member, catalog, connect_db,
                      measure, msg, new_phone, numbered, query)
from outbox_helpers import write_db
from test_ussd_services import (RLM, detail_pages, grant_row, screen_when, stem,
                                upcoming_events)

MEMBERS = [  # phone, language, province
    ("+212600000001", "ar", "berkane"),      # Arabic name
    ("+212600000002", "fr", "oujda-angad"),  # Latin name
    ("+212700000003", "ar", "taourirt"),     # Latin name on Arabic menus
    ("+212600000004", "fr", "driouch"),      # long Arabic name and cooperative, French menus
    ("+212600000005", "en", "oujda-angad"),  # long Latin name, English menus
]
DEPTH_MAX = 7
SERVICE_KEYS = ["menu_grants", "menu_events", "menu_idea", "menu_alerts", "menu_profile",
                "menu_language", "profile_erase"]
TOPICS = ["events", "trainings", "grants", "ideathon", "news"]
LONG_AR = "عبد الرحمان بن عبد الله الإدريسي الحسني الوزاني الشريف علوية"  # 60 letters
LONG_LATIN = "Marie-Christine Ait Ben Haddou El Ouazzani Bensalah Tazi Ala"  # 60


class Tally:
    def __init__(self):
        self.screens = set()
        self.answers = 0

    def count(self, s):
        self.screens.add(s.text)
        self.answers += 1
        return s


def limit_of(text):
    enc, units = measure(text)
    return units, SCREEN_MAX_GSM7 if enc == "gsm7" else SCREEN_MAX_UCS2


def snapshot(d):
    """What a step may change: rows of every table a step writes."""
    with connect_db(d) as conn:
        out = {}
        for table in ("members", "rsvps", "ideas", "messages", "member_topics", "ussd_drafts"):
            out[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        out["opted_out"] = conn.execute(
            "SELECT count(*) FROM members WHERE opted_out_at IS NOT NULL").fetchone()[0]
        out["topics_on"] = conn.execute(
            "SELECT coalesce(sum(enabled), 0) FROM member_topics").fetchone()[0]
        return out


def fresh(d, tally, phone):
    """A new session from home: a draft the previous path left (an idea
    under way) is dropped first, so each path starts from home."""
    write_db(d, "DELETE FROM ussd_drafts WHERE phone = ?", (phone,))
    u = Ussd(d, phone=phone)
    return u, tally.count(u.dial())


def choices(text, lang):
    """The numbered options and "98" of a screen, without navigation."""
    nav = {msg(lang, "nav_back"), msg(lang, "nav_back_home")}
    lines = text.replace(RLM, "").split("\n")
    return [ln for ln in lines if ln.split(". ")[0].isdigit() and ln not in nav]


def options_of(text):
    """{number: label} of the numbered options (98 and 0 left out)."""
    return {int(n): label for n, label in numbered(text.replace(RLM, "")).items()
            if n.isdigit() and int(n) < 90 and n != "0"}


def has_more(text, lang):
    return msg(lang, "nav_more") in text.replace(RLM, "").split("\n")


def retransmit_and_wrong_key(d, tally, u, s, lang):
    """The same text again: the same answer, nothing changed. Then, on a
    screen with options, a wrong key: the error line over the same
    options and "98"."""
    before = snapshot(d)
    again = tally.count(u._step_again())
    assert again.text == s.text and again.kind == s.kind, (s, again)
    assert snapshot(d) == before, (u.text, s)
    if s.con and options_of(s.text):
        w = tally.count(u.send("77"))
        assert w.con and w.text.split("\n")[0] == msg(lang, "err_choice"), w
        assert choices(w.text, lang)[: len(choices(s.text, lang))] == choices(s.text, lang), (s, w)
        assert has_more(w.text, lang) == has_more(s.text, lang), (s, w)


def _step_again(self):
    return self._step()


Ussd._step_again = _step_again  # resend the current text: a retransmission


def check_page_packing(parent, child, lang):
    """A page that offers "98" with fewer than three items: the next item
    (the first of the page "98" leads to) could not have fit on it."""
    items = options_of(parent.text)
    nxt = options_of(child.text)
    if not has_more(parent.text, lang) or len(items) >= 3 or not nxt:
        return
    first = min(nxt)
    lines = parent.text.split("\n")
    at = lines.index(msg(lang, "nav_more"))
    packed = "\n".join(lines[:at] + [f"{first}. {nxt[first]}"] + lines[at:])
    units, lim = limit_of(packed)
    assert units > lim, f"page with {len(items)} items had room for one more:\n{packed}"


def free_text_inputs(d, lang, phone, text):
    """Inputs to try on a free-text screen, or None when it is not one."""
    t = text.replace(RLM, "")
    if msg(lang, "grant_ask_ref").split(" (")[0] in t:
        refs = query(d, "SELECT reference FROM grants g JOIN members m ON m.id = g.member_id "
                        "WHERE m.phone = ?", (phone,))
        return ["GR-2026-99999"] + [r["reference"] for r in refs[:1]]
    if msg(lang, "idea_ask_title") in t:
        return [(LONG_AR if lang == "ar" else LONG_LATIN)[:60]]
    if msg(lang, "idea_ask_text") in t:
        return ["x", ("وصف طويل لفكرة مشروع تعاوني " if lang == "ar" else
                      "Une longue description d'un projet cooperatif ") * 3]
    return None


def excluded(lang, label):
    """Choices that would end the member's walk: checked, not taken."""
    return label in {msg(lang, "profile_stop"), msg(lang, "profile_start"),
                     msg(lang, "erase_yes")} or label in \
        {msg(x, "language_name") for x in ("ar", "fr", "en")}


def walk_member(d, tally, phone, lang):
    """Breadth first from home. Returns {service or topic: fewest keys}."""
    reach = {}
    topic_labels = {catalog(lang)["topic_short"][t]: t for t in TOPICS}
    service_labels = {msg(lang, k): k for k in SERVICE_KEYS}
    seen = set()
    frontier = [([], None)]
    for depth in range(DEPTH_MAX + 1):
        nxt = []
        for path, parent in frontier:
            u, s = fresh(d, tally, phone)
            for k in path:
                s = tally.count(u.send(k))
            assert s.text.strip(), s
            if parent is not None and path[-1] == "98":
                check_page_packing(parent, s, lang)
            for n, label in options_of(s.text).items():
                for name in (service_labels.get(label), topic_labels.get(label.rsplit(" ", 1)[0]),
                             topic_labels.get(label.split(":")[0])):
                    if name:
                        reach[name] = min(reach.get(name, 99), len(path) + 1)
            key = s.text
            retransmit_and_wrong_key(d, tally, u, s, lang)
            if s.end or key in seen or depth == DEPTH_MAX:
                continue
            seen.add(key)
            opts = options_of(s.text)
            if any(label.split(":")[0] in topic_labels or label.rsplit(" ", 1)[0] in topic_labels
                   for label in opts.values()) and path and path[-1] not in ("4", "98"):
                continue  # an alerts screen after a switch: its state changed, nothing new
            for n, label in opts.items():
                if not excluded(lang, label):
                    nxt.append((path + [str(n)], s))
            if has_more(s.text, lang):
                nxt.append((path + ["98"], s))
            for typed in free_text_inputs(d, lang, phone, s.text) or []:
                nxt.append((path + [typed], s))
        frontier = nxt
        if not frontier:
            break
    return reach


def check_details(d, tally, phone, lang, province):
    """Every event and grant of the member, screen by screen."""
    events = upcoming_events(d, lang, province)
    for i, e in enumerate(events, 1):
        u, _ = fresh(d, tally, phone)
        tally.count(u.send("2"))
        s = tally.count(u.send(str(i)))
        assert screen_when(lang, e["starts_at"]) in s.text, (e["title"], s)
        lines, pages = detail_pages(u, lang, s)
        tally.answers += 2 * (len(pages) - 1)
        text = " ".join(lines).replace(RLM, "")
        assert e["place"] in text, (e["place"], pages)
        assert any(stem(line.replace(RLM, "")) and stem(line.replace(RLM, "")) in e["title"]
                   for line in lines), (e["title"], pages)
        opts = options_of(pages[-1].text)
        assert opts.get(1) == msg(lang, "event_rsvp") and opts.get(2) == msg(lang, "event_sms")
    grants = query(d, "SELECT g.reference FROM grants g LEFT JOIN members m ON m.id = g.member_id "
                      "LEFT JOIN members c ON c.cooperative_id = g.cooperative_id "
                      "WHERE m.phone = ? OR c.phone = ? ORDER BY g.updated_at DESC", (phone, phone))
    for i, g in enumerate(grants, 1):
        u, _ = fresh(d, tally, phone)
        tally.count(u.send("1"))
        s = tally.count(u.send(str(i)))
        lines, pages = detail_pages(u, lang, s)
        tally.answers += 2 * (len(pages) - 1)
        row = grant_row(d, g["reference"])
        assert lines[0].replace(RLM, "") == g["reference"], pages
        note = row["note_" + lang] or row["note_ar"] or row["note_fr"] or row["note_en"] or ""
        assert " ".join(lines[3:]) == note, (lines, note)


def register(d, tally, lang_no, lang, name, coop):
    """A stranger registers with the longest name, in the cooperative with
    the longest name or in none, the last province and the last sector; at
    each step a retransmission and a wrong key."""
    u = Ussd(d, phone=new_phone())
    s = tally.count(u.dial())
    retransmit_and_wrong_key(d, tally, u, s, "ar")  # the language menu: in the default one
    steps = [lang_no, "1", name, coop, "LAST", "LAST", "1", "1985", "1"]
    for k in steps:
        if k == "LAST":
            pages = [s]
            while has_more(s.text, lang):
                nxt = tally.count(u.send("98"))
                check_page_packing(s, nxt, lang)
                s = nxt
                pages.append(s)
            k = str(max(options_of(s.text)))
        s = tally.count(u.send(k))
        assert s.con, s
        retransmit_and_wrong_key(d, tally, u, s, lang)
    assert msg(lang, "confirm_yes") in options_of(s.text).values(), s
    end = tally.count(u.send("1"))
    assert end.end, end
    return u.phone


def consent_first(d, tally, lang, name):
    """A member their cooperative's contact person registered (consent
    pending) dials: the consent question first, with a retransmission and a
    wrong key; no ends the session; the next dial asks again, yes leads
    home."""
    phone = new_phone()
    mid = add_member(d, phone, language=lang, name=name, cooperative="2003", consent=False,
                     registered_via="contact", province="berkane", sector="textile")
    write_db(d, "UPDATE members SET consent_state = 'pending' WHERE id = ?", (mid,))
    question = msg(lang, "member_consent")
    for answer, want in (("2", "member_consent_declined"), ("1", "home_title")):
        u = Ussd(d, phone=phone)
        s = tally.count(u.dial())
        assert s.con and s.text.startswith(question), s
        retransmit_and_wrong_key(d, tally, u, s, lang)
        s = tally.count(u.send(answer))
        assert s.text.startswith(msg(lang, want).split("{")[0]), s
        retransmit_and_wrong_key(d, tally, u, s, lang)
    state = query(d, "SELECT consent_state FROM members WHERE id = ?", (mid,))[0]
    assert state["consent_state"] == "given", state


def test_walk_every_screen(daemon):
    assert len(LONG_AR) == 60 and len(LONG_LATIN) == 60  # the longest names accepted
    d = daemon
    tally = Tally()
    for phone, lang, province in MEMBERS:
        reach = walk_member(d, tally, phone, lang)
        want = {k for k in SERVICE_KEYS} | set(TOPICS)
        assert set(reach) >= want, (phone, want - set(reach))
        far = {k: v for k, v in reach.items() if v > 3}
        assert not far, (phone, lang, far)
        check_details(d, tally, phone, lang, province)
    for lang_no, lang, name, coop in (("1", "ar", LONG_AR, "2003"), ("2", "fr", LONG_LATIN, "0"),
                                      ("3", "en", LONG_LATIN, "2003"), ("2", "fr", LONG_AR, "2003"),
                                      ("1", "ar", LONG_LATIN, "0")):
        phone = register(d, tally, lang_no, lang, name, coop)
        assert query(d, "SELECT name FROM members WHERE phone = ?", (phone,))[0]["name"] == name
    for lang, name in (("ar", LONG_AR), ("fr", LONG_LATIN), ("en", LONG_LATIN)):
        consent_first(d, tally, lang, name)
    sms = query(d, "SELECT count(*) AS n FROM messages WHERE direction = 'out'")[0]["n"]
    print(f"\nwalk: {len(tally.screens)} distinct screens, {tally.answers} answers, {sms} SMS "
          f"(ar, fr, en; {len(MEMBERS)} members, 5 registrations, 3 consents on USSD)")
    assert len(tally.screens) > 150 and tally.answers > 600
