"""test_approvals.py -- a broadcast over a threshold (broadcasts.approval_*)
waits for a second staff member's approval; a channel's monthly budget
(channels.[].monthly_budget_mad) refuses the send that would pass it, with
the figures, checked inside the write transaction that queues the messages
(concurrent sends), at a scheduled broadcast's time too. Staff identities
are tokens here (the console's users are names alike: tests/e2e)."""

import json
import threading
import time
from datetime import datetime, timedelta

from conftest import DELETE, TAAWUND_TEST, add_member, assert_json_error, new_phone, query
from conftest import sandbox_channel, wait_until
from outbox_helpers import queue_out, write_db
from test_admin_api import ZONE, Api, audit_rows, make_token
from test_broadcast_expand import FR, add_members
from test_proxy_throttle import PASSWORD, make_user
from test_staff_accounts import Session

PRICE = 0.25  # MAD per segment: a short text to one member costs 0.25


def start(daemons, broadcasts=None, budget=None, users=()):
    ch = {"price_per_segment_mad": PRICE}
    if budget is not None:
        ch["monthly_budget_mad"] = budget
    ov = {"programme.demo_data": DELETE, "channels": (sandbox_channel(**ch),)}
    for k, v in (broadcasts or {}).items():
        ov[f"broadcasts.{k}"] = v
    conf = daemons.config(ov)
    for name, role in users:
        make_user(conf, name, role)
    toks = {n: make_token(conf, n, r) for n, r in
            [("officer-a", "staff"), ("officer-b", "staff"), ("boss", "admin"),
             ("viewer", "viewer")]}
    d = daemons.start(config=conf)
    return d, {n: Api(d, t) for n, t in toks.items()}


def members(d, n):
    phones = [new_phone() for _ in range(n)]
    for p in phones:
        add_member(d, p, language="fr", province="oujda-angad")
    return phones


def draft(api, phones, text="Taawun: salon samedi."):
    r = api.post("/broadcasts", {"name": "salon", "texts": {"ar": "تعاون", "fr": text},
                                 "audience": {"phones": phones}})
    assert r.status == 201, r
    return r.json()["id"]


def broadcast_messages(d, bid):
    return query(d, "SELECT * FROM messages WHERE broadcast_id = ?", (bid,))


def actions(d, bid):
    return [a for a in audit_rows(d) if a["object_type"] == "broadcast" and
            a["object_id"] == str(bid)]


def test_over_the_recipients_threshold_a_second_staff_member_approves(daemons):
    d, api = start(daemons, {"approval_recipients": 2})
    a, b = api["officer-a"], api["officer-b"]
    small = draft(a, members(d, 2))
    assert a.post(f"/broadcasts/{small}/send").status == 200  # at the threshold: goes
    bid = draft(a, members(d, 3))
    r = a.post(f"/broadcasts/{bid}/send")
    assert r.status == 202, r
    got = r.json()
    assert got["status"] == "awaiting_approval" and got["messages_written"] == 0, got
    ap = got["approval"]
    assert ap["status"] == "awaiting" and ap["action"] == "send", ap
    assert ap["reasons"] == [{"threshold": "recipients", "limit": 2, "planned": 3}], ap
    assert ap["requested_by"] == "officer-a" and ap["requested_at_local"], ap
    assert broadcast_messages(d, bid) == []
    # Listed for the approvers.
    listed = b.get("/broadcasts?status=awaiting_approval").json()["items"]
    assert [x["id"] for x in listed] == [bid], listed
    # Not sent again while it waits; not approved by its author nor a viewer.
    assert_json_error(a.post(f"/broadcasts/{bid}/send"), 409)
    err = assert_json_error(a.post(f"/broadcasts/{bid}/approve"), 403)
    assert err["code"] == "own_broadcast" and "another staff member" in err["message"], err
    assert_json_error(api["viewer"].post(f"/broadcasts/{bid}/approve"), 403)
    assert broadcast_messages(d, bid) == []
    # A second staff member approves: the messages are queued at once.
    r = b.post(f"/broadcasts/{bid}/approve")
    assert r.status == 200, r
    got = r.json()
    assert got["status"] in ("started", "finished") and got["messages_written"] == 3, got
    assert got["approval"]["status"] == "approved" and got["approval"]["approved_by"] == "officer-b"
    assert got["approval"]["approved_recipients"] == 3
    assert len(broadcast_messages(d, bid)) == 3
    assert_json_error(b.post(f"/broadcasts/{bid}/approve"), 409)  # once
    steps = [(x["action"], x["who"]) for x in actions(d, bid)]
    assert steps == [("broadcast.create", "officer-a"),
                     ("broadcast.approval_requested", "officer-a"),
                     ("broadcast.approve", "officer-b"), ("broadcast.send", "officer-b")], steps
    req = json.loads(actions(d, bid)[1]["summary"])
    assert req["reasons"][0]["threshold"] == "recipients" and req["recipients"] == 3, req


