"""test_exports.py -- exports in the form the officer's spreadsheet expects
(issue 16, missing 12): the CSV separator (?sep=, else ';' for a French or
Arabic reader, from ?lang= or Accept-Language), a tab-separated export that
imports back, and .xlsx workbooks (libxlsxwriter) whose phone and member
numbers stay text, numbers stay numbers, times are real Excel dates in
programme time and Arabic is intact -- read back by LibreOffice where it is
installed. Standard library only (plus pytest)."""

import csv
import datetime
import io
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest

from conftest import DELETE, add_member, assert_json_error
from test_admin_api import Api, make_token, new_event, rsvp

CSV_CT = {"Content-Type": "text/csv"}
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHONE = "+212611000002"
NAME_AR = "فاطمة الزهراء بنعلي"


@pytest.fixture
def env(daemons):
    conf = daemons.config({"programme.demo_data": DELETE})
    staff = make_token(conf, "staff-x", "staff")
    viewer = make_token(conf, "viewer-x", "viewer")
    d = daemons.start(config=conf)
    add_member(d, PHONE, language="ar", name=NAME_AR, province="nador", gender="f",
               birth_year=1987)
    add_member(d, "+212611000003", language="fr", name="Hélène; \"Zoé\"", birth_year=1990)
    return d, Api(d, staff), Api(d, viewer)


def lines(r):
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.body.startswith(b"\xef\xbb\xbf")
    return r.body[3:].decode("utf-8").split("\r\n")


def test_separator_from_the_parameter_or_the_readers_language(env):
    d, st, viewer = env
    default = lines(viewer.get("/export/members"))
    assert default[0].startswith('"phone","name","cooperative_code"'), default[0]
    semi = lines(viewer.get("/export/members?sep=;"))
    assert semi[0].startswith('"phone";"name";"cooperative_code"'), semi[0]
    assert semi[1].startswith(f'"{PHONE}";"{NAME_AR}";""'), semi[1]
    # A French or Arabic reader gets ';' (their spreadsheets read ',' as the
    # decimal mark); an English one ','; ?sep= wins over the language.
    for header, want in (("fr-FR,fr;q=0.9,en;q=0.8", ";"), ("ar-MA", ";"), ("en-GB,fr", ","),
                         ("fr", ";")):
        r = viewer.get("/export/members", headers={"Accept-Language": header})
        assert lines(r)[0][7] == want, (header, lines(r)[0])
    assert lines(viewer.get("/export/members?lang=fr"))[0][7] == ";"
    r = viewer.get("/export/members?sep=,", headers={"Accept-Language": "fr"})
    assert lines(r)[0][7] == ","
    assert viewer.get("/export/members?sep=tab").status == 200
    assert 'filename="members.csv"' in viewer.get("/export/members").headers[
        "content-disposition"]
    # Anything else is refused, naming the parameter.
    assert_json_error(viewer.get("/export/members?sep=|"), 400)
    assert viewer.get("/export/members?sep=|").json()["error"]["field"] == "sep"
    assert_json_error(viewer.get("/export/members?format=ods"), 400)


