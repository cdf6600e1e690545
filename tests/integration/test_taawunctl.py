"""test_taawunctl.py -- taawunctl end to end against a real taawund: token
from TAAWUN_TOKEN or a 0600 file, exit codes (0 ok, 1 API error, 2 usage,
3 no connection), import/export with --dry-run, grants, events, broadcasts,
messages, stats, tokens, the console's staff accounts, human tables and
--json, `taawunctl ussd` driven through its stdin and `taawunctl sms` into
the sandbox.
Standard library only (plus pytest)."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import DELETE, TAAWUND, add_member, msg, new_phone, query, wait_until
from fakes import free_port
from test_admin_api import Api, make_token

CTL = Path(os.environ.get("TAAWUNCTL", str(Path(TAAWUND).parent / "taawunctl")))


@pytest.fixture
def env(daemons):
    if not CTL.exists():
        pytest.fail(f"{CTL} does not exist: run `make all` first")
    conf = daemons.config({"programme.demo_data": DELETE})
    tokens = {r: make_token(conf, f"ctl-{r}", r) for r in ("admin", "staff", "viewer")}
    d = daemons.start(config=conf)
    return d, tokens


def ctl(d, *args, token=None, stdin=None, url=True, extra_env=None):
    e = {k: v for k, v in os.environ.items() if k != "TAAWUN_TOKEN"}
    if token:
        e["TAAWUN_TOKEN"] = token
    e.update(extra_env or {})
    argv = [str(CTL)]
    if url:
        argv += ["--url", f"http://127.0.0.1:{d.admin_port}"]
    return subprocess.run(argv + [str(a) for a in args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", env=e, timeout=30)


def test_tokens_and_exit_codes(env, tmp_path):
    d, t = env
    r = ctl(d, "stats")
    assert r.returncode == 2 and "TAAWUN_TOKEN" in r.stderr
    assert ctl(d, "frobnicate", token=t["admin"]).returncode == 2
    assert ctl(d, "broadcasts", "send", token=t["staff"]).returncode == 2
    loose = tmp_path / "token"
    loose.write_text(t["viewer"] + "\n")
    os.chmod(loose, 0o644)
    r = ctl(d, "--token-file", loose, "stats")
    assert r.returncode == 2 and "chmod 600" in r.stderr
    os.chmod(loose, 0o600)
    r = ctl(d, "--token-file", loose, "stats")
    assert r.returncode == 0, r
    r = ctl(d, "stats", token="0" * 64)
    assert r.returncode == 1 and "invalid or revoked token" in r.stderr
    r = ctl(d, "tokens", "list", token=t["viewer"])
    assert r.returncode == 1 and "admin role" in r.stderr
    r = subprocess.run([str(CTL), "--url", f"http://127.0.0.1:{free_port()}", "stats"],
                       capture_output=True, text=True, env={"TAAWUN_TOKEN": t["admin"]})
    assert r.returncode == 3 and "cannot reach" in r.stderr
    # Tokens: create (shown once), list, revoke.
    r = ctl(d, "tokens", "create", "ctl-new", "--role", "viewer", token=t["admin"])
    assert r.returncode == 0 and len(r.stdout.strip()) == 64, r
    r = ctl(d, "--json", "tokens", "list", token=t["admin"])
    items = json.loads(r.stdout)["items"]
    new = [x for x in items if x["name"] == "ctl-new"][0]
    r = ctl(d, "tokens", "list", token=t["admin"])
    assert "ctl-new" in r.stdout and r.stdout.splitlines()[0].split()[:3] == ["id", "name", "role"]
    assert ctl(d, "tokens", "revoke", new["id"], token=t["admin"]).returncode == 0


def test_a_token_is_revoked_by_name_or_by_id(env):
    """As the README says: `taawunctl tokens revoke` takes the name of a live
    token (as `taawund token revoke NAME` does on the server) or its id."""
    d, t = env
    for name in ("by-name", "by-id"):
        assert ctl(d, "tokens", "create", name, "--role", "viewer", token=t["admin"]).returncode == 0
    r = ctl(d, "tokens", "revoke", "by-name", token=t["admin"])
    assert r.returncode == 0 and "token by-name revoked" in r.stdout, r
    items = json.loads(ctl(d, "--json", "tokens", "list", token=t["admin"]).stdout)["items"]
    live = {x["name"]: x for x in items if x["revoked_at"] is None}
    assert "by-name" not in live and "by-id" in live
    r = ctl(d, "tokens", "revoke", live["by-id"]["id"], token=t["admin"])
    assert r.returncode == 0 and "token by-id revoked" in r.stdout, r
    r = ctl(d, "tokens", "revoke", "by-name", token=t["admin"])  # no live one left
    assert r.returncode == 1 and "no live token is called 'by-name'" in r.stderr, r


def test_import_export_grants_and_messages(env, tmp_path):
    d, t = env
    coops = tmp_path / "coops.csv"
    coops.write_text("code;nom;province\n0301;تعاونية النور;nador\n", encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text("telephone,nom,langue,consentement\n0612340001,Nadia,fr,oui\n"
                       "0612340002,Omar,xx,oui\n", encoding="utf-8")
    r = ctl(d, "import", "members", members, "--dry-run", token=t["staff"])
    assert r.returncode == 1 and "line 3, langue" in r.stderr, r
    members.write_text("telephone,nom,langue,consentement\n0612340001,Nadia,fr,oui\n")
    r = ctl(d, "import", "members", members, "--dry-run", token=t["staff"])
    assert r.returncode == 0 and "dry run" in r.stdout and "1 created" in r.stdout, r
    assert not query(d, "SELECT 1 FROM members")
    assert ctl(d, "import", "cooperatives", coops, token=t["viewer"]).returncode == 1
    r = ctl(d, "import", "cooperatives", coops, token=t["staff"])
    assert r.returncode == 0 and "1 created" in r.stdout, r
    r = ctl(d, "--json", "import", "members", members, token=t["staff"])
    assert r.returncode == 0 and json.loads(r.stdout)["created"] == 1
    out = tmp_path / "export.csv"
    r = ctl(d, "export", "cooperatives", "-o", out, token=t["viewer"])
    assert r.returncode == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "تعاونية النور".encode() in data
    r = ctl(d, "import", "cooperatives", out, token=t["staff"])
    assert "1 unchanged" in r.stdout
    # Grants: create by CSV, change a status with a note: one SMS.
    grants = tmp_path / "grants.csv"
    grants.write_text("reference,member_phone,programme,amount_mad\nGR-C-1,0612340001,Tahfiz,900\n")
    assert ctl(d, "import", "grants", grants, token=t["staff"]).returncode == 0
    r = ctl(d, "grants", "list", token=t["viewer"])
    assert "GR-C-1" in r.stdout and "submitted" in r.stdout
    r = ctl(d, "grants", "status", "GR-C-1", "approved", "--note", "Bravo", token=t["staff"])
    assert r.returncode == 0 and "approved" in r.stdout, r
    r = ctl(d, "grants", "status", "GR-NOPE", "approved", token=t["staff"])
    assert r.returncode == 1
    r = ctl(d, "grants", "status", "GR-C-1", "paid", token=t["staff"])
    assert r.returncode == 1 and "[field: status]" in r.stderr
    sms = query(d, "SELECT * FROM messages WHERE direction='out' AND phone='+212612340001'")
    assert len(sms) == 1 and "Bravo" in sms[0]["body"]
    r = ctl(d, "--json", "messages", "--phone", "+212612340001", token=t["viewer"])
    assert [m["id"] for m in json.loads(r.stdout)["items"]] == [sms[0]["id"]]
    r = ctl(d, "messages", "--phone", "0612340001", token=t["viewer"])
    assert r.returncode == 0 and "notification" in r.stdout
    r = ctl(d, "stats", token=t["viewer"])
    assert r.returncode == 0 and r.stdout.strip()


def test_events_and_broadcasts(env):
    d, t = env
    starts = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 7 * 86400))
    r = ctl(d, "--json", "events", "create", "--code", "5501", "--kind", "workshop",
            "--title-fr", "Atelier export", "--title-ar", "ورشة التصدير", "--starts-at", starts,
            "--place", "Oujda", token=t["staff"])
    assert r.returncode == 0, r
    ev = json.loads(r.stdout)
    r = ctl(d, "events", "list", token=t["viewer"])
    assert "5501" in r.stdout and "Atelier export" in r.stdout
    phones = [new_phone(), new_phone()]
    for p, lang in zip(phones, ("ar", "fr")):
        add_member(d, p, language=lang)
    r = ctl(d, "--json", "broadcasts", "create", "--name", "Salon", "--text-ar", "معرض يوم السبت",
            "--text-fr", "Salon samedi à Oujda", "--phone", phones[0], "--phone", phones[1],
            token=t["staff"])
    assert r.returncode == 0, r
    b = json.loads(r.stdout)
    assert b["audience"] == {"phones": phones}
    r = ctl(d, "broadcasts", "preview", b["id"], token=t["viewer"])
    assert r.returncode == 0 and "recipients 2" in r.stdout, r
    r = ctl(d, "--json", "broadcasts", "preview", b["id"], token=t["viewer"])
    assert json.loads(r.stdout)["recipients"] == 2
    assert ctl(d, "broadcasts", "send", b["id"], token=t["viewer"]).returncode == 1
    r = ctl(d, "broadcasts", "send", b["id"], token=t["staff"])
    assert r.returncode == 0 and "messages written     2" in r.stdout, r
    wait_until(lambda: json.loads(ctl(d, "--json", "broadcasts", "status", b["id"],
                                      token=t["viewer"]).stdout)["finished"],
               what="broadcast finished")
    r = ctl(d, "broadcasts", "status", b["id"], token=t["viewer"])
    assert "finished" in r.stdout, r.stdout
    r = ctl(d, "broadcasts", "cancel", b["id"], token=t["staff"])
    assert r.returncode == 0 and "messages cancelled   0" in r.stdout
    r = ctl(d, "broadcasts", "cancel", b["id"], token=t["staff"])
    assert r.returncode == 1 and "cannot be cancelled" in r.stderr
    b2 = json.loads(ctl(d, "--json", "broadcasts", "create", "--name", "Later", "--text-ar",
                        "لاحقا", "--phone", phones[0], token=t["staff"]).stdout)
    later = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 3 * 86400))
    r = ctl(d, "broadcasts", "schedule", b2["id"], later, token=t["staff"])
    assert r.returncode == 0 and "scheduled" in r.stdout, r
    r = ctl(d, "broadcasts", "list", token=t["viewer"])
    assert "Later" in r.stdout and "Salon" in r.stdout
    r = ctl(d, "events", "cancel", ev["id"], token=t["staff"])
    assert r.returncode == 0 and "cancelled" in r.stdout


def test_ussd_through_stdin_and_sms(env):
    d, t = env
    phone = new_phone()
    pub = f"http://127.0.0.1:{d.public_port}"
    r = ctl(d, "ussd", phone, "--url", pub, stdin="2\n", url=False)
    assert r.returncode == 0, r
    screens = [s for s in r.stdout.split("\n") if s]
    assert msg("fr", "menu_register") in r.stdout, r.stdout
    # Each run is a new session: the same keys give the same screens.
    r2 = ctl(d, "ussd", phone, "--url", pub, stdin="2\n", url=False)
    assert [s for s in r2.stdout.split("\n") if s] == screens
    # An SMS into the sandbox is stored and answered.
    r = ctl(d, "sms", phone, "aide", "--url", pub, url=False)
    assert r.returncode == 0, r
    assert query(d, "SELECT 1 FROM messages WHERE direction='in' AND phone=?", (phone,))
    wait_until(lambda: query(d, "SELECT 1 FROM messages WHERE direction='out' AND phone=?",
                             (phone,)), what="the SMS answer")
    # With a token, taawunctl waits for the answer and prints it.
    admin = f"http://127.0.0.1:{d.admin_port}"
    r = ctl(d, "sms", phone, "aide", "--url", pub, "--admin-url", admin, token=t["viewer"],
            url=False)
    assert r.returncode == 0, r
    [last] = query(d, "SELECT body FROM messages WHERE direction='out' AND phone=? "
                      "ORDER BY id DESC LIMIT 1", (phone,))
    assert r.stdout.strip() == last["body"].strip() and "delivered to" not in r.stdout, r
    r = ctl(d, "ussd", phone, "--url", f"http://127.0.0.1:{free_port()}", url=False)
    assert r.returncode == 3


def test_times_are_programme_time_named_and_stats_show_their_numbers(env):
    """On a server in UTC, an event at 18:00 programme time is listed at
    18:00 with the programme's zone named; stats print every number."""
    d, t = env
    utc = {"TZ": "UTC"}
    r = ctl(d, "--json", "events", "create", "--code", "5601", "--kind", "workshop",
            "--title-fr", "Atelier soir", "--starts-at", "2026-12-10T18:00", "--place", "Oujda",
            token=t["staff"], extra_env=utc)
    assert r.returncode == 0, r
    r = ctl(d, "events", "list", token=t["viewer"], extra_env=utc)
    assert r.returncode == 0, r
    row = [line for line in r.stdout.splitlines() if "5601" in line][0]
    assert "2026-12-10 18:00" in row, r.stdout
    assert "Africa/Casablanca" in r.stdout, r.stdout
    add_member(d, new_phone(), language="fr", province="nador")
    r = ctl(d, "stats", token=t["viewer"], extra_env=utc)
    assert r.returncode == 0, r
    total = [line for line in r.stdout.splitlines() if line.startswith("members.total:")]
    assert total == ["members.total: 1"], r.stdout
    assert not [line for line in r.stdout.splitlines() if "=-" in line and "rate" not in line]


