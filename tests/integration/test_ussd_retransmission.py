"""test_ussd_retransmission.py -- networks and aggregators retransmit USSD
requests, and copies arrive late and out of order. Africa's Talking sends
every input of the session joined with '*', so a step is known by its text:
the same text again, or a prefix (on a '*') of what the session has seen,
is a copy. A copy gets the answer its step got, byte for byte, and changes
nothing: no second member, booking, idea or SMS, no draft after an END
(issue 15, finding 1)."""

import re
import threading

from conftest import (FORM_CT, Ussd, add_member, msg, new_phone, parse_screen, query,
                      ussd_form)

IDEA_REF = re.compile(r"ID-\d{4}-\d{5}")
MEMBER_NO = re.compile(r"TA-\d{6}")

# What a step may write; a copy must leave every row as it was.
TABLES = ("members", "member_topics", "rsvps", "ideas", "ussd_drafts", "sms_suppressions")


def snapshot(d):
    """Every row a USSD step may write (outbound messages included)."""
    snap = {t: sorted(query(d, f"SELECT * FROM {t}"), key=lambda r: repr(sorted(r.items())))
            for t in TABLES}  # in a total order of the rows' values, on either engine
    snap["messages"] = query(d, "SELECT id, phone, kind, body FROM messages"
                                " WHERE direction = 'out' ORDER BY id")
    return snap


def post(u, text):
    """One request carrying text; the raw body (CON/END and screen)."""
    s = parse_screen(u.post_raw(text))
    return f"{s.kind} {s.text}"


def walk(u, inputs):
    """Dial, then type inputs one by one, each step sent twice in a row (a
    retransmission): both copies get the same answer. Returns
    [(text, answer)] of every step, the dial first."""
    steps = []
    texts = [""] + ["*".join(inputs[:i + 1]) for i in range(len(inputs))]
    for text in texts:
        first = post(u, text)
        assert post(u, text) == first, f"retransmission of {text!r} answered differently"
        steps.append((text, first))
    return steps


def replay_late(d, u, steps):
    """Every step again after the session moved on (last first, then in
    order): each gets its answer, and nothing is stored."""
    before = snapshot(d)
    for text, answer in list(reversed(steps)) + steps:
        assert post(u, text) == answer, f"late copy of {text!r}"
    assert snapshot(d) == before


def test_full_registration_replayed_twice_and_late(daemon):
    d = daemon
    u = Ussd(d)
    # French, register, name, no cooperative, province 2, sector 1, woman,
    # 1985, consent, confirm.
    steps = walk(u, ["2", "1", "Amina Retrans", "0", "2", "1", "1", "1985", "1", "1"])
    end = steps[-1][1]
    assert end.startswith("END ") and MEMBER_NO.search(end), end
    assert len(query(d, "SELECT * FROM members WHERE phone = ?", (u.phone,))) == 1
    assert len(query(d, "SELECT * FROM messages WHERE phone = ? AND direction = 'out'",
                     (u.phone,))) == 1
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (u.phone,)) == []
    replay_late(d, u, steps)


