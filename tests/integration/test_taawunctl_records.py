"""test_taawunctl_records.py -- taawunctl covers what the console does (issue
16, missing 10): members (list, search, show, edit, a new phone number,
consent withdrawn), cooperatives, ideas (list, show, status with its SMS),
the audit log filtered, events (show, edit with the reminder lead in hours,
attendee list as a file, check-in), a draft broadcast edited and deleted, a
broadcast's delivery report and its messages as CSV or .xlsx, channel costs
per month and budgets, exports in the spreadsheet's separator or as .xlsx
streamed to a file; every time printed in the programme's zone and labelled
with it, on a machine whose own zone is UTC. Each effect is checked through
the API. Against a real taawund; standard library only."""

import csv
import io
import json
import time
import zipfile

from conftest import add_member, new_phone, query, wait_until
from outbox_helpers import write_db
from test_admin_api import Api
from test_exports import sheet_cells
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


def field(out, key):
    [line] = [x for x in out.splitlines() if x.split(" ", 1)[0] == key]
    return line[len(key):].strip()


def test_event_edited_with_its_reminder_lead_in_hours(env):  # noqa: F811
    """The README's officer week sets the workshop's reminder two hours
    before: `events edit ID --reminder-hours 2`, as the console's Reminder
    (hours before) field; 'default' gives the programme's lead back."""
    d, t = env
    api = Api(d, t["viewer"])
    r = ctl(d, "--json", "events", "create", "--code", "7811", "--kind", "workshop",
            "--title-fr", "Atelier", "--starts-at", "2027-05-12T10:00", "--place", "Nador",
            "--capacity", "40", token=t["staff"])
    assert r.returncode == 0, r
    eid = json.loads(r.stdout)["id"]
    assert api.get(f"/events/{eid}").json()["reminder_before_s"] is None
    r = ctl(d, "events", "edit", eid, "--reminder-hours", "2", "--title-fr", "Atelier solaire",
            "--capacity", "45", "--starts-at", "2027-05-12T10:30", token=t["staff"],
            extra_env=UTC)
    assert r.returncode == 0, r
    assert field(r.stdout, "reminder") == f"2 h before: 2027-05-12 08:30 ({ZONE})", r.stdout
    assert field(r.stdout, "starts_at") == f"2027-05-12 10:30 ({ZONE})", r.stdout
    e = api.get(f"/events/{eid}").json()
    assert (e["reminder_before_s"], e["title_fr"], e["capacity"], e["starts_at_local"]) == \
        (7200, "Atelier solaire", 45, "2027-05-12T10:30"), e
    r = ctl(d, "events", "show", eid, token=t["viewer"], extra_env=UTC)
    assert field(r.stdout, "reminder") == f"2 h before: 2027-05-12 08:30 ({ZONE})", r.stdout
    # Refused: a viewer (403), a lead not in whole hours (usage, nothing sent).
    r = ctl(d, "events", "edit", eid, "--reminder-hours", "5", token=t["viewer"])
    assert r.returncode == 1 and "HTTP 403" in r.stderr, r
    r = ctl(d, "events", "edit", eid, "--reminder-hours", "1.5", token=t["staff"])
    assert r.returncode == 2 and "whole hours" in r.stderr, r
    assert api.get(f"/events/{eid}").json()["reminder_before_s"] == 7200
    r = ctl(d, "events", "edit", eid, "--reminder-hours", "default", token=t["staff"])
    assert r.returncode == 0 and "the programme's default" in field(r.stdout, "reminder"), r
    assert api.get(f"/events/{eid}").json()["reminder_before_s"] is None
    r = ctl(d, "audit", "--object", f"event:{eid}", "--action", "event.update", token=t["admin"])
    assert len(lines_with(r.stdout, "event.update")) == 2, r.stdout  # viewer, 1.5: none


