"""test_delivery.py -- what became of the messages staff sent (issue 16,
missing 4): a broadcast's delivery report (counts by status, error class,
channel, language and attempts; cost estimated and actual) checked against a
broadcast delivered in part by a fake Africa's Talking that fails, refuses a
number and reports deliveries and a failure; its messages as a CSV, masked
for viewers and whole for staff and admins; the cost per channel per month
across a month boundary in programme time (Africa/Casablanca, UTC+1 in
November 2026), kept after the messages are deleted. Also wrong-today 6:
cancelled messages are never counted as sent, and a settled broadcast is
finished. Standard library only (plus pytest)."""

import csv
import io
import json
import time
from datetime import datetime, timedelta

from conftest import DELETE, add_member, connect_db, new_phone, query, wait_until
from fakes import FakeAfricasTalking, provider_channel
from outbox_helpers import write_db
from test_admin_api import ZONE, Api, make_token
from test_exports import NS, XLSX_CT, sheet_cells
from test_openapi import DOC, check_answer

PRICE = 0.25
AT_COST = 0.25  # what the fake Africa's Talking says each message cost ("MAD 0.2500")
FR = "Taawun: salon des cooperatives samedi a Oujda, inscrivez-vous."
AR = "تعاون: معرض التعاونيات يوم السبت في وجدة"


def start(daemons, fake, price=PRICE, **channel):
    ch = provider_channel(fake, daemons.tmpdir, price_per_segment_mad=price, retry_base_s=1,
                          retry_max_s=1, **channel)
    conf = daemons.config({"programme.demo_data": DELETE, "channels": (ch,)})
    tokens = {r: make_token(conf, f"dl-{r}", r) for r in ("admin", "staff", "viewer")}
    d = daemons.start(config=conf)
    return d, {r: Api(d, t) for r, t in tokens.items()}


def broadcast(st, phones, texts=None):
    r = st.post("/broadcasts", {"name": "Salon", "texts": texts or {"ar": AR, "fr": FR},
                                "audience": {"phones": phones}})
    assert r.status == 201, r
    return r.json()["id"]


def csv_rows(r):
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/csv")
    assert r.body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"))))


