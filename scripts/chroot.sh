#!/usr/bin/env bash
# Build (once, cached outside the repo) a Debian chroot with a newer calibre and run a
# command inside it.  Usage: scripts/chroot.sh SUITE [command...]
#   SUITE: forky (calibre 9.x) or trixie (calibre 8.x)
# Cache: ${BOOKBOSS_CHROOT_CACHE:-/var/cache/bookboss}/SUITE
# Exit 77 (and a loud SKIPPED line) only when the Debian mirror cannot be reached.
set -euo pipefail
suite=${1:?suite}; shift || true
cache=${BOOKBOSS_CHROOT_CACHE:-/var/cache/bookboss}
root="$cache/$suite"

# The Debian mirror this machine's apt is configured with (no mirror is written here).
apt_etc=${BOOKBOSS_APT_ETC:-/etc/apt}
mirror=${BOOKBOSS_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$( (grep -hs '^URIs:' "$apt_etc"/sources.list.d/*.sources; grep -hs '^deb ' "$apt_etc"/sources.list "$apt_etc"/sources.list.d/*.list | awk '{print "URIs: " $2}') \
              | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
fi
if [ -z "$mirror" ] && [ ! -e "$root/.bookboss-ready" ]; then
    echo "scripts/chroot.sh: apt on this machine names no Debian mirror (in $apt_etc/sources.list*)." >&2
    echo "Configure one for apt, or set BOOKBOSS_DEBIAN_MIRROR=URL of a Debian mirror, and run again." >&2
    exit 2
fi

if [ "$(id -u)" != 0 ]; then
    echo "scripts/chroot.sh needs root (debootstrap, chroot, mount): sudo $0 $suite $*" >&2
    exit 1
fi

if [ ! -e "$root/.bookboss-ready" ]; then
    if ! curl -fsS -o /dev/null --max-time 30 "$mirror/dists/$suite/Release"; then
        echo "SKIPPED: Debian mirror $mirror has no reachable $suite suite (probe of $mirror/dists/$suite/Release failed)" >&2
        exit 77
    fi
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
    rm -rf "$root"; mkdir -p "$root"
    script=/usr/share/debootstrap/scripts/sid
    [ -e "/usr/share/debootstrap/scripts/$suite" ] && script="/usr/share/debootstrap/scripts/$suite"
    echo "chroot: debootstrap $suite from $mirror into $root" >&2
    debootstrap --variant=minbase "$suite" "$root" "$mirror" "$script" >&2
    mount --bind /proc "$root/proc"
    trap 'umount -l "$root/proc" 2>/dev/null || true' EXIT
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        calibre python3-pytest python3-hypothesis ca-certificates >&2
    touch "$root/.bookboss-ready"
else
    mountpoint -q "$root/proc" || mount --bind /proc "$root/proc"
    trap 'umount -l "$root/proc" 2>/dev/null || true' EXIT
fi
mountpoint -q "$root/proc" || { mount --bind /proc "$root/proc"; trap 'umount -l "$root/proc" 2>/dev/null || true' EXIT; }
mkdir -p "$root/dev/shm"
if [ $# -gt 0 ]; then
    chroot "$root" "$@"
fi
