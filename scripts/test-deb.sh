#!/usr/bin/env bash
# test-deb.sh: the package tests (DESIGN.md "Tests that prove it", Package). Needs root, debootstrap, lintian,
# dpkg-dev, debhelper, fakeroot, iproute2, curl, jq, python3 and the API simulator (BIN, as for scripts/e2e.sh).
#
#   sudo scripts/test-deb.sh                        # builds the package with packaging/build-deb first
#   sudo DEB=out/hostup-routed_0.1.0_amd64.deb scripts/test-deb.sh
#
#   lintian      lintian on the .deb: no error, no warning (info tags are printed)
#   contents     the files, conffiles and control fields the package must have; the binary is stripped
#   install      a copy of a cached `debootstrap --variant=minbase bookworm` chroot (no Swift toolchain):
#                `apt-get install ./the.deb` resolves every dependency, the service is enabled and started, and with
#                no token yet it runs, reports STATUS=waiting for API token and changes nothing
#   runs         in the chroot: --version, check-config, ldd (no missing library, no Swift runtime)
#   token        the admin adds a token and a config and restarts the service: the route is applied
#   upgrade      to a newer build (the same package repacked as VERSION+upgradetest1): dpkg runs the maintainer
#                scripts, deb-systemd-invoke restarts the service; the address and routes are sampled continuously and
#                are never absent; the admin's token and config edit survive
#   adopt        the new process holds the objects: an address deleted by hand comes back
#   remove       the service stops, the kernel keeps the address and routes, conffiles, token and state stay
#   purge        `hostup-routed cleanup` removes the address and routes; state, conffiles and the unit's
#                enablement are gone; the admin's token stays
#
# systemd is not PID 1 here: scripts/deb-fake-systemctl.sh stands in for systemctl inside the chroot, so the
# package's maintainer scripts, deb-systemd-helper and deb-systemd-invoke run unchanged. Everything that runs the
# agent or a maintainer script runs inside the `vps` network namespace of scripts/netns-lib.sh; only the download of
# the dependencies (from Debian's mirror, into the chroot) uses the host's network. The pristine chroot is cached in
# $HR_DEB_CACHE (default /var/cache/hostup-routed-test/bookworm-minbase) and copied for each run.
#
# Prints `ok - NAME` / `not ok - NAME: WHY` per case and `N passed, M failed`; exits 1 when a case failed, 77 when it
# cannot run here (not root, a tool missing).
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

CACHE_DIR=${HR_DEB_CACHE_DIR:-/var/cache/hostup-routed-test}
BASE=$CACHE_DIR/bookworm-minbase
MIRROR=http://deb.debian.org/debian
P1=2001:db8:1000:1::/64
P1_HOST=2001:db8:1000:1::1
TOKEN_CONTENT=$HR_TOKEN # the admin's token file holds the one the simulator accepts

ROOT=
NOTIFY_PID=
SAMPLER_PID=
# diagnostics: the service's log and the last command's output, as `#` comments (run_case calls it).
diagnostics() {
    [ -z "$ROOT" ] || hr_show_tail "service log (tail)" "$ROOT/var/log/hostup-routed.log" 8
    hr_show_tail "last command (tail)" "$HR_WORK/cmd.log" 8
}

# in_chroot COMMAND...: runs COMMAND in the chroot, inside the vps namespace, with /proc mounted in a private mount
# namespace (the agent reads its arguments from /proc) and a clean environment. Output to $HR_WORK/cmd.log.
in_chroot() {
    ip netns exec "$HR_VPS" unshare --mount --propagation private \
        sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" \
        >"$HR_WORK/cmd.log" 2>&1
}

# in_chroot_host_net COMMAND...: the same in the host's network namespace, only for downloads from Debian's mirror.
in_chroot_host_net() {
    unshare --mount --propagation private \
        sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" \
        >"$HR_WORK/cmd.log" 2>&1
}

# chroot_output COMMAND...: in_chroot COMMAND, then prints its output.
chroot_output() {
    in_chroot "$@"
    cat "$HR_WORK/cmd.log"
}

