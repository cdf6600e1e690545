#!/usr/bin/python3
"""national.py -- a national-size data set for `make bench SIZE=national`:
1,000,000 members across 20,000 cooperatives, 100,000 grants, 2,000 events,
10,000,000 messages (with statuses and ages as a programme accumulates them over
a year), Arabic and French names.

The database is first created by taawund itself (its migrations, so the schema
is the daemon's, whatever it is today); the rows are then made by SQLite, set
by set (recursive CTEs, INSERT ... SELECT), with the big tables' secondary
indexes and triggers dropped while loading and created again from their own
stored SQL afterwards (the triggers' tables filled in one statement each).
Nothing goes row by row through Python. The last 60 % of the messages are made
meanwhile by a second process (this script with --messages-shard) in its own
file, copied in record by record (SQLite's transfer of identical tables).
The build prints its wall time against the 2-minute target of issue 14.

Numbers: members are +21269NNNNNNN (NNNNNNN < members), so tests/bench/ussd.lua
reaches them with member_base=90000000; no test number (+44 7700 900xxx).

Names are folded (members.name_folded, and the staff search's words index
filled) by the daemon's own fold_text through build/tests/bench_fold.

Usage: tests/bench/national.py --daemon build/taawund [--fold build/tests/bench_fold]
       [--dir DIR] [--scale 0.01]
       (DIR gets taawun.conf as bench.py writes it and taawun.db; a scale below 1
       makes a smaller set of the same shape)
Standard library only.
"""

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"cooperatives": 20_000, "members": 1_000_000, "grants": 100_000,
         "events": 2_000, "messages": 10_000_000, "broadcasts": 500}
MEMBER_BASE = 90_000_000  # phone = '+2126' || (MEMBER_BASE + k), k < members
YEAR_S = 365 * 86400

PROVINCES = ("oujda-angad", "berkane", "nador", "driouch", "taourirt", "jerada",
             "guercif", "figuig")
SECTORS = ("agriculture", "livestock", "agrifood", "handicraft", "textile", "tourism",
           "services", "other")
FIRST_AR = ("فاطمة", "خديجة", "عائشة", "مريم", "زينب", "نعيمة", "سعاد", "حليمة",
            "محمد", "أحمد", "يوسف", "عبد الله", "إبراهيم", "الحسن", "رشيد", "مصطفى",
            "سناء", "هند", "كريمة", "لطيفة", "عمر", "خالد", "حميد", "سعيد")
LAST_AR = ("بنعلي", "العمراني", "الإدريسي", "التازي", "الفاسي", "بوعزة", "الزياني",
           "المرابط", "الحسني", "بنموسى", "الوزاني", "القادري", "السوسي", "الريفي",
           "بلحاج", "الشرقاوي")
FIRST_FR = ("Fatima", "Khadija", "Aicha", "Meryem", "Zineb", "Naima", "Souad", "Halima",
            "Mohamed", "Ahmed", "Youssef", "Abdellah", "Brahim", "Hassan", "Rachid",
            "Mustapha", "Sanaa", "Hind", "Karima", "Latifa", "Omar", "Khalid", "Hamid",
            "Said", "Hélène", "Zoé")
LAST_FR = ("Benali", "El Amrani", "El Idrissi", "Tazi", "El Fassi", "Bouazza", "Zayani",
           "Mrabet", "Hassani", "Benmoussa", "Ouazzani", "Kadiri", "Soussi", "Rifi",
           "Belhaj", "Cherkaoui", "Aït Ali", "Lahlou")
COOP_AR = ("تعاونية الأمل", "تعاونية النور", "تعاونية الخير", "تعاونية الوحدة",
           "تعاونية الفلاح", "تعاونية الزيتون")
COOP_FR = ("Coopérative Al Amal", "Coopérative Annour", "Coopérative Oasis",
           "Coopérative Tifaout", "Coopérative Argane", "Coopérative Les Femmes Artisanes")