def test_report_of_a_broadcast_delivered_in_part(daemons):
    fake = FakeAfricasTalking(webhook_secret="whs-delivery-test")
    try:
        # The config's price differs from what the provider says: the
        # estimate uses the price, the actual cost the provider's figures.
        price = 0.2
        d, api = start(daemons, fake, price)
        st = api["staff"]
        langs = ["fr", "fr", "fr", "fr", "ar", "ar"]
        phones = [new_phone() for _ in langs]
        members = [add_member(d, p, language=lang) for p, lang in zip(phones, langs)]
        refused = phones[3]
        fake.reject_phone(refused, 403)  # InvalidPhoneNumber: refused for good
        fake.fail_next(2, "http", 500)   # each language's first request: retried
        bid = broadcast(st, phones)
        assert st.post(f"/broadcasts/{bid}/send").status == 200
        wait_until(lambda: query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id = ?"
                                    " AND status IN ('sent','failed')", (bid,))[0]["n"] == 6,
                   timeout=20, what="every message settled")
        pid = {p: fake.by_phone[p][0] for p in phones if p != refused}
        for p in phones[:2] + phones[4:5]:
            assert fake.dlr(d.public_port, pid[p], "delivered").status == 200
        assert fake.dlr(d.public_port, pid[phones[2]], "failed").status == 200
        wait_until(lambda: query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id = ?"
                                    " AND status IN ('delivered','failed')", (bid,))[0]["n"] == 5,
                   what="reports recorded")

        with open(DOC, encoding="utf-8") as f:
            doc = json.load(f)
        rep = check_answer(doc, api["viewer"], "GET", f"/broadcasts/{bid}/report",
                           "/broadcasts/{id}/report").json()
        assert rep["status"] == "finished" and rep["messages"] == 6
        assert st.get(f"/broadcasts/{bid}").json()["status"] == "finished"
        assert rep["by_status"] == {"delivered": 3, "failed": 2, "sent": 1}, rep
        # The refused number is the sender's class; the failed report the
        # provider's; the 500s before the sends that then went are no error.
        assert rep["by_error_class"] == {"rejected": 1, "dlr_failed": 1}, rep
        # One failed request then one that went: two attempts each.
        assert rep["by_attempts"] == {"2": 6} and rep["attempts"] == 12, rep
        segs = {lang: query(d, "SELECT segments FROM messages g JOIN members m ON m.id ="
                               " g.member_id WHERE broadcast_id = ? AND m.language = ? LIMIT 1",
                            (bid, lang))[0]["segments"] for lang in ("ar", "fr")}
        total = 4 * segs["fr"] + 2 * segs["ar"]
        taken = total - segs["fr"]  # the refused number cost nothing
        assert rep["segments"] == total
        assert abs(rep["estimated_cost_mad"] - total * price) < 1e-9
        # Five messages taken, the refused number cost nothing.
        assert abs(rep["actual_cost_mad"] - 5 * AT_COST) < 1e-9, rep
        [at] = rep["by_channel"]
        assert at["channel"] == "at" and at["messages"] == 6 and at["taken_segments"] == taken
        assert at["priced_segments"] == taken and abs(at["provider_cost_mad"] - 5 * AT_COST) < 1e-9
        assert at["price_per_segment_mad"] == price
        by_lang = {x["language"]: x for x in rep["by_language"]}
        assert by_lang["fr"]["by_status"] == {"delivered": 2, "failed": 2}
        assert by_lang["ar"]["by_status"] == {"delivered": 1, "sent": 1}
        sent = [m["sent_at"] for m in query(d, "SELECT sent_at FROM messages WHERE"
                                               " broadcast_id = ? AND sent_at IS NOT NULL", (bid,))]
        assert len(sent) == 5 and rep["first_sent_at"] == min(sent)
        assert rep["last_sent_at"] == max(sent)
        assert rep["first_delivered_at_local"] == datetime.fromtimestamp(
            rep["first_delivered_at"], ZONE).strftime("%Y-%m-%dT%H:%M")

        # The CSV: one row per message, numbers whole for staff and admins.
        for role in ("staff", "admin"):
            rows = csv_rows(api[role].get(f"/broadcasts/{bid}/messages.csv"))
            assert [r["phone"] for r in rows] == phones, role
        rows = csv_rows(st.get(f"/broadcasts/{bid}/messages.csv"))
        assert list(rows[0]) == ["member_no", "phone", "language", "channel", "status",
                                 "attempts", "error_class", "segments", "cost_mad", "sent_at",
                                 "delivered_at"]
        assert [r["member_no"] for r in rows] == [f"TA-{m:06d}" for m in members]
        assert [r["status"] for r in rows] == ["delivered", "delivered", "failed", "failed",
                                               "delivered", "sent"]
        assert [r["error_class"] for r in rows] == ["", "", "dlr_failed", "rejected", "", ""]
        assert rows[0]["cost_mad"] == "%.4f" % AT_COST
        assert float(rows[3]["cost_mad"]) == 0 and rows[3]["sent_at"] == ""
        assert rows[0]["delivered_at"] and rows[5]["delivered_at"] == ""
        # Viewers: masked, never a whole number.
        rows = csv_rows(api["viewer"].get(f"/broadcasts/{bid}/messages.csv"))
        assert len(rows) == 6
        for r, p in zip(rows, phones):
            assert r["phone"] != p and "*" in r["phone"] and r["phone"][-2:] == p[-2:]
            assert p[4:10] not in r["phone"]
        assert st.get("/broadcasts/999999/report").status == 404
        assert st.get("/broadcasts/999999/messages.csv").status == 404
    finally:
        fake.close()


def test_csv_streams_every_row_of_a_large_broadcast(daemons):
    """More rows than one page (500) and one answer buffer: each message
    exactly once, in order."""
    fake = FakeAfricasTalking(webhook_secret="whs-delivery-test")
    try:
        d, api = start(daemons, fake)
        bid = broadcast(api["staff"], [new_phone()])
        now = int(time.time())
        n = 1234
        conn_rows = [("at", "out", "+2126%08d" % (50000000 + i), "broadcast", "Taawun", "gsm7",
                      1, "sent", 1, "ATXid_%d" % i, bid, now, now, now) for i in range(n)]
        with connect_db(d, write=True) as conn:
            conn.executemany("INSERT INTO messages (channel, direction, phone, kind, body,"
                             " encoding, segments, status, attempts, provider_id, broadcast_id,"
                             " created_at, updated_at, sent_at) VALUES"
                             " (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", conn_rows)
        r = api["staff"].get(f"/broadcasts/{bid}/messages.csv")
        assert r.headers.get("transfer-encoding") == "chunked", r.headers
        rows = csv_rows(r)
        assert [r["phone"] for r in rows] == [r[2] for r in conn_rows]
        assert all(r["status"] == "sent" and r["cost_mad"] == "0.2500" for r in rows)
    finally:
        fake.close()


