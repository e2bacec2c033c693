#!/usr/bin/env bash
# test-boot.sh: the packaged unit under a real, booted systemd. Needs root, systemd-container (systemd-nspawn),
# debootstrap, dpkg-dev, util-linux (nsenter, unshare), iproute2 and jq; builds the package with packaging/build-deb
# unless DEB is given.
#
#   sudo scripts/test-boot.sh                        # builds the package with packaging/build-deb first
#   sudo DEB=out/hostup-routed_0.1.0_amd64.deb scripts/test-boot.sh
#
# A copy of a cached Debian 12 root (`debootstrap --variant=minbase bookworm` + systemd, systemd-sysv, dbus and the
# package's dependencies) gets the .deb installed (apt-get in a chroot, before boot: the unit is enabled, not started),
# a config whose api_url is an unreachable HTTPS host, a token, and a state.json holding one route, P1 (bound anyip:
# P1_HOST/128 on lo and `local P1 dev lo table local`). Two consumer units are enabled, both
# Wants=/After=network-online.target: routed-addr-check.service (oneshot) succeeds only if P1_HOST is in
# /proc/net/if_inet6 when it starts, routed-listener.service keeps a socket bound on [P1_HOST]:8080. Then the root is
# booted with `systemd-nspawn --boot --private-network` (its own network namespace: nothing of the host's network is
# touched) and commands run in it through `nsenter -t <the container's PID 1> -a`.
#
#   boot       the boot finishes (`systemctl is-system-running` says running, PID 1 logged no ordering cycle);
#              hostup-routed.service is active and READY came within 10 s of its start, with the API unreachable
#              (from the state file: the kernel holds P1_HOST/128 on lo, the local route and the unreachable route);
#              both consumers are active and started after hostup-routed was ready; the listener's socket is bound
#   restart    `systemctl restart hostup-routed` twelve times, 3 s apart (more than the default start limit of 5
#              starts in 10 s would allow in a burst): each exits 0, leaves the unit active with a new main PID, and
#              the address is there after each
#   status     `systemctl status hostup-routed` shows the agent's STATUS= line: degraded, 1 route on lo (applied), the last
#              error (within 40 s of the last restart: the first request waits up to a poll interval)
#   metrics    the metrics textfile in /run/hostup-routed-metrics has mode 0644 and user nobody reads it through the package's
#              link /var/lib/prometheus/node-exporter/hostup-routed.prom: 1 route applied, api-transport errors counted
#   journal    `journalctl -u hostup-routed -o json` has the agent's structured entries: state-restored, api-error
#              and route-applied by MESSAGE_ID, each with SYSLOG_IDENTIFIER, PRIORITY and CODE_FILE/CODE_LINE/CODE_FUNC,
#              route-applied with HOSTUP_VPS_ID, HOSTUP_ROUTE_ID and HOSTUP_PREFIX; `journalctl -x` adds the catalog's
#              text; no libdispatch "Failed to set thread priority" line
#   verify     `systemd-analyze verify` in the booted container (the installed unit, enabled as the package enables
#              it): the unit and a consumer ordered After=network-online.target have no ordering cycle, and a
#              consumer ordered Before=hostup-routed.service and After=network-online.target is reported as one
#              (the check can fail)
#   shutdown   `systemctl stop hostup-routed` exits 0 and the kernel keeps P1's objects; the container powers off
#              within 30 s; nothing of it is left running or mounted; the host's IPv6 addresses, routes, links and
#              forwarding/nonlocal-bind sysctls are as before
#
# The pristine root is cached in $HR_BOOT_CACHE_DIR/bookworm-systemd (default /var/cache/hostup-routed-test; creating
# it takes about 2 minutes and needs Debian's mirror) and copied for each run; a warm run takes about a minute plus
# the package build. Every run's copy, the container and its processes are removed on exit, also on failure.
#
# Prints `ok - NAME` / `not ok - NAME: WHY` per case and `N passed, M failed`; exits 1 when a case failed, 77 when it
# cannot run here (not root, a tool missing).
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

CACHE_DIR=${HR_BOOT_CACHE_DIR:-/var/cache/hostup-routed-test}
BASE=$CACHE_DIR/bookworm-systemd
MIRROR=http://deb.debian.org/debian
# What the cached root gets besides minbase: a booting systemd, and the package's dependencies (so that a run
# installs the .deb without downloading; a dependency added later is downloaded into the copy).
BASE_PACKAGES="systemd systemd-sysv dbus libmnl0 ca-certificates"
P1=2001:db8:1000:1::/64
P1_HOST=2001:db8:1000:1::1
P1_IF_INET6=20010db8100000010000000000000001 # P1_HOST as /proc/net/if_inet6 writes it
P1_ID=rt_01hxboottest00000000000001
LISTEN_PORT=8080
# An HTTPS API that cannot be reached: an address of the documentation prefix, outside P1. The container has only lo
# (--private-network), so connecting fails at once.
API_URL="https://[2001:db8:ffff::443]"
VPS_ID=$HR_VPS_ID
RESTARTS=12
RESTART_GAP=3
BOOT_TIMEOUT=90

