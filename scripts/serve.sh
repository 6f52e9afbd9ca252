#!/usr/bin/env bash
# Build BookBoss, install it into a throwaway calibre config folder and start
# calibre-server with it.
#   scripts/serve.sh [--port N] [LIBRARY_FOLDER ...]
# Without a library: a demo library of a few EPUBs. A demo user is created in a
# throwaway user database unless --userdb PATH names yours.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/deps.sh"
need_packages 'calibre:command -v calibre-server' 'python3:command -v python3' \
              'python3-pip:python3 -m pip --version'

port=8080; userdb=""; libraries=()
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port=$2; shift 2;;
        --userdb) userdb=$2; shift 2;;
        -h|--help) sed -n '2,7p' "$0"; exit 0;;
        *) libraries+=("$(cd "$1" && pwd)"); shift;;
    esac
done

home=$(mktemp -d "${TMPDIR:-/tmp}/bookboss-serve-XXXXXX")
export CALIBRE_CONFIG_DIRECTORY="$home/config" QT_QPA_PLATFORM=offscreen
mkdir -p "$CALIBRE_CONFIG_DIRECTORY"
zip=$(python3 "$here/build.py" --out "$home/dist" | tail -n1)
calibre-customize -a "$zip" >/dev/null
echo "Installed $zip into $CALIBRE_CONFIG_DIRECTORY"

if [ ${#libraries[@]} -eq 0 ]; then
    libraries=("$home/Demo Library")
    python3 "$here/scripts/demo_library.py" "${libraries[0]}" >/dev/null
    echo "Demo library: ${libraries[0]}"
fi
user=demo; password=""
if [ -z "$userdb" ]; then
    userdb="$home/server-users.sqlite"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(6))')
    calibre-server --userdb "$userdb" --manage-users -- add "$user" "$password"
fi

if [ -n "$password" ]; then credentials="$user / $password"; else credentials="the users of $userdb"; fi
lan=$(hostname -I 2>/dev/null | awk '{print $1}')
host=${lan:-127.0.0.1}
cat <<INFO

  calibre content server:  http://$host:$port/
  OPDS catalog (KOReader):  http://$host:$port/opds
  KOReader sync server:     http://$host:$port/koreader
  Setup page (a browser):   http://$host:$port/koreader  (log in with the same account)
  Username / password:      $credentials

  In KOReader: Tools > Progress sync > Custom sync server = the sync URL above,
  then Login with the same username and password.
  Config folder (deleted by nobody; remove when done): $home

INFO
exec calibre-server --listen-on 0.0.0.0 --port "$port" --userdb "$userdb" \
    --enable-auth --auth-mode basic "${libraries[@]}"
