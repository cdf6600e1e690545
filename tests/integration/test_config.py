"""test_config.py -- `taawund -n`, the config schema (unknown keys, wrong types,
ranges, required settings), secret files, catalogs, --version and -h."""

import re
import shutil
import subprocess

import pytest

from conftest import (DEFAULT_CONF, DELETE, ENGINE, MESSAGES_DIR, ROOT, TAAWUND, Raw, at_channel,
                      line_of, run_taawund, sandbox_channel, write_config, write_secret)


@pytest.fixture(autouse=True)
def binary():
    if not TAAWUND.exists():
        pytest.fail(f"{TAAWUND} does not exist: run `make all` first")


def check(path):
    return run_taawund("-n", "-c", path)


def assert_ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert "configuration OK" in r.stdout, r.stdout


def error_lines(r, filename):
    """(line, message) of every `...FILENAME:LINE: message` in stderr."""
    return [(int(m.group(1)), m.group(2))
            for m in re.finditer(rf"\S*{re.escape(filename)}:(\d+): ?(.*)", r.stderr)]


def assert_rejected(r, filename, line=None, mentions=()):
    assert r.returncode == 1, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert "configuration OK" not in r.stdout
    errs = error_lines(r, filename)
    assert errs, f"no '{filename}:LINE: message' in stderr:\n{r.stderr}"
    wanted = [(n, m) for n, m in errs if all(w.lower() in m.lower() for w in mentions)]
    assert wanted, f"no error mentioning {mentions} in:\n{r.stderr}"
    if line is not None:
        assert line in [n for n, _ in wanted], f"expected line {line}:\n{r.stderr}"


# ---- what passes

def test_default_config_checks_ok():
    assert_ok(check(DEFAULT_CONF))


def test_test_config_checks_ok(tmp_path):
    assert_ok(check(write_config(tmp_path)))


def test_relative_paths_are_relative_to_config_dir(tmp_path):
    (tmp_path / "messages").mkdir()
    for f in MESSAGES_DIR.glob("*.conf"):
        shutil.copy(f, tmp_path / "messages" / f.name)
    conf = write_config(tmp_path, {"programme.messages_dir": "messages",
                                   "database.path": "data.db"})
    r = subprocess.run([str(TAAWUND), "-n", "-c", str(conf)], cwd="/", capture_output=True,
                       text=True, timeout=10)
    assert_ok(r)


def test_secret_file_mode_0600_is_accepted(tmp_path):
    secret = write_secret(tmp_path / "at.secret", "s3cret-at", 0o600)
    conf = write_config(tmp_path, {"channels": (sandbox_channel(), at_channel("at", secret))})
    assert_ok(check(conf))


# ---- what is refused, with file:line

def test_unknown_key(tmp_path):
    conf = write_config(tmp_path, {"http.bogus_setting": 1})
    assert_rejected(check(conf), "taawun.conf", line_of(conf, r"bogus_setting"),
                    ["bogus_setting"])


def test_unknown_top_level_group(tmp_path):
    conf = write_config(tmp_path, {"frobnicate": {"x": 1}})
    assert_rejected(check(conf), "taawun.conf", line_of(conf, r"frobnicate"), ["frobnicate"])


def test_unknown_channel_key(tmp_path):
    conf = write_config(tmp_path, {"channels": (sandbox_channel(colour="blue"),)})
    assert_rejected(check(conf), "taawun.conf", line_of(conf, r"colour"), ["colour"])


@pytest.mark.parametrize("path,value,key", [
    ("http.threads", "four", "threads"),
    ("ussd.session_ttl_s", 1.5, "session_ttl_s"),
    ("database.path", 42, "path"),
    ("programme.languages", "ar", "languages"),
    ("log.level", Raw("true"), "level"),
])
def test_wrong_type(tmp_path, path, value, key):
    conf = write_config(tmp_path, {path: value})
    assert_rejected(check(conf), "taawun.conf", line_of(conf, rf"^\s*{key}\s*="), [key])


@pytest.mark.parametrize("path,value,key", [
    ("http.threads", 0, "threads"),
    ("http.threads", 10000, "threads"),
    ("http.max_body_bytes", 0, "max_body_bytes"),
    ("http.max_body_bytes", 64 * 1024 * 1024, "max_body_bytes"),
    ("http.public.port", 70000, "port"),
    ("ussd.session_ttl_s", 0, "session_ttl_s"),
    ("ussd.max_sessions", 0, "max_sessions"),
    ("channels.0.ussd_screen_max", 500, "ussd_screen_max"),
    ("channels.0.ussd_screen_max_ucs2", 81, "ussd_screen_max_ucs2"),
    ("log.level", "verbose", "level"),
    ("database.synchronous", "sometimes", "synchronous"),
])
def test_out_of_range(tmp_path, path, value, key):
    conf = write_config(tmp_path, {path: value})
    assert_rejected(check(conf), "taawun.conf", line_of(conf, rf"^\s*{key}\s*="), [key])


@pytest.mark.parametrize("path,key", [
    ("channels", "channels"),
    # Where the data is: SQLite's file, or PostgreSQL's conninfo (there
    # database.path is not read, so not required).
    ("database.path", "path") if ENGINE == "sqlite" else ("database.conninfo", "conninfo"),
])
def test_missing_required(tmp_path, path, key):
    conf = write_config(tmp_path, {path: DELETE})
    assert_rejected(check(conf), "taawun.conf", None, [key])


