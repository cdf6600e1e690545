#!/bin/sh
# install.sh -- what `make install` does: the daemon, taawunctl, the manual
# pages, the systemd unit, the configuration and catalogs, and the folders
# with the modes and owners the unit needs to start:
#
#   /etc/taawun                 0750 root:taawun  (the group reads the config)
#   /etc/taawun/taawun.conf     0640 root:taawun  (kept if present: an upgrade)
#   /etc/taawun/messages/       0755, catalogs 0644 (inside the 0750 folder)
#   /etc/taawun/secrets/        0700 taawun:taawun (secret files: 0600 taawun)
#   /var/lib/taawun             0700 taawun:taawun (the database)
#
# Usage: DESTDIR=... PREFIX=... contrib/install.sh BUILD_DIR
# Without DESTDIR it creates the taawun system user and group if missing.
# With DESTDIR (a package or a staging tree) it creates no user: the
# package's postinst does; owners are given only when run as root and the
# taawun group exists, the modes always.
set -eu

build=${1:?usage: install.sh BUILD_DIR}
dest=${DESTDIR:-}
prefix=${PREFIX:-/usr/local}
unitdir=${UNITDIR:-/lib/systemd/system}
here=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "$dest" ] && ! getent passwd taawun >/dev/null; then
    echo "install: creating the system user and group taawun"
    if command -v adduser >/dev/null; then
        adduser --system --group --home /var/lib/taawun --no-create-home \
            --shell /usr/sbin/nologin --quiet taawun
    else
        useradd --system --user-group --home-dir /var/lib/taawun --no-create-home \
            --shell /usr/sbin/nologin taawun
    fi
fi

if [ "$(id -u)" -eq 0 ] && getent group taawun >/dev/null && getent passwd taawun >/dev/null; then
    group_owned="-o root -g taawun"
    user_owned="-o taawun -g taawun"
else
    group_owned=""
    user_owned=""
    echo "install: no taawun user here (or not root): modes set, owners left to the package"
fi

install -d -m 0755 "$dest$prefix/sbin" "$dest$prefix/bin" "$dest$unitdir" \
    "$dest$prefix/share/man/man1" "$dest$prefix/share/man/man5" "$dest$prefix/share/man/man8"
install -m 0755 "$build/taawund" "$dest$prefix/sbin/taawund"
install -m 0755 "$build/taawunctl" "$dest$prefix/bin/taawunctl"
install -m 0644 "$build/man/taawund.8" "$dest$prefix/share/man/man8/taawund.8"
install -m 0644 "$build/man/taawunctl.1" "$dest$prefix/share/man/man1/taawunctl.1"
install -m 0644 "$build/man/taawun.conf.5" "$dest$prefix/share/man/man5/taawun.conf.5"
# The unit names /usr/local/sbin/taawund; another PREFIX is written in.
sed "s|/usr/local/sbin/taawund|$prefix/sbin/taawund|g" "$here/contrib/taawund.service" \
    >"$dest$unitdir/taawund.service"
chmod 0644 "$dest$unitdir/taawund.service"

# shellcheck disable=SC2086 # the owner options are words on purpose
install -d -m 0750 $group_owned "$dest/etc/taawun"
install -d -m 0755 "$dest/etc/taawun/messages"
install -m 0644 "$here"/conf/messages/*.conf "$dest/etc/taawun/messages/"
# shellcheck disable=SC2086
install -d -m 0700 $user_owned "$dest/etc/taawun/secrets"
# Secret files already there (an upgrade) get the only mode taawund accepts.
if [ -n "$user_owned" ]; then
    find "$dest/etc/taawun/secrets" -type f -exec chown taawun:taawun {} + -exec chmod 0600 {} +
fi
conf="$dest/etc/taawun/taawun.conf"
if [ -e "$conf" ]; then
    echo "install: keeping $conf (compare it with contrib/taawun.conf.production)"
    # An install from before 0.1.0 left it root-only: the daemon could not read it.
    if [ -n "$group_owned" ]; then
        chgrp taawun "$conf"
        chmod g+r,o-rwx "$conf"
    fi
else
    # shellcheck disable=SC2086
    install -m 0640 $group_owned "$here/contrib/taawun.conf.production" "$conf"
fi
# shellcheck disable=SC2086
install -d -m 0700 $user_owned "$dest/var/lib/taawun"
