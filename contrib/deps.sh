#!/bin/sh
# deps.sh -- check taawun's build and test dependencies (Debian packages) and
# install the missing ones when run as root; otherwise print the exact
# apt-get line to run. Called by `make run` and `make test`.
set -eu

# Build: compiler, pkg-config and the libraries taawund links (libpq-dev:
# PostgreSQL's client library, the store's second engine).
build_pkgs="gcc make pkg-config libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev
libconfig-dev libjansson-dev libcsv-dev libssl-dev libutf8proc-dev libxlsxwriter-dev tzdata
libpq-dev"
# Tests and benchmarks: cmocka, pytest (Debian's python3), wrk, sqlite3 CLI;
# Kannel (bearerbox, smsbox, fakesmsc) for test_kannel.py; LibreOffice Calc
# (headless) opening the CSV exports in test_csv.py; the web console's browser
# tests: Debian's Chromium (driven by playwright-core from npm, installed by
# `npm ci` under tests/e2e), Node.js and a font with Arabic; the OpenAPI
# document's validator (`npm ci` under tests/openapi); Prometheus's promtool
# (`promtool check metrics` on GET /metrics, test_metrics.py); PostgreSQL
# (the metapackage: version 15 on Debian 12) for the throw-away cluster each
# test run starts (contrib/pg-test-cluster.sh), and psycopg2, through which
# the integration tests read and write a daemon's PostgreSQL database
# (conftest.py, with TAAWUN_TEST_ENGINE=postgresql).
test_pkgs="libcmocka-dev python3 python3-pytest wrk sqlite3 curl kannel kannel-extras
libreoffice-calc-nogui chromium nodejs fonts-dejavu-core prometheus postgresql
python3-psycopg2"
# Manual pages (make check: mandoc -T lint) and the Debian package (make deb,
# contrib/ci-package.sh: dpkg-buildpackage with debhelper, then lintian).
pkg_pkgs="mandoc man-db debhelper dpkg-dev lintian adduser"

missing=""
for p in $build_pkgs $test_pkgs $pkg_pkgs; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run: sudo apt-get install -y$missing" >&2
    exit 1
fi