def test_empty_channel_list_is_refused(tmp_path):
    conf = write_config(tmp_path, {"channels": ()})
    assert_rejected(check(conf), "taawun.conf", None, ["channel"])


def test_duplicate_channel_name_is_refused(tmp_path):
    conf = write_config(tmp_path, {"channels": (sandbox_channel(), sandbox_channel())})
    assert_rejected(check(conf), "taawun.conf", None, ["sandbox"])


def test_unknown_channel_type_is_refused(tmp_path):
    conf = write_config(tmp_path, {"channels": (sandbox_channel(type="pigeon"),)})
    assert_rejected(check(conf), "taawun.conf", line_of(conf, r"pigeon"), ["pigeon"])


def test_syntax_error_is_reported_with_line(tmp_path):
    conf = write_config(tmp_path)
    text = conf.read_text().replace("threads = 4;", "threads = = 4;")
    conf.write_text(text)
    r = check(conf)
    assert r.returncode == 1, r.stderr
    lines = [n for n, _ in error_lines(r, "taawun.conf")]
    assert line_of(conf, r"threads = = 4") in lines, r.stderr


def test_missing_config_file(tmp_path):
    r = check(tmp_path / "nope.conf")
    assert r.returncode == 1, r
    assert "nope.conf" in r.stderr


def test_africastalking_channel_without_secret_is_refused(tmp_path):
    ch = at_channel("at", tmp_path / "x")
    del ch["secret_file"]
    conf = write_config(tmp_path, {"channels": (sandbox_channel(), ch)})
    assert_rejected(check(conf), "taawun.conf", None, ["secret_file"])


def test_secret_file_missing_is_refused(tmp_path):
    conf = write_config(tmp_path, {"channels": (sandbox_channel(),
                                                at_channel("at", tmp_path / "absent.secret"))})
    r = check(conf)
    assert r.returncode == 1, r
    assert "absent.secret" in r.stderr


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604], ids=["0644", "0640", "0604"])
def test_secret_file_readable_by_others_is_refused(tmp_path, mode):
    secret = write_secret(tmp_path / "at.secret", "s3cret-at", mode)
    conf = write_config(tmp_path, {"channels": (sandbox_channel(), at_channel("at", secret))})
    r = check(conf)
    assert r.returncode == 1, r
    assert re.search(r"0?%o" % mode, r.stderr), f"mode not named:\n{r.stderr}"
    assert "s3cret-at" not in r.stderr + r.stdout


def test_secret_file_0644_stops_startup(tmp_path):
    secret = write_secret(tmp_path / "at.secret", "s3cret-at", 0o644)
    conf = write_config(tmp_path, {"channels": (sandbox_channel(), at_channel("at", secret))})
    r = run_taawund("-c", conf, timeout=10)  # must exit by itself, not serve
    assert r.returncode == 1, r
    assert re.search(r"0?644", r.stderr), r.stderr
    assert "event=ready" not in r.stderr
    assert "s3cret-at" not in r.stderr + r.stdout


# ---- catalogs are checked too

def copy_messages(tmp_path):
    d = tmp_path / "messages"
    d.mkdir()
    for f in MESSAGES_DIR.glob("*.conf"):
        shutil.copy(f, d / f.name)
    return d


def test_catalog_screen_too_long_is_refused(tmp_path):
    d = copy_messages(tmp_path)
    ar = d / "ar.conf"
    long_prompt = "أدخل اسمك الكامل " * 8  # > 80 UCS-2 units on its own
    text = re.sub(r'(?m)^(\s*ask_name\s*=\s*)".*";', lambda m: m.group(1) + f'"{long_prompt}";',
                  ar.read_text(encoding="utf-8"))
    ar.write_text(text, encoding="utf-8")
    conf = write_config(tmp_path, {"programme.messages_dir": str(d)})
    assert_rejected(check(conf), "ar.conf", line_of(ar, r"^\s*ask_name\s*="), ["ask_name"])


def test_catalog_syntax_error_is_refused(tmp_path):
    d = copy_messages(tmp_path)
    fr = d / "fr.conf"
    fr.write_text(fr.read_text(encoding="utf-8").replace('ask_name = "', 'ask_name = ', 1),
                  encoding="utf-8")
    conf = write_config(tmp_path, {"programme.messages_dir": str(d)})
    r = check(conf)
    assert r.returncode == 1, r
    assert error_lines(r, "fr.conf"), r.stderr


# ---- the other options

def test_version():
    r = run_taawund("--version")
    assert r.returncode == 0, r
    version = (ROOT / "src" / "VERSION").read_text().strip()
    assert version in r.stdout, r.stdout


def test_help():
    r = run_taawund("-h")
    assert r.returncode == 0, r
    out = r.stdout + r.stderr
    assert re.search(r"(?i)usage", out), out
    for opt in ("-c", "-n", "-d"):
        assert opt in out, out


def test_unknown_option_fails():
    r = run_taawund("--frobnicate")
    assert r.returncode != 0, r
    assert re.search(r"(?i)usage", r.stderr + r.stdout)
