"""test_http.py -- the HTTP surface of taawund: routes, methods, content types,
body limits, malformed forms and invalid numbers. After every bad request the
daemon must still serve /healthz on both listeners."""

import json

import pytest

from conftest import (FORM_CT, DaemonFactory, Ussd, assert_json_error, form,
                      http_request, new_phone, parse_screen, raw_request, ussd_form)

MAX_BODY = 1024


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    f = DaemonFactory(tmp_path_factory.mktemp("http"))
    try:
        yield f.start({"http.max_body_bytes": MAX_BODY})
    finally:
        f.finish()


@pytest.fixture(autouse=True)
def still_serving(d):
    yield
    d.assert_alive()


def good_form(**over):
    fields = {"sessionId": "ATUid_http_1", "serviceCode": "*384*123#",
              "phoneNumber": "+212612345678", "networkCode": "60401", "text": ""}
    fields.update(over)
    return form(**fields)


def nothing_stored_for(d, phone):
    from conftest import query
    assert query(d, "SELECT id FROM members WHERE phone = ?", (phone,)) == []
    assert query(d, "SELECT id FROM messages WHERE phone = ?", (phone,)) == []


# ---- /healthz

@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_healthz(d, admin):
    r = d.get("/healthz", admin=admin)
    assert r.status == 200, r
    assert r.headers["content-type"].split(";")[0].strip() == "application/json"
    assert r.json()["status"] == "ok"


# ---- a valid step, for reference

def test_valid_ussd_step_answers_con_text_plain(d):
    r = d.post("/hooks/sandbox/ussd", ussd_form("ATUid_ok", new_phone(), ""), FORM_CT)
    s = parse_screen(r)
    assert s.con


# ---- routes

@pytest.mark.parametrize("path", ["/", "/nope", "/hooks", "/hooks/sandbox",
                                  "/hooks/sandbox/ussdx", "/healthz/x"])
def test_unknown_path_is_404(d, path):
    assert_json_error(d.post(path, good_form(), FORM_CT) if path.startswith("/hooks")
                      else d.get(path), 404)


def test_unknown_channel_is_404(d):
    phone = new_phone()
    r = d.post("/hooks/nosuchchannel/ussd", good_form(phoneNumber=phone), FORM_CT)
    assert_json_error(r, 404)
    nothing_stored_for(d, phone)


def test_admin_listener_has_no_hooks(d):
    phone = new_phone()
    r = d.post("/hooks/sandbox/ussd", good_form(phoneNumber=phone), FORM_CT, admin=True)
    assert_json_error(r, 404)
    nothing_stored_for(d, phone)


# ---- methods

@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_on_hook_is_405_allow_post(d, method):
    r = http_request(d.public_port, method, "/hooks/sandbox/ussd")
    assert_json_error(r, 405)
    assert [m.strip() for m in r.headers["allow"].split(",")] == ["POST"], r


@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_post_healthz_is_405_allow_get(d, admin):
    r = d.post("/healthz", good_form(), FORM_CT, admin=admin)
    assert_json_error(r, 405)
    assert "GET" in [m.strip() for m in r.headers["allow"].split(",")], r


# ---- content types

