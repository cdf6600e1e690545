"""test_ussd_kept_reads.py -- a USSD step reuses the member and the grants
an earlier step of the same session read (issue 14: no read transaction,
no query, on a step that needs nothing else) only while nothing they came
from has changed: a change staff make through the admin API between two
steps shows at the very next step (store/db_version counts the daemon's
commits to members, cooperatives and grants).

Runs on the demo data (contrib/demo/demo.sql): Youssef (+212600000002, fr,
cooperative 1002) and Fatima (+212600000001, ar, cooperative 2002), with
their grants (test_ussd_services.GRANTS_OF, newest change first)."""

import pytest

from conftest import Ussd, msg
from test_admin_api import grant_id, member_id, started
from test_ussd_services import (FATIMA, GRANTS_OF, YOUSSEF, check_grant_detail, check_home,
                                grant_row, member_row)


@pytest.fixture
def staff(daemons):
    return started(daemons, "staff")


@pytest.mark.parametrize("lang,phone", [("fr", YOUSSEF), ("ar", FATIMA)])
def test_grant_status_changed_between_two_steps_is_shown(staff, lang, phone):
    d, api = staff
    ref = GRANTS_OF[phone][0]  # the list's first item: the newest change
    u = Ussd(d, phone=phone)
    u.dial()
    listed = u.send("1")  # the member's grants read here, kept for the next step
    assert listed.con and listed.text.startswith(msg(lang, "grants_title")), listed
    new = "approved" if grant_row(d, ref)["status"] != "approved" else "under_review"
    r = api.post(f"/grants/{grant_id(d, ref)}/status", {"status": new})
    assert r.status == 200, r
    assert grant_row(d, ref)["status"] == new
    # Changed last, it is still the list's first item; its detail reads the
    # new status, not the one the previous step saw.
    check_grant_detail(d, u.send("1"), lang, ref, u)


@pytest.mark.parametrize("lang,phone", [("fr", YOUSSEF), ("ar", FATIMA)])
def test_member_renamed_between_two_steps_is_greeted_by_the_new_name(staff, lang, phone):
    d, api = staff
    u = Ussd(d, phone=phone)
    check_home(u.dial(), lang, member_row(d, phone)["name"])
    u.send("1")  # the member as the dial read them, kept for this step
    name = "Nadia Kept" if lang == "fr" else "نادية المحفوظة"
    r = api.patch(f"/members/{member_id(d, phone)}", {"name": name})
    assert r.status == 200, r
    check_home(u.send("0"), lang, name)


def test_steps_with_nothing_changed_answer_as_before(staff):
    """The kept member and grants give the screens a fresh read gives: the
    same walk twice, the second session reading nothing a step before kept."""
    d, _ = staff
    walks = []
    for _ in range(2):
        u = Ussd(d, phone=YOUSSEF)
        u.dial()
        for key in ("1", "2", "0", "0", "1", "0", "00"):
            u.send(key)
        walks.append([s.text for s in u.screens])
    assert walks[0] == walks[1]
    check_home(Ussd(d, phone=YOUSSEF).dial(), "fr", member_row(d, YOUSSEF)["name"])