def test_a_token_that_asked_cannot_approve_even_when_another_created_it(daemons):
    d, api = start(daemons, {"approval_recipients": 1})
    bid = draft(api["officer-a"], members(d, 2))
    assert api["officer-b"].post(f"/broadcasts/{bid}/send").status == 202
    for who in ("officer-a", "officer-b"):  # created it; asked for it
        assert assert_json_error(api[who].post(f"/broadcasts/{bid}/approve"),
                                 403)["code"] == "own_broadcast"
    r = api["boss"].post(f"/broadcasts/{bid}/approve")
    assert r.status == 200 and r.json()["messages_written"] == 2, r


def test_console_users_and_tokens_are_identities_by_name(daemons):
    """A token's broadcast is approved in the console by a person; a console
    user named like the token that asked counts as the same person."""
    d, api = start(daemons, {"approval_recipients": 1},
                    users=[("salma", "staff"), ("officer-a", "staff")])
    bid = draft(api["officer-a"], members(d, 2))
    assert api["officer-a"].post(f"/broadcasts/{bid}/send").status == 202
    same = Session(d, "officer-a", PASSWORD)
    assert assert_json_error(same.call("POST", f"/broadcasts/{bid}/approve"),
                             403)["code"] == "own_broadcast"
    r = Session(d, "salma", PASSWORD).call("POST", f"/broadcasts/{bid}/approve")
    assert r.status == 200 and r.json()["messages_written"] == 2, r
    approve = [x for x in actions(d, bid) if x["action"] == "broadcast.approve"]
    assert approve[0]["who"] == "salma" and approve[0]["role"] == "staff", approve


def test_cost_threshold_schedule_reject_and_an_edit_drops_the_approval(daemons):
    d, api = start(daemons, {"approval_cost_mad": 0.5})
    a, b = api["officer-a"], api["officer-b"]
    bid = draft(a, members(d, 3))  # 3 x 0.25 = 0.75 MAD
    at = int(time.time()) + 5 * 86400
    r = a.post(f"/broadcasts/{bid}/schedule", {"at": at})
    assert r.status == 202, r
    ap = r.json()["approval"]
    assert r.json()["status"] == "awaiting_approval" and ap["action"] == "schedule", r.json()
    assert ap["reasons"] == [{"threshold": "cost_mad", "limit": 0.5, "planned": 0.75}], ap
    assert r.json()["scheduled_at"] == at
    # Rejected with a reason: a draft again, the reason kept.
    assert_json_error(b.post(f"/broadcasts/{bid}/reject", {}), 400)
    assert_json_error(b.post(f"/broadcasts/{bid}/reject", {"reason": ""}), 422)
    r = b.post(f"/broadcasts/{bid}/reject", {"reason": "trop cher ce mois"})
    assert r.status == 200 and r.json()["status"] == "draft", r
    assert r.json()["approval"]["status"] == "rejected"
    assert r.json()["approval"]["rejection_reason"] == "trop cher ce mois"
    assert r.json()["scheduled_at"] is None
    # Asked again, approved: scheduled for its time, nothing sent yet.
    assert a.post(f"/broadcasts/{bid}/schedule", {"at": at}).status == 202
    r = b.post(f"/broadcasts/{bid}/approve")
    assert r.status == 200 and r.json()["status"] == "scheduled", r
    assert r.json()["scheduled_at"] == at and r.json()["approval"]["approved_by"] == "officer-b"
    assert broadcast_messages(d, bid) == []
    # An edit before it goes drops the approval and takes it back to draft.
    r = a.patch(f"/broadcasts/{bid}", {"texts": {"ar": "تعاون", "fr": "Salon dimanche."}})
    assert r.status == 200, r
    assert r.json()["status"] == "draft" and r.json()["approval"]["status"] == "none", r.json()
    assert r.json()["scheduled_at"] is None
    dropped = [x for x in actions(d, bid) if x["action"] == "broadcast.approval_dropped"]
    assert len(dropped) == 1 and json.loads(dropped[0]["summary"])["approved_by"] == "officer-b"
    # So sending it asks again.
    assert a.post(f"/broadcasts/{bid}/send").status == 202
    steps = [x["action"] for x in actions(d, bid)]
    assert steps == ["broadcast.create", "broadcast.approval_requested", "broadcast.reject",
                     "broadcast.approval_requested", "broadcast.approve", "broadcast.update",
                     "broadcast.approval_dropped", "broadcast.approval_requested"], steps
    # An edit of a broadcast awaiting approval withdraws the request.
    r = a.patch(f"/broadcasts/{bid}", {"name": "salon 2"})
    assert r.status == 200 and r.json()["status"] == "draft", r
    assert r.json()["approval"]["status"] == "none"