def test_staff_accounts_created_role_changed_disabled_and_reset(env):
    """The console's Staff accounts page from a terminal (admin role): the
    temporary password alone on stdout, shown once; each change visible
    through the API and in the audit log."""
    d, t = env
    api = Api(d, t["admin"])
    for role in ("viewer", "staff"):
        r = ctl(d, "staff", "list", token=t[role])
        assert r.returncode == 1 and "admin role" in r.stderr, r
    r = ctl(d, "staff", "create", "karim", "--role", "staff", token=t["admin"],
            extra_env={"TZ": "UTC"})
    assert r.returncode == 0 and "shown only this once" in r.stderr, r
    first = r.stdout.strip()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", first), r.stdout
    assert "(Africa/Casablanca)" in r.stderr, r.stderr

    def account():
        [u] = [u for u in api.get("/staff").json()["items"] if u["name"] == "karim"]
        return u
    assert (account()["role"], account()["password_temporary"]) == ("staff", True)
    r = ctl(d, "staff", "list", token=t["admin"])
    assert [x.split()[:3] for x in r.stdout.splitlines() if "karim" in x] == \
        [[str(account()["id"]), "karim", "staff"]], r.stdout
    r = ctl(d, "staff", "role", "karim", "viewer", token=t["admin"])
    assert r.returncode == 0 and account()["role"] == "viewer", r
    r = ctl(d, "staff", "disable", account()["id"], token=t["admin"])
    assert r.returncode == 0 and account()["disabled"] is True, r
    r = ctl(d, "staff", "enable", "karim", token=t["admin"])
    assert r.returncode == 0 and account()["disabled"] is False, r
    r = ctl(d, "staff", "reset-password", "karim", token=t["admin"])
    assert r.returncode == 0 and r.stdout.strip() not in ("", first), r
    r = ctl(d, "staff", "role", "karim", "boss", token=t["admin"])
    assert r.returncode == 1 and "[field: role]" in r.stderr and account()["role"] == "viewer"
    r = ctl(d, "staff", "disable", "nobody", token=t["admin"])
    assert r.returncode == 1 and "no staff account" in r.stderr, r
    r = ctl(d, "--json", "audit", "--object-type", "staff_user", token=t["admin"])
    actions = {(x["action"], x["who"]) for x in json.loads(r.stdout)["items"]}
    assert {(a, "ctl-admin") for a in ("staff_user.create", "staff_user.role",
                                       "staff_user.disable", "staff_user.enable",
                                       "staff_user.password_reset")} <= actions, actions


