#!/bin/sh
# pg-test-cluster.sh -- a throw-away PostgreSQL cluster for one test run:
# made in a private folder, reachable only on a Unix socket in that folder,
# stopped and removed at the end. contrib/run-tests.sh starts one per run.
#
# Usage: contrib/pg-test-cluster.sh start DIR   initdb DIR/data, start the
#            server; prints its libpq conninfo on stdout:
#            "host=DIR port=5432 user=NAME dbname=postgres"
#        contrib/pg-test-cluster.sh start DIR --durable   the same with
#            durable commits (fsync, full-page writes, synchronous commit
#            on), as production runs: for the benchmark (tests/bench/)
#        contrib/pg-test-cluster.sh stop DIR    stop it (fast, then immediate)
#            and remove DIR; nothing to do when DIR is gone
#        contrib/pg-test-cluster.sh bindir      the server's binaries, or why
#            there are none (exit 1)
#
# The binaries are the newest /usr/lib/postgresql/*/bin (Debian's layout);
# TAAWUN_PG_BINDIR overrides that (a folder without them plays "PostgreSQL
# is not installed", as run-tests.sh's CI check is tested). As root, initdb
# and the server run as the `postgres` user (initdb refuses root), and DIR is
# given to that user; otherwise they run as the calling user.
set -eu

# One server per folder and nothing listens on TCP, so a fixed port number
# (it only names the socket file) cannot clash with another run.
port=5432
# Seconds pg_ctl waits for the server to accept connections, and for each
# way of stopping it.
start_timeout_s=30
stop_timeout_s=10
# The first line of a folder this script made: stop removes no other.
marker=.pg-test-cluster

die() {
    echo "pg-test-cluster: $*" >&2
    exit 1
}

find_bindir() {
    if [ -n "${TAAWUN_PG_BINDIR:-}" ]; then
        candidate=$TAAWUN_PG_BINDIR
    else
        # Version folders sorted as numbers: 15 before 16, 9.6 before 10.
        candidate=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d \
            2>/dev/null | sort -t/ -k5,5V | tail -n1)
    fi
    if [ -z "$candidate" ] || [ ! -x "$candidate/initdb" ] || [ ! -x "$candidate/pg_ctl" ]; then
        echo "pg-test-cluster: no PostgreSQL server (initdb, pg_ctl) in" \
            "${candidate:-/usr/lib/postgresql/*/bin}: contrib/deps.sh installs Debian's postgresql" >&2
        return 1
    fi
    echo "$candidate"
}

# as_owner CMD...: CMD as the cluster's owner, from a folder it may enter.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

owner_name() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# The server's log, last lines, to stderr.
log_tail() {
    if [ -f "$1/server.log" ]; then
        echo "pg-test-cluster: the end of $1/server.log:" >&2
        tail -n 30 "$1/server.log" >&2
    fi
}

start() {
    dir=$1
    durable=${2:-}
    case $durable in
        "" | --durable) ;;
        *) die "start: unknown option '$durable' (--durable)" ;;
    esac
    bindir=$(find_bindir) || exit 1
    # The folder is written into the conninfo and postgresql.conf unquoted.
    case $dir in
        /*) ;;
        *) die "start: '$dir' is not an absolute path" ;;
    esac
    case $dir in
        *[!A-Za-z0-9/._-]*) die "start: '$dir' has characters a conninfo would need quoted" ;;
    esac
    # A Unix socket's path holds at most 107 bytes.
    socket="$dir/.s.PGSQL.$port"
    [ "${#socket}" -le 107 ] || die "start: the socket path $socket is longer than 107 bytes"
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "start: $dir is not empty"
    echo "taawun test cluster; removed by contrib/pg-test-cluster.sh stop" >"$dir/$marker"
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres >/dev/null || die "start: no 'postgres' user to run the server as root"
        chown -R postgres: "$dir"
        as_owner test -w "$dir" ||
            die "start: the postgres user cannot reach $dir (a parent folder closed to it?)"
    fi

    # Trust on the local socket only; no TCP at all (listen_addresses below).
    # UTF-8 for Arabic and French text; C.UTF-8 collates by code point.
    if ! as_owner "$bindir/initdb" -D "$dir/data" -U "$(owner_name)" --auth-local=trust \
        --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 --no-sync \
        >"$dir/initdb.log" 2>&1; then
        tail -n 30 "$dir/initdb.log" >&2
        die "start: initdb failed in $dir/data"
    fi
    # Settings for tests. fsync, full-page writes and synchronous commit are
    # off: a crash of this server would lose data, and no test crashes it
    # (the SIGKILL tests kill taawund, never PostgreSQL), while every commit
    # of a test run would otherwise wait for the disk. --durable turns them
    # on, as in production, for the benchmark. max_connections: a few
    # daemons at once, each with a connection per thread, plus the tests'.
    if [ "$durable" = --durable ]; then sync=on; else sync=off; fi
    as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# contrib/pg-test-cluster.sh: a throw-away cluster for one test run
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = $sync
full_page_writes = $sync
synchronous_commit = $sync
EOF
    if ! as_owner "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w \
        -t "$start_timeout_s" -s >/dev/null 2>"$dir/pg_ctl.log"; then
        cat "$dir/pg_ctl.log" >&2
        log_tail "$dir"
        # A server that came up late must not outlive the run.
        as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -s >/dev/null 2>&1 || true
        die "start: the server in $dir/data did not start (or not within ${start_timeout_s}s)"
    fi
    echo "host=$dir port=$port user=$(owner_name) dbname=postgres"
}

stop() {
    dir=$1
    [ -d "$dir" ] || return 0
    if [ ! -f "$dir/$marker" ] && [ -n "$(ls -A "$dir")" ]; then
        die "stop: $dir was not made by this script (no $marker): left alone"
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        bindir=$(find_bindir) || exit 1
        if ! as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m fast -t "$stop_timeout_s" \
            -s >/dev/null 2>&1; then
            as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -t "$stop_timeout_s" \
                -s >/dev/null 2>&1 || true
        fi
        # Still there (postmaster.pid names a live postmaster): say so, keep
        # the folder for a look.
        if [ -f "$dir/data/postmaster.pid" ]; then
            pid=$(head -n1 "$dir/data/postmaster.pid")
            if kill -0 "$pid" 2>/dev/null; then
                log_tail "$dir"
                die "stop: the server (pid $pid) in $dir/data did not stop"
            fi
        fi
    fi
    rm -rf "$dir"
}

case ${1:-} in
    start) start "${2:?usage: pg-test-cluster.sh start DIR [--durable]}" "${3:-}" ;;
    stop) stop "${2:?usage: pg-test-cluster.sh stop DIR}" ;;
    bindir) find_bindir ;;
    *) die "usage: pg-test-cluster.sh start DIR [--durable] | stop DIR | bindir" ;;
esac
