#!/usr/bin/env bash
# ci-package.sh -- CI's proof that the Debian package works on a fresh
# Debian 12 machine (as root): build it (make deb, lintian included), install
# it with apt-get, check the user, modes and files it made, start the
# installed daemon as the taawun user on the installed config, complete a USSD
# registration against it, then remove and purge it and check what each
# leaves. systemd is not running in CI, so the daemon is started directly
# (runuser, with the unit's umask), not through the unit.
#
# The installed config is edited as an operator would: its channels list
# becomes one Africa's Talking channel "at" whose webhook secret is in
# /etc/taawun/secrets/at-webhook (0600, taawun), and both listeners move to
# 127.0.0.1 on ports the kernel picks (read back from the log), so nothing is
# exposed and no fixed port can collide. The registration uses a cooperative
# created through the admin API with a token made by `taawund token create`.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "ci-package: run as root: it installs and purges the taawun package" >&2
    exit 2
fi
if dpkg-query -W -f='${db:Status-Status}' taawun 2>/dev/null | grep -qx installed; then
    echo "ci-package: taawun is already installed here; purge it first" >&2
    exit 2
fi

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$runuser_pid" 2>/dev/null || true
    fi
    if [ -n "${failed:-}" ]; then
        echo "ci-package: FAILED; daemon log:" >&2
        cat "$work/taawund.log" >&2 2>/dev/null || true
        apt-get purge -y -qq taawun >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
failed=1

check_stat() { # PATH MODE OWNER:GROUP
    local got
    got=$(stat -c '%a %U:%G' "$1")
    if [ "$got" != "$2 $3" ]; then
        echo "ci-package: $1 is '$got', expected '$2 $3'" >&2
        exit 1
    fi
}

contrib/deps.sh
make --no-print-directory deb
arch=$(dpkg --print-architecture)
version=$(cat src/VERSION)
deb="$top/build/deb/taawun_${version}_${arch}.deb"

echo "ci-package: installing $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb"

getent passwd taawun >/dev/null
check_stat /etc/taawun 750 root:taawun
check_stat /etc/taawun/taawun.conf 640 root:taawun
check_stat /etc/taawun/secrets 700 taawun:taawun
check_stat /var/lib/taawun 700 taawun:taawun
test -x /usr/sbin/taawund && test -x /usr/bin/taawunctl
test -f /lib/systemd/system/taawund.service
grep -qx 'ExecStartPre=/usr/sbin/taawund -n -c /etc/taawun/taawun.conf' \
    /lib/systemd/system/taawund.service
man -w taawund taawunctl taawun.conf >/dev/null
dpkg-query -W -f='${Conffiles}\n' taawun | grep -q '/etc/taawun/taawun.conf'

# The operator's edits: a real channel with its secret, loopback listeners.
secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$secret" >/etc/taawun/secrets/at-webhook
chown taawun:taawun /etc/taawun/secrets/at-webhook
chmod 0600 /etc/taawun/secrets/at-webhook
/usr/bin/python3 - /etc/taawun/taawun.conf <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
edits = [
    (r'public:\s*\{[^}]*\};', 'public: { address = "127.0.0.1"; port = 0; };'),
    (r'admin:\s*\{[^}]*\};', 'admin: { address = "127.0.0.1"; port = 0; };'),
    (r'^channels\s*=\s*\(.*?^\);', '''channels = (
  {
    name = "at";
    type = "africastalking";
    ussd_code = "*384*123#";
    secret_file = "/etc/taawun/secrets/at-webhook";
    allow_from = ["127.0.0.1"];
  }
);'''),
]
for pattern, new in edits:
    text, n = re.subn(pattern, new, text, count=1, flags=re.S | re.M)
    assert n == 1, f"ci-package: no match for {pattern!r} in {path}"
open(path, "w", encoding="utf-8").write(text)
PY
check_stat /etc/taawun/taawun.conf 640 root:taawun
runuser -u taawun -- /usr/sbin/taawund -n -c /etc/taawun/taawun.conf

# Start as the unit would: user taawun, umask 0077, installed config.
(umask 0077 && exec runuser -u taawun -- /usr/sbin/taawund -c /etc/taawun/taawun.conf) \
    2>"$work/taawund.log" &