def test_a_draft_edited_and_deleted_then_its_delivery_report_and_messages(env, tmp_path):  # noqa: F811,E501
    d, t = env
    api = Api(d, t["staff"])
    phones = [new_phone(), new_phone()]
    mids = [add_member(d, phones[0], language="ar"), add_member(d, phones[1], language="fr")]
    r = ctl(d, "--json", "broadcasts", "create", "--name", "Salle", "--text-ar", "القاعة 2",
            "--phone", phones[0], token=t["staff"])
    bid = json.loads(r.stdout)["id"]
    # An edit replaces the parts given and keeps the rest (the Arabic text).
    r = ctl(d, "broadcasts", "edit", bid, "--name", "Salle 5501", "--text-fr", "Salle 2",
            "--phone", phones[0], "--phone", phones[1], token=t["staff"])
    assert r.returncode == 0 and field(r.stdout, "name") == "Salle 5501", r
    b = api.get(f"/broadcasts/{bid}").json()
    assert b["texts"] == {"ar": "القاعة 2", "fr": "Salle 2"} and b["name"] == "Salle 5501", b
    assert b["audience"] == {"phones": phones}, b
    assert ctl(d, "broadcasts", "edit", bid, "--name", "x", token=t["viewer"]).returncode == 1
    other = json.loads(ctl(d, "--json", "broadcasts", "create", "--name", "Brouillon",
                           "--text-ar", "x", "--phone", phones[1], token=t["staff"]).stdout)["id"]
    r = ctl(d, "broadcasts", "delete", other, token=t["staff"])
    assert r.returncode == 0 and f"draft {other} deleted" in r.stdout, r
    assert api.get(f"/broadcasts/{other}").status == 404
    assert ctl(d, "broadcasts", "send", bid, token=t["staff"]).returncode == 0
    wait_until(lambda: api.get(f"/broadcasts/{bid}").json()["finished"], what="finished")
    # Compared once every message has settled (the sandbox delivers them).
    wait_until(lambda: set(api.get(f"/broadcasts/{bid}/report").json()["by_status"]) <=
               {"delivered", "failed"}, what="every message delivered or failed")
    r = ctl(d, "broadcasts", "delete", bid, token=t["staff"])
    assert r.returncode == 1 and "HTTP 409" in r.stderr, r
    # The report, as GET /broadcasts/{id}/report has it, in programme time.
    rep = api.get(f"/broadcasts/{bid}/report").json()
    r = ctl(d, "broadcasts", "report", bid, token=t["viewer"], extra_env=UTC)
    assert r.returncode == 0, r
    assert field(r.stdout, "messages") == "2" and field(r.stdout, "name") == "Salle 5501"
    [by] = lines_with(r.stdout, "by_status:")
    assert set(by.split()[1:]) == {f"{k}={v}" for k, v in rep["by_status"].items()}, by
    got = rep["by_status"].get("delivered", 0)
    assert field(r.stdout, "delivered").startswith(f"{got} of 2 ("), r.stdout
    if rep.get("first_sent_at"):
        assert field(r.stdout, "first_sent_at") == \
            f"{rep['first_sent_at_local'].replace('T', ' ')} ({ZONE})", r.stdout
    langs = r.stdout.split("by language")[1].splitlines()[2:]
    assert sorted(x.split()[0] for x in langs if x.strip()) == ["ar", "fr"], r.stdout
    # Its messages: CSV in the separator asked (staff: whole numbers) ...
    out = tmp_path / "report.csv"
    r = ctl(d, "broadcasts", "export", bid, "--sep", ";", "-o", out, token=t["staff"])
    assert r.returncode == 0 and r.stdout == "", r
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["member_no", "phone", "language", "channel", "status"], rows
    by_phone = {row[1]: row for row in rows[1:]}
    assert set(by_phone) == set(phones), rows
    assert by_phone[phones[0]][0] == f"TA-{mids[0]:06d}" and by_phone[phones[0]][2] == "ar"
    status = {m["phone"]: m["status"] for m in
              api.get(f"/messages?broadcast_id={bid}").json()["items"]}
    assert {p: by_phone[p][4] for p in phones} == status, (rows, status)
    # ... masked for a viewer, on stdout; or an Excel workbook.
    r = ctl(d, "broadcasts", "export", bid, token=t["viewer"])
    assert r.returncode == 0 and phones[0] not in r.stdout and "*" in r.stdout, r
    xlsx = tmp_path / "report.xlsx"
    r = ctl(d, "broadcasts", "export", bid, "--format", "xlsx", "-o", xlsx, token=t["staff"])
    assert r.returncode == 0, r
    body = xlsx.read_bytes()
    assert body[:4] == b"PK\x03\x04", body[:8]
    _, _, cells = sheet_cells(body)
    assert cells["A1"][1] == "member_no" and {cells["B2"][1], cells["B3"][1]} == set(phones)
    missing = tmp_path / "none.csv"
    r = ctl(d, "broadcasts", "export", 999999, "-o", missing, token=t["staff"])
    assert r.returncode == 1 and not missing.exists(), r