# Outbound texts by kind and language; %d is the message's own number.
TEXTS = {
    ("broadcast", "ar"): "تعاون: معرض المنتجات المحلية رقم %d يوم السبت. مرحبا بكم.",
    ("broadcast", "fr"): "Taawun: salon des produits locaux n°%d samedi. Bienvenue a tous.",
    ("broadcast", "en"): "Taawun: local products fair no. %d on Saturday. Everyone welcome.",
    ("reply", "ar"): "تعاون: طلبكم GR-2025-%05d قيد الدراسة.",
    ("reply", "fr"): "Taawun: votre demande GR-2025-%05d est en cours d'examen.",
    ("reply", "en"): "Taawun: your application GR-2025-%05d is under review.",
    ("receipt", "ar"): "تعاون: تم تسجيلكم. رقم العضو %d.",
    ("receipt", "fr"): "Taawun: inscription enregistrée. Membre n°%d.",
    ("receipt", "en"): "Taawun: registration recorded. Member no. %d.",
    ("notification", "ar"): "تعاون: تغيرت حالة طلبكم رقم %d.",
    ("notification", "fr"): "Taawun: le statut de votre demande n°%d a changé.",
    ("notification", "en"): "Taawun: the status of your application no. %d changed.",
    ("reminder", "ar"): "تعاون: تذكير بالورشة %d غدا على الساعة 10.",
    ("reminder", "fr"): "Taawun: rappel, atelier %d demain a 10h.",
    ("reminder", "en"): "Taawun: reminder, workshop %d tomorrow at 10am.",
}
# Message kinds by k % 100 (0..14 are inbound SMS): its upper bound, kind, topic.
OUT_KINDS = ((20, "reminder", "events"), (70, "broadcast", None), (85, "reply", None),
             (93, "receipt", None), (100, "notification", None))
INBOUND = ("STATUS", "EVENTS", "حالة", "STOP", "JOIN %d", "INFO", "Bonjour", "IDEE four solaire")


def sized(scale):
    return {k: max(1, int(v * scale)) for k, v in SIZES.items()}


