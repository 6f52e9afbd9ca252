#!/usr/bin/env bash
# Run the integration suite against the calibre of a newer Debian suite, in a chroot
# built and cached by scripts/chroot.sh.  Usage: scripts/test-in-chroot.sh [SUITE] [pytest args]
# SUITE defaults to forky (calibre 9.x). Exit 77 + a SKIPPED line only if the mirror is unreachable.
# The browser tests (tests/browser, headless Chromium) run on the host's calibre only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:-forky}; shift || true
cache=${BOOKBOSS_CHROOT_CACHE:-/var/cache/bookboss}
root="$cache/$suite"

zip=$(python3 "$here/build.py" --out "$(mktemp -d)" | tail -n1)

# Build the chroot (or find it cached); 77 means the mirror probe failed.
set +e
"$here/scripts/chroot.sh" "$suite" true
rc=$?
set -e
if [ $rc -eq 77 ]; then
    echo "SKIPPED: calibre from Debian $suite not tested (mirror unreachable)" >&2
    exit 77
fi
[ $rc -eq 0 ] || { echo "chroot $suite could not be built (exit $rc)" >&2; exit $rc; }

work=/opt/bookboss-test
rm -rf "$root$work"; mkdir -p "$root$work"
cp -r "$here/tests" "$here/scripts" "$here/build.py" "$here/__init__.py" "$here/plugin" \
      "$here/plugin-import-name-bookboss.txt" "$root$work/"
cp "$zip" "$root$work/"
version=$(chroot "$root" calibre-debug --version)
echo "=== integration tests in Debian $suite: $version ==="
"$here/scripts/chroot.sh" "$suite" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    BOOKBOSS_ZIP="$work/$(basename "$zip")" \
    sh -c "cd $work && python3 -m pytest -p no:cacheprovider -q -rs ${*:-tests --ignore=tests/browser}"
echo "=== passed in Debian $suite: $version ==="