def test_channels_health_costs_per_month_and_budgets(env):  # noqa: F811
    d, t = env
    api = Api(d, t["viewer"])
    r = ctl(d, "channels", token=t["viewer"], extra_env=UTC)
    assert r.returncode == 0 and r.stdout.split()[:3] == ["name", "type", "state"], r
    names = {c["name"] for c in api.get("/channels/health").json()["items"]}
    assert {line.split()[0] for line in r.stdout.splitlines()[1:]} == names, r.stdout
    costs = api.get("/channels/costs?month=2026-11").json()
    r = ctl(d, "channels", "costs", "--month", "2026-11", token=t["viewer"], extra_env=UTC)
    assert r.returncode == 0, r
    assert field(r.stdout, "month") == "2026-11"
    assert field(r.stdout, "starts_at") == f"2026-11-01 00:00 ({ZONE})", r.stdout
    rows = r.stdout.split("channels:")[1].splitlines()[2:]
    assert [x.split()[0] for x in rows if x.strip() and not x.startswith("total")] == \
        [c["channel"] for c in costs["channels"]], r.stdout
    total = costs["total_cost_mad"]
    assert field(r.stdout, "total_cost") == (f"{total:.2f} MAD" if total is not None else
                                             "unknown (a channel that took messages has no price)")
    r = ctl(d, "channels", "costs", "--month", "2026-13", token=t["viewer"])
    assert r.returncode == 1 and "[field: month]" in r.stderr, r
    r = ctl(d, "channels", "budgets", token=t["viewer"])
    assert r.returncode == 0 and "monthly_budget_mad" in r.stdout.splitlines()[0], r
    budgets = api.get("/channels/budgets").json()["items"]
    assert len(r.stdout.splitlines()) == 1 + len(budgets), r.stdout


def test_grants_created_shown_corrected_and_a_status_previewed(env):  # noqa: F811
    """The console's grant pages from a terminal: create one for a member or
    a cooperative, a grant with its history, correct the amount and the
    notes per language, the member's SMS shown before a status changes."""
    d, t = env
    api = Api(d, t["viewer"])
    write_db(d, "INSERT INTO cooperatives (code, name, province, created_at, updated_at)"
                " VALUES ('7901', 'Coopérative Tilila', 'nador', 0, 0)")
    phone = new_phone()
    mid = add_member(d, phone, language="fr", name="Salma")
    r = ctl(d, "--json", "grants", "create", "--member", f"TA-{mid:06d}", "--programme",
            "Tatwir 2026", "--amount", "15000", "--note-fr", "Dossier reçu", token=t["staff"])
    assert r.returncode == 0, r
    ref = json.loads(r.stdout)["reference"]
    [g] = api.get(f"/grants?reference={ref}").json()["items"]
    assert (g["member_id"], g["programme"], g["amount_mad"], g["note_fr"]) == \
        (mid, "Tatwir 2026", 15000, "Dossier reçu"), g
    r = ctl(d, "grants", "create", "--cooperative", "7901", "--programme", "Appui",
            "--amount", "80000", token=t["staff"])
    assert r.returncode == 0 and field(r.stdout, "cooperative_name") == "Coopérative Tilila", r
    coop_ref = field(r.stdout, "reference")
    assert api.get(f"/grants?reference={coop_ref}").json()["items"][0]["cooperative_id"]
    r = ctl(d, "grants", "create", "--programme", "x", "--amount", "1", token=t["staff"])
    assert r.returncode == 2, r
    # Corrected: the amount, one language's note cleared, another written.
    r = ctl(d, "grants", "edit", ref, "--amount", "12000", "--note-fr", "", "--note-ar",
            "الملف كامل", token=t["staff"])
    assert r.returncode == 0 and field(r.stdout, "amount_mad") == "12000", r
    g = api.get(f"/grants/{g['id']}").json()
    assert (g["amount_mad"], g["note_fr"], g["note_ar"]) == (12000, None, "الملف كامل"), g
    assert ctl(d, "grants", "edit", ref, "--amount", "1", token=t["viewer"]).returncode == 1
    r = ctl(d, "grants", "edit", ref, "--amount", "12.5", token=t["staff"])
    assert r.returncode == 1 and "[field: amount_mad]" in r.stderr, r
    # A status: its SMS shown first (nothing changed, nothing sent), then sent.
    r = ctl(d, "grants", "status", ref, "under_review", "--note", "Nous étudions",
            "--dry-run", token=t["staff"])
    assert r.returncode == 0 and "Nous étudions" in field(r.stdout, "body"), r
    assert field(r.stdout, "language") == "fr" and "nothing sent" in r.stdout
    assert api.get(f"/grants/{g['id']}").json()["status"] == "submitted"
    assert not query(d, "SELECT 1 FROM messages WHERE phone=?", (phone,))
    r = ctl(d, "grants", "status", ref, "under_review", "--note", "Nous étudions",
            token=t["staff"])
    assert r.returncode == 0 and len(query(d, "SELECT 1 FROM messages WHERE phone=?",
                                           (phone,))) == 1, r
    r = ctl(d, "grants", "show", ref, token=t["viewer"], extra_env=UTC)
    assert r.returncode == 0 and field(r.stdout, "status") == "under_review", r
    assert field(r.stdout, "created_at").endswith(f"({ZONE})"), r.stdout
    assert "history:" in r.stdout and lines_with(r.stdout, "under_review"), r.stdout
    r = ctl(d, "audit", "--object", f"grant:{g['id']}", token=t["admin"])
    assert lines_with(r.stdout, "grant.update") and lines_with(r.stdout, "grant.create"), r.stdout