def create_schema(daemon, config):
    """Let taawund create the database of config with its migrations (`taawund
    token create` opens and migrates it). Returns the token it printed (a
    staff token for the admin API)."""
    r = subprocess.run([str(daemon), "token", "create", "bench-national", "--role", "staff",
                        "-c", str(config)], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"taawund token create: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout.strip()


def _lookup_table(con, name, values):
    con.execute(f"CREATE TEMP TABLE {name} (i INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    con.executemany(f"INSERT INTO {name} (i, v) VALUES (?, ?)", list(enumerate(values)))


def _pick(table, n, expr):
    """SQL for the value of lookup table `table` (n rows) at index expr."""
    return f"(SELECT v FROM temp.{table} WHERE i = ({expr}) % {n})"


def _lookups(con):
    for name, values in (("province", PROVINCES), ("sector", SECTORS), ("coop_ar", COOP_AR),
                         ("coop_fr", COOP_FR)):
        _lookup_table(con, name, values)


def _seq(n, start=0):
    return (f"WITH RECURSIVE seq(k) AS (SELECT {start} UNION ALL SELECT k + 1 FROM seq"
            f" WHERE k + 1 < {n})")


def _cooperatives(con, n, now):
    np, ns = len(PROVINCES), len(SECTORS)
    con.execute(
        _seq(n) + " INSERT INTO cooperatives (id, code, name, province, sector, contact_phone,"
        " created_at, updated_at) SELECT k + 1, printf('%d', 100000 + k),"
        f" CASE WHEN k % 3 = 0 THEN {_pick('coop_ar', len(COOP_AR), 'k / 3')} || ' ' || (k + 1)"
        f" ELSE {_pick('coop_fr', len(COOP_FR), 'k')} || ' ' || (k + 1) END,"
        f" {_pick('province', np, 'k')}, {_pick('sector', ns, 'k / 8')},"
        f" printf('+21268%07d', k), {now} - {3 * YEAR_S} + k * 3000, {now} - k % 86400 FROM seq")


def fold_names(fold, names):
    """names folded by the daemon's own fold_text (tests/bench/fold.c, built
    as build/tests/bench_fold from core/fold), in order."""
    r = subprocess.run([str(fold)], input="".join(f"{v}\n" for v in names), capture_output=True,
                       text=True, timeout=60, check=True)
    out = r.stdout.split("\n")[:-1]
    if len(out) != len(names):
        raise RuntimeError(f"{fold}: {len(out)} folded names for {len(names)}")
    return out


def _names(con, fold):
    """temp.names: every full name a member gets (i = first * len(last) +
    last, Arabic names first, then French), with its folded form."""
    names = [f"{a} {b}" for a in FIRST_AR for b in LAST_AR] + \
            [f"{a} {b}" for a in FIRST_FR for b in LAST_FR]
    con.execute("CREATE TEMP TABLE names (i INTEGER PRIMARY KEY, v TEXT NOT NULL,"
                " f TEXT NOT NULL)")
    con.executemany("INSERT INTO names (i, v, f) VALUES (?, ?, ?)",
                    [(i, v, f) for i, (v, f) in enumerate(zip(names, fold_names(fold, names)))])


def _members(con, n, ncoops, now):
    """Members k = 0..n-1: coop k % ncoops (its province), 60 % Arabic, 35 %
    French, 5 % English; 97 % consenting, 2 % opted out, 0.5 % erased. Names
    and their folded forms (name_folded, as the daemon writes them) from
    temp.names."""
    np, ns = len(PROVINCES), len(SECTORS)
    ar = f"((k * 7) % {len(FIRST_AR)}) * {len(LAST_AR)} + (k / 7) % {len(LAST_AR)}"
    fr = (f"{len(FIRST_AR) * len(LAST_AR)} + ((k * 7) % {len(FIRST_FR)}) * {len(LAST_FR)}"
          f" + (k / 7) % {len(LAST_FR)}")
    name_i = f"CASE WHEN k % 200 = 199 THEN -1 WHEN k % 20 < 12 THEN {ar} ELSE {fr} END"
    reg = f"{now} - {2 * YEAR_S} + k * ({2 * YEAR_S} / {n})"
    con.execute(
        _seq(n) + " INSERT INTO members (id, phone, name, name_folded, cooperative_id, province,"
        " sector, gender, birth_year, language, consent_at, consent_channel, registered_via,"
        " registered_at, opted_out_at, erased_at, created_at, updated_at)"
        f" SELECT k + 1, printf('+2126%08d', {MEMBER_BASE} + k), nm.v, nm.f,"
        f" k % {ncoops} + 1, {_pick('province', np, f'k % {ncoops}')},"
        f" {_pick('sector', ns, f'(k % {ncoops}) / 8')},"
        " CASE WHEN k % 200 = 199 THEN NULL WHEN k % 5 < 3 THEN 'f' ELSE 'm' END,"
        " CASE WHEN k % 200 = 199 THEN NULL ELSE 1950 + (k * 37) % 57 END,"
        " CASE WHEN k % 20 < 12 THEN 'ar' WHEN k % 20 < 19 THEN 'fr' ELSE 'en' END,"
        f" CASE WHEN k % 100 < 97 THEN {reg} END,"
        " CASE WHEN k % 100 < 97 THEN CASE k % 3 WHEN 0 THEN 'sms' ELSE 'ussd' END END,"
        " CASE k % 10 WHEN 0 THEN 'import' WHEN 1 THEN 'sms' ELSE 'ussd' END,"
        f" {reg}, CASE WHEN k % 50 = 7 THEN {now} - (k % {YEAR_S}) END,"
        f" CASE WHEN k % 200 = 199 THEN {now} - (k % {YEAR_S}) END,"
        f" {reg}, {reg} FROM seq LEFT JOIN temp.names nm ON nm.i = {name_i}")
    # A few members switched a topic off.
    con.execute(
        f"INSERT INTO member_topics (member_id, topic, enabled, updated_at)"
        f" SELECT id, CASE id % 3 WHEN 0 THEN 'news' WHEN 1 THEN 'events' ELSE 'trainings' END,"
        f" 0, {now} FROM members WHERE id % 23 = 0")


def _grants(con, n, nmembers, ncoops, now):
    """Grants spread over three years (references GR-YYYY-NNNNN), one in ten
    to a cooperative; statuses as a programme's pipeline leaves them."""
    per_year = (n + 2) // 3
    con.execute(
        _seq(n) + " INSERT INTO grants (reference, member_id, cooperative_id, programme,"
        " amount_mad, status, note_ar, note_fr, note_en, created_at, updated_at)"
        f" SELECT printf('GR-%d-%05d', 2024 + k / {per_year}, k % {per_year} + 1),"
        f" CASE WHEN k % 10 = 9 THEN NULL ELSE (k * 7919) % {nmembers} + 1 END,"
        f" CASE WHEN k % 10 = 9 THEN k % {ncoops} + 1 END,"
        " CASE k % 3 WHEN 0 THEN 'Appui régional' WHEN 1 THEN 'INDH' ELSE 'Dar Al-Mutaawina' END,"
        " 5000 + (k * 131) % 95000,"
        " CASE WHEN k % 20 < 5 THEN 'submitted' WHEN k % 20 < 10 THEN 'under_review'"
        "  WHEN k % 20 < 12 THEN 'documents_missing' WHEN k % 20 < 15 THEN 'approved'"
        "  WHEN k % 20 < 18 THEN 'disbursed' ELSE 'rejected' END,"
        " 'قيد الدراسة', 'Dossier en étude', 'Under review',"
        f" {now} - {3 * YEAR_S} + k * ({3 * YEAR_S} / {n}),"
        f" {now} - (k * 7) % {YEAR_S} FROM seq")


def _events(con, n, now):
    """Events a year back and a year ahead, one in twenty cancelled."""
    np = len(PROVINCES)
    con.execute(
        _seq(n) + " INSERT INTO events (code, kind, title_ar, title_fr, title_en,"
        " description_ar, description_fr, description_en, starts_at, place, province, capacity,"
        " status, created_at, updated_at)"
        " SELECT printf('%d', 5000 + k),"
        " CASE k % 5 WHEN 0 THEN 'event' WHEN 1 THEN 'workshop' WHEN 2 THEN 'training'"
        "  WHEN 3 THEN 'exhibition' ELSE 'ideathon' END,"
        " 'ورشة التسويق ' || k, 'Atelier commercialisation ' || k, 'Marketing workshop ' || k,"
        " 'ورشة حول التسويق الرقمي', 'Atelier sur la vente en ligne', 'Online selling workshop',"
        f" {now} - {YEAR_S} + k * ({2 * YEAR_S} / {n}),"
        f" 'Maison des jeunes ' || k, {_pick('province', np, 'k')},"
        " CASE WHEN k % 4 = 0 THEN NULL ELSE 30 + k % 200 END,"
        " CASE WHEN k % 20 = 19 THEN 'cancelled' ELSE 'scheduled' END,"
        f" {now} - {2 * YEAR_S}, {now} - {YEAR_S} FROM seq")
    con.execute(
        "INSERT OR IGNORE INTO rsvps (event_id, member_id, created_at, reminded_at)"
        f" SELECT e.id, (e.id * 7919 + s.k * 104729) % (SELECT max(id) FROM members) + 1,"
        f" e.starts_at - 86400 * 3, CASE WHEN e.starts_at < {now} THEN e.starts_at - 86400 END"
        " FROM events e JOIN (" + _seq(25) + " SELECT k FROM seq) s")


def _broadcasts(con, n, now):
    con.execute(
        _seq(n) + " INSERT INTO broadcasts (id, name, topic, channel, audience, texts, status,"
        " started_at, recipients, created_by, created_at, updated_at)"
        " SELECT k + 1, 'Annonce ' || (k + 1), CASE k % 3 WHEN 0 THEN 'news'"
        "  WHEN 1 THEN 'events' ELSE 'trainings' END, 'at', '{}',"
        " json_object('ar', 'تعاون', 'fr', 'Taawun', 'en', 'Taawun'), 'started',"
        f" {now} - {YEAR_S} + k * ({YEAR_S} / {n}), 20000, 'bench',"
        f" {now} - {YEAR_S} + k * ({YEAR_S} / {n}), {now} FROM seq")


def _lit(text):
    return "'" + text.replace("'", "''") + "'"


def _messages(con, n, nmembers, nbroadcasts, now, first=0, end=None):
    """Messages k = first..end-1 of 0..n-1 (id k + 1) over the last year,
    oldest first (ids follow time):
    15 % inbound SMS (one in eight from a non-member), outbound by kind with
    statuses by age (the newest hour still 'sent', awaiting delivery reports).
    Every column is integer arithmetic on k and literals (no lookups per row):
    c = k % 100 the kind, s = k / 100 % 100 the fate, m the member, l its language."""
    m = f"((k * 7919) % {nmembers})"
    lang = f"CASE WHEN {m} % 20 < 12 THEN 0 WHEN {m} % 20 < 19 THEN 1 ELSE 2 END"
    kind = "CASE " + " ".join(f"WHEN k % 100 < {hi} THEN {_lit(kd)}" for hi, kd, _ in
                              ((15, "sms", None),) + OUT_KINDS) + " END"
    body = "CASE " + " ".join(
        f"WHEN k % 100 < {hi} THEN CASE {lang} WHEN 0 THEN {_lit(TEXTS[kd, 'ar'])}"
        f" WHEN 1 THEN {_lit(TEXTS[kd, 'fr'])} ELSE {_lit(TEXTS[kd, 'en'])} END"
        for hi, kd, _ in OUT_KINDS) + " END"
    inbound = "CASE k / 100 % 8 " + " ".join(
        f"WHEN {i} THEN {_lit(v)}" for i, v in enumerate(INBOUND)) + " END"
    at = f"CAST({now} - {YEAR_S} + k * ({YEAR_S} / {n}.0) AS INTEGER)"
    recent = f"k >= {n} - {n} * 3600 / {YEAR_S}"  # created within the last hour
    out = "k % 100 >= 15"
    stranger = "k % 100 < 15 AND k % 8 = 3"
    con.execute(
        _seq(n if end is None else end, first) + " INSERT INTO messages (id, channel, direction,"
        " phone, member_id, kind, topic, body, encoding, segments, status, attempts,"
        " provider_id, broadcast_id, error, created_at, updated_at, delivered_at, dlr_status)"
        " SELECT k + 1, CASE WHEN k % 5 = 4 THEN 'vonage' ELSE 'at' END,"
        f" CASE WHEN {out} THEN 'out' ELSE 'in' END,"
        f" CASE WHEN {stranger} THEN printf('+2127%08d', k % 100000000)"
        f"  ELSE printf('+2126%08d', {MEMBER_BASE} + {m}) END,"
        f" CASE WHEN {stranger} THEN NULL ELSE {m} + 1 END, {kind},"
        " CASE WHEN k % 100 < 15 THEN NULL WHEN k % 100 < 20 THEN 'events'"
        "  WHEN k % 100 < 70 THEN CASE k % 3 WHEN 0 THEN 'news' WHEN 1 THEN 'events'"
        "  ELSE 'trainings' END END,"
        f" CASE WHEN {out} THEN printf({body}, k % 100000) ELSE printf({inbound}, k % 2000) END,"
        f" CASE WHEN {lang} = 0 THEN 'ucs2' ELSE 'gsm7' END, 1 + (k % 7 = 0),"
        f" CASE WHEN NOT {out} THEN 'received' WHEN {recent} THEN 'sent'"
        "  WHEN k / 100 % 100 < 88 THEN 'delivered' WHEN k / 100 % 100 < 93 THEN 'sent'"
        "  WHEN k / 100 % 100 < 97 THEN 'failed' ELSE 'expired' END,"
        f" CASE WHEN NOT {out} THEN 0 WHEN k / 100 % 100 BETWEEN 93 AND 96 THEN 2 ELSE 1 END,"
        f" CASE WHEN NOT {out} THEN printf('ATSMS%010d', k)"
        f"  WHEN k / 100 % 100 < 97 OR {recent} THEN printf('ATXid_%010d', k) END,"
        f" CASE WHEN k % 100 BETWEEN 20 AND 69 THEN 1 + (k * {nbroadcasts}) / {n} END,"
        f" CASE WHEN {out} AND k / 100 % 100 BETWEEN 93 AND 96 THEN 'provider_error' END,"
        f" {at}, {at} + 20,"
        f" CASE WHEN {out} AND k / 100 % 100 < 88 AND NOT {recent} THEN {at} + 15 END,"
        f" CASE WHEN {out} AND k / 100 % 100 < 88 AND NOT {recent} THEN 'Success'"
        f"  WHEN {out} AND k / 100 % 100 BETWEEN 93 AND 96 THEN 'Rejected' END"
        " FROM seq")


COUNTS_SQL = ("INSERT INTO {table} (hour, channel, status, taken, n, segments)"
              " SELECT created_at / 3600, channel, status, provider_id IS NOT NULL,"
              " count(*), sum(segments) FROM messages WHERE direction = 'out'"
              " GROUP BY 1, 2, 3, 4")


# A broadcast's messages by status, as the migration that made
# broadcast_counts fills it from existing rows.
BROADCAST_COUNTS_SQL = ("INSERT INTO {table} (broadcast_id, status, n, segments)"
                        " SELECT broadcast_id, status, count(*), sum(segments) FROM messages"
                        " WHERE broadcast_id IS NOT NULL GROUP BY 1, 2")


def _count_messages(con, tables=("message_counts", "broadcast_counts")):
    """The hourly counts of the messages in con's messages table into
    tables[0] and their counts by broadcast into tables[1] (message_counts
    and broadcast_counts, or the shard's partial counts), as the migrations
    that made them fill them from existing rows (src/store/migrations.c); the
    generator makes no test number, so every outbound message counts."""
    con.execute(COUNTS_SQL.format(table=tables[0]))
    con.execute(BROADCAST_COUNTS_SQL.format(table=tables[1]))


def _fill_counts(con):
    """message_costs and member_counts as their migrations fill them from
    existing rows. message_costs are message_counts' taken rows by hour and
    channel (the same messages: outbound, with a provider id), summed from
    them rather than by a second pass over the messages; every member not
    erased counts."""
    con.execute("DELETE FROM message_costs")
    con.execute("INSERT INTO message_costs (hour, channel, messages, segments)"
                " SELECT hour, channel, sum(n), sum(segments) FROM message_counts"
                " WHERE taken GROUP BY 1, 2")
    con.execute("DELETE FROM member_counts")
    con.execute("INSERT INTO member_counts (province, sector, gender, birth_year, n)"
                " SELECT coalesce(province, 'unknown'), coalesce(sector, 'unknown'),"
                " coalesce(gender, 'unknown'), coalesce(birth_year, 0), count(*)"
                " FROM members WHERE erased_at IS NULL AND is_test = 0 GROUP BY 1, 2, 3, 4")


BIG_TABLES = ("members", "messages", "grants", "rsvps", "member_topics")
# The share of the messages made by a second process (its own database file,
# merged by a raw copy), while this one makes the rest and everything else.
SHARD_SHARE = 0.6
# Indexes on messages kept while loading, in both processes (the copy takes
# their entries along): partial indexes on statuses the set has none of, and
# indexes whose keys come in order (time, broadcast, provider id), each row
# appended at the end. The others (member, phone: random order) are built
# after the load by sorting, as are unique ones (the copy into a table with
# rows keeps its raw transfer only when the table has no unique index).
LOAD_INDEXES = ("messages_due", "messages_sending", "messages_held", "messages_queued_age",
                "messages_created", "messages_broadcast_rows", "messages_broadcast",
                "messages_outbound_provider")
# The build's settings: a fresh file with nothing to roll back to, tables
# read through the map (not copied into the cache) by every index built, and
# the index builds' sorts spilled to temporary files (with temp_store =
# MEMORY SQLite sorts slower and uses no worker thread). The cache is small
# (8 MiB): rows and index entries are appended, so the pages being written
# are few and stay cached, where a large cache costs a malloc and a page
# fault per page it grows by, and a write of them all at commit (1 M
# messages: 3.5 s of CPU with 8 MiB, 5.6 s with 1 GiB). SQLite also sorts
# runs of the cache's size in memory when it builds an index and merges them
# from files; runs of 8 MiB stay in the CPU's caches, where one run of 512
# MiB misses them on every step of its merge sort (10 s of CPU instead of
# 29 s for one index on 10 M messages).
CACHE = "cache_size = -8192"
BUILD_PRAGMAS = ("journal_mode = OFF", "synchronous = OFF", CACHE,
                 "temp_store = FILE", "threads = 2", "mmap_size = 17179869184")


def _connect(path):
    con = sqlite3.connect(str(path), isolation_level=None)
    for pragma in BUILD_PRAGMAS:
        con.execute(f"PRAGMA {pragma}")
    return con


def shard_main(path, spec):
    """The second process: messages spec["first"].. spec["n"]-1 into a new
    database at path, in a table made by the daemon's own statement (so the
    merge copies records as they are), their hourly counts into counts and
    their counts by broadcast into bcounts. Prints its seconds as JSON."""
    t0, cpu0 = time.monotonic(), time.process_time()
    con = _connect(path)
    try:
        con.execute(spec["table"])
        for sql in spec["indexes"]:
            con.execute(sql)
        con.execute("CREATE TABLE counts (hour INTEGER NOT NULL, channel TEXT NOT NULL,"
                    " status TEXT NOT NULL, taken INTEGER NOT NULL, n INTEGER NOT NULL,"
                    " segments INTEGER NOT NULL, PRIMARY KEY (hour, channel, status, taken))"
                    " WITHOUT ROWID")
        con.execute("CREATE TABLE bcounts (broadcast_id INTEGER NOT NULL, status TEXT NOT NULL,"
                    " n INTEGER NOT NULL, segments INTEGER NOT NULL,"
                    " PRIMARY KEY (broadcast_id, status)) WITHOUT ROWID")
        con.execute("BEGIN")
        _messages(con, spec["n"], spec["members"], spec["broadcasts"], spec["now"],
                  spec["first"])
        _count_messages(con, ("counts", "bcounts"))
        con.execute("COMMIT")
    finally:
        con.close()
    print(json.dumps({"seconds": time.monotonic() - t0,
                      "cpu_seconds": time.process_time() - cpu0}))


def _load_indexes(indexes):
    """The SQL of the messages indexes of LOAD_INDEXES among (name, table,
    sql), but no unique one."""
    return [sql for name, table, sql in indexes if table == "messages"
            and name in LOAD_INDEXES and not sql.upper().startswith("CREATE UNIQUE")]


def _start_shard(con, db_path, n, now, indexes):
    """The second process for the last SHARD_SHARE of the messages, its table
    and load indexes made by the daemon's own statements; returns (process,
    its database path, the first message it makes)."""
    table = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table'"
                        " AND name = 'messages'").fetchone()[0]
    first = n["messages"] - int(n["messages"] * SHARD_SHARE)
    path = db_path.with_name(db_path.name + ".messages-shard")
    path.unlink(missing_ok=True)
    spec = {"table": table, "indexes": _load_indexes(indexes), "n": n["messages"],
            "members": n["members"], "broadcasts": n["broadcasts"], "now": now, "first": first}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--messages-shard",
                             str(path), json.dumps(spec)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, path, first


def _merge_shard(con, proc, path, log):
    """Waits for the second process, then copies its messages in (INSERT ...
    SELECT * between identical tables with the same indexes, no trigger and
    no unique index: SQLite copies the records and index entries as they
    are) and adds its counts (hourly, by broadcast)."""
    def wait():
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"messages shard: exit {proc.returncode}: {err.strip()}")
        shard = json.loads(out)
        return (f"the second process: {shard['seconds']:.1f} s,"
                f" {shard['cpu_seconds']:.1f} s CPU")
    _step(log, "shard wait", wait)
    _step(log, "commit", lambda: con.execute("COMMIT"))  # no ATTACH inside a transaction

    def merge():
        con.execute("ATTACH ? AS shard", (str(path),))
        con.execute("BEGIN")
        con.execute("INSERT INTO main.messages SELECT * FROM shard.messages")
        con.execute("INSERT INTO message_counts (hour, channel, status, taken, n, segments)"
                    " SELECT hour, channel, status, taken, n, segments FROM shard.counts"
                    " WHERE 1 ON CONFLICT (hour, channel, status, taken) DO UPDATE SET"
                    " n = n + excluded.n, segments = segments + excluded.segments")
        # The broadcast both processes made messages of counted by both.
        con.execute("INSERT INTO broadcast_counts (broadcast_id, status, n, segments)"
                    " SELECT broadcast_id, status, n, segments FROM shard.bcounts"
                    " WHERE 1 ON CONFLICT (broadcast_id, status) DO UPDATE SET"
                    " n = n + excluded.n, segments = segments + excluded.segments")
    _step(log, "shard merge", merge)