ROOT=
NSPAWN_PID=
CT_PID=
NSPAWN_DIR_EXISTED=1

# The MESSAGE_IDs, read from the code so the test follows it.
message_id() {
    sed -n "s/.*static let $1 = JournalMessageID(rawValue: \"\([0-9a-f]\{32\}\)\").*/\1/p" \
        "$HR_REPO/Sources/SystemdIntegration/JournalMessageID.swift"
}
# shellcheck disable=SC2034 # STATE_RESTORED_ID and API_ERROR_ID are read as ${!id} in case_journal
STATE_RESTORED_ID=$(message_id stateRestored) API_ERROR_ID=$(message_id apiError)
ROUTE_APPLIED_ID=$(message_id routeApplied)

# diagnostics: the container's view (failed units, the agent's journal) and the last command's output, as `#` lines.
diagnostics() {
    if ct_alive; then
        in_ct systemctl --no-pager --failed >"$HR_WORK/diag.failed" 2>&1
        hr_show_tail "failed units" "$HR_WORK/diag.failed" 8
        in_ct journalctl --no-pager -u hostup-routed -n 12 >"$HR_WORK/diag.journal" 2>&1
        hr_show_tail "journalctl -u hostup-routed (tail)" "$HR_WORK/diag.journal" 12
    else
        hr_show_tail "systemd-nspawn (tail)" "$HR_WORK/nspawn.log" 12
    fi
    hr_show_tail "last command (tail)" "$HR_WORK/cmd.log" 8
}

# --- the root, before boot -------------------------------------------------------------------------------------

# in_root [--net] COMMAND...: runs COMMAND chrooted in $ROOT with /proc mounted in a private mount namespace and a
# clean environment; output to $HR_WORK/cmd.log. Without --net it also gets a fresh network namespace of its own
# (nothing a maintainer script does can reach the host's network); --net keeps the host's, for downloads only.
in_root() {
    local net=--net
    if [ "$1" = --net ]; then
        net=
        shift
    fi
    # shellcheck disable=SC2086,SC2016 # $net is one option or nothing; $0 and $@ are the inner sh's
    unshare --mount --propagation private $net \
        sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" \
        >"$HR_WORK/cmd.log" 2>&1
}

# ensure_base: the cached pristine root; created when missing (debootstrap about 1.5 min, apt-get about 30 s).
ensure_base() {
    [ -x "$BASE/lib/systemd/systemd" ] && [ -x "$BASE/usr/bin/apt-get" ] && return 0
    mkdir -p "$CACHE_DIR"
    rm -rf -- "$BASE".tmp.* # left by an interrupted run
    local tmp=$BASE.tmp.$$ start=$SECONDS
    hr_log "debootstrap --variant=minbase bookworm into $BASE, then $BASE_PACKAGES (cached for later runs)"
    if ! debootstrap --variant=minbase bookworm "$tmp" "$MIRROR" >"$HR_WORK/debootstrap.log" 2>&1; then
        tail -n 20 "$HR_WORK/debootstrap.log" >&2
        rm -rf -- "$tmp"
        return 1
    fi
    local saved_root=$ROOT
    ROOT=$tmp
    # shellcheck disable=SC2086 # a list of package names
    if ! in_root --net apt-get -y -o Dpkg::Use-Pty=0 --no-install-recommends install $BASE_PACKAGES ||
        ! in_root apt-get clean; then
        cat "$HR_WORK/cmd.log" >&2
        ROOT=$saved_root
        rm -rf -- "$tmp"
        return 1
    fi
    ROOT=$saved_root
    mv "$tmp" "$BASE"
    hr_log "cached $BASE in $((SECONDS - start)) s"
}

# install_package: apt-get install ./the.deb in the copy (dependencies that the cache lacks are downloaded first,
# through the host's network; the installation itself runs without network). No systemd runs in the chroot, so the
# maintainer scripts enable the unit and do not start it.
install_package() {
    local deb
    deb=/tmp/$(basename "$DEB")
    cp "$DEB" "$ROOT$deb"
    if ! in_root --net apt-get -y --no-install-recommends --download-only install "$deb"; then
        # A stale package index in the cache is refreshed once.
        if ! in_root --net apt-get update ||
            ! in_root --net apt-get -y --no-install-recommends --download-only install "$deb"; then
            cat "$HR_WORK/cmd.log" >&2
            return 1
        fi
    fi
    in_root apt-get -y -o Dpkg::Use-Pty=0 --no-install-recommends install "$deb" || {
        cat "$HR_WORK/cmd.log" >&2
        return 1
    }
    rm -f "$ROOT$deb"
    in_root apt-get clean
    [ -L "$ROOT/etc/systemd/system/multi-user.target.wants/hostup-routed.service" ] || {
        echo "the package did not enable hostup-routed.service" >&2
        return 1
    }
}