def local_ts(y, mo, day, h, mi):
    return int(datetime(y, mo, day, h, mi, tzinfo=ZONE).timestamp())


def taken(d, phone, at, segments, channel="at"):
    """A message a provider took at `at`: queued earlier, then given its
    provider id as the sender's settle does."""
    mid = write_db(d, "INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                      " segments, status, created_at, updated_at) VALUES"
                      " (?, 'out', ?, 'notification', 'x', 'gsm7', ?, 'sending', ?, ?)",
                   (channel, phone, segments, at - 7200, at - 7200))
    write_db(d, "UPDATE messages SET status = 'sent', provider_id = ?, sent_at = ?,"
                " updated_at = ? WHERE id = ?", (f"P{mid}", at, at, mid))
    return mid


def test_cost_per_channel_per_month_in_programme_time(daemons):
    fake = FakeAfricasTalking(webhook_secret="whs-delivery-test")
    try:
        d, api = start(daemons, fake)
        v = api["viewer"]
        # 23:30 on 30 November in Morocco (22:30 UTC): November.
        nov = taken(d, new_phone(), local_ts(2026, 11, 30, 23, 30), 2)
        # 00:30 on 1 December in Morocco, still 30 November in UTC: December.
        taken(d, new_phone(), local_ts(2026, 12, 1, 0, 30), 1)
        assert datetime.utcfromtimestamp(local_ts(2026, 12, 1, 0, 30)).month == 11
        # Priced by the provider (2 segments for 0.90 MAD): its figure counts.
        priced = taken(d, new_phone(), local_ts(2026, 12, 20, 9, 0), 2)
        write_db(d, "UPDATE messages SET provider_cost_mad = 0.9 WHERE id = ?", (priced,))
        # A test number costs nothing that counts.
        taken(d, "+447700900123", local_ts(2026, 12, 2, 10, 0), 5)
        # A message stored with its provider id at once (an inline reply).
        write_db(d, "INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                    " segments, status, provider_id, created_at, updated_at) VALUES"
                    " ('at', 'out', ?, 'reply', 'x', 'ucs2', 3, 'sent', 'inline-1', ?, ?)",
                 (new_phone(), local_ts(2026, 12, 15, 12, 0), local_ts(2026, 12, 15, 12, 0)))
        # Queued, never taken: no cost.
        write_db(d, "INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                    " segments, status, created_at, updated_at) VALUES"
                    " ('at', 'out', ?, 'reply', 'x', 'gsm7', 4, 'failed', ?, ?)",
                 (new_phone(), local_ts(2026, 12, 3, 9, 0), local_ts(2026, 12, 3, 9, 0)))

        with open(DOC, encoding="utf-8") as f:
            doc = json.load(f)
        got = check_answer(doc, v, "GET", "/channels/costs?month=2026-11", "/channels/costs").json()
        assert got["starts_at_local"] == "2026-11-01T00:00"
        assert got["ends_at_local"] == "2026-12-01T00:00"
        assert got["channels"] == [{"channel": "at", "configured": True, "messages": 1,
                                    "segments": 2, "priced_segments": 0,
                                    "provider_cost_mad": 0, "price_per_segment_mad": PRICE,
                                    "cost_mad": 2 * PRICE}], got
        assert got["total_cost_mad"] == 2 * PRICE
        dec = v.get("/channels/costs?month=2026-12").json()
        at = dec["channels"][0]
        assert at["messages"] == 3 and at["segments"] == 6 and at["priced_segments"] == 2, dec
        assert abs(at["provider_cost_mad"] - 0.9) < 1e-9
        assert abs(dec["total_cost_mad"] - (0.9 + 4 * PRICE)) < 1e-9, dec
        # Retention deletes the message; what it cost stays.
        write_db(d, "DELETE FROM messages WHERE id = ?", (nov,))
        assert v.get("/channels/costs?month=2026-11").json()["total_cost_mad"] == 2 * PRICE
        # An idle month: the channel, with nothing.
        jan = v.get("/channels/costs?month=2027-01").json()
        assert jan["channels"][0]["messages"] == 0 and jan["total_cost_mad"] == 0
        # The current month by default.
        assert v.get("/channels/costs").json()["month"] == datetime.now(ZONE).strftime("%Y-%m")
        for bad in ("2026-13", "2026-1", "26-11", "2026-11x", "november"):
            r = v.get("/channels/costs?month=" + bad)
            assert r.status == 400 and r.json()["error"]["field"] == "month", (bad, r)
        assert v.get("/channels/costs?year=2026").status == 400
    finally:
        fake.close()


