"""test_taawunctl_records.py -- taawunctl covers what the console does (issue
16, missing 10): members (list, search, show, edit, a new phone number,
consent withdrawn), cooperatives, ideas (list, show, status with its SMS),
the audit log filtered, events (show, attendee list as a file, check-in),
exports in the spreadsheet's separator or as .xlsx streamed to a file; every
time printed in the programme's zone and labelled with it, on a machine
whose own zone is UTC. Against a real taawund; standard library only."""

import json
import time
import zipfile

from conftest import add_member, query
from outbox_helpers import write_db
from test_taawunctl import ctl, env  # noqa: F401

ZONE = "Africa/Casablanca"  # the test config's programme.timezone
UTC = {"TZ": "UTC"}


def lines_with(out, text):
    return [line for line in out.splitlines() if text in line]


def test_members_list_search_show_edit_phone_and_consent(env, tmp_path):  # noqa: F811
    d, t = env
    write_db(d, "INSERT INTO cooperatives (code, name, province, created_at, updated_at)"
                " VALUES ('7701', 'تعاونية الأمل', 'nador', 0, 0)")
    coop = query(d, "SELECT id FROM cooperatives WHERE code='7701'")[0]["id"]
    mid = add_member(d, "+212611770001", language="ar", name="فاطمة الزهراء", cooperative=coop,
                     province="nador", birth_year=1988)
    # Through the import, as an officer adds members (the name's folded form stored).
    (tmp_path / "m.csv").write_text("telephone,nom,langue,province\n"
                                    "0611770002,Hélène Tazi,fr,berkane\n", encoding="utf-8")
    assert ctl(d, "import", "members", tmp_path / "m.csv", token=t["staff"]).returncode == 0
    r = ctl(d, "members", "list", "--province", "nador", token=t["viewer"], extra_env=UTC)
    assert r.returncode == 0, r
    assert r.stdout.splitlines()[0].split()[:3] == ["id", "phone", "name"], r.stdout
    assert f"consent_at ({ZONE})" in r.stdout.splitlines()[0]
    assert lines_with(r.stdout, "+212611770001") and not lines_with(r.stdout, "+212611770002")
    # Search folds like the SMS keywords: HÉLÈNE finds Hélène; a phone finds its member.
    r = ctl(d, "members", "search", "HELENE", token=t["viewer"])
    assert lines_with(r.stdout, "Hélène Tazi") and not lines_with(r.stdout, "فاطمة"), r.stdout
    r = ctl(d, "members", "search", "0611770001", token=t["viewer"])
    assert lines_with(r.stdout, "فاطمة الزهراء"), r.stdout
    # show by member number, by phone, by id: the same record.
    for which in (f"TA-{mid:06d}", "0611770001", str(mid)):
        r = ctl(d, "members", "show", which, token=t["viewer"], extra_env=UTC)
        assert r.returncode == 0, r
        assert lines_with(r.stdout, "member_no")[0].split()[1] == f"TA-{mid:06d}", r.stdout
        assert "تعاونية الأمل" in r.stdout and "events=on" in r.stdout
    [registered] = lines_with(r.stdout, "registered_at")
    assert registered.endswith(f"({ZONE})"), registered
    r = ctl(d, "--json", "members", "show", str(mid), token=t["viewer"])
    assert json.loads(r.stdout)["member_no"] == f"TA-{mid:06d}"
    assert ctl(d, "members", "show", "TA-999999", token=t["viewer"]).returncode == 1
    # edit (staff only), audited by the API.
    assert ctl(d, "members", "edit", str(mid), "--birth-year", "1989",
               token=t["viewer"]).returncode == 1
    r = ctl(d, "members", "edit", f"TA-{mid:06d}", "--birth-year", "1989", "--language", "fr",
            token=t["staff"])
    assert r.returncode == 0, r
    row = query(d, "SELECT birth_year, language FROM members WHERE id=?", (mid,))[0]
    assert (row["birth_year"], row["language"]) == (1989, "fr")
    # A new phone number: the old one kept in the member's history.
    r = ctl(d, "members", "phone", str(mid), "0611770009", token=t["staff"])
    assert r.returncode == 0 and "+212611770009" in r.stdout, r
    r = ctl(d, "members", "show", "+212611770009", token=t["viewer"])
    assert "previous phone numbers" in r.stdout and "+212611770001" in r.stdout, r.stdout
    # Consent withdrawn at the member's request.
    r = ctl(d, "members", "consent-withdraw", str(mid), "--note", "by phone", token=t["staff"],
            extra_env=UTC)
    assert r.returncode == 0, r
    [w] = lines_with(r.stdout, "consent_withdrawn_at")
    assert w.endswith(f"({ZONE})"), r.stdout
    assert query(d, "SELECT consent_withdrawn_at FROM members WHERE id=?",
                 (mid,))[0]["consent_withdrawn_at"]
    r = ctl(d, "audit", "--object", f"member:{mid}", token=t["admin"], extra_env=UTC)
    actions = [line.split()[5] for line in r.stdout.splitlines()[1:] if line.strip()
               and not line.startswith("(")]
    assert {"member.update", "member.phone", "member.consent_withdrawn"} <= set(actions), r.stdout