# configure: the admin's config, token and a state file with P1 (the last valid state, applied at boot since the
# API cannot be reached), as PersistedState (Sources/RoutingAgent/PersistedState.swift) encodes it.
configure() {
    cat >>"$ROOT/etc/hostup-routed/config.toml" <<EOF

# added by the admin (scripts/test-boot.sh)
api_url = "$API_URL"
vps_id = "$VPS_ID"
EOF
    install -m 0600 /dev/null "$ROOT/etc/hostup-routed/token"
    echo "hr-boot-test-token" >"$ROOT/etc/hostup-routed/token"
    # DynamicUser=yes + StateDirectory=hostup-routed: the real directory is /var/lib/private/hostup-routed (systemd
    # keeps /var/lib/private at 0700 root and links /var/lib/hostup-routed to it). Made here by root, as a restore
    # from backup would; at start systemd chowns it recursively to the dynamic user and applies StateDirectoryMode.
    local dir=$ROOT/var/lib/private/hostup-routed now
    install -d -m 0700 "$ROOT/var/lib/private" "$dir"
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    # A state file as 0.1.0 wrote it: lastSync, steps, refusals and the like are now runtime status (status.json
    # under RuntimeDirectory=, gone at reboot) and are ignored here, so the status line says "never synced" until
    # the API answers after this boot.
    cat >"$dir/state.json" <<EOF
{
  "lastAttempt" : "$now",
  "lastStepEnd" : "$now",
  "lastSync" : "$now",
  "ownership" : {
    "addresses" : [

    ]
  },
  "refusals" : [

  ],
  "routes" : [
    {
      "id" : "$P1_ID",
      "label" : "web",
      "prefix" : "$P1"
    }
  ],
  "savedSysctls" : [

  ],
  "steps" : 1,
  "version" : 1,
  "vpsID" : "$VPS_ID"
}
EOF
    chmod 0600 "$dir/state.json"
}

# add_consumers: two services that need the routed address at start, ordered as the README tells users to order
# theirs (After=/Wants=network-online.target), enabled for multi-user.target.
add_consumers() {
    local dir=$ROOT/etc/systemd/system
    cat >"$dir/routed-addr-check.service" <<EOF
[Unit]
Description=needs $P1_HOST in the kernel when it starts (scripts/test-boot.sh)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'grep -q "^$P1_IF_INET6 " /proc/net/if_inet6'

[Install]
WantedBy=multi-user.target
EOF
    cat >"$dir/routed-listener.service" <<EOF
[Unit]
Description=listens on [$P1_HOST]:$LISTEN_PORT from its start (scripts/test-boot.sh)
Wants=network-online.target
After=network-online.target

[Service]
# Binds at once, and runs /bin/cat on the socket only when a connection comes; fails if the bind fails.
ExecStart=/usr/bin/systemd-socket-activate -l [$P1_HOST]:$LISTEN_PORT /bin/cat

[Install]
WantedBy=multi-user.target
EOF
    local unit
    for unit in routed-addr-check routed-listener; do
        ln -s "/etc/systemd/system/$unit.service" "$dir/multi-user.target.wants/$unit.service"
    done
    # Not enabled, not in the unit path: only `systemd-analyze verify` loads it (the verify case).
    mkdir -p "$ROOT/root/cyclic"
    cat >"$ROOT/root/cyclic/routed-cyclic.service" <<EOF
[Unit]
Description=deliberately cyclic: before hostup-routed, after network-online.target, which hostup-routed precedes
Wants=network-online.target
After=network-online.target
Before=hostup-routed.service

[Service]
Type=oneshot
ExecStart=/bin/true
EOF
}

# --- the container ---------------------------------------------------------------------------------------------

pid_gone() {
    ! kill -0 "$1" 2>/dev/null
}

ct_alive() {
    [ -n "$CT_PID" ] && kill -0 "$CT_PID" 2>/dev/null
}

# in_ct COMMAND...: runs COMMAND in every namespace of the container, with a clean environment.
in_ct() {
    nsenter -t "$CT_PID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 \
        "$@"
}

# in_ct_net COMMAND...: runs the host's COMMAND (ip, ss) in the container's network namespace only.
in_ct_net() {
    nsenter -t "$CT_PID" -n "$@"
}

