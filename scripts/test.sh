#!/usr/bin/env bash
# The whole BookBoss test suite: unit tests, integration tests against a real
# calibre-server (Debian's calibre), then the integration suite against Debian forky's
# calibre 9.x in a cached chroot (root only).
#   scripts/test.sh            everything
#   scripts/test.sh --quick    skip the calibre 9.x chroot run
#   extra arguments go to pytest (e.g. scripts/test.sh --quick -k wire)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages 'calibre:command -v calibre-server' 'python3-pytest:/usr/bin/python3 -c "import pytest"' \
              'python3-hypothesis:/usr/bin/python3 -c "import hypothesis"' \
              'debootstrap:[ "$(id -u)" != 0 ] || command -v debootstrap' 'curl:command -v curl' \
              'chromium:command -v chromium' 'chromium-driver:command -v chromedriver' \
              'python3-selenium:/usr/bin/python3 -c "import selenium"' \
              'python3-pip:/usr/bin/python3 -m pip --version'

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
mkdir -p test-output

echo "=== unit + integration tests with $(calibre-debug --version) ==="
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rs tests "$@"

if [ $quick = 1 ]; then
    echo "calibre 9.x chroot run skipped (--quick)"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "calibre 9.x chroot run needs root:  sudo scripts/test-in-chroot.sh forky" >&2
    exit 1
fi
set +e
scripts/test-in-chroot.sh forky "$@"
rc=$?
set -e
if [ $rc = 77 ]; then
    echo "************************************************************************" >&2
    echo "SKIPPED: calibre 9.x integration run (Debian mirror unreachable)" >&2
    echo "************************************************************************" >&2
    exit 0
fi
exit $rc
