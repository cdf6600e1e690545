"""test_bench_national.py -- the national data set of `make bench SIZE=national`
(tests/bench/national.py) keeps up with the schema: at a small scale it fills a
database taawund's own migrations created, taawund starts on it, a generated
member dials in and gets the member's home menu in the language of the set, and
the staff statistics count the generated messages (through the hourly counts the
generator fills as the migration does)."""

import json
import sys
from pathlib import Path

from conftest import TAAWUND, Ussd, assert_menu, http_request, query

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import national  # noqa: E402

SCALE = 0.0005  # 500 members, 5,000 messages


def test_small_national_set_serves_members_and_staff(daemons):
    config = daemons.config()
    token = national.create_schema(TAAWUND, config)
    db = config.parent / "taawun.db"
    counts = national.generate(db, SCALE, log=lambda *_: None)
    want = national.sized(SCALE)
    for table in ("cooperatives", "members", "grants", "events", "messages", "broadcasts"):
        assert counts[table] == want[table], (table, counts)

    d = daemons.start(config=config)
    # Member k = 3 of the set: Arabic (k % 20 < 12), a cooperative, consent.
    phone = f"+2126{national.MEMBER_BASE + 3:08d}"
    member = query(d, "SELECT language, name FROM members WHERE phone = ?", (phone,))[0]
    lang = member["language"]
    assert lang == "ar" and member["name"]
    home = Ussd(d, phone=phone).dial()
    assert home.con and member["name"] in home.text, home
    assert_menu(home, lang, ["menu_grants", "menu_events", "menu_idea", "menu_alerts",
                             "menu_profile"])

    r = http_request(d.admin_port, "GET", "/api/v1/stats",
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200, r
    by_status = json.loads(r.body)["messages"]["by_status"]
    stored = {r["status"]: r["n"] for r in query(
        d, "SELECT status, count(*) AS n FROM messages WHERE direction = 'out' GROUP BY 1")}
    assert by_status == stored
    assert sum(stored.values()) == counts["messages"] * 85 // 100
    by_province = json.loads(r.body)["members"]["by_province"]
    assert by_province == {r["p"]: r["n"] for r in query(
        d, "SELECT province AS p, count(*) AS n FROM members WHERE erased_at IS NULL"
           " GROUP BY 1")}
