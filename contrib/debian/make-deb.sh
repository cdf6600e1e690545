#!/bin/sh
# make-deb.sh -- `make deb`: builds taawun's Debian package and lints it.
# The repository keeps its packaging in contrib/debian/ (the top level stays
# as it is), so this copies the committed and new files of the tree into
# OUT/taawun-VERSION/ with contrib/debian/ as debian/, writes
# debian/changelog from src/VERSION (one place for the version), runs
# dpkg-buildpackage -us -uc -b there, then lintian on the result, failing on
# any error or warning. Leaves OUT/taawun_VERSION_ARCH.deb.
#
# Usage: contrib/debian/make-deb.sh OUT_DIR   (LINTIAN=0 skips lintian)
set -eu

out=${1:?usage: make-deb.sh OUT_DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(cat "$top/src/VERSION")
stage="$out/taawun-$version"

rm -rf "$out"
mkdir -p "$stage"
out=$(cd "$out" && pwd)
stage="$out/taawun-$version"

# The tree as git sees it (tracked and new, not ignored), without building.
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf -) | tar -xf - -C "$stage"
cp -R "$stage/contrib/debian" "$stage/debian"
rm -f "$stage/debian/make-deb.sh"

# Dated by the last commit, so two builds of one commit are alike.
date=$(cd "$top" && git log -1 --format=%cD 2>/dev/null) || date=$(date -R)
cat >"$stage/debian/changelog" <<CHANGES
taawun ($version) unstable; urgency=medium

  * Release $version; the changes are in the repository's history.

 -- taawun developers <taawun@example.org>  $date
CHANGES

(cd "$stage" && dpkg-buildpackage -us -uc -b -Jauto)

arch=$(dpkg --print-architecture)
echo "make-deb: built $out/taawun_${version}_${arch}.deb"
if [ "${LINTIAN:-1}" != 0 ]; then
    # Lintian warns about running as root (CI does); that is no tag.
    lintian --fail-on error,warning --info "$out/taawun_${version}_${arch}.changes"
    echo "make-deb: lintian: no error, no warning"
fi