def test_cooperatives_ideas_and_audit_filters(env):  # noqa: F811
    d, t = env
    write_db(d, "INSERT INTO cooperatives (code, name, province, sector, created_at, updated_at)"
                " VALUES ('0042', 'Coopérative Argane', 'berkane', 'agrifood', 0, 0)")
    coop = query(d, "SELECT id FROM cooperatives WHERE code='0042'")[0]["id"]
    r = ctl(d, "cooperatives", "list", "--search", "argane", token=t["viewer"])
    assert r.returncode == 0 and lines_with(r.stdout, "Coopérative Argane"), r
    # A code is digits too: it is found as a code first, else read as an id.
    for which in ("0042", str(coop)):
        r = ctl(d, "cooperatives", "show", which, token=t["viewer"])
        assert r.returncode == 0 and "Coopérative Argane" in r.stdout, (which, r)
    mid = add_member(d, "+212611770011", language="fr", name="Nadia")
    write_db(d, "INSERT INTO ideas (reference, member_id, sector, title, description, status,"
                " created_at, updated_at) VALUES ('ID-2026-00077', ?, 'textile', 'Tissage',"
                " 'x', 'submitted', 0, 0)", (mid,))
    iid = query(d, "SELECT id FROM ideas WHERE reference='ID-2026-00077'")[0]["id"]
    r = ctl(d, "ideas", "list", "--status", "submitted", token=t["viewer"])
    assert lines_with(r.stdout, "ID-2026-00077"), r.stdout
    r = ctl(d, "ideas", "show", iid, token=t["viewer"])
    assert "Tissage" in r.stdout and "submitted" in r.stdout
    r = ctl(d, "ideas", "status", iid, "shortlisted", token=t["staff"])
    assert r.returncode == 0 and "shortlisted" in r.stdout, r
    assert lines_with(r.stdout, "notification_message_id")  # the author gets one SMS
    assert len(query(d, "SELECT 1 FROM messages WHERE phone='+212611770011'"
                        " AND kind='notification'")) == 1
    r = ctl(d, "ideas", "status", iid, "bogus", token=t["staff"])
    assert r.returncode == 1 and "[field: status]" in r.stderr
    # audit: by action, by who, since a date in programme time.
    r = ctl(d, "audit", "--action", "idea.status", token=t["admin"], extra_env=UTC)
    assert r.returncode == 0, r
    head = r.stdout.splitlines()[0]
    assert head.split()[:2] == ["id", "at"] and f"at ({ZONE})" in head, head
    rows = [line for line in r.stdout.splitlines()[1:] if "idea.status" in line]
    assert len(rows) == 1 and "ctl-staff" in rows[0], r.stdout
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3600))
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3600 + 86400 * 2))
    r = ctl(d, "audit", "--since", today, "--who", "ctl-staff", token=t["admin"])
    assert lines_with(r.stdout, "idea.status"), r.stdout
    r = ctl(d, "audit", "--since", tomorrow, token=t["admin"])
    assert r.returncode == 0 and not lines_with(r.stdout, "idea.status"), r.stdout
    assert ctl(d, "audit", "--since", "yesterday", token=t["admin"]).returncode == 2