def month_start_ts(now):
    t = datetime.fromtimestamp(now, ZONE)
    return int(t.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp())


def used(x):
    """What a channel's month holds against its budget: spent (as GET
    /channels/costs says) and pending (waiting to go)."""
    return round(x["spent_mad"] + x["pending_mad"], 2)


def test_the_monthly_budget_refuses_a_send_with_the_figures(daemons):
    d, api = start(daemons, budget=1.0)
    a = api["officer-a"]
    now = int(time.time())
    # This month: two held messages (0.50 MAD: pending, or spent once the
    # send window lets the sandbox take them). A cancelled one, last
    # month's sent without a provider's id and one to a test number do not
    # count.
    for _ in range(2):
        queue_out(d, "sandbox", new_phone(), status="held")
    queue_out(d, "sandbox", new_phone(), status="cancelled")
    queue_out(d, "sandbox", new_phone(), status="sent", created_at=month_start_ts(now) - 3600)
    queue_out(d, "sandbox", "+447700900123", status="held")
    [budget] = api["viewer"].get("/channels/budgets").json()["items"]
    assert {k: budget[k] for k in ("channel", "month", "monthly_budget_mad", "remaining_mad",
                                   "price_per_segment_mad", "test")} == \
        {"channel": "sandbox", "month": datetime.fromtimestamp(now, ZONE).strftime("%Y-%m"),
         "monthly_budget_mad": 1.0, "remaining_mad": 0.5, "price_per_segment_mad": PRICE,
         "test": True}, budget
    assert used(budget) == 0.5, budget
    bid = draft(a, members(d, 3))  # 0.75 MAD: 0.50 + 0.75 > 1.00
    r = a.post(f"/broadcasts/{bid}/send")
    err = assert_json_error(r, 409)
    assert err["code"] == "over_budget", err
    assert (err["channel"], err["budget_mad"], used(err), err["planned_mad"]) == \
        ("sandbox", 1.0, 0.5, 0.75), err
    assert "sandbox" in err["message"] and "1.00 MAD" in err["message"], err
    assert broadcast_messages(d, bid) == []
    got = a.get(f"/broadcasts/{bid}").json()
    assert got["status"] == "draft", got
    refusal = got["approval"]["budget_refusal"]
    assert (refusal["budget_mad"], used(refusal), refusal["planned_mad"]) == \
        (1.0, 0.5, 0.75), refusal
    refused = [x for x in actions(d, bid) if x["action"] == "broadcast.refused"]
    assert len(refused) == 1 and used(json.loads(refused[0]["summary"])) == 0.5
    # What fits goes, and uses the budget up.
    ok = draft(a, members(d, 2))  # 0.50
    r = a.post(f"/broadcasts/{ok}/send")
    assert r.status == 200 and r.json()["messages_written"] == 2, r
    assert api["viewer"].get("/channels/budgets").json()["items"][0]["remaining_mad"] == 0
    assert a.get(f"/broadcasts/{ok}").json()["approval"]["budget_refusal"] is None
    assert used(assert_json_error(a.post(f"/broadcasts/{bid}/send"), 409)) == 1.0