runuser_pid=$!
pid=""
# runuser forks: the daemon is its child (bounded: 50 polls, 10 s).
for _ in $(seq 1 50); do
    pid=$(grep -l "^PPid:[[:space:]]*$runuser_pid\$" /proc/[0-9]*/status 2>/dev/null |
        cut -d/ -f3 | head -n1 || true)
    [ -n "$pid" ] && break
    sleep 0.2
done
if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm")" != taawund ]; then
    echo "ci-package: taawund did not start" >&2
    exit 1
fi

# Ready when both listeners log their port (bounded: 100 polls, 20 s).
for _ in $(seq 1 100); do
    [ "$(grep -c 'event=listening' "$work/taawund.log" || true)" -ge 2 ] && break
    kill -0 "$pid" 2>/dev/null || { echo "ci-package: taawund exited" >&2; exit 1; }
    sleep 0.2
done
token=$(runuser -u taawun -- /usr/sbin/taawund token create ci --role admin \
    -c /etc/taawun/taawun.conf | grep -oE '^[0-9a-f]{64}$' || true)
[ -n "$token" ] || { echo "ci-package: no token" >&2; exit 1; }

TAAWUN_TOKEN=$token SECRET=$secret LOG="$work/taawund.log" PYTHONDONTWRITEBYTECODE=1 \
    /usr/bin/python3 - "$top/tests/integration" <<'PY'
"""Wait for the listeners, create the cooperative, register by USSD on the
Africa's Talking channel with the registration walk of the integration
tests, and read the member back through the admin API."""
import json, os, re, sys, time
sys.path.insert(0, sys.argv[1])
from conftest import FORM_CT, Ussd, http_request, parse_log_line  # noqa: E402
from test_ussd_registration import fast_register  # noqa: E402

ports = {}
deadline = time.monotonic() + 20
while len(ports) < 2:
    assert time.monotonic() < deadline, "no listening lines:\n" + open(os.environ["LOG"]).read()
    for line in open(os.environ["LOG"], encoding="utf-8", errors="replace"):
        if "event=listening" in line:
            kv = parse_log_line(line)
            ports[kv["listener"]] = int(kv["port"])
    time.sleep(0.1)  # polls the log, bounded by the deadline

for _ in range(100):
    try:
        if http_request(ports["public"], "GET", "/healthz", timeout=1).status == 200:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    raise SystemExit("ci-package: /healthz never answered 200")

auth = {"Authorization": "Bearer " + os.environ["TAAWUN_TOKEN"],
        "Content-Type": "application/json"}
coop = {"code": "2001", "name": "Cooperative CI", "province": "berkane",
        "sector": "agriculture"}
r = http_request(ports["admin"], "POST", "/api/v1/cooperatives", json.dumps(coop), auth)
assert r.status == 201, r


class Installed:
    """What conftest's Ussd needs of a daemon: a POST to the public listener."""

    def post(self, path, body=b"", headers=None, **kw):
        return http_request(ports["public"], "POST", path, body=body, headers=headers)


phone = "+212612340099"
u = Ussd(Installed(), phone=phone, channel="at", key=os.environ["SECRET"])
end = fast_register(u, lang="fr", name="Amina CI", coop="2001", province_no="2")
number = re.search(r"TA-\d{6}", end.text)
assert number, end

r = http_request(ports["admin"], "GET", "/api/v1/members?phone=" + phone.replace("+", "%2B"),
                 headers=auth)
assert r.status == 200, r
items = json.loads(r.body)["items"]
assert len(items) == 1 and items[0]["name"] == "Amina CI", items
print(f"ci-package: registered {number.group(0)} over USSD on the installed daemon")
PY

# The database the daemon made is the taawun user's alone.
check_stat /var/lib/taawun/taawun.db 600 taawun:taawun
kill -TERM "$pid"
wait "$runuser_pid" # taawund's exit status: 0 after a clean stop
pid=""

echo "ci-package: removing"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq taawun
test ! -e /usr/sbin/taawund
test -f /var/lib/taawun/taawun.db # remove keeps the data...
test -f /etc/taawun/taawun.conf   # ...and the configuration
echo "ci-package: purging"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq taawun
test ! -e /var/lib/taawun
test ! -e /etc/taawun
if dpkg-statoverride --list /etc/taawun >/dev/null; then
    echo "ci-package: purge left a statoverride on /etc/taawun" >&2
    exit 1
fi
failed=""
echo "ci-package: the package built, installed, served a registration as taawun, and purged"
