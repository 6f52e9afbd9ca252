# Sourced by scripts/test.sh and scripts/serve.sh: install missing Debian packages when
# root, else print the exact command and stop.
need_packages() {
    local missing=()
    for spec in "$@"; do
        local pkg=${spec%%:*} check=${spec#*:}
        eval "$check" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo "Installing: ${missing[*]}" >&2
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
    else
        echo "Missing packages. Run as root:  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}