def test_the_budget_spends_what_the_channel_costs_say(daemons):
    """The budget's spent figure is GET /channels/costs's: what providers
    took this month, from the hour they took it, at the provider's own
    price when it said one. Before, the budget counted messages by the hour
    they were created at the configured price, and the two disagreed: here
    0.50 against 1.15 MAD, and a send the costs say is over the budget
    went."""
    d, api = start(daemons, budget=2.0)
    v = api["viewer"]
    now = int(time.time())

    def taken(created, segments, provider_cost=None):
        mid = queue_out(d, "sandbox", new_phone(), status="sending", created_at=created)
        write_db(d, "UPDATE messages SET segments = ? WHERE id = ?", (segments, mid))
        write_db(d, "UPDATE messages SET status = 'sent', provider_id = ?, sent_at = ?,"
                    " updated_at = ? WHERE id = ?", (f"sb-{mid}", now, now, mid))
        if provider_cost is not None:
            write_db(d, "UPDATE messages SET provider_cost_mad = ? WHERE id = ?",
                     (provider_cost, mid))

    # Queued last month, taken now: this month's (0.25 at the price).
    taken(month_start_ts(now) - 3600, 1)
    # Two segments the provider said cost 0.90 MAD (the price says 0.50).
    taken(now - 60, 2, provider_cost=0.9)

    def figures():
        [b] = v.get("/channels/budgets").json()["items"]
        costs = v.get("/channels/costs").json()
        [c] = [x for x in costs["channels"] if x["channel"] == "sandbox"]
        return b, c

    b, c = figures()
    assert b["month"] == datetime.now(ZONE).strftime("%Y-%m") and b["pending_mad"] == 0, b
    assert b["spent_mad"] == 1.15 and round(c["cost_mad"], 2) == 1.15, (b, c)
    assert b["remaining_mad"] == 0.85, b
    # 1.15 + 1.00 > 2.00: refused (the hour-created figure let it go).
    a = api["officer-a"]
    over = draft(a, members(d, 4))
    err = assert_json_error(a.post(f"/broadcasts/{over}/send"), 409)
    assert (err["spent_mad"], err["pending_mad"], err["planned_mad"]) == (1.15, 0, 1.0), err
    # 1.15 + 0.75 fits; once the sandbox took them, spent and the costs
    # still say the same.
    fits = draft(a, members(d, 3))
    assert a.post(f"/broadcasts/{fits}/send").status == 200
    wait_until(lambda: figures()[0]["pending_mad"] == 0, what="the sandbox took them")
    b, c = figures()
    assert b["spent_mad"] == 1.9 and round(c["cost_mad"], 2) == 1.9, (b, c)


def test_concurrent_sends_cannot_both_pass_the_budget(daemons):
    d, api = start(daemons, budget=1.0)
    ids = [draft(api["officer-a"], members(d, 3)) for _ in range(4)]  # 0.75 each
    results = {}

    def send(bid):
        results[bid] = api["officer-a"].post(f"/broadcasts/{bid}/send")

    threads = [threading.Thread(target=send, args=(bid,)) for bid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results.values())
    assert statuses == [200, 409, 409, 409], results
    written = query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id IS NOT NULL")
    assert written[0]["n"] == 3
    for r in results.values():
        if r.status == 409:
            assert used(r.json()["error"]) == 0.75, r.json()