def test_cooperatives_created_and_changed_a_contact_person_and_a_member_erased(env):  # noqa: F811
    d, t = env
    api = Api(d, t["viewer"])
    r = ctl(d, "--json", "cooperatives", "create", "--code", "7902", "--name", "Azul",
            "--province", "nador", "--sector", "textile", "--contact-phone", "0611790201",
            token=t["staff"])
    assert r.returncode == 0, r
    cid = json.loads(r.stdout)["id"]
    r = ctl(d, "cooperatives", "edit", "7902", "--name", "Coopérative Azul", "--sector", "",
            token=t["staff"])
    assert r.returncode == 0 and field(r.stdout, "name") == "Coopérative Azul", r
    c = api.get(f"/cooperatives/{cid}").json()
    assert (c["name"], c["sector"], c["contact_phone"]) == \
        ("Coopérative Azul", None, "+212611790201"), c
    assert ctl(d, "cooperatives", "edit", "7902", "--name", "x",
               token=t["viewer"]).returncode == 1
    mid = add_member(d, new_phone(), name="Itto", cooperative=cid)
    r = ctl(d, "members", "edit", f"TA-{mid:06d}", "--contact", "yes", token=t["staff"])
    assert r.returncode == 0 and api.get(f"/members/{mid}").json()["is_contact"] == 1, r
    # Erasing cannot be undone: it needs --yes.
    r = ctl(d, "members", "erase", str(mid), token=t["staff"])
    assert r.returncode == 2 and "--yes" in r.stderr, r
    assert api.get(f"/members/{mid}").json()["erased_at"] is None
    r = ctl(d, "members", "erase", str(mid), "--yes", token=t["staff"], extra_env=UTC)
    assert r.returncode == 0 and field(r.stdout, "erased_at").endswith(f"({ZONE})"), r
    m = api.get(f"/members/{mid}").json()
    assert m["erased_at"] and m["name"] is None, m
    r = ctl(d, "audit", "--action", "member.erase", token=t["admin"])
    assert len(lines_with(r.stdout, "member.erase")) == 1, r.stdout


def test_a_reference_or_a_phone_that_names_nothing_is_said_so(env):  # noqa: F811
    """A grant's reference and a member's phone number are looked up for the
    API's id; one that names nothing is said so, exit 1, nothing printed."""
    d, t = env
    r = ctl(d, "grants", "show", "GR-2099-99999", token=t["viewer"])
    assert r.returncode == 1 and not r.stdout, r
    assert "error: no grant has the reference GR-2099-99999" in r.stderr, r
    r = ctl(d, "members", "show", "+212699999990", token=t["viewer"])
    assert r.returncode == 1 and not r.stdout, r
    assert "error: no member has the phone number +212699999990" in r.stderr, r