def test_events_show_checkin_attendees_and_exports(env, tmp_path):  # noqa: F811
    d, t = env
    starts = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 3600))
    r = ctl(d, "--json", "events", "create", "--code", "7801", "--kind", "workshop",
            "--title-fr", "Atelier", "--starts-at", starts, "--place", "Oujda",
            token=t["staff"])
    assert r.returncode == 0, r
    ev = json.loads(r.stdout)
    mid = add_member(d, "+212611780001", language="ar", name="فاطمة")
    write_db(d, "INSERT INTO rsvps (event_id, member_id, created_at) VALUES (?, ?, ?)",
             (ev["id"], mid, int(time.time())))
    walk_in = add_member(d, "+212611780002", language="fr", name="Omar")
    r = ctl(d, "events", "checkin", ev["id"], f"TA-{mid:06d}", token=t["staff"])
    assert r.returncode == 0 and "checked in" in r.stdout and "1 came" in r.stdout, r
    r = ctl(d, "events", "checkin", ev["id"], "0611780002", token=t["staff"])
    assert r.returncode == 0 and "2 came" in r.stdout, r
    r = ctl(d, "events", "checkin", ev["id"], str(walk_in), "--undo", token=t["staff"])
    assert r.returncode == 0 and "not checked in" in r.stdout and "1 came" in r.stdout, r
    r = ctl(d, "events", "show", ev["id"], token=t["viewer"], extra_env=UTC)
    assert r.returncode == 0, r
    [when] = lines_with(r.stdout, "starts_at ")
    assert when.split(None, 1)[1] == f"{starts.replace('T', ' ')} ({ZONE})", when
    assert "bookings:" in r.stdout and "فاطمة" in r.stdout and "Omar" in r.stdout
    # The attendee list as the console downloads it: ';' asked, or a workbook.
    out = tmp_path / "attendees.csv"
    r = ctl(d, "events", "attendees", ev["id"], "--sep", ";", "-o", out, token=t["staff"])
    assert r.returncode == 0, r
    text = out.read_bytes().decode("utf-8-sig")
    assert text.startswith('"member_no";"name";"phone"') and "+212611780001" in text, text
    xlsx = tmp_path / "attendees.xlsx"
    r = ctl(d, "events", "attendees", ev["id"], "--format", "xlsx", "-o", xlsx,
            token=t["viewer"])
    assert r.returncode == 0 and zipfile.is_zipfile(xlsx), r
    # Exports: to a file as they arrive, in the separator asked; an error
    # leaves no file behind.
    members = tmp_path / "members.csv"
    r = ctl(d, "export", "members", "--sep", "tab", "-o", members, token=t["viewer"])
    assert r.returncode == 0, r
    assert members.read_bytes().decode("utf-8-sig").splitlines()[0].startswith('"phone"\t"name"')
    r = ctl(d, "export", "members", "--format", "xlsx", "-o", tmp_path / "m.xlsx",
            token=t["viewer"])
    assert r.returncode == 0 and zipfile.is_zipfile(tmp_path / "m.xlsx"), r
    bad = tmp_path / "bad.csv"
    r = ctl(d, "export", "members", "--sep", "|", "-o", bad, token=t["viewer"])
    assert r.returncode == 1 and "[field: sep]" in r.stderr and not bad.exists(), r