def test_semicolon_and_tab_exports_import_back_unchanged(env):
    d, st, viewer = env
    for sep, name in ((";", ";"), ("tab", "tab")):
        body = viewer.get(f"/export/members?sep={sep}").body
        r = st.call("POST", "/import/members", raw=body, headers=CSV_CT)
        assert r.status == 200, r
        j = r.json()
        assert j["delimiter"] == name and (j["created"], j["updated"], j["unchanged"]) == \
            (0, 0, 2), j
    text = viewer.get("/export/members?sep=tab").body[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert rows[2][:2] == ["+212611000003", 'Hélène; "Zoé"'], rows


def sheet_cells(body):
    """{ref: (type, value, style)} of the first sheet, inline strings read."""
    z = zipfile.ZipFile(io.BytesIO(body))
    root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in root.iter(f"{{{NS['x']}}}c"):
        t = c.get("t", "n")
        if t == "inlineStr":
            v = "".join(x.text or "" for x in c.iter(f"{{{NS['x']}}}t"))
        elif t == "s":
            shared = ET.fromstring(z.read("xl/sharedStrings.xml"))
            si = shared.findall("x:si", NS)[int(c.find("x:v", NS).text)]
            v = "".join(x.text or "" for x in si.iter(f"{{{NS['x']}}}t"))
        else:
            v = c.find("x:v", NS).text
        cells[c.get("r")] = (t, v, c.get("s"))
    return z, root, cells


def test_members_xlsx_keeps_phones_as_text_and_arabic_intact(env):
    d, st, viewer = env
    r = viewer.get("/export/members?format=xlsx")
    assert r.status == 200, r
    assert r.headers["content-type"] == XLSX_CT
    assert 'filename="members.xlsx"' in r.headers["content-disposition"]
    z, root, cells = sheet_cells(r.body)
    assert cells["A1"][1] == "phone" and cells["G1"][1] == "birth_year"
    # The phone number is a text cell: its '+' kept, never 2.12611E+11.
    assert cells["A2"][0] in ("inlineStr", "s", "str") and cells["A2"][1] == PHONE, cells["A2"]
    assert cells["B2"][1] == NAME_AR
    # A year is a number.
    assert cells["G2"][0] == "n" and cells["G2"][1] == "1987", cells["G2"]
    assert cells["B3"][1] == 'Hélène; "Zoé"'
    # The header row stays on screen.
    assert root.find(".//x:pane", NS).get("ySplit") == "1"
    # An Arabic reader gets the sheet right to left; a French one not.
    rtl = viewer.get("/export/members?format=xlsx&lang=ar").body
    view = sheet_cells(rtl)[1].find(".//x:sheetView", NS)
    assert view.get("rightToLeft") == "1"
    assert root.find(".//x:sheetView", NS).get("rightToLeft") is None


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice is not installed")
def test_xlsx_opens_in_libreoffice_with_phone_numbers_as_written(env, tmp_path):
    d, st, viewer = env
    f = tmp_path / "members.xlsx"
    f.write_bytes(viewer.get("/export/members?format=xlsx").body)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["libreoffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(tmp_path), str(f)],
                   check=True, timeout=120, capture_output=True)
    rows = list(csv.reader(io.StringIO((tmp_path / "members.csv").read_text("utf-8"))))
    assert rows[0][:2] == ["phone", "name"]
    assert rows[1][0] == PHONE and rows[1][1] == NAME_AR and rows[1][6] == "1987", rows[1]


def test_attendee_list_as_xlsx_with_real_dates_in_programme_time(env):
    d, st, viewer = env
    ev = new_event(st, "9301", int(time.time()) + 3600)
    mid = add_member(d, "+212611000009", language="ar", name=NAME_AR)
    rsvp(d, ev["id"], mid)
    r = st.post(f"/events/{ev['id']}/attendance", {"member_id": mid, "present": True})
    assert r.status == 200, r
    got = st.get(f"/events/{ev['id']}").json()
    local = [x for x in got["rsvp_list"] if x["member_id"] == mid][0]["checked_in_at_local"]

    csv_fr = st.get(f"/events/{ev['id']}/attendees.csv", headers={"Accept-Language": "fr"})
    assert lines(csv_fr)[0].startswith('"member_no";"name";"phone"')
    assert f'attendees-{ev["code"]}.csv' in csv_fr.headers["content-disposition"]

    r = st.get(f"/events/{ev['id']}/attendees.csv?format=xlsx")
    assert r.status == 200 and r.headers["content-type"] == XLSX_CT, r
    z, root, cells = sheet_cells(r.body)
    assert cells["A2"][1] == f"TA-{mid:06d}" and cells["A2"][0] != "n"
    assert cells["B2"][1] == NAME_AR and cells["C2"][1] == "+212611000009"
    # checked_in_at: a real Excel date (days since 1899-12-30) of the
    # programme's local time, shown with a date format.
    t, v, style = cells["H2"]
    assert t == "n", cells["H2"]
    # Read as Excel reads a serial: to the nearest second (a time on the
    # minute, 06:39:00, comes back from the double as 06:38:59.999999).
    when = datetime.datetime(1899, 12, 30) + datetime.timedelta(seconds=round(float(v) * 86400))
    assert when.strftime("%Y-%m-%dT%H:%M") == local[:16], (when, local)
    styles = ET.fromstring(z.read("xl/styles.xml"))
    xf = styles.find("x:cellXfs", NS).findall("x:xf", NS)[int(style)]
    fmt = [f for f in styles.iter(f"{{{NS['x']}}}numFmt")
           if f.get("numFmtId") == xf.get("numFmtId")]
    assert fmt and re.search(r"yyyy-mm-dd hh:mm", fmt[0].get("formatCode")), fmt
    # Not reminded: an empty cell.
    assert "G2" not in cells
    # Viewers get masked phone numbers in the workbook too.
    masked = sheet_cells(viewer.get(f"/events/{ev['id']}/attendees.csv?format=xlsx").body)[2]
    assert masked["C2"][1] != "+212611000009" and "*" in masked["C2"][1]