def test_idea_replayed_twice_and_late(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Idriss Retrans", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    steps = walk(u, ["3", "1", "Retry", "Retransmission test idea", "1"])
    end = steps[-1][1]
    assert end.startswith("END ") and IDEA_REF.search(end), end
    assert len(query(d, "SELECT * FROM ideas WHERE member_id ="
                        " (SELECT id FROM members WHERE phone = ?)", (phone,))) == 1
    assert query(d, "SELECT * FROM ussd_drafts WHERE phone = ?", (phone,)) == []
    replay_late(d, u, steps)
    # The next dial starts at home: no "unfinished idea" is offered.
    s = Ussd(d, phone=phone).dial()
    assert s.con and msg("fr", "menu_idea") in s.text, s


def test_booking_replayed_twice_and_late(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Badr Retrans", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    steps = walk(u, ["2", "1", "1"])  # events, the first, book a seat
    end = steps[-1][1]
    assert end.startswith("END "), end
    rows = query(d, "SELECT * FROM rsvps WHERE member_id ="
                    " (SELECT id FROM members WHERE phone = ?)", (phone,))
    assert len(rows) == 1, rows
    receipts = query(d, "SELECT * FROM messages WHERE phone = ? AND kind = 'receipt'", (phone,))
    assert len(receipts) == 1, receipts
    replay_late(d, u, steps)


def test_final_idea_request_twice_in_one_request_session(daemon):
    # The repro: the whole idea in one text, then the same text.
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Nadia Retrans", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    post(u, "")
    for text in ("3", "3*1", "3*1*Retry", "3*1*Retry*Retransmission test idea"):
        assert post(u, text).startswith("CON ")
    final = "3*1*Retry*Retransmission test idea*1"
    end = post(u, final)
    assert end.startswith("END ") and IDEA_REF.search(end), end
    before = snapshot(d)
    assert post(u, final) == end
    assert snapshot(d) == before
    s = Ussd(d, phone=phone).dial()
    assert msg("fr", "resume_idea") not in s.text, s


def test_repeat_after_the_end_notice(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Hind Retrans", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    steps = walk(u, ["3", "1", "Retry", "Retransmission after end", "1"])
    r = d.post("/hooks/sandbox/ussd-end",
               "sessionId=%s&phoneNumber=%s&status=Success&input=1&durationInMillis=9000"
               % (u.session_id, phone.replace("+", "%2B")), FORM_CT)
    assert r.status == 200, r
    replay_late(d, u, steps)


def test_late_copy_of_an_earlier_step_as_a_visitor(daemon):
    d = daemon
    u = Ussd(d)
    answers = [post(u, t) for t in ("", "2", "2*2", "2*2*1")]  # French, events, the first
    assert answers[-1].startswith("CON "), answers
    before = snapshot(d)
    late = post(u, "2")
    assert late == answers[1], late
    assert msg("fr", "event_sms_sent") not in late
    assert snapshot(d) == before
    # The session goes on from where it was.
    s = parse_screen(u.post_raw("2*2*1*0"))
    assert s.con and s.text == answers[2][4:], s


def test_late_copy_during_registration_is_not_a_province(daemon):
    d = daemon
    u = Ussd(d)
    answers = {t: post(u, t) for t in ("", "2", "2*1", "2*1*Samira Late", "2*1*Samira Late*0")}
    assert msg("fr", "ask_name") in answers["2*1"]
    # On the province screen, a late copy of the step that asked the name.
    late = post(u, "2*1")
    assert late == answers["2*1"], late
    # The province is still to be chosen: "1" now picks the first province.
    s = parse_screen(u.post_raw("2*1*Samira Late*0*1"))
    assert s.con and msg("fr", "ask_sector") in s.text, s


def test_concurrent_copies_book_once(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Karim Retrans", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    for t in ("", "2", "2*1"):
        post(u, t)
    results = [None] * 6
    barrier = threading.Barrier(len(results))

    def send(i):
        barrier.wait(timeout=10)
        results[i] = d.post(u.path(), ussd_form(u.session_id, phone, "2*1*1"), FORM_CT)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    bodies = {r.body for r in results}
    assert len(bodies) == 1 and next(iter(bodies)).startswith(b"END "), bodies
    assert len(query(d, "SELECT * FROM rsvps WHERE member_id ="
                        " (SELECT id FROM members WHERE phone = ?)", (phone,))) == 1
    assert len(query(d, "SELECT * FROM messages WHERE phone = ? AND kind = 'receipt'",
                     (phone,))) == 1


def test_erase_replayed_twice_and_late(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Rachid Efface", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    steps = walk(u, ["5", "3", "1"])  # profile, erase my data, yes
    assert steps[-1][1] == "END " + msg("fr", "erased"), steps[-1]
    erased = query(d, "SELECT * FROM members WHERE phone = ? OR erased_at IS NOT NULL", (phone,))
    replay_late(d, u, steps)
    assert query(d, "SELECT * FROM members WHERE phone = ? OR erased_at IS NOT NULL",
                 (phone,)) == erased


def test_ended_sessions_give_way_to_new_ones(daemons):
    # Ended sessions are kept for late copies, but never at the cost of a
    # new session when the table is full.
    d = daemons.start({"ussd.max_sessions": 2})
    a, b, c = Ussd(d), Ussd(d), Ussd(d)
    a.dial()
    a.send("2")
    end = a.send("3")  # French, about the programme: END
    assert end.end, end
    assert b.dial().con
    assert c.dial().con
    # The two live sessions go on.
    assert b.send("2").con and c.send("2").con


def test_pretyped_inputs_still_keep_a_draft(daemon):
    # A dial carrying pre-typed inputs into an idea keeps its draft like a
    # session typed step by step (the copies above must not cost this).
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Zineb Brouillon", province="berkane",
               sector="agrifood")
    u = Ussd(d, phone=phone)
    s = parse_screen(u.post_raw("3*1*Titre brouillon"))
    assert s.con and msg("fr", "idea_ask_text") in s.text, s
    rows = query(d, "SELECT flow FROM ussd_drafts WHERE phone = ?", (phone,))
    assert [r["flow"] for r in rows] == ["idea"], rows
