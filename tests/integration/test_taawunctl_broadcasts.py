"""test_taawunctl_broadcasts.py -- taawunctl covers the console's broadcast
work (issue 16, missing 10): templates (list, archived too, show, create,
edit keeping the other languages, archive, restore, each text measured with
the longest real value), a broadcast created from a template for a province
and one language naming its event ({event}, {date}), approvals by a second
staff member (approve, reject with a reason, the author refused), and
recurring broadcasts (the next occurrences previewed before saving,
created, listed, shown, paused, resumed, changed, deleted). Unknown ids
and refusals say why and exit non-zero. Against a real taawund."""

import json
import time
from datetime import datetime

import pytest

from conftest import DELETE, add_member, new_phone, query
from test_admin_api import make_token
from test_taawunctl import CTL, ctl

ZONE = "Africa/Casablanca"  # the test config's programme.timezone
UTC = {"TZ": "UTC"}


@pytest.fixture
def env(daemons):
    if not CTL.exists():
        pytest.fail(f"{CTL} does not exist: run `make all` first")
    conf = daemons.config({"programme.demo_data": DELETE,
                           "broadcasts.approval_recipients": 2})
    tokens = {n: make_token(conf, n, r) for n, r in
              [("officer-a", "staff"), ("officer-b", "staff"), ("viewer", "viewer")]}
    return daemons.start(config=conf), tokens


def lines_with(out, text):
    return [line for line in out.splitlines() if text in line]


def field(out, key):
    [line] = [x for x in out.splitlines() if x.split(" ", 1)[0] == key]
    return line[len(key):].strip()


def new_event(d, t, code, title):
    starts = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 5 * 86400))
    r = ctl(d, "--json", "events", "create", "--code", code, "--kind", "workshop", "--title-fr",
            title, "--title-ar", "ورشة", "--starts-at", starts, "--place", "Nador",
            "--province", "nador", token=t["officer-a"])
    assert r.returncode == 0, r
    return json.loads(r.stdout)["id"]