@pytest.mark.parametrize("ct", ["application/json", "text/plain", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_415(d, ct):
    phone = new_phone()
    body = good_form(phoneNumber=phone)
    if ct == "application/json":
        body = json.dumps({"sessionId": "x", "phoneNumber": phone, "text": ""})
    assert_json_error(d.post("/hooks/sandbox/ussd", body, {"Content-Type": ct}), 415)
    nothing_stored_for(d, phone)


def test_missing_content_type_is_415(d):
    phone = new_phone()
    body = good_form(phoneNumber=phone).encode()
    req = (b"POST /hooks/sandbox/ussd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    assert_json_error(raw_request(d.public_port, req), 415)
    nothing_stored_for(d, phone)


def test_form_content_type_with_charset_is_accepted(d):
    r = d.post("/hooks/sandbox/ussd", good_form(sessionId="ATUid_cs", phoneNumber=new_phone()),
               {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert parse_screen(r).con


# ---- body size

def test_body_over_limit_with_content_length_is_413(d):
    phone = new_phone()
    body = good_form(phoneNumber=phone, text="1" * (MAX_BODY * 2)).encode()
    req = (b"POST /hooks/sandbox/ussd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    assert_json_error(raw_request(d.public_port, req), 413)
    nothing_stored_for(d, phone)


def test_body_at_limit_is_not_413(d):
    base = good_form(sessionId="ATUid_limit", phoneNumber=new_phone(), text="")
    body = base + "&pad=" + "x" * (MAX_BODY - len(base) - len("&pad="))
    assert len(body) == MAX_BODY
    r = d.post("/hooks/sandbox/ussd", body, FORM_CT)
    assert r.status != 413, r


def test_chunked_body_growing_over_limit_is_413(d):
    phone = new_phone()
    head = (b"POST /hooks/sandbox/ussd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    first = good_form(phoneNumber=phone, text="").encode() + b"&pad="
    chunks = [first] + [b"y" * 256] * (MAX_BODY * 3 // 256)
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    assert_json_error(raw_request(d.public_port, head + body), 413)
    nothing_stored_for(d, phone)


def test_chunked_body_under_limit_is_served(d):
    head = (b"POST /hooks/sandbox/ussd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    b = good_form(sessionId="ATUid_chunk_ok", phoneNumber=new_phone()).encode()
    half = len(b) // 2
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (b[:half], b[half:])) + b"0\r\n\r\n"
    assert parse_screen(raw_request(d.public_port, head + body)).con


# ---- malformed forms

@pytest.mark.parametrize("body", [
    "sessionId=ATUid_bad&serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345679"
    "&networkCode=60401&text=%G1",
    "sessionId=ATUid_bad&serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345679"
    "&networkCode=60401&text=%2",
    "serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345679&networkCode=60401&text=",
    "sessionId=ATUid_bad&serviceCode=%2A384%2A123%23&networkCode=60401&text=",
    "sessionId=ATUid_bad&sessionId=ATUid_bad2&serviceCode=%2A384%2A123%23"
    "&phoneNumber=%2B212612345679&networkCode=60401&text=",
    "sessionId=&serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345679&networkCode=60401&text=",
    "text=%FF%FE&sessionId=ATUid_bad&serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345679"
    "&networkCode=60401",
], ids=["bad-escape", "truncated-escape", "no-sessionId", "no-phoneNumber",
        "duplicate-sessionId", "empty-sessionId", "invalid-utf8"])
def test_malformed_form_is_400(d, body):
    assert_json_error(d.post("/hooks/sandbox/ussd", body, FORM_CT), 400)
    nothing_stored_for(d, "+212612345679")


@pytest.mark.parametrize("phone", ["abc", "+212536123456", "+2126123", "+21261234567890",
                                   "", "+33612345678x"],
                         ids=["letters", "landline", "short", "long", "empty", "junk"])
def test_invalid_phone_is_400(d, phone):
    r = d.post("/hooks/sandbox/ussd", good_form(sessionId="ATUid_badphone", phoneNumber=phone),
               FORM_CT)
    assert_json_error(r, 400)
    if phone.startswith("+212"):
        nothing_stored_for(d, phone)


def test_local_phone_forms_are_accepted(d):
    # 06... is a Moroccan mobile in national form: normalised, not rejected.
    r = d.post("/hooks/sandbox/ussd", good_form(sessionId="ATUid_local", phoneNumber="0612340999"),
               FORM_CT)
    assert parse_screen(r).con


def test_many_bad_requests_then_a_whole_session_works(d):
    for i in range(20):
        d.post("/hooks/sandbox/ussd", "text=%G1", FORM_CT)
        d.post("/hooks/nope/ussd", good_form(), FORM_CT)
        http_request(d.public_port, "GET", "/hooks/sandbox/ussd")
    u = Ussd(d)
    assert u.dial().con
    assert u.send("2").con