def test_cancelled_messages_are_not_counted_as_sent(daemons):
    """Wrong today 6: the dashboard said 'sent 51' for 36 delivered and 15
    cancelled. Each status is counted as itself, and a broadcast whose
    messages are all settled (cancelled included) no longer says started.
    A guard, not a reproduction: the fix came before 279afdb (1e062f5,
    "finished broadcasts"), so this passes on that commit too. It fails
    when the dashboard's counts (message_counts) or the report take a
    cancelled message for a sent one."""
    fake = FakeAfricasTalking(webhook_secret="whs-delivery-test")
    try:
        d, api = start(daemons, fake, throughput_per_s=1, concurrency=1)
        st = api["staff"]
        phones = [new_phone() for _ in range(8)]
        for p in phones:
            add_member(d, p, language="fr")
        bid = broadcast(st, phones)
        assert st.post(f"/broadcasts/{bid}/send").status == 200
        wait_until(lambda: len(fake.sends) >= 1, what="a first send")
        r = st.post(f"/broadcasts/{bid}/cancel")
        assert r.status == 200, r
        stopped = r.json()["messages_cancelled"]
        assert 1 <= stopped <= 7
        wait_until(lambda: st.get(f"/broadcasts/{bid}").json()["progress"]["sending"] == 0,
                   what="in-flight sends settled")
        went = query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id = ?"
                        " AND status = 'sent'", (bid,))[0]["n"]
        assert went + stopped == 8
        week = api["viewer"].get("/dashboard").json()["messages_this_week"]["at"]
        assert week.get("sent", 0) == went and week["cancelled"] == stopped, week
        rep = api["viewer"].get(f"/broadcasts/{bid}/report").json()
        assert rep["by_status"] == {"sent": went, "cancelled": stopped}, rep
        assert rep["status"] == "cancelled" and rep["by_error_class"] == {}
    finally:
        fake.close()