def test_templates_from_create_to_a_broadcast_for_a_province(env):
    d, t = env
    staff, viewer = t["officer-a"], t["viewer"]
    ev = new_event(d, t, "5501", "Atelier séchage solaire")
    near = [new_phone() for _ in range(2)]
    add_member(d, near[0], language="fr", province="nador", name="Hélène Benjelloun-Tazi")
    add_member(d, near[1], language="ar", province="nador", name="فاطمة")
    add_member(d, new_phone(), language="fr", province="berkane", name="Omar")
    fr = "Taawun : {name}, venez à {event} le {date}."
    # Refusals name the field; a viewer cannot write.
    r = ctl(d, "templates", "create", "--name", "Invitation", "--text-ar", "تعاون",
            "--text-fr", "Bonjour {nom}", token=staff)
    assert r.returncode == 1 and "unknown placeholder {nom}" in r.stderr, r
    assert "[field: texts.fr]" in r.stderr, r.stderr
    r = ctl(d, "templates", "create", "--name", "Invitation", "--text-ar", "تعاون",
            token=viewer)
    assert r.returncode == 1 and "HTTP 403" in r.stderr, r
    r = ctl(d, "templates", "create", "--name", "Invitation", "--text-ar",
            "تعاون: {name}، {event} يوم {date}", "--text-fr", fr, token=staff, extra_env=UTC)
    assert r.returncode == 0, r
    tid = int(field(r.stdout, "id"))
    assert field(r.stdout, "text_fr") == fr and field(r.stdout, "placeholders") == \
        "{name} {event} {date}", r.stdout
    assert field(r.stdout, "created_at").endswith(f"({ZONE})"), r.stdout
    r = ctl(d, "templates", "create", "--name", "Invitation", "--text-ar", "x", token=staff)
    assert r.returncode == 1 and "has this name" in r.stderr, r
    r = ctl(d, "templates", "list", token=viewer)
    [row] = lines_with(r.stdout, "Invitation")
    assert row.split()[:3] == [str(tid), "Invitation", "ar,fr"], r.stdout
    # edit: a new language added, the others kept; '' drops one.
    r = ctl(d, "templates", "edit", tid, "--text-en", "Taawun: {name}, {event} on {date}.",
            token=staff)
    assert r.returncode == 0, r
    stored = json.loads(query(d, "SELECT texts FROM templates WHERE id=?", (tid,))[0]["texts"])
    assert set(stored) == {"ar", "fr", "en"} and stored["fr"] == fr, stored
    r = ctl(d, "templates", "edit", tid, "--text-en", "", token=staff)
    assert r.returncode == 0 and "text_en" not in r.stdout, r
    r = ctl(d, "templates", "show", 99999, token=viewer)
    assert r.returncode == 1 and "no such template" in r.stderr and "HTTP 404" in r.stderr, r
    assert ctl(d, "templates", "edit", 99999, "--name", "x", token=staff).returncode == 1
    # measure: each language's text as it travels, with the longest real name.
    r = ctl(d, "templates", "measure", tid, "--about-event", ev, "--province", "nador",
            token=viewer)
    assert r.returncode == 0, r
    assert "recipients 2" in r.stdout, r.stdout
    assert 'fr: {name} measured as "Hélène Benjelloun-Tazi"' in r.stdout, r.stdout
    assert 'fr: {event} measured as "Atelier séchage solaire"' in r.stdout, r.stdout
    [frrow] = [x for x in r.stdout.splitlines() if x.startswith("fr ")]
    assert frrow.split()[2] == "gsm7", frrow
    # archive, listed with --archived only, restore.
    r = ctl(d, "templates", "archive", tid, token=staff)
    assert r.returncode == 0 and "archived" in r.stdout, r
    assert not lines_with(ctl(d, "templates", "list", token=viewer).stdout, "Invitation")
    r = ctl(d, "templates", "list", "--archived", token=viewer, extra_env=UTC)
    assert lines_with(r.stdout, "Invitation") and f"archived_at ({ZONE})" in r.stdout, r.stdout
    r = ctl(d, "templates", "restore", tid, token=staff)
    assert r.returncode == 0 and field(r.stdout, "archived") == "no", r
    assert lines_with(ctl(d, "templates", "list", token=viewer).stdout, "Invitation")
    # {event} without an event: the API says what to give.
    r = ctl(d, "broadcasts", "create", "--template", tid, "--province", "nador", token=staff)
    assert r.returncode == 1 and "event_required" not in r.stdout, r
    assert "{event} and {date} name the broadcast's event" in r.stderr, r.stderr
    r = ctl(d, "broadcasts", "create", "--template", 99999, token=staff)
    assert r.returncode == 1 and "no such template" in r.stderr, r
    # A broadcast from the template: one province, French speakers, its event.
    r = ctl(d, "--json", "broadcasts", "create", "--template", tid, "--province", "nador",
            "--language", "fr", "--about-event", ev, "--topic", "events", token=staff)
    assert r.returncode == 0, r
    b = json.loads(r.stdout)
    assert b["name"] == "Invitation" and b["event_id"] == ev, b
    assert b["audience"] == {"provinces": ["nador"], "languages": ["fr"]}, b
    assert b["texts"]["fr"] == fr
    r = ctl(d, "broadcasts", "status", b["id"], token=viewer)
    assert field(r.stdout, "event_id") == str(ev), r.stdout
    r = ctl(d, "broadcasts", "send", b["id"], token=staff)
    assert r.returncode == 0 and "messages written     1" in r.stdout, r
    [m] = query(d, "SELECT phone, body FROM messages WHERE broadcast_id=?", (b["id"],))
    assert m["phone"] == near[0] and "Hélène Benjelloun-Tazi" in m["body"], m
    assert "Atelier séchage solaire" in m["body"], m
    # preview of a broadcast described on the command line, nothing stored.
    before = query(d, "SELECT count(*) AS n FROM broadcasts")[0]["n"]
    r = ctl(d, "broadcasts", "preview", "--template", tid, "--about-event", "5501",
            "--province", "nador", token=viewer)
    assert r.returncode == 0 and "recipients 2" in r.stdout, r
    assert query(d, "SELECT count(*) AS n FROM broadcasts")[0]["n"] == before


