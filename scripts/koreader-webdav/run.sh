#!/usr/bin/env bash
# Manual check, not a test: runs KOReader's own WebDAV cloud-sync Lua code headless
# (folder listing, then "Reading statistics -> Sync now" as device A, then device B)
# against a WebDAV folder and prints one line per HTTP request KOReader made.
# KOReader's code (AGPL) is read from $KOREADER_SRC, outside this repository, and must
# never be copied here or committed; this folder holds only our shims and driver.
#
#   DAV_ADDRESS=http://127.0.0.1:8080/koreader/dav DAV_USER=u DAV_PASSWORD=p \
#   DAV_FOLDER=/stats LOCAL_A=a.sqlite3 LOCAL_B=b.sqlite3 scripts/koreader-webdav/run.sh
#
# Optional: KOREADER_SRC (default /var/tmp/koreader-src); STALE=1 makes device A upload
# again while B merges, so B's If-Match is stale (expect 412, then a re-GET);
# HARNESS_DEBUG=1 shows KOReader's debug log.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/deps.sh"
need_packages 'luajit:command -v luajit' "lua-socket:luajit -e 'require(\"socket.http\")'"
case "${DAV_ADDRESS:-}" in https:*) need_packages "lua-sec:luajit -e 'require(\"ssl.https\")'";; esac

export KOREADER_SRC=${KOREADER_SRC:-/var/tmp/koreader-src}
if [ ! -f "$KOREADER_SRC/plugins/cloudstorage.koplugin/providers/webdav.lua" ]; then
    cat >&2 <<EOF
KOReader's sources are not in $KOREADER_SRC. Extract them outside this repository, e.g.:
  git clone --depth 1 https://github.com/koreader/koreader /var/tmp/koreader-git
  mkdir -p $KOREADER_SRC && cd /var/tmp/koreader-git &&
  cp --parents frontend/util.lua frontend/socketutil.lua \\
     plugins/cloudstorage.koplugin/main.lua plugins/cloudstorage.koplugin/providers/webdav.lua \\
     $KOREADER_SRC/
(or from a bare mirror: git --git-dir=DIR show HEAD:PATH > $KOREADER_SRC/PATH for each PATH)
EOF
    exit 1
fi
exec luajit "$here/scripts/koreader-webdav/harness.lua"