# apt_in_chroot ARGS...: apt-get -y ARGS in the chroot (vps namespace), no recommends, at most 5 minutes.
apt_in_chroot() {
    in_chroot timeout 300 apt-get -y -o Dpkg::Use-Pty=0 --no-install-recommends "$@"
}

main_pid() {
    local pid
    pid=$(cat "$ROOT/run/fake-systemd/hostup-routed.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# deb_teardown: stops what this script started (by PID): the sampler, the service in the chroot, the notify
# listener; deletes the chroot copy. Runs before hr_teardown, which deletes the namespaces.
deb_teardown() {
    [ -n "$SAMPLER_PID" ] && hr_stop_pid "$SAMPLER_PID" TERM
    if [ -n "$ROOT" ]; then
        local pid
        pid=$(main_pid) && hr_stop_pid "$pid" TERM
        [ -n "$NOTIFY_PID" ] && hr_stop_pid "$NOTIFY_PID" TERM
        rm -rf -- "$ROOT"
    fi
}

# ensure_base: the cached pristine chroot; created with debootstrap (about 30 s to 3 min) when missing.
ensure_base() {
    [ -x "$BASE/usr/bin/apt-get" ] && return 0
    mkdir -p "$CACHE_DIR"
    rm -rf -- "$BASE".tmp.* # left by an interrupted debootstrap
    local tmp=$BASE.tmp.$$
    hr_log "debootstrap --variant=minbase bookworm into $BASE (cached for later runs)"
    if ! debootstrap --variant=minbase bookworm "$tmp" "$MIRROR" >"$HR_WORK/debootstrap.log" 2>&1; then
        tail -n 20 "$HR_WORK/debootstrap.log" >&2
        rm -rf -- "$tmp"
        return 1
    fi
    mv "$tmp" "$BASE"
}

# repack DEB VERSION OUT: the same package with another version (the upgrade's "new build").
repack() {
    local dir=$HR_WORK/repack
    rm -rf "$dir"
    dpkg-deb -R "$1" "$dir" || return 1
    sed -i "s/^Version: .*/Version: $2/" "$dir/DEBIAN/control"
    dpkg-deb --root-owner-group -b "$dir" "$3" >/dev/null
}

# --- cases -----------------------------------------------------------------------------------------------------

case_lintian() {
    local out status
    out=$(lintian --fail-on error,warning --display-info --info "$DEB" 2>&1)
    status=$?
    if [ -n "$out" ]; then
        printf '%s\n' "$out" | sed 's/^/#   lintian: /'
    fi
    [ "$status" = 0 ] || {
        fail "lintian exit $status"
        return 1
    }
}

case_contents() {
    local listing path depends
    listing=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|')
    for path in /usr/bin/hostup-routed /usr/lib/systemd/system/hostup-routed.service /etc/hostup-routed/config.toml \
        /usr/lib/systemd/catalog/hostup-routed.catalog /etc/iproute2/rt_protos.d/hostup-routed.conf \
        /usr/share/man/man8/hostup-routed.8.gz /usr/share/bash-completion/completions/hostup-routed \
        /usr/share/zsh/vendor-completions/_hostup-routed /usr/share/doc/hostup-routed/copyright \
        /usr/share/doc/hostup-routed/changelog.gz /var/lib/prometheus/node-exporter/hostup-routed.prom; do
        grep -qxF "$path" <<<"$listing" || {
            fail "$path is not in the package"
            return 1
        }
    done
    local conffiles
    conffiles=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)
    for path in /etc/hostup-routed/config.toml /etc/iproute2/rt_protos.d/hostup-routed.conf; do
        grep -qxF "$path" <<<"$conffiles" || {
            fail "$path is not a conffile"
            return 1
        }
    done
    grep -q '^/etc/hostup-routed/token$' <<<"$listing$conffiles" && {
        fail "the package ships a token file"
        return 1
    }
    depends=$(dpkg-deb -f "$DEB" Depends)
    for path in libc6 libmnl0 libsystemd0 ca-certificates; do
        grep -qE "(^|, )$path( |,|$)" <<<"$depends" || {
            fail "Depends: lacks $path: $depends"
            return 1
        }
    done
    if grep -qi swift <<<"$depends"; then
        fail "Depends: names a Swift package: $depends"
        return 1
    fi
    if [ "$(dpkg-deb -f "$DEB" Section)" != net ] || [ "$(dpkg-deb -f "$DEB" Priority)" != optional ] ||
        [ -z "$(dpkg-deb -f "$DEB" Homepage)" ]; then
        fail "Section/Priority/Homepage: $(dpkg-deb -f "$DEB" Section Priority Homepage | paste -sd' ')"
        return 1
    fi
    dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/bin/hostup-routed >"$HR_WORK/binary"
    if readelf -S "$HR_WORK/binary" | grep -q '\.symtab\|\.debug_info'; then
        fail "/usr/bin/hostup-routed is not stripped"
        return 1
    fi
}

case_install() {
    hr_snapshot "$HR_VPS" >"$HR_WORK/before-install"
    apt_in_chroot install "/tmp/$(basename "$DEB")" || {
        fail "apt-get install ./$(basename "$DEB") failed"
        return 1
    }
    # shellcheck disable=SC2016 # ${Status} is dpkg-query's
    [ "$(chroot_output dpkg-query -W -f '${Status}' hostup-routed)" = "install ok installed" ] || {
        fail "dpkg does not list hostup-routed as installed"
        return 1
    }
    [ -L "$ROOT/etc/systemd/system/multi-user.target.wants/hostup-routed.service" ] || {
        fail "the service is not enabled (no multi-user.target.wants link)"
        return 1
    }
    grep -qx 'start hostup-routed.service' "$ROOT/run/fake-systemd/calls" || {
        fail "the maintainer scripts did not start the service (systemctl calls: $(paste -sd';' "$ROOT/run/fake-systemd/calls"))"
        return 1
    }
    # No token yet: the service keeps running, says why it waits, and changes nothing.
    if ! hr_wait 10 grep -q 'STATUS=waiting for API token' "$HR_WORK/notify.log"; then
        fail "no STATUS=waiting for API token within 10 s (notifications: $(jq -r .msg "$HR_WORK/notify.log" 2>/dev/null | paste -sd'|'))"
        return 1
    fi
    grep -q 'READY=1' "$HR_WORK/notify.log" || {
        fail "no READY=1 while waiting for the token (systemctl start would block until TimeoutStartSec)"
        return 1
    }
    sleep 2
    main_pid >/dev/null || {
        fail "the service exited without a token"
        return 1
    }
    hr_snapshot "$HR_VPS" >"$HR_WORK/after-install"
    diff -u "$HR_WORK/before-install" "$HR_WORK/after-install" >"$HR_WORK/install.diff" || {
        fail "the kernel changed while waiting for the token: $(paste -sd' ' "$HR_WORK/install.diff")"
        return 1
    }
}

case_runs() {
    if [ -e "$ROOT/usr/bin/swift" ] || ls "$ROOT"/usr/lib/swift >/dev/null 2>&1; then
        fail "the chroot has a Swift toolchain"
        return 1
    fi
    in_chroot hostup-routed --version || {
        fail "hostup-routed --version failed"
        return 1
    }
    [ "$(cat "$HR_WORK/cmd.log")" = "$VERSION" ] || {
        fail "--version printed '$(cat "$HR_WORK/cmd.log")', not $VERSION"
        return 1
    }
    in_chroot ldd /usr/bin/hostup-routed || {
        fail "ldd failed"
        return 1
    }
    if grep -q 'not found' "$HR_WORK/cmd.log" || grep -qi swift "$HR_WORK/cmd.log"; then
        fail "ldd: $(paste -sd' ' "$HR_WORK/cmd.log")"
        return 1
    fi
    # The admin's token and config.
    printf '%s\n' "$TOKEN_CONTENT" >"$ROOT/etc/hostup-routed/token"
    chmod 0600 "$ROOT/etc/hostup-routed/token"
    cat >>"$ROOT/etc/hostup-routed/config.toml" <<EOF

# added by the admin (scripts/test-deb.sh)
api_url = "$HR_API_URL"
vps_id = "$HR_VPS_ID"
poll_interval = "1s"
uplink = "eth0"
EOF
    cp "$ROOT/etc/hostup-routed/config.toml" "$HR_WORK/admin-config.toml"
    in_chroot env HOSTUP_ROUTED_TOKEN_FILE=/etc/hostup-routed/token hostup-routed check-config || {
        fail "check-config failed"
        return 1
    }
    grep -q "api_url *= *$HR_API_URL" "$HR_WORK/cmd.log" || {
        fail "check-config did not read the admin's config"
        return 1
    }
}

routes_applied() {
    ip -n "$HR_VPS" -6 addr show dev lo to "$P1_HOST/128" | grep -q inet6 &&
        ip -n "$HR_VPS" -6 route show table local "$P1" proto 201 | grep -q . &&
        ip -n "$HR_VPS" -6 route show "$P1" proto 201 | grep -q unreachable
}

case_token() {
    in_chroot systemctl restart hostup-routed.service || {
        fail "systemctl restart failed"
        return 1
    }
    hr_wait 15 routes_applied || {
        fail "the route was not applied within 15 s of the restart with a token"
        return 1
    }
}

# sampler: checks the address and both routes until $HR_WORK/sampler.stop appears (at most 4000 rounds of three
# `ip` calls, about a minute); every absence is a line in $HR_WORK/gaps, the number of rounds in $HR_WORK/rounds.
sampler() {
    local rounds=0
    : >"$HR_WORK/gaps"
    while [ ! -e "$HR_WORK/sampler.stop" ] && [ "$rounds" -lt 4000 ]; do
        ip -n "$HR_VPS" -6 addr show dev lo to "$P1_HOST/128" | grep -q inet6 ||
            echo "$(date +%T.%N) address $P1_HOST/128 absent" >>"$HR_WORK/gaps"
        ip -n "$HR_VPS" -6 route show table local "$P1" proto 201 | grep -q . ||
            echo "$(date +%T.%N) local route $P1 absent" >>"$HR_WORK/gaps"
        ip -n "$HR_VPS" -6 route show "$P1" proto 201 | grep -q unreachable ||
            echo "$(date +%T.%N) unreachable route $P1 absent" >>"$HR_WORK/gaps"
        rounds=$((rounds + 1))
    done
    echo "$rounds" >"$HR_WORK/rounds"
}

case_upgrade() {
    local old_pid new_pid calls_before
    old_pid=$(main_pid) || {
        fail "the service is not running before the upgrade"
        return 1
    }
    calls_before=$(wc -l <"$ROOT/run/fake-systemd/calls")
    rm -f "$HR_WORK/sampler.stop"
    sampler &
    SAMPLER_PID=$!
    sleep 0.5
    apt_in_chroot install "/tmp/$(basename "$NEW_DEB")"
    local status=$?
    sleep 2 # the new process runs a reconcile and a poll or two
    touch "$HR_WORK/sampler.stop"
    wait "$SAMPLER_PID"
    SAMPLER_PID=
    [ "$status" = 0 ] || {
        fail "apt-get install ./$(basename "$NEW_DEB") failed"
        return 1
    }
    hr_log "upgrade: $(cat "$HR_WORK/rounds") samples, systemctl calls:" \
        "$(tail -n +"$((calls_before + 1))" "$ROOT/run/fake-systemd/calls" | paste -sd';')"
    [ "$(cat "$HR_WORK/rounds")" -ge 20 ] || {
        fail "only $(cat "$HR_WORK/rounds") samples during the upgrade"
        return 1
    }
    [ ! -s "$HR_WORK/gaps" ] || {
        fail "absent during the upgrade: $(head -n 3 "$HR_WORK/gaps" | paste -sd';')"
        return 1
    }
    tail -n +"$((calls_before + 1))" "$ROOT/run/fake-systemd/calls" >"$HR_WORK/upgrade-calls"
    grep -qx 'restart hostup-routed.service' "$HR_WORK/upgrade-calls" || {
        fail "the upgrade did not restart the service"
        return 1
    }
    grep -qx 'stop hostup-routed.service' "$HR_WORK/upgrade-calls" && {
        fail "the upgrade stopped the service before unpacking"
        return 1
    }
    new_pid=$(main_pid) || {
        fail "the service is not running after the upgrade"
        return 1
    }
    [ "$new_pid" != "$old_pid" ] || {
        fail "the service was not restarted (same PID $old_pid)"
        return 1
    }
    [ "$(readlink "/proc/$new_pid/exe")" = "$ROOT/usr/bin/hostup-routed" ] || {
        fail "the running binary is $(readlink "/proc/$new_pid/exe"), not the upgraded /usr/bin/hostup-routed"
        return 1
    }
    # shellcheck disable=SC2016 # ${Version} is dpkg-query's
    [ "$(chroot_output dpkg-query -W -f '${Version}' hostup-routed)" = "$NEW_VERSION" ] || {
        fail "the installed version is not $NEW_VERSION"
        return 1
    }
    [ "$(cat "$ROOT/etc/hostup-routed/token")" = "$TOKEN_CONTENT" ] || {
        fail "the admin's token file changed"
        return 1
    }
    cmp -s "$ROOT/etc/hostup-routed/config.toml" "$HR_WORK/admin-config.toml" || {
        fail "the admin's config.toml changed"
        return 1
    }
    if ls "$ROOT"/etc/hostup-routed/*.dpkg-* >/dev/null 2>&1; then
        fail "conffile leftovers: $(ls "$ROOT"/etc/hostup-routed/)"
        return 1
    fi
}

case_adopt() {
    ip -n "$HR_VPS" -6 addr del "$P1_HOST/128" dev lo || {
        fail "could not delete $P1_HOST by hand"
        return 1
    }
    hr_wait 5 routes_applied || {
        fail "the new process did not restore $P1_HOST/128 within 5 s"
        return 1
    }
    # Exactly one of each: the new process adopted the objects instead of adding its own.
    [ "$(ip -n "$HR_VPS" -6 route show table all proto 201 | grep -c "$P1")" = 2 ] || {
        fail "routes for $P1: $(ip -n "$HR_VPS" -6 route show table all proto 201 | paste -sd';')"
        return 1
    }
}

case_remove() {
    local calls_before
    calls_before=$(wc -l <"$ROOT/run/fake-systemd/calls")
    apt_in_chroot remove hostup-routed || {
        fail "apt-get remove failed"
        return 1
    }
    tail -n +"$((calls_before + 1))" "$ROOT/run/fake-systemd/calls" | grep -qx 'stop hostup-routed.service' || {
        fail "remove did not stop the service"
        return 1
    }
    main_pid >/dev/null && {
        fail "the service still runs after remove"
        return 1
    }
    routes_applied || {
        fail "remove changed the kernel: the address or a route is gone"
        return 1
    }
    local path
    for path in /usr/bin/hostup-routed /usr/lib/systemd/system/hostup-routed.service; do
        [ ! -e "$ROOT$path" ] || {
            fail "$path remains after remove"
            return 1
        }
    done
    for path in /etc/hostup-routed/config.toml /etc/hostup-routed/token /etc/iproute2/rt_protos.d/hostup-routed.conf \
        /var/lib/hostup-routed/state.json; do
        [ -e "$ROOT$path" ] || {
            fail "$path is gone after remove"
            return 1
        }
    done
}

case_purge() {
    apt_in_chroot purge hostup-routed || {
        fail "apt-get purge failed"
        return 1
    }
    if ip -n "$HR_VPS" -6 route show table all proto 201 | grep -q . ||
        ip -n "$HR_VPS" -6 addr show dev lo to "$P1_HOST/128" | grep -q inet6; then
        fail "purge left the agent's objects: $(ip -n "$HR_VPS" -6 route show table all proto 201 | paste -sd';')"
        return 1
    fi
    local path
    for path in /etc/hostup-routed/config.toml /etc/iproute2/rt_protos.d/hostup-routed.conf /var/lib/hostup-routed \
        /var/lib/private/hostup-routed /var/lib/hostup-routed-purge \
        /etc/systemd/system/multi-user.target.wants/hostup-routed.service; do
        if [ -e "$ROOT$path" ] || [ -L "$ROOT$path" ]; then
            fail "$path remains after purge"
            return 1
        fi
    done
    [ "$(cat "$ROOT/etc/hostup-routed/token" 2>/dev/null)" = "$TOKEN_CONTENT" ] || {
        fail "purge removed or changed the admin's token"
        return 1
    }
    [ "$(ls -A "$ROOT/etc/hostup-routed")" = token ] || {
        fail "/etc/hostup-routed holds more than the admin's token: $(ls -A "$ROOT/etc/hostup-routed" | paste -sd' ')"
        return 1
    }
    local status
    # shellcheck disable=SC2016 # ${db:Status-Abbrev} is dpkg-query's
    status=$(chroot_output dpkg-query -W -f '${db:Status-Abbrev}' hostup-routed)
    if grep -q '^ii\|^rc' <<<"$status"; then
        fail "dpkg still lists hostup-routed: $status"
        return 1
    fi
}

# --- main ------------------------------------------------------------------------------------------------------

if reason=$(hr_unavailable); then
    echo "skipped: $reason" >&2
    exit 77
fi
for tool in debootstrap lintian dpkg-deb dpkg-buildpackage python3 unshare readelf; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: '$tool' is not installed (apt-get install debootstrap lintian dpkg-dev debhelper fakeroot python3 binutils)" >&2
        exit 77
    fi
done
hr_resolve_bin || exit 1
hr_setup_traps
trap 'deb_teardown; hr_teardown' EXIT

if [ -z "${DEB:-}" ]; then
    DEB=$("$HR_REPO/packaging/build-deb" | tail -n 1) || {
        echo "packaging/build-deb failed" >&2
        exit 1
    }
fi
DEB=$(realpath "$DEB")
VERSION=$(dpkg-deb -f "$DEB" Version)
NEW_VERSION=$VERSION+upgradetest1
NEW_DEB=$HR_WORK/hostup-routed_${NEW_VERSION}_$(dpkg-deb -f "$DEB" Architecture).deb
repack "$DEB" "$NEW_VERSION" "$NEW_DEB" || exit 1
hr_log "package $DEB (version $VERSION); upgrade to $NEW_VERSION"

run_case "lintian" case_lintian
run_case "contents" case_contents

ensure_base || exit 1
ROOT=$(mktemp -d "$CACHE_DIR/run.XXXXXX")
cp -a "$BASE/." "$ROOT/"
install -m 0755 "$HR_LIB_DIR/deb-fake-systemctl.sh" "$ROOT/usr/bin/systemctl"
mkdir -p "$ROOT/run/systemd/system"
cp "$DEB" "$NEW_DEB" "$ROOT/tmp/"
# The dependencies, downloaded through the host's network into the chroot's apt cache; a stale cached index is
# refreshed once.
if ! in_chroot_host_net apt-get -y --no-install-recommends --download-only install "/tmp/$(basename "$DEB")"; then
    in_chroot_host_net apt-get update &&
        in_chroot_host_net apt-get -y --no-install-recommends --download-only install "/tmp/$(basename "$DEB")" || {
        cat "$HR_WORK/cmd.log" >&2
        exit 1
    }
fi

hr_topology_up || exit 1
hr_sim_start || exit 1
hr_create_route "$P1" web >/dev/null || exit 1
NOTIFY_LOG=$HR_WORK/notify.log
: >"$NOTIFY_LOG"
python3 "$HR_LIB_DIR/notify-listener.py" "$ROOT/run/hostup-routed-notify.sock" "$NOTIFY_LOG" &
NOTIFY_PID=$!
hr_wait 5 test -S "$ROOT/run/hostup-routed-notify.sock" || exit 1

run_case "install" case_install
run_case "runs" case_runs
run_case "token" case_token
run_case "upgrade" case_upgrade
run_case "adopt" case_adopt
run_case "remove" case_remove
run_case "purge" case_purge

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