def test_approve_and_reject_by_a_second_staff_member(env):
    d, t = env
    a, b = t["officer-a"], t["officer-b"]
    phones = [new_phone() for _ in range(3)]
    for p in phones:
        add_member(d, p, language="fr")
    args = ["--text-ar", "تعاون", "--text-fr", "Salon samedi"]
    for p in phones:
        args += ["--phone", p]
    bid = json.loads(ctl(d, "--json", "broadcasts", "create", "--name", "Salon", *args,
                         token=a).stdout)["id"]
    r = ctl(d, "broadcasts", "send", bid, token=a, extra_env=UTC)
    assert r.returncode == 0, r
    assert field(r.stdout, "status") == "awaiting_approval", r.stdout
    [ap] = lines_with(r.stdout, "AWAITING a second staff member")
    assert "officer-a asked to send" in ap and ap.endswith(f"({ZONE})"), ap
    assert lines_with(r.stdout, "over the recipients threshold: 3 planned, limit 2"), r.stdout
    r = ctl(d, "broadcasts", "list", "--status", "awaiting_approval", token=t["viewer"])
    [row] = lines_with(r.stdout, "Salon")
    assert "awaiting_approval" in row and "AWAITING (asked by officer-a)" in row, r.stdout
    # The author cannot approve; no reason, no rejection; unknown ids.
    r = ctl(d, "broadcasts", "approve", bid, token=a)
    assert r.returncode == 1 and "another staff member must approve it" in r.stderr, r
    assert "HTTP 403" in r.stderr
    r = ctl(d, "broadcasts", "reject", bid, token=b)
    assert r.returncode == 2 and "--reason" in r.stderr, r
    r = ctl(d, "broadcasts", "approve", 99999, token=b)
    assert r.returncode == 1 and "no such broadcast" in r.stderr, r
    r = ctl(d, "broadcasts", "reject", 99999, "--reason", "x", token=b)
    assert r.returncode == 1 and "no such broadcast" in r.stderr, r
    assert ctl(d, "broadcasts", "approve", bid, token=t["viewer"]).returncode == 1
    # Rejected with a reason: back to draft, the reason shown to its author.
    r = ctl(d, "broadcasts", "reject", bid, "--reason", "trop cher ce mois", token=b)
    assert r.returncode == 0 and field(r.stdout, "status") == "draft", r
    r = ctl(d, "broadcasts", "status", bid, token=a)
    assert "rejected by officer-b" in r.stdout and "trop cher ce mois" in r.stdout, r.stdout
    r = ctl(d, "broadcasts", "approve", bid, token=b)
    assert r.returncode == 1 and "not awaiting approval" in r.stderr, r
    # Asked again, approved by the second officer: sent.
    assert ctl(d, "broadcasts", "send", bid, token=a).returncode == 0
    r = ctl(d, "broadcasts", "approve", bid, token=b)
    assert r.returncode == 0 and "messages written     3" in r.stdout, r
    assert "approved by officer-b" in r.stdout, r.stdout
    assert len(query(d, "SELECT 1 FROM messages WHERE broadcast_id=?", (bid,))) == 3