def test_a_broadcast_still_expanding_counts_its_unwritten_part_in_the_budget(daemons,
                                                                             monkeypatch):
    """Two sends of more than BROADCAST_INLINE_MAX (500) recipients each: the
    first is written into the outbox in chunks (status 'expanding'). While it
    is, the budget's pending holds what it has yet to write, from its plan
    (recipients left at the plan's segments each), beside what it has written;
    so the second, which fits beside the chunks written so far but not beside
    the whole of the first, is refused. Before, pending held only the chunks
    written: both went, 300 MAD against a budget of 250. taawund-test with
    small chunks and a pause between them, so the first is still expanding."""
    monkeypatch.setenv("TAAWUN_TEST_EXPAND_SPAN", "50")  # 12 chunks of 600
    monkeypatch.setenv("TAAWUN_TEST_EXPAND_PAUSE_MS", "400")
    daemons.binary = TAAWUND_TEST
    d, api = start(daemons, budget=250.0)
    add_members(d, 600)
    a, v = api["officer-a"], api["viewer"]

    def big():
        r = a.post("/broadcasts", {"name": "national", "texts": {"ar": "تعاون", "fr": FR},
                                   "audience": {"languages": ["fr"]}})
        assert r.status == 201, r
        return r.json()["id"]

    first, second = big(), big()
    pv = a.post(f"/broadcasts/{first}/preview").json()
    assert (pv["recipients"], pv["segments"]) == (600, 600), pv  # 150 MAD each
    r = a.post(f"/broadcasts/{first}/send")
    assert r.status == 200 and r.json()["status"] == "expanding", r
    err = assert_json_error(a.post(f"/broadcasts/{second}/send"), 409)
    assert err["code"] == "over_budget", err
    # The first's whole plan, written or not: 150 (sent, queued, or to write).
    assert (used(err), err["planned_mad"], err["budget_mad"]) == (150.0, 150.0, 250.0), err
    got = a.get(f"/broadcasts/{first}").json()
    assert got["status"] == "expanding" and got["expansion"]["queued"] < 600, got
    [b] = v.get("/channels/budgets").json()["items"]
    assert used(b) == 150.0 and b["pending_mad"] > 0, b
    assert a.get(f"/broadcasts/{second}").json()["status"] == "draft"
    # Written and taken by the sandbox: the same 150, all spent now, as the
    # costs say.
    wait_until(lambda: a.get(f"/broadcasts/{first}").json()["status"] != "expanding",
               timeout=60, what="the first written")
    wait_until(lambda: v.get("/channels/budgets").json()["items"][0]["pending_mad"] == 0,
               timeout=30, what="the sandbox took every message")
    [b] = v.get("/channels/budgets").json()["items"]
    [c] = [x for x in v.get("/channels/costs").json()["channels"] if x["channel"] == "sandbox"]
    assert b["spent_mad"] == 150.0 and round(c["cost_mad"], 2) == 150.0, (b, c)
    assert len(broadcast_messages(d, second)) == 0


def test_at_its_time_a_scheduled_send_meets_the_budget_and_an_approval(daemons, test_clock):
    t0 = int(datetime(2031, 3, 10, 10, 0, tzinfo=ZONE).timestamp())
    test_clock.set(t0)
    d, api = start(daemons, {"approval_recipients": 2}, budget=1.0)
    a, b = api["officer-a"], api["officer-b"]
    big = draft(a, members(d, 3))  # approved, then goes on the scheduler's tick
    assert a.post(f"/broadcasts/{big}/schedule", {"at": t0 + 600}).status == 202
    assert b.post(f"/broadcasts/{big}/approve").json()["status"] == "scheduled"
    over = draft(a, members(d, 2))  # 0.50: past the budget once big went
    assert a.post(f"/broadcasts/{over}/schedule", {"at": t0 + 1200}).status == 200
    test_clock.set(t0 + 600)
    wait_until(lambda: len(broadcast_messages(d, big)) == 3, what="the approved one went")
    test_clock.set(t0 + 1200)
    wait_until(lambda: a.get(f"/broadcasts/{over}").json()["status"] == "draft",
               what="the over-budget one refused at its time")
    got = a.get(f"/broadcasts/{over}").json()
    assert used(got["approval"]["budget_refusal"]) == 0.75, got
    assert broadcast_messages(d, over) == []
    refused = [x for x in actions(d, over) if x["action"] == "broadcast.refused"]
    assert len(refused) == 1 and refused[0]["who"] == "scheduler", refused
    assert [x["who"] for x in actions(d, big) if x["action"] == "broadcast.send"] == ["scheduler"]
