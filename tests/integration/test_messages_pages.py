"""test_messages_pages.py -- GET /messages at any size: pages by before_id
(keyset) return every message once, newest first, while new ones arrive; the
total is counted up to a bound (total_exact false beyond it), never over every
row; a member's, a phone's and a broadcast's messages (read through their
index) are exactly those the filters name.
Standard library only (plus pytest); the daemon runs from conftest."""

import time

import pytest

from conftest import add_member, assert_json_error, connect_db, query
from test_admin_api import Api, make_token

TOTAL_MAX = 10000  # API_MESSAGES_TOTAL_MAX, src/core/limits.h


class Viewer(Api):
    def page(self, path):
        """GET path's answer, which must be a 200, as JSON."""
        r = self.get(path)
        assert r.status == 200, (path, r.status, r.body)
        return r.json()


@pytest.fixture
def viewer(daemons):
    conf = daemons.config()
    token = make_token(conf, "test-viewer", "viewer")
    d = daemons.start(config=conf)
    return Viewer(d, token)


def insert_messages(d, n, phone="+212600000099", member_id=None, broadcast_id=None,
                    direction="in"):
    """n messages straight into the database (as the daemon's other writers
    would leave them): inbound 'received' rows the daemon never touches, or
    outbound 'delivered' ones. Returns their ids, oldest first."""
    now = int(time.time())
    with connect_db(d, write=True) as conn:
        rows = conn.execute(
            "WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k + 1 < ?)"
            " INSERT INTO messages (channel, direction, phone, member_id, kind, body, encoding,"
            " segments, status, broadcast_id, created_at, updated_at)"
            " SELECT 'sandbox', ?, ?, ?, CASE ? WHEN 'in' THEN 'sms' ELSE 'broadcast' END,"
            " 'message ' || k, 'gsm7', 1, CASE ? WHEN 'in' THEN 'received' ELSE 'delivered' END,"
            " ?, ?, ? FROM seq RETURNING id",
            (n, direction, phone, member_id, direction, direction, broadcast_id, now, now))
        return sorted(r[0] for r in rows.fetchall())


def walk(v, filters, limit, between=None):
    """Every page from the newest by next_before_id; between(page_no) runs
    after each page. Returns the ids seen in order and the pages."""
    seen, pages, before = [], [], None
    while True:
        q = f"{filters}&limit={limit}" + (f"&before_id={before}" if before else "")
        page = v.page(f"/messages?{q}")
        pages.append(page)
        seen += [m["id"] for m in page["items"]]
        if between:
            between(len(pages))
        before = page["next_before_id"]
        if before is None:
            return seen, pages
        assert before == page["items"][-1]["id"]


def test_keyset_pages_return_every_message_once_while_new_ones_arrive(viewer):
    d = viewer.d
    old = insert_messages(d, 123)
    arrived = []
    # New messages land between pages: offset paging would show some twice.
    seen, pages = walk(viewer, "direction=in", 20,
                       between=lambda n: arrived.extend(insert_messages(d, 7)))
    assert len(seen) == len(set(seen)), "a message shown twice"
    assert set(seen) == set(old), "a message skipped, or one newer than the first page"
    assert seen == sorted(seen, reverse=True), "not newest first"
    assert len(arrived) == 7 * len(pages)
    assert [len(p["items"]) for p in pages[:-1]] == [20] * (len(pages) - 1)
    assert pages[-1]["next_before_id"] is None and len(pages[-1]["items"]) < 20
    assert all(p["total_exact"] for p in pages)


def test_offset_and_before_id_agree_when_nothing_arrives(viewer):
    d = viewer.d
    insert_messages(d, 45)
    by_key, _ = walk(viewer, "direction=in", 10)
    by_offset = []
    for off in range(0, 50, 10):
        page = viewer.page(f"/messages?direction=in&limit=10&offset={off}")
        by_offset += [m["id"] for m in page["items"]]
    assert by_key == by_offset and len(by_key) == 45


def test_the_total_is_counted_up_to_a_bound(viewer):
    d = viewer.d
    mid = add_member(d, "+212600000077")
    insert_messages(d, TOTAL_MAX + 5)
    insert_messages(d, 3, phone="+212600000077", member_id=mid)
    page = viewer.page("/messages?limit=5")
    assert page["total"] == TOTAL_MAX and page["total_exact"] is False
    assert len(page["items"]) == 5 and page["next_before_id"] == page["items"][-1]["id"]
    mine = viewer.page(f"/messages?member_id={mid}")
    assert mine["total"] == 3 and mine["total_exact"] is True
    by_phone = viewer.page("/messages?direction=in&phone=%2B212600000099&limit=1")
    assert by_phone["total"] == TOTAL_MAX and by_phone["total_exact"] is False
    none = viewer.page("/messages?direction=out")
    assert none == {"items": [], "limit": 50, "offset": 0, "total": 0, "total_exact": True,
                    "next_before_id": None}


def test_a_members_a_phones_and_a_broadcasts_messages_through_their_index(viewer):
    d = viewer.d
    a = add_member(d, "+212600000011")
    b = add_member(d, "+212600000012")
    insert_messages(d, 30, phone="+212600000011", member_id=a)
    insert_messages(d, 30, phone="+212600000012", member_id=b, direction="out",
                    broadcast_id=7)
    insert_messages(d, 30, phone="+212600000011", member_id=a, direction="out",
                    broadcast_id=8)
    cases = {
        f"member_id={a}": "member_id = %d" % a,
        f"member_id={a}&direction=out": "member_id = %d AND direction = 'out'" % a,
        "phone=%2B212600000012": "phone = '+212600000012'",
        "phone=0600000011&direction=in": "phone = '+212600000011' AND direction = 'in'",
        "broadcast_id=8": "broadcast_id = 8",
        f"broadcast_id=7&member_id={b}": "broadcast_id = 7 AND member_id = %d" % b,
        f"broadcast_id=7&member_id={a}": "broadcast_id = 7 AND member_id = %d" % a,
        "status=delivered&channel=sandbox": "status = 'delivered' AND channel = 'sandbox'",
    }
    for filters, where in cases.items():
        want = [r["id"] for r in query(d, f"SELECT id FROM messages WHERE {where}"
                                          " ORDER BY id DESC")]
        seen, pages = walk(viewer, filters, 8)
        assert seen == want, filters
        assert pages[0]["total"] == len(want) and pages[0]["total_exact"], filters


def test_before_id_is_checked(viewer):
    r = viewer.get("/messages?before_id=0")
    assert assert_json_error(r, 400)["field"] == "before_id"