def test_dashboard_figures_as_the_console_shows_them(env):
    d, t = env
    api = Api(d, t["viewer"])
    phone = new_phone()
    mid = add_member(d, phone, language="fr")
    for amount in ("15000", "5000", "1000"):
        r = ctl(d, "--json", "grants", "create", "--member", mid, "--programme", "Tatwir",
                "--amount", amount, token=t["staff"])
        assert r.returncode == 0, r
    ref = json.loads(r.stdout)["reference"]  # under review: its member gets an SMS this week
    assert ctl(d, "grants", "status", ref, "under_review", token=t["staff"]).returncode == 0
    # Compared once it has settled (the sandbox delivers it): API and command alike.
    wait_until(lambda: [m["status"] for m in query(d, "SELECT status FROM messages WHERE phone=?",
                                                   (phone,))] == ["delivered"],
               what="the grant's SMS delivered")
    dash = api.get("/dashboard").json()
    assert dash["messages_this_week"], dash
    assert dash["grants_by_status"]["submitted"] == {"count": 2, "amount_mad": 20000}, dash
    r = ctl(d, "dashboard", token=t["viewer"], extra_env={"TZ": "UTC"})
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert "grants_by_status.submitted: count=2 amount_mad=20000" in lines, r.stdout
    assert lines[0].startswith("week_start: ") and lines[0].endswith("(Africa/Casablanca)")
    assert lines[0].split()[2] == "00:00", lines[0]  # a week starts at midnight, programme time
    for channel, counts in dash["messages_this_week"].items():
        [line] = [x for x in lines if x.startswith(f"messages_this_week.{channel}:")]
        assert set(line.split()[1:]) == {f"{k}={v}" for k, v in counts.items()}, line
