#!/usr/bin/python3
"""member_search.py -- staff search by name at a national scale (issue 16, item 11):
N members (default 1,000,000) with French and Arabic names written straight into a
fresh database (sqlite3, as a migration or a bulk load would leave them: no folded
form yet), then taawund started on it (its start folds those names: timed), then
GET /api/v1/members?name=... for rare, common, prefix, accented and Arabic names,
each several times on 127.0.0.1, reported as median and worst latency (the
target: 50 ms). Bounded: one daemon, one client, a fixed number of requests.

Usage: tests/bench/member_search.py [--daemon build/taawund] [--members N]
Standard library only."""

import argparse
import http.client
import json
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_MS = 50.0
RUNS = 15
START_TIMEOUT_S = 600.0

FIRST = ["Fatima", "Khadija", "Aicha", "Meryem", "Hélène", "Zoé", "Mohamed", "Youssef", "Omar",
         "Said", "Brahim", "Naima", "Hafsa", "Rachid", "Karim", "Salma", "Imane", "Hamza",
         "فاطمة", "خديجة", "عائشة", "مريم", "محمد", "يوسف", "عمر", "سعيد", "إبراهيم", "نعيمة",
         "حفصة", "رشيد", "كريم", "سلمى", "إيمان", "حمزة", "زينب", "أمينة"]
LAST = ["Benali", "El Amrani", "Ait Ali", "Ouali", "Zerouali", "Tazi", "Berrada", "Alaoui",
        "Idrissi", "Bennani", "Chraibi", "Lahlou", "Fassi", "Naciri", "Sebti", "Kettani",
        "بنعلي", "العمراني", "آيت علي", "الوالي", "الزروالي", "التازي", "برادة", "العلوي",
        "الإدريسي", "بناني", "الشرايبي", "لحلو", "الفاسي", "الناصري", "السبتي", "الكتاني"]
# (what staff type, why)
SEARCHES = [("helene", "accented, typed plain"), ("HÉLÈNE", "upper case"),
            ("فاطمه", "Arabic, ة typed as ه"), ("mohamed benali", "two words, common"),
            ("ben", "a short prefix, very common"), ("zerouali hafsa", "two words, rarer"),
            ("Quentin", "nobody")]


def write_config(folder):
    conf = folder / "taawun.conf"
    conf.write_text(f"""# member_search.py bench config
programme: {{
  name = "Taawun"; default_language = "ar"; languages = ["ar", "fr", "en"];
  timezone = "Africa/Casablanca"; country_code = "212";
  messages_dir = "{REPO / 'conf' / 'messages'}";
  provinces = ["oujda-angad", "berkane", "nador", "driouch", "taourirt", "jerada", "guercif", "figuig"];
  sectors = ["agriculture", "livestock", "agrifood", "handicraft", "textile", "tourism", "services", "other"];
}};
database: {{ path = "{folder / 'taawun.db'}"; }};
http: {{ public: {{ address = "127.0.0.1"; port = 0; }}; admin: {{ address = "127.0.0.1"; port = 0; }}; }};
log: {{ level = "info"; }};
channels = ( {{ name = "sandbox"; type = "sandbox"; ussd_code = "*384*123#"; }} );
""")
    return conf


def fill(db_path, n):
    rnd = random.Random(16)
    provinces = ["oujda-angad", "berkane", "nador", "driouch", "taourirt", "jerada"]
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("BEGIN")
    now = int(time.time())
    rows = ((f"+2126{i:08d}", f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", rnd.choice(provinces),
             "textile", rnd.choice("fm"), 1960 + i % 45, "ar", now, "import", now, now, now)
            for i in range(n))
    conn.executemany("INSERT INTO members (phone, name, province, sector, gender, birth_year,"
                     " language, consent_at, registered_via, registered_at, created_at, updated_at)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.execute("COMMIT")
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=str(REPO / "build" / "taawund"))
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--keep", help="a folder for the database, kept (and reused when filled)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="taawun-search-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        conf = write_config(folder)
        reuse = (folder / "taawun.db").exists()
        tok = subprocess.run([args.daemon, "token", "create", f"bench-{time.time():.0f}", "--role",
                              "viewer", "-c", str(conf)], capture_output=True, text=True, check=True)
        token = tok.stdout.strip()
        if not reuse:
            t0 = time.monotonic()
            fill(str(folder / "taawun.db"), args.members)
            print(f"{args.members} members written in {time.monotonic() - t0:.1f} s (sqlite3)")
        t0 = time.monotonic()
        proc = subprocess.Popen([args.daemon, "-c", str(conf)], stderr=subprocess.PIPE, text=True)
        port = None
        try:
            for line in proc.stderr:
                m = re.search(r"event=listening\b.*\blistener=admin\b.*\bport=(\d+)", line)
                if m:
                    port = int(m.group(1))
                    break
                if time.monotonic() - t0 > START_TIMEOUT_S:
                    break
            if not port:
                print("taawund did not start", file=sys.stderr)
                return 1
            print(f"start with the names folded: {time.monotonic() - t0:.1f} s")
            worst_all = 0.0
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            print(f"{'search':22}{'found':>9}{'median ms':>11}{'worst ms':>10}")
            for typed, why in SEARCHES:
                times, total = [], None
                for _ in range(RUNS):
                    q = urllib.parse.urlencode({"name": typed, "limit": 25})
                    t = time.monotonic()
                    conn.request("GET", "/api/v1/members?" + q,
                                 headers={"Authorization": "Bearer " + token})
                    r = conn.getresponse()
                    body = r.read()
                    times.append((time.monotonic() - t) * 1000)
                    if r.status != 200:
                        print(f"{typed}: HTTP {r.status} {body[:200]!r}", file=sys.stderr)
                        return 1
                    total = json.loads(body)["total"]
                worst_all = max(worst_all, max(times))
                print(f"{typed:22}{total:>9}{statistics.median(times):>11.1f}{max(times):>10.1f}"
                      f"   {why}")
            print(f"target: every search within {TARGET_MS:.0f} ms: "
                  f"{'met' if worst_all <= TARGET_MS else 'NOT met'} (worst {worst_all:.1f} ms)")
            return 0
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