def test_messages_export_in_the_separator_asked_and_as_a_workbook(daemons):
    """The delivery report's file in the forms the other exports have
    (issue 16, missing 12): ?sep= (else ';' for a French or Arabic
    reader), ?format=xlsx with counts and costs as numbers and times as
    real dates in programme time; viewers get masked numbers in every
    form."""
    fake = FakeAfricasTalking(webhook_secret="whs-delivery-test")
    try:
        d, api = start(daemons, fake)
        st, viewer = api["staff"], api["viewer"]
        phones = [new_phone(), new_phone()]
        mid = add_member(d, phones[0], language="ar")
        bid = broadcast(st, [phones[0]])
        sent = local_ts(2026, 12, 3, 9, 5)
        write_db(d, "INSERT INTO messages (channel, direction, phone, member_id, kind, body,"
                    " encoding, segments, status, attempts, provider_id, broadcast_id,"
                    " created_at, updated_at, sent_at, delivered_at) VALUES ('at', 'out', ?, ?,"
                    " 'broadcast', 'x', 'ucs2', 2, 'delivered', 1, 'P1', ?, ?, ?, ?, ?)",
                 (phones[0], mid, bid, sent, sent, sent, sent + 60))
        write_db(d, "INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                    " segments, status, attempts, error, error_class, broadcast_id,"
                    " created_at, updated_at) VALUES ('at', 'out', ?, 'broadcast', 'x', 'gsm7',"
                    " 1, 'failed', 3, '403', 'rejected', ?, ?, ?)", (phones[1], bid, sent, sent))
        path = f"/broadcasts/{bid}/messages.csv"
        header = ["member_no", "phone", "language", "channel", "status", "attempts",
                  "error_class", "segments", "cost_mad", "sent_at", "delivered_at"]

        def text(r, sep):
            assert r.status == 200 and r.headers["content-type"] == "text/csv; charset=utf-8", r
            assert r.headers.get("transfer-encoding") == "chunked", r.headers
            assert f'filename="broadcast-{bid}.csv"' in r.headers["content-disposition"]
            rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig")), delimiter=sep))
            assert rows[0] == header and len(rows) == 3, rows
            return rows

        # ',' unless asked or the reader is French or Arabic; ?sep= wins.
        assert text(st.get(path), ",")[1][1] == phones[0]
        semi = st.get(path + "?sep=;")
        assert semi.body[3:].decode("utf-8").startswith('"member_no";"phone";"language"'), semi
        rows = text(semi, ";")
        assert rows[1][:2] == [f"TA-{mid:06d}", phones[0]] and rows[1][8] == "0.5000", rows
        assert rows[1][9] == "2026-12-03 09:05" and rows[2][6] == "rejected", rows
        text(st.get(path, headers={"Accept-Language": "fr-FR,fr;q=0.9"}), ";")
        text(st.get(path + "?lang=ar"), ";")
        text(st.get(path + "?sep=,", headers={"Accept-Language": "fr"}), ",")
        text(st.get(path + "?sep=tab"), "\t")
        for bad, field in (("?sep=|", "sep"), ("?format=ods", "format")):
            r = st.get(path + bad)
            assert r.status == 400 and r.json()["error"]["field"] == field, (bad, r)
        # Viewers: masked in every separator.
        for q, sep in (("", ","), ("?sep=;", ";"), ("?sep=tab", "\t")):
            got = text(viewer.get(path + q), sep)
            assert [r[1] for r in got[1:]] != phones and all("*" in r[1] for r in got[1:]), got

        r = st.get(path + "?format=xlsx")
        assert r.status == 200 and r.headers["content-type"] == XLSX_CT, r
        assert f'filename="broadcast-{bid}.xlsx"' in r.headers["content-disposition"]
        z, root, cells = sheet_cells(r.body)
        assert [cells[f"{c}1"][1] for c in "ABCDEFGHIJK"] == header
        # Numbers stay text where they are identifiers, numbers where they
        # are counts and costs; times are Excel dates of programme time.
        assert cells["A2"] == ("inlineStr", f"TA-{mid:06d}", None) or \
            cells["A2"][:2] == ("s", f"TA-{mid:06d}"), cells["A2"]
        assert cells["B2"][0] != "n" and cells["B2"][1] == phones[0], cells["B2"]
        assert cells["F3"][:2] == ("n", "3") and cells["H2"][:2] == ("n", "2"), cells
        assert cells["I2"][0] == "n" and abs(float(cells["I2"][1]) - 2 * PRICE) < 1e-9
        assert cells["I3"][0] == "n" and float(cells["I3"][1]) == 0, cells["I3"]
        t, v, _ = cells["J2"]
        when = datetime(1899, 12, 30) + timedelta(days=float(v))
        assert t == "n" and when.strftime("%Y-%m-%d %H:%M") == "2026-12-03 09:05", (t, when)
        assert "J3" not in cells and "K3" not in cells
        assert root.find(".//x:sheetView", NS).get("rightToLeft") is None
        # Viewers: masked in the workbook too; an Arabic reader's runs
        # right to left.
        masked = sheet_cells(viewer.get(path + "?format=xlsx&lang=ar").body)
        assert masked[2]["B2"][1] != phones[0] and "*" in masked[2]["B2"][1], masked[2]["B2"]
        assert masked[2]["B2"][1][-2:] == phones[0][-2:]
        assert masked[1].find(".//x:sheetView", NS).get("rightToLeft") == "1"
        assert st.get("/broadcasts/999999/messages.csv?format=xlsx").status == 404
    finally:
        fake.close()
