"""test_install.py -- `make install DESTDIR=...` lays out a tree the systemd
unit can start from: modes (and owners, when the taawun user exists and we
are root) of every file and folder, the unit hardened and pointing at the
PREFIX, the config kept on a second install, and the installed daemon
accepting the installed config and catalogs (taawund -n). And the database
folder: made (0700) when missing, named exactly when it cannot be."""

import grp
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, TAAWUND, parse_log_line, run_taawund

# The database folder is SQLite's file's: PostgreSQL's data is the server's.
SQLITE_FOLDER = pytest.mark.sqlite_only("the folder of SQLite's file, made 0700 by taawund")
MAKE_TIMEOUT_S = 600
# The sanitizer builds the Makefile keeps apart: what remains to build there
# (the man page generator) must link with the same flags.
SANITIZE_OF_BUILD = {"build-san": "address,undefined", "build-tsan": "thread"}


def make_install(dest, prefix="/usr"):
    build = TAAWUND.resolve().parent
    args = ["make", "-s", "--no-print-directory", "-C", str(ROOT), "install",
            f"DESTDIR={dest}", f"PREFIX={prefix}", f"BUILD={build}"]
    if build.name in SANITIZE_OF_BUILD:
        args.append(f"SANITIZE={SANITIZE_OF_BUILD[build.name]}")
    r = subprocess.run(args, capture_output=True, text=True, timeout=MAKE_TIMEOUT_S)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def owners_expected():
    """(user uid, group gid) the tree's taawun-owned entries must carry."""
    try:
        if os.geteuid() == 0:
            return pwd.getpwnam("taawun").pw_uid, grp.getgrnam("taawun").gr_gid
    except KeyError:
        pass
    return None


def test_install_tree_modes_owners_and_unit(tmp_path):
    dest = tmp_path / "root"
    make_install(dest)
    expected = {
        "usr/sbin/taawund": 0o755,
        "usr/bin/taawunctl": 0o755,
        "usr/share/man/man8/taawund.8": 0o644,
        "usr/share/man/man1/taawunctl.1": 0o644,
        "usr/share/man/man5/taawun.conf.5": 0o644,
        "lib/systemd/system/taawund.service": 0o644,
        "etc/taawun": 0o750,
        "etc/taawun/taawun.conf": 0o640,
        "etc/taawun/messages": 0o755,
        "etc/taawun/secrets": 0o700,
        "var/lib/taawun": 0o700,
    }
    for lang in ("ar", "fr", "en"):
        expected[f"etc/taawun/messages/{lang}.conf"] = 0o644
    for rel, want in expected.items():
        assert (dest / rel).exists(), rel
        assert mode(dest / rel) == want, f"{rel}: {oct(mode(dest / rel))} != {oct(want)}"

    ids = owners_expected()
    if ids:
        uid, gid = ids
        for rel in ("etc/taawun", "etc/taawun/taawun.conf"):
            st = os.stat(dest / rel)
            assert (st.st_uid, st.st_gid) == (0, gid), rel
        for rel in ("etc/taawun/secrets", "var/lib/taawun"):
            st = os.stat(dest / rel)
            assert (st.st_uid, st.st_gid) == (uid, gid), rel
    else:
        # No taawun user (the package creates it): the tree belongs to us.
        for rel in ("etc/taawun", "var/lib/taawun"):
            assert os.stat(dest / rel).st_uid == os.geteuid(), rel

    unit = (dest / "lib/systemd/system/taawund.service").read_text()
    assert "ExecStartPre=/usr/sbin/taawund -n -c /etc/taawun/taawun.conf" in unit
    assert "ExecStart=/usr/sbin/taawund -c /etc/taawun/taawun.conf" in unit
    assert "/usr/local/" not in unit
    lines = set(unit.splitlines())
    for want in ("User=taawun", "UMask=0077", "StateDirectory=taawun",
                 "StateDirectoryMode=0700", "ProtectSystem=strict", "ProtectHome=yes",
                 "PrivateTmp=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
        assert want in lines, want

    # The installed config has no sandbox (README.md, "The trust boundary")
    # and waits for its channel's secret: refused until it exists, then the
    # installed daemon accepts the config and catalogs.
    conf = dest / "etc/taawun/taawun.conf"
    assert 'type = "sandbox"' not in conf.read_text()
    r = subprocess.run([str(dest / "usr/sbin/taawund"), "-n", "-c", str(conf)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "/etc/taawun/secrets/at-webhook" in r.stdout + r.stderr, r
    secret = tmp_path / "at-webhook"
    secret.write_text("a-webhook-secret-for-the-install-test\n")
    secret.chmod(0o600)
    conf.write_text(conf.read_text().replace("/etc/taawun/secrets/at-webhook", str(secret)))
    r = subprocess.run([str(dest / "usr/sbin/taawund"), "-n", "-c", str(conf)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_second_install_keeps_the_config(tmp_path):
    dest = tmp_path / "root"
    make_install(dest)
    conf = dest / "etc/taawun/taawun.conf"
    edited = conf.read_text() + "# edited by the operator\n"
    conf.write_text(edited)
    r = make_install(dest)
    assert conf.read_text() == edited
    assert "keeping" in r.stdout
    assert mode(conf) == 0o640


@SQLITE_FOLDER
def test_missing_database_folder_is_created(daemons):
    folder = daemons.tmpdir / "var"
    d = daemons.start({"database.path": str(folder / "taawun.db")})
    assert folder.is_dir()
    assert mode(folder) == 0o700
    assert (folder / "taawun.db").exists()
    created = [parse_log_line(l) for l in d.lines if "event=db_folder_created" in l]
    assert created == [{**created[0], "folder": str(folder), "mode": "0700"}], d.log()


@SQLITE_FOLDER
def test_database_folder_that_cannot_be_made_is_named(daemons):
    folder = daemons.tmpdir / "no" / "such"
    r = run_taawund("-c", daemons.config({"database.path": str(folder / "taawun.db")}))
    assert r.returncode == 1, r.stderr
    lines = [parse_log_line(l) for l in r.stderr.splitlines() if "event=db_folder_missing" in l]
    assert len(lines) == 1, r.stderr
    assert lines[0]["folder"] == str(folder)
    assert lines[0]["first_missing"] == str(daemons.tmpdir / "no")
    assert lines[0]["error"] == "No such file or directory"
    assert not (daemons.tmpdir / "no").exists()  # one level only: a typo is not a tree