def _drop(con, kind, tables):
    """Drops the indexes or triggers of tables; returns their (name, table,
    sql)."""
    rows = con.execute(
        f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL"
        f" AND tbl_name IN ({','.join('?' * len(tables))})", (kind, *tables)).fetchall()
    for name, _, _ in rows:
        con.execute(f'DROP {kind.upper()} "{name}"')
    return rows


def _cpu_seconds():
    """CPU seconds of this process and its waited-for children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _step(log, name, fn):
    """Runs fn and logs its wall and CPU seconds and the note it returns."""
    t, cpu = time.monotonic(), time.process_time()
    note = fn()
    log(f"  {name:13} {time.monotonic() - t:6.1f} s, {time.process_time() - cpu:5.1f} s CPU"
        + (f" ({note})" if isinstance(note, str) else ""))


def generate(db_path, fold, scale=1.0, now=None, log=print):
    """Fill db_path (created by create_schema) at the given scale; fold is
    build/tests/bench_fold (the daemon's folding of names). A second process
    makes the last SHARD_SHARE of the messages meanwhile. Returns the row
    counts (int), the seconds it took and the CPU seconds of both processes and
    the load average when it started (float)."""
    now = int(now or time.time())
    n = sized(scale)
    db_path = Path(db_path)
    t0, cpu0, load0 = time.monotonic(), _cpu_seconds(), os.getloadavg()[0]
    con = _connect(db_path)
    proc = None
    try:
        con.execute("BEGIN")
        # Secondary indexes are built from their stored SQL after the load
        # (but LOAD_INDEXES); triggers (the counts, the words index) would run
        # once per row: they are created again after it and their tables
        # filled in one statement each, as the migrations that made them fill
        # them.
        triggers = _drop(con, "trigger", BIG_TABLES)
        indexes = _drop(con, "index", BIG_TABLES)
        proc, shard, split = _start_shard(con, db_path, n, now, indexes)
        _lookups(con)
        _names(con, fold)
        loaded = _load_indexes(indexes)
        for sql in loaded:
            con.execute(sql)
        others = [sql for _, table, sql in indexes if table != "messages"]

        def messages():
            con.execute("DELETE FROM message_counts")
            con.execute("DELETE FROM broadcast_counts")
            _messages(con, n["messages"], n["members"], n["broadcasts"], now, 0, split)
            _count_messages(con)
            return f"{split:,} of {n['messages']:,}, the rest in a second process"

        def members_indexes():
            for sql in others:
                con.execute(sql)
            # The staff search's words index, filled as its migration does.
            con.execute("INSERT INTO members_name_fts(members_name_fts) VALUES ('rebuild')")
            return f"{len(others)} indexes, the words index"

        for name, step in (
                ("messages", messages),
                ("cooperatives", lambda: _cooperatives(con, n["cooperatives"], now)),
                ("members", lambda: _members(con, n["members"], n["cooperatives"], now)),
                ("grants", lambda: _grants(con, n["grants"], n["members"], n["cooperatives"],
                                           now)),
                ("events", lambda: _events(con, n["events"], now)),
                ("broadcasts", lambda: _broadcasts(con, n["broadcasts"], now)),
                ("members idx", members_indexes)):
            _step(log, name, step)
        _merge_shard(con, proc, shard, log)

        def messages_indexes():
            built = [sql for _, table, sql in indexes
                     if table == "messages" and sql not in loaded]
            for sql in built:
                con.execute(sql)
            return f"{len(built)} on messages, {len(loaded)} more kept while loading"
        _step(log, "messages idx", messages_indexes)

        def counts():
            for _, _, sql in triggers:
                con.execute(sql)
            _fill_counts(con)
            con.execute("COMMIT")
            con.execute("DETACH shard")
            shard.unlink()
            return f"{len(triggers)} triggers"
        _step(log, "counts", counts)
        # Planner statistics from a sample of each index (as ANALYZE on the
        # whole set would give, in a fraction of the time).
        con.execute("PRAGMA analysis_limit = 2000")
        _step(log, "analyze", lambda: con.execute("ANALYZE"))
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("cooperatives", "members", "grants", "events", "rsvps",
                            "broadcasts", "messages")}
    finally:
        con.close()
        if proc:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            shard.unlink(missing_ok=True)
    con = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")  # as taawund keeps it
    finally:
        con.close()
    counts["seconds"] = time.monotonic() - t0
    counts["cpu_seconds"] = _cpu_seconds() - cpu0
    counts["load_at_start"] = load0
    return counts


TARGET_S = 120  # issue 14: the national set builds in under 2 minutes


def target_line(counts, scale):
    """The build's wall time against the target, in the style of bench.py's
    target lines, with its CPU time and the machine's load at its start and
    end (on a shared machine the wall clock says little alone)."""
    wall = counts["seconds"]
    verdict = ("met" if wall < TARGET_S else "MISSED") if scale == 1 else \
        f"(scale {scale:g}; the target is for scale 1)"
    return (f"generator, national size: {wall:.1f} s wall (target {TARGET_S} s) {verdict}, "
            f"{counts['cpu_seconds']:.1f} s CPU on {os.cpu_count()} cores, load average "
            f"{counts['load_at_start']:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--daemon", default="build/taawund")
    ap.add_argument("--dir", help="directory for taawun.conf and taawun.db (default: a new "
                    "temporary directory)")
    ap.add_argument("--fold", default="build/tests/bench_fold",
                    help="the daemon's folding of names (make build/tests/bench_fold)")
    ap.add_argument("--scale", type=float, default=1.0)
    if argv[:1] == ["--messages-shard"]:  # the second process of generate()
        shard_main(Path(argv[1]), json.loads(argv[2]))
        return 0
    a = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench
    tmp = Path(a.dir or tempfile.mkdtemp(prefix="taawun-national-")).resolve()
    tmp.mkdir(parents=True, exist_ok=True)
    if (tmp / "taawun.db").exists():
        ap.error(f"{tmp / 'taawun.db'} exists: the generator fills a new database")
    config, _ = bench.make_config(bench.REPO / "conf" / "taawun.conf", tmp)
    t = time.monotonic()
    create_schema(Path(a.daemon).resolve(), config)
    print(f"schema by taawund in {time.monotonic() - t:.1f} s: {tmp / 'taawun.db'}")
    counts = generate(tmp / "taawun.db", Path(a.fold).resolve(), a.scale)
    print(", ".join(f"{k} {v:,}" for k, v in counts.items() if isinstance(v, int)))
    print(target_line(counts, a.scale))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