def test_recurrences_previewed_created_listed_changed_and_deleted(env):
    d, t = env
    staff, viewer = t["officer-a"], t["viewer"]
    # The next Mondays at 10:00 programme time, on a machine in UTC.
    r = ctl(d, "recurrences", "preview", "--repeat", "weekly", "--weekday", "mon", "--time",
            "10:00", "--next", "3", token=viewer, extra_env=UTC)
    assert r.returncode == 0, r
    head, *rows = r.stdout.splitlines()
    assert head.split()[:2] == ["at", f"({ZONE})"], r.stdout
    assert len(rows) == 3, r.stdout
    for row in rows:
        day, hour = row.split()[:2]
        assert hour == "10:00" and datetime.strptime(day, "%Y-%m-%d").isoweekday() == 1, row
    r = ctl(d, "recurrences", "preview", "--repeat", "weekly", "--weekday", "1", "--time",
            "25:00", token=viewer)
    assert r.returncode == 1 and "[field: time]" in r.stderr, r
    r = ctl(d, "recurrences", "preview", "--repeat", "yearly", "--time", "10:00", token=viewer)
    assert r.returncode == 1 and "[field: repeat]" in r.stderr, r
    # The day before each event: the event named beside each occurrence.
    new_event(d, t, "5502", "Foire de Nador")
    r = ctl(d, "recurrences", "preview", "--repeat", "event-eve", "--time", "18:00",
            "--event-province", "nador", token=viewer)
    assert r.returncode == 0 and lines_with(r.stdout, "5502 Foire de Nador"), r
    # On a draft: --dry-run shows the occurrences and saves nothing.
    bid = json.loads(ctl(d, "--json", "broadcasts", "create", "--name", "Permanence",
                         "--text-ar", "تعاون", "--phone", new_phone(), token=staff).stdout)["id"]
    rule = ["--repeat", "monthly", "--day", "31", "--time", "09:30"]
    r = ctl(d, "recurrences", "create", bid, *rule, "--dry-run", token=staff)
    assert r.returncode == 0 and "dry run: nothing saved" in r.stdout, r
    assert len(r.stdout.splitlines()) >= 3 and "09:30" in r.stdout
    assert not query(d, "SELECT 1 FROM recurrences")
    r = ctl(d, "recurrences", "create", bid, *rule, token=t["viewer"])
    assert r.returncode == 1 and "HTTP 403" in r.stderr
    r = ctl(d, "recurrences", "create", 99999, *rule, token=staff)
    assert r.returncode == 1 and "no such broadcast" in r.stderr, r
    r = ctl(d, "recurrences", "create", bid, *rule, token=staff, extra_env=UTC)
    assert r.returncode == 0, r
    rid = int(field(r.stdout, "id"))
    assert field(r.stdout, "rule") == "monthly, day 31 at 09:30", r.stdout
    assert field(r.stdout, "next_at").endswith(f"({ZONE})"), r.stdout
    assert "next occurrences:" in r.stdout and lines_with(r.stdout, "09:30")
    r = ctl(d, "recurrences", "list", "--broadcast", bid, token=viewer)
    [row] = lines_with(r.stdout, "Permanence")
    assert row.split()[:2] == [str(rid), str(bid)] and "active" in row, r.stdout
    # pause, resume, change, delete.
    r = ctl(d, "recurrences", "pause", rid, token=staff)
    assert r.returncode == 0 and field(r.stdout, "status") == "paused", r
    r = ctl(d, "recurrences", "resume", rid, token=staff)
    assert r.returncode == 0 and field(r.stdout, "status") == "active", r
    r = ctl(d, "recurrences", "edit", rid, "--repeat", "weekly", "--weekday", "fri", "--time",
            "11:00", token=staff)
    assert r.returncode == 0, r
    assert field(r.stdout, "rule") == "weekly on Friday at 11:00", r.stdout
    r = ctl(d, "recurrences", "show", rid, token=viewer)
    assert r.returncode == 0 and "11:00" in r.stdout, r
    r = ctl(d, "recurrences", "show", 99999, token=viewer)
    assert r.returncode == 1 and "no such recurrence" in r.stderr and "HTTP 404" in r.stderr
    assert ctl(d, "recurrences", "pause", 99999, token=staff).returncode == 1
    r = ctl(d, "recurrences", "delete", rid, token=staff)
    assert r.returncode == 0 and f"recurrence {rid} deleted" in r.stdout, r
    r = ctl(d, "recurrences", "delete", rid, token=staff)
    assert r.returncode == 1, r
    assert ctl(d, "recurrences", "frobnicate", token=staff).returncode == 2