# prop UNIT PROPERTY: one property's value (`systemctl show --value`).
prop() {
    in_ct systemctl show --value -p "$2" "$1" 2>/dev/null
}

# find_ct_pid: the container's PID 1, systemd, a child of systemd-nspawn.
find_ct_pid() {
    local pid
    kill -0 "$NSPAWN_PID" 2>/dev/null || return 1
    # shellcheck disable=SC2013 # the children files hold PIDs separated by spaces
    for pid in $(cat /proc/"$NSPAWN_PID"/task/*/children 2>/dev/null); do
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ]; then
            CT_PID=$pid
            return 0
        fi
    done
    return 1
}

boot() {
    [ -d /run/systemd/nspawn ] || NSPAWN_DIR_EXISTED=0
    # --register=no --keep-unit: no machined or system bus on the host; --console=passive: a background container
    # keeps running (otherwise it shuts down).
    systemd-nspawn -D "$ROOT" --boot --register=no --keep-unit --private-network --console=passive \
        >"$HR_WORK/nspawn.log" 2>&1 </dev/null &
    NSPAWN_PID=$!
    if ! hr_wait 30 find_ct_pid; then
        echo "systemd-nspawn did not start the container's systemd within 30 s:" >&2
        tail -n 20 "$HR_WORK/nspawn.log" >&2
        return 1
    fi
    local start=$SECONDS
    # systemctl talks to PID 1 through /run/systemd/private, there a moment after PID 1 exists; then wait for the
    # boot's jobs to finish.
    hr_wait 20 in_ct test -S /run/systemd/private || {
        echo "the container's systemd did not open /run/systemd/private within 20 s" >&2
        return 1
    }
    BOOT_STATE=$(in_ct timeout "$BOOT_TIMEOUT" systemctl is-system-running --wait 2>&1)
    hr_log "container PID 1 is $CT_PID; boot: $BOOT_STATE after $((SECONDS - start)) s"
}

# stop_ct SECONDS: asks the container to power off (SIGTERM to systemd-nspawn makes it send the container's systemd
# SIGRTMIN+3), waits up to SECONDS, then kills what is left. Returns 1 when it had to kill.
stop_ct() {
    local limit=$1 status=0 i
    [ -n "$NSPAWN_PID" ] || return 0
    kill -TERM "$NSPAWN_PID" 2>/dev/null
    for i in $(seq $((limit * 10))); do
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        status=1
        kill -KILL "$NSPAWN_PID" 2>/dev/null
    fi
    wait "$NSPAWN_PID" 2>/dev/null
    NSPAWN_STATUS=$?
    # systemd-nspawn gone: its container's PID 1 (and with it the whole PID namespace) must be gone too.
    if ct_alive; then
        status=1
        kill -KILL "$CT_PID" 2>/dev/null
        hr_wait 5 pid_gone "$CT_PID"
    fi
    NSPAWN_PID=
    return "$status"
}

# leftovers: prints what of the run is still there (processes whose root is in $ROOT, mounts under $ROOT).
leftovers() {
    local proc
    for proc in /proc/[0-9]*; do
        case $(readlink "$proc/root" 2>/dev/null) in
        "$ROOT" | "$ROOT"/*) echo "process ${proc#/proc/} ($(cat "$proc/comm" 2>/dev/null))" ;;
        esac
    done
    grep -F " $ROOT" /proc/self/mountinfo | awk '{print "mount " $5}'
}

# host_network: the host namespace's IPv6 state, without lifetimes and counters.
host_network() {
    ip -j -6 addr | jq -S '[.[] | {ifname, addr: [.addr_info[] | {local, prefixlen, scope}]}]'
    ip -j -6 route show table all | jq -S 'map(del(.expires)) | sort_by(tostring)'
    ip -j link | jq -S '[.[] | {ifname, link_type}]'
    local name
    for name in conf/all/forwarding conf/default/forwarding ip_nonlocal_bind; do
        echo "net.ipv6.$name = $(cat "/proc/sys/net/ipv6/$name")"
    done
}

boot_teardown() {
    if [ -n "$NSPAWN_PID" ]; then
        stop_ct 20
    fi
    if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
        local left
        left=$(leftovers)
        if [ -n "$left" ]; then
            echo "# left over, not deleting $ROOT: $left" >&2
        else
            rm -rf -- "$ROOT"
        fi
    fi
    if [ "$NSPAWN_DIR_EXISTED" = 0 ]; then
        rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/locks /run/systemd/nspawn 2>/dev/null
    fi
}

# --- cases -----------------------------------------------------------------------------------------------------

kernel_holds_p1() {
    in_ct_net ip -6 addr show dev lo to "$P1_HOST/128" | grep -q inet6 &&
        in_ct_net ip -6 route show table local "$P1" proto 201 | grep -q '^local ' &&
        in_ct_net ip -6 route show "$P1" proto 201 | grep -q '^unreachable '
}

case_boot() {
    [ "$BOOT_STATE" = running ] || {
        fail "systemctl is-system-running --wait: $BOOT_STATE (failed: $(in_ct systemctl --failed --plain --no-legend | awk '{print $1}' | paste -sd' '))"
        return 1
    }
    local unit state
    for unit in hostup-routed routed-addr-check routed-listener; do
        state=$(prop "$unit.service" ActiveState)/$(prop "$unit.service" SubState)/$(prop "$unit.service" Result)
        case $unit:$state in
        hostup-routed:active/running/success | routed-listener:active/running/success) ;;
        routed-addr-check:active/exited/success) ;;
        *)
            fail "$unit.service is $state"
            return 1
            ;;
        esac
    done
    # READY=1 within 10 s of the start (the unit's promise), although the API cannot be reached.
    local started ready consumer_started
    started=$(prop hostup-routed.service ExecMainStartTimestampMonotonic)
    ready=$(prop hostup-routed.service ActiveEnterTimestampMonotonic)
    hr_log "hostup-routed: READY $(((ready - started) / 1000)) ms after its start; status: $(prop hostup-routed.service StatusText)"
    [ "$((ready - started))" -lt 10000000 ] || {
        fail "READY=1 came $(((ready - started) / 1000)) ms after the start, not within 10 s"
        return 1
    }
    for unit in routed-addr-check routed-listener; do
        consumer_started=$(prop "$unit.service" ExecMainStartTimestampMonotonic)
        [ "$consumer_started" -ge "$ready" ] || {
            fail "$unit.service started ($consumer_started µs) before hostup-routed was ready ($ready µs)"
            return 1
        }
    done
    # No ordering cycle anywhere in the boot's transaction (systemd breaks one by dropping a job, and says so).
    in_ct journalctl --no-pager -b _PID=1 >"$HR_WORK/pid1.log" 2>&1
    if grep -q 'ordering cycle' "$HR_WORK/pid1.log"; then
        fail "systemd found an ordering cycle at boot: $(grep -m3 'ordering cycle\|deleted to break' "$HR_WORK/pid1.log" | paste -sd' ')"
        return 1
    fi
    kernel_holds_p1 || {
        fail "the kernel lacks P1's objects: $(in_ct_net ip -6 addr show dev lo | grep inet6 | paste -sd';') / $(in_ct_net ip -6 route show table all proto 201 | paste -sd';')"
        return 1
    }
    in_ct_net ss -Hltn "src [$P1_HOST]:$LISTEN_PORT" | grep -q LISTEN || {
        fail "nothing listens on [$P1_HOST]:$LISTEN_PORT: $(in_ct_net ss -Hltn | paste -sd';')"
        return 1
    }
}

case_restart() {
    local i pid new_pid status failures=0 first='' start=$SECONDS
    pid=$(prop hostup-routed.service MainPID)
    for i in $(seq "$RESTARTS"); do
        [ "$i" = 1 ] || sleep "$RESTART_GAP"
        in_ct timeout 60 systemctl restart hostup-routed >"$HR_WORK/cmd.log" 2>&1
        status=$?
        new_pid=$(prop hostup-routed.service MainPID)
        local why=
        if [ "$status" != 0 ]; then
            why="restart $i exited $status: $(paste -sd' ' "$HR_WORK/cmd.log")"
        elif [ "$(in_ct systemctl is-active hostup-routed)" != active ]; then
            why="after restart $i the unit is $(in_ct systemctl is-active hostup-routed)"
        elif [ "$new_pid" = "$pid" ] || [ "$new_pid" = 0 ]; then
            why="restart $i: main PID $new_pid (was $pid)"
        elif ! kernel_holds_p1; then
            why="after restart $i the kernel lacks P1's objects"
        fi
        if [ -n "$why" ]; then
            failures=$((failures + 1))
            [ -n "$first" ] || first=$why
        fi
        pid=$new_pid
    done
    hr_log "$RESTARTS restarts in $((SECONDS - start)) s, $failures failed; NRestarts=$(prop hostup-routed.service NRestarts)"
    [ "$failures" = 0 ] || {
        fail "$failures of $RESTARTS restarts failed; first: $first"
        return 1
    }
}

case_status() {
    local line deadline=$((SECONDS + 40))
    # After the last restart the first request waits a random part of the poll interval (30 s ±10 %, so that a
    # region booting at once does not ask the API in one second), then fails: the API is unreachable. Until then
    # the line says it waits for the first API answer.
    while :; do
        in_ct systemctl status --no-pager --lines=0 hostup-routed >"$HR_WORK/cmd.log" 2>&1
        line=$(grep -m1 '^ *Status: ' "$HR_WORK/cmd.log")
        [[ "$line" == *'Status: "degraded'* ]] || [ "$SECONDS" -ge "$deadline" ] || { sleep 1; continue; }
        break
    done
    hr_log "systemctl status: ${line# *}"
    [ -n "$line" ] || {
        fail "systemctl status shows no Status: line"
        return 1
    }
    grep -qE '^ *Status: "degraded \(serving the last valid state\): 1 route on lo: 1 applied; never synced; last error: .+"$' \
        <<<"$line" || {
        fail "unexpected status line: $line"
        return 1
    }
}

# case_metrics: the unit (DynamicUser=, UMask=0077, ProtectSystem=strict) writes its metrics textfile into
# /run/hostup-routed-metrics (the package's tmpfiles.d and group) with mode 0644, and another unprivileged user, as
# node_exporter's `prometheus` user would, reads it through the package's link in /var/lib/prometheus/node-exporter:
# 1 route applied, the failed API requests counted as api-transport errors, and no sample with a timestamp.
case_metrics() {
    local link=/var/lib/prometheus/node-exporter/hostup-routed.prom file=/run/hostup-routed-metrics/hostup-routed.prom
    local mode text
    mode=$(in_ct stat -c %a "$file" 2>&1)
    [ "$mode" = 644 ] || { fail "$file: mode $mode, want 644"; return 1; }
    text=$(in_ct setpriv --reuid=65534 --regid=65534 --clear-groups cat "$link" 2>&1) || {
        fail "user nobody cannot read $link: $text ($(in_ct namei -l "$link" 2>&1 | paste -sd';'); $(in_ct namei -l "$file" 2>&1 | paste -sd';'))"
        return 1
    }
    hr_log "metrics: $(grep -E '^hostup_routed_(routes\{state="applied"\}|errors_total\{code="api-transport"\}) ' <<<"$text" | paste -sd';')"
    grep -qE '^hostup_routed_routes\{state="applied"\} 1(\.0)?$' <<<"$text" || { fail "not 1 route applied: $(paste -sd';' <<<"$text")"; return 1; }
    grep -qE '^hostup_routed_errors_total\{code="api-transport"\} [1-9][0-9]*$' <<<"$text" || { fail "no api-transport error counted"; return 1; }
    ! grep -vE '^#|^[a-z_]+(\{[^}]*\})? [^ ]+$' <<<"$text" | grep -q . || { fail "a sample line has a timestamp or is malformed"; return 1; }
}

case_journal() {
    in_ct journalctl --no-pager -u hostup-routed -o json >"$HR_WORK/journal.json" 2>"$HR_WORK/cmd.log" || {
        fail "journalctl -u hostup-routed -o json failed"
        return 1
    }
    local id name entries
    for name in STATE_RESTORED API_ERROR ROUTE_APPLIED; do
        id=${name}_ID
        id=${!id}
        [ -n "$id" ] || {
            fail "no MESSAGE_ID for $name in JournalMessageID.swift"
            return 1
        }
        entries=$(jq -c --arg id "$id" 'select(.MESSAGE_ID == $id)
            | select(.SYSLOG_IDENTIFIER == "hostup-routed" and (.PRIORITY | length) == 1
                and (.CODE_FILE | length) > 0 and (.CODE_LINE | length) > 0 and (.CODE_FUNC | length) > 0)' \
            "$HR_WORK/journal.json" | wc -l)
        [ "$entries" -gt 0 ] || {
            fail "no $name entry (MESSAGE_ID=$id) with SYSLOG_IDENTIFIER, PRIORITY and CODE_FILE/LINE/FUNC; MESSAGE_IDs seen: $(jq -r '.MESSAGE_ID // empty' "$HR_WORK/journal.json" | sort | uniq -c | paste -sd' ')"
            return 1
        }
    done
    # The route's own entry names it: this VPS, the route's id, its prefix.
    entries=$(jq -c --arg id "$ROUTE_APPLIED_ID" --arg vps "$VPS_ID" --arg route "$P1_ID" --arg prefix "$P1" \
        'select(.MESSAGE_ID == $id and .HOSTUP_VPS_ID == $vps and .HOSTUP_ROUTE_ID == $route
            and .HOSTUP_PREFIX == $prefix)' "$HR_WORK/journal.json" | wc -l)
    [ "$entries" -gt 0 ] || {
        fail "no route-applied entry with HOSTUP_VPS_ID=$VPS_ID, HOSTUP_ROUTE_ID=$P1_ID and HOSTUP_PREFIX=$P1"
        return 1
    }
    # libdispatch's "Failed to set thread priority for worker thread: pqc=... errno=13" (its setpriority(2) refused
    # in the unprivileged service) is not logged: the unit sets LIBDISPATCH_LOG=NO. Seen at every start before.
    entries=$(jq -r '.MESSAGE // empty' "$HR_WORK/journal.json" | grep -c 'Failed to set thread priority')
    [ "$entries" = 0 ] || {
        fail "$entries journal entries of the unit say 'Failed to set thread priority' (libdispatch)"
        return 1
    }
    hr_log "journal: $(wc -l <"$HR_WORK/journal.json") entries for the unit; one route-applied:" \
        "$(jq -c --arg id "$ROUTE_APPLIED_ID" 'select(.MESSAGE_ID == $id)
            | {MESSAGE, MESSAGE_ID, PRIORITY, CODE_FILE, CODE_LINE, CODE_FUNC, HOSTUP_VPS_ID, HOSTUP_ROUTE_ID, HOSTUP_PREFIX}' \
            "$HR_WORK/journal.json" | head -n 1)"
    # The package's catalog, compiled by systemd's dpkg trigger: -x shows its text under the entry.
    in_ct journalctl --no-pager -x -u hostup-routed "MESSAGE_ID=$ROUTE_APPLIED_ID" >"$HR_WORK/cmd.log" 2>&1
    local subject
    subject=$(grep -m1 -E '^(░░|--) Subject: ' "$HR_WORK/cmd.log")
    [ -n "$subject" ] || {
        fail "journalctl -x shows no catalog text for route-applied"
        return 1
    }
    hr_log "journalctl -x: $subject"
}

# verify_in_ct UNIT_PATH: `systemd-analyze verify` in the container; output in $HR_WORK/verify.log.
verify_in_ct() {
    in_ct systemd-analyze verify --man=no "$1" >"$HR_WORK/verify.log" 2>&1
}

case_verify() {
    local path
    for path in /usr/lib/systemd/system/hostup-routed.service /etc/systemd/system/routed-addr-check.service \
        /etc/systemd/system/routed-listener.service; do
        verify_in_ct "$path" || {
            fail "systemd-analyze verify $path exited $?: $(paste -sd' ' "$HR_WORK/verify.log")"
            return 1
        }
        if grep -q 'ordering cycle' "$HR_WORK/verify.log"; then
            fail "systemd-analyze verify $path reports an ordering cycle: $(paste -sd' ' "$HR_WORK/verify.log")"
            return 1
        fi
        [ ! -s "$HR_WORK/verify.log" ] || hr_log "verify $path: $(paste -sd' ' "$HR_WORK/verify.log")"
    done
    # The check can fail: a consumer ordered before hostup-routed and after network-online.target closes a cycle
    # with the unit's Before=network-online.target (the unit is enabled into network-online.target.wants).
    verify_in_ct /root/cyclic/routed-cyclic.service
    grep -q 'Found ordering cycle' "$HR_WORK/verify.log" || {
        fail "systemd-analyze verify did not report the deliberate cycle: $(paste -sd' ' "$HR_WORK/verify.log")"
        return 1
    }
    hr_log "deliberate cycle reported: $(grep -m1 'Found ordering cycle' "$HR_WORK/verify.log")"
}

# case_reload_typo: a typo appended to the config, then `systemctl reload`: the service stays active on its previous
# config and the journal names the file, line and key; `systemctl restart` with that file fails with exit 78, and
# systemd does not restart it in a loop (RestartPreventExitStatus=78). The good config is put back afterwards.
case_reload_typo() {
    local config=$ROOT/etc/hostup-routed/config.toml pid line status=0 since
    cp "$config" "$HR_WORK/config.good"
    pid=$(prop hostup-routed.service MainPID)
    printf '\n[[[x]]\n' >>"$config"
    line=$(wc -l <"$config")
    since=$(in_ct date '+%Y-%m-%d %H:%M:%S')
    if ! in_ct timeout 30 systemctl reload hostup-routed >"$HR_WORK/cmd.log" 2>&1; then
        fail "systemctl reload with a typo exited non-zero: $(paste -sd' ' "$HR_WORK/cmd.log")"; status=1
    fi
    sleep 2
    if [ "$status" = 0 ]; then
        if [ "$(in_ct systemctl is-active hostup-routed)" != active ] || [ "$(prop hostup-routed.service MainPID)" != "$pid" ]; then
            fail "after a reload with a typo the unit is $(in_ct systemctl is-active hostup-routed), main PID $(prop hostup-routed.service MainPID) (was $pid)"
            status=1
        elif ! in_ct journalctl -u hostup-routed --since "$since" -o cat | grep -q "/etc/hostup-routed/config.toml:$line: "; then
            fail "the journal does not name config.toml:$line: $(in_ct journalctl -u hostup-routed --since "$since" -o cat | tail -n 3 | paste -sd'|')"
            status=1
        elif ! kernel_holds_p1; then
            fail "after a reload with a typo the kernel lacks P1's objects"; status=1
        fi
    fi
    if [ "$status" = 0 ]; then
        in_ct timeout 60 systemctl restart hostup-routed >"$HR_WORK/cmd.log" 2>&1
        sleep 8 # RestartSec=5s: a restart loop would have started again by now
        local result restarts
        result=$(prop hostup-routed.service ActiveState)/$(prop hostup-routed.service ExecMainStatus)
        restarts=$(prop hostup-routed.service NRestarts)
        hr_log "restart with the typo: ActiveState/ExecMainStatus = $result, NRestarts=$restarts"
        [ "$result" = failed/78 ] || { fail "restart with a typo: ActiveState/ExecMainStatus = $result, want failed/78"; status=1; }
    fi
    cp "$HR_WORK/config.good" "$config"
    in_ct systemctl reset-failed hostup-routed >/dev/null 2>&1
    in_ct timeout 60 systemctl restart hostup-routed >"$HR_WORK/cmd.log" 2>&1 ||
        { [ "$status" != 0 ] || fail "restart with the good config back failed"; status=1; }
    return "$status"
}

case_shutdown() {
    # `systemctl stop`: the agent exits 0 on SIGTERM and leaves the kernel as it is.
    in_ct timeout 60 systemctl stop hostup-routed >"$HR_WORK/cmd.log" 2>&1 || {
        fail "systemctl stop hostup-routed failed"
        return 1
    }
    local result
    result=$(prop hostup-routed.service ActiveState)/$(prop hostup-routed.service Result)/$(prop hostup-routed.service ExecMainStatus)
    [ "$result" = inactive/success/0 ] || {
        fail "after systemctl stop: ActiveState/Result/ExecMainStatus = $result"
        return 1
    }
    kernel_holds_p1 || {
        fail "systemctl stop removed P1's objects from the kernel"
        return 1
    }
    local start=$SECONDS
    stop_ct 30 || {
        fail "the container did not power off within 30 s (killed)"
        return 1
    }
    hr_log "container powered off in $((SECONDS - start)) s (systemd-nspawn exit $NSPAWN_STATUS)"
    local left
    left=$(leftovers)
    [ -z "$left" ] || {
        fail "left over after the container stopped: $(paste -sd' ' <<<"$left")"
        return 1
    }
    host_network >"$HR_WORK/host-after"
    diff -u "$HR_WORK/host-before" "$HR_WORK/host-after" >"$HR_WORK/host.diff" || {
        fail "the host's network changed: $(grep '^[-+][^-+]' "$HR_WORK/host.diff" | head -n 5 | paste -sd' ')"
        return 1
    }
}

# --- main ------------------------------------------------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: not running as root (systemd-nspawn, debootstrap and chroot need it)" >&2
    exit 77
fi
for tool in systemd-nspawn nsenter unshare debootstrap dpkg-deb ip ss jq; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: '$tool' is not installed (apt-get install systemd-container debootstrap dpkg-dev util-linux iproute2 jq)" >&2
        exit 77
    fi
done
if [ -z "${DEB:-}" ] && ! command -v dpkg-buildpackage >/dev/null; then
    echo "skipped: no DEB given and dpkg-buildpackage is not installed to build one (apt-get install dpkg-dev debhelper)" >&2
    exit 77
fi
hr_setup_traps
trap 'boot_teardown; hr_teardown' EXIT

if [ -z "${DEB:-}" ]; then
    DEB=$("$HR_REPO/packaging/build-deb" | tail -n 1) || {
        echo "packaging/build-deb failed" >&2
        exit 1
    }
fi
DEB=$(realpath "$DEB")
hr_log "package $DEB (version $(dpkg-deb -f "$DEB" Version))"

host_network >"$HR_WORK/host-before"
ensure_base || exit 1
ROOT=$(mktemp -d "$CACHE_DIR/boot.XXXXXX")
chmod 0755 "$ROOT"
cp -a "$BASE/." "$ROOT/"
install_package || exit 1
configure
add_consumers
if boot; then
    run_case "boot" case_boot
    run_case "restart" case_restart
    run_case "status" case_status
    run_case "metrics" case_metrics
    run_case "journal" case_journal
    run_case "verify" case_verify
    run_case "reload with a typo keeps the old config; restart exits 78 without a loop" case_reload_typo
    run_case "shutdown" case_shutdown
else
    echo "not ok - boot: the container did not boot"
    FAILED=$((FAILED + 1))
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
