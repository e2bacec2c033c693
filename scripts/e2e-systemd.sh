#!/usr/bin/env bash
# e2e-systemd.sh: process-level tests of hostup-routed's systemd integration (DESIGN.md items 8 and 9): the
# sd_notify protocol (READY=1, STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1) and journald's native protocol, with
# the real binaries in network namespaces and python stand-ins for systemd's sockets. Needs root, iproute2, ping,
# curl, jq, python3 and unshare; touches nothing in the host namespace (the journal socket lives in a private
# mount namespace).
#
#   sudo scripts/e2e-systemd.sh            # binaries from `swift build --show-bin-path`
#   sudo BIN=/path/to/bin scripts/e2e-systemd.sh
#
# Prints `ok - NAME` or `not ok - NAME: WHY` per case, then exactly `N passed, M failed`; exits 1 when a case
# failed, 77 (the automake "skipped" code) when namespaces cannot be used here (not root, no `ip netns`),
# 0 otherwise. HR_KEEP_WORK=1 keeps the work directory (configs, state, logs, datagrams) for inspection.
#
# The daemon runs with NOTIFY_SOCKET pointing at scripts/notify-listener.py, which records every datagram with its
# CLOCK_MONOTONIC time (JSON lines in $HR_WORK/notify.jsonl) and, on READY=1, snapshots the kernel's local table.
# The journald cases run the agent in a private mount namespace whose /run/systemd/journal is a fresh tmpfs, where
# scripts/journal-listener.py binds the socket and decodes what sd_journal_sendv sends. The cases run in order and
# share one topology, simulator and notification listener.
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

P1=2001:db8:1000:1::/64 # anyip, created through the API in the first case
P1_HOST=2001:db8:1000:1::1
P2=2001:db8:1000:2::/64 # created before the journald case
P3=2001:db8:1000:3::/64 # created before the stderr case
P1_ID= P2_ID= P3_ID=

# The MESSAGE_IDs, read from the code (JournalMessageID.swift) so the test follows it, and their priorities:
# Agent.reconcile logs route-applied at notice level (once the kernel holds the route), PollService.step an API error at error level, and
# JournalLogHandler.priority(of:) maps notice to 5 (LOG_NOTICE) and error to 3 (LOG_ERR).
ROUTE_APPLIED_ID= API_ERROR_ID=
ROUTE_APPLIED_PRIORITY=5
API_ERROR_PRIORITY=3

NOTIFY_SOCK= NOTIFY_LOG= LISTENER_PID=
PY=


# diagnostics: the daemon's log tail and the last datagrams, as `#` comments.
diagnostics() {
    hr_show_tail "daemon log (tail)" "$HR_WORK/daemon.log" 10
    [ -z "$NOTIFY_LOG" ] || hr_show_tail "notify datagrams (tail)" "$NOTIFY_LOG" 8
}

# teardown: the listener, then everything netns-lib.sh started.
teardown() {
    listener_stop
    hr_teardown
}

# mono: CLOCK_MONOTONIC in seconds, the clock of the listener's timestamps and of MONOTONIC_USEC.
mono() {
    "$PY" -c 'import time; print("%.6f" % time.monotonic())'
}

# plus T SECONDS: T + SECONDS, as a JSON number.
plus() {
    jq -n --argjson t "$1" --argjson d "$2" '$t + $d'
}

# sleep_until T: sleeps until CLOCK_MONOTONIC reaches T (at most 30 s).
sleep_until() {
    local left
    left=$(jq -n --argjson t "$1" --argjson now "$(mono)" '[$t - $now, 30] | min | if . > 0 then . else 0 end')
    sleep "$left"
}

# --- the notification listener -----------------------------------------------------------------------------

# listener_start: binds $NOTIFY_SOCK (in the vps namespace, so its READY=1 check sees the vps kernel).
listener_start() {
    ip netns exec "$HR_VPS" "$PY" "$HR_LIB_DIR/notify-listener.py" "$NOTIFY_SOCK" "$NOTIFY_LOG" \
        --on-ready ip -j -6 route show table local 2>>"$HR_WORK/listener.err" &
    LISTENER_PID=$!
    hr_wait 10 test -S "$NOTIFY_SOCK"
}

listener_stop() {
    [ -n "$LISTENER_PID" ] || return 0
    hr_stop_pid "$LISTENER_PID" TERM
    LISTENER_PID=
}

# datagrams FILTER...: runs a jq filter over the array of recorded datagrams (records with .msg), with the
# extra jq arguments given before it, e.g. `datagrams --argjson from 1.5 'length'`.
datagrams() {
    jq -s "${@:1:$#-1}" '[.[] | select(.msg != null)] | '"${*: -1}" "$NOTIFY_LOG"
}

# count_line LINE FROM TO: how many datagrams received in [FROM, TO) carry the line LINE exactly.
count_line() {
    datagrams --arg line "$1" --argjson from "$2" --argjson to "$3" \
        '[.[] | select(.t >= $from and .t < $to and any(.msg | split("\n")[]; . == $line))] | length'
}

# first_line LINE FROM: prints the first datagram received at or after FROM that carries the line LINE exactly
# (a JSON object {t, msg}); fails when there is none.
first_line() {
    datagrams -ce --arg line "$1" --argjson from "$2" \
        '[.[] | select(.t >= $from and any(.msg | split("\n")[]; . == $line))][0]' 2>/dev/null
}

has_line() {
    first_line "$@" >/dev/null
}

# ready_check_after T: the listener's kernel snapshot taken for the READY=1 received at T (JSON {ready_check,
# output}).
ready_check_after() {
    jq -sce --argjson from "$1" '[.[] | select(.ready_check != null and .t >= $from)][0]' "$NOTIFY_LOG"
}

# local_route_in JSON PREFIX: whether `ip -j -6 route show table local` output holds the agent's local route.
local_route_in() {
    jq -e --arg dst "$2" "$HR_JQ_OURS"'any(.[]; .dst == $dst and .type == "local" and ours)' <<<"$1" >/dev/null
}

# --- the daemon ----------------------------------------------------------------------------------------------

# daemon_start WATCHDOG_USEC: `hostup-routed run` in the vps namespace, notifying the listener; logfmt on stderr
# into $HR_WORK/daemon.log.
daemon_start() {
    echo "--- hostup-routed run (WATCHDOG_USEC=$1) started at $(date +%T.%N)" >>"$HR_WORK/daemon.log"
    ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" NOTIFY_SOCKET="$NOTIFY_SOCK" WATCHDOG_USEC="$1" \
        "$BIN/hostup-routed" run --config "$HR_CONFIG" --log-target stderr >>"$HR_WORK/daemon.log" 2>&1 &
    HR_DAEMON_PID=$!
}

# daemon_ready SINCE SECONDS: waits for a READY=1 received after SINCE; prints it.
daemon_ready() {
    hr_wait "$2" has_line READY=1 "$1" && first_line READY=1 "$1"
}

# daemon_terminate: SIGTERM, waits up to 5 s; sets EXIT_STATUS (or fails, killing it, when it does not exit).
daemon_terminate() {
    local pid=$HR_DAEMON_PID i
    EXIT_STATUS=
    kill -TERM "$pid" 2>/dev/null || { fail "the daemon was not running"; HR_DAEMON_PID=; return 1; }
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        hr_daemon_stop KILL
        fail "the daemon did not exit within 5 s of SIGTERM"
        return 1
    fi
    wait "$pid" 2>/dev/null
    EXIT_STATUS=$?
    HR_DAEMON_PID=
}

# start_without_answer CONFIG WHAT: deletes the cached route's objects by hand (as after a reboot), starts the daemon
# with CONFIG while the API gives no answer (WHAT says how), and checks: READY=1 within 10 s of the start, with the
# cached route in the kernel when it came. Prints READY=1's delay and STATUS=; sets READY_STATUS and READY_MS (the
# delay); stops the daemon.
start_without_answer() {
    local config=$1 what=$2 start ready ready_t check waited status=0
    READY_STATUS= READY_MS=
    ip -n "$HR_VPS" -6 route del local "$P1" dev lo table local || { fail "deleting the local route by hand"; return 1; }
    ip -n "$HR_VPS" addr del "$P1_HOST/128" dev lo || { fail "deleting $P1_HOST by hand"; return 1; }
    start=$(mono)
    echo "--- hostup-routed run ($what) started at $(date +%T.%N)" >>"$HR_WORK/daemon.log"
    ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" NOTIFY_SOCKET="$NOTIFY_SOCK" \
        "$BIN/hostup-routed" run --config "$config" --log-target stderr >>"$HR_WORK/daemon.log" 2>&1 &
    HR_DAEMON_PID=$!
    if ready=$(daemon_ready "$start" 15); then
        ready_t=$(jq -r .t <<<"$ready")
        waited=$(jq -n --argjson a "$start" --argjson b "$ready_t" '(($b - $a) * 1000 | floor)')
        READY_STATUS=$(jq -r '.msg | split("\n")[] | select(startswith("STATUS="))' <<<"$ready")
        READY_MS=$waited
        echo "#   $what: READY=1 $waited ms after the start; $READY_STATUS"
        if [ "$waited" -gt 10500 ]; then
            fail "$what: READY=1 came $waited ms after the start, want at most 10 s"; status=1
        elif ! hr_wait 5 ready_check_after "$ready_t" >/dev/null; then
            fail "$what: the listener did not check the kernel on READY=1"; status=1
        else
            check=$(ready_check_after "$ready_t")
            local_route_in "$(jq -r .output <<<"$check")" "$P1" ||
                { fail "$what: when READY=1 arrived the kernel had no local route for the cached $P1"; status=1; }
        fi
    else
        fail "$what: no READY=1 within 15 s of the start"; status=1
    fi
    hr_daemon_alive || { [ "$status" != 0 ] || fail "$what: the daemon exited"; status=1; }
    hr_daemon_stop TERM
    return "$status"
}

# case_api_blackholed_at_start: the API gives no answer at start, as behind a broken firewall, a dead route or a
# hung server: the first fetch waits for its timeouts. The cached routes go into the kernel at once, and READY=1
# comes within 10 s of the start all the same (services ordered after network-online.target wait for it at boot):
# with a cached state it does not wait for the first fetch (case_first_start_api_hangs has the 10 s bound).
case_api_blackholed_at_start() {
    hr_daemon_stop TERM
    local config=$HR_WORK/blackholed.toml status=0
    # 1. Packets dropped, not refused: the router drops whatever goes to 2001:db8:dead::/48 without a word (a
    #    blackhole route sends no ICMPv6), so the connection attempt waits for its timeout.
    ip -n "$HR_ROUTER" -6 route add blackhole 2001:db8:dead::/48 || { fail "adding the blackhole route"; return 1; }
    sed 's|^api_url = .*|api_url = "https://[2001:db8:dead::1]"|' "$HR_CONFIG" >"$config"
    start_without_answer "$config" "packets dropped" || status=1
    ip -n "$HR_ROUTER" -6 route del blackhole 2001:db8:dead::/48 2>/dev/null
    # 2. Connected, but no answer: the simulator holds the request (the whole-request deadline is 30 s).
    if [ "$status" = 0 ]; then
        hr_api POST /_sim/fault '{"kind":"hang"}' >/dev/null || { fail "POST /_sim/fault hang"; return 1; }
        start_without_answer "$HR_CONFIG" "the API hangs" || status=1
        hr_api DELETE /_sim/fault >/dev/null 2>&1
        [ "$status" != 0 ] || [[ "$READY_STATUS" == *"waiting for the first API answer"* ]] ||
            { fail "READY=1 while the fetch hangs should say it waits for the first API answer: $READY_STATUS"; status=1; }
    fi
    # The next cases expect the route applied again: one sync against the simulator.
    hr_agent sync >>"$HR_WORK/setup.err" 2>&1 || { [ "$status" != 0 ] || fail "sync after the case failed"; status=1; }
    return "$status"
}

# case_first_start_api_hangs: the first start ever (no state file) while the simulator holds every request (the
# whole-request deadline is 30 s): the first fetch goes out at once and hangs, so READY=1 comes from the 10 s bound
# while it is still running, saying it waits for the first API answer.
case_first_start_api_hangs() {
    hr_daemon_stop TERM
    local state=$HR_WORK/state/state.json start ready waited status=0 text
    [ -f "$state" ] || { fail "no state file from the earlier cases"; return 1; }
    mv "$state" "$state.kept" || { fail "moving the state file aside"; return 1; }
    if hr_api POST /_sim/fault '{"kind":"hang"}' >/dev/null; then
        start=$(mono)
        daemon_start 1000000
        if ready=$(daemon_ready "$start" 15); then
            waited=$(jq -n --argjson a "$start" --argjson b "$(jq -r .t <<<"$ready")" '(($b - $a) * 1000 | floor)')
            text=$(jq -r '.msg | split("\n")[] | select(startswith("STATUS="))' <<<"$ready")
            echo "#   READY=1 $waited ms after the start; $text"
            [ "$waited" -ge 9000 ] && [ "$waited" -le 10500 ] ||
                { fail "READY=1 came $waited ms after the start, want the 10 s bound"; status=1; }
            [[ "$text" == *"waiting for the first API answer"* ]] ||
                { fail "READY=1 while the fetch hangs should say it waits for the first API answer: $text"; status=1; }
        else
            fail "no READY=1 within 15 s of the start"; status=1
        fi
    else
        fail "POST /_sim/fault hang"; status=1
    fi
    hr_daemon_stop TERM
    hr_api DELETE /_sim/fault >/dev/null 2>&1
    mv -f "$state.kept" "$state" || { fail "restoring the state file"; status=1; }
    return "$status"
}

# case_cached_start_spread: a restart with a cached state while the API is up, at poll_interval 24h. The first
# request waits a random part of the first interval (so that a region booting at once does not ask the API in one
# second); READY=1 does not wait for it: it comes at once, with the cached route in the kernel.
case_cached_start_spread() {
    hr_daemon_stop TERM
    local config=$HR_WORK/spread.toml
    grep -q '^poll_interval = ' "$HR_CONFIG" || { fail "no poll_interval line in $HR_CONFIG"; return 1; }
    sed 's|^poll_interval = .*|poll_interval = "24h"|' "$HR_CONFIG" >"$config"
    start_without_answer "$config" "cached state, first request spread over 24h" || return 1
    [ "$READY_MS" -lt 5000 ] || { fail "READY=1 came $READY_MS ms after the start: it waited for the request"; return 1; }
    [[ "$READY_STATUS" == *"waiting for the first API answer"* ]] ||
        { fail "READY=1 before the first request should say it waits for the first API answer: $READY_STATUS"; return 1; }
}

# --- the cases ---------------------------------------------------------------------------------------------

case_notify_sequence() {
    P1_ID=$(hr_create_route "$P1" web) || { fail "POST create_route $P1 failed: $P1_ID"; return 1; }
    local_route_in "$(ip -j -n "$HR_VPS" -6 route show table local)" "$P1" &&
        { fail "the local route of $P1 is there before the daemon ran"; return 1; }
    local start ready ready_t check statuses watchdogs
    start=$(mono)
    daemon_start 1000000
    ready=$(daemon_ready "$start" 15) || { fail "no READY=1 within 15 s of the start"; return 1; }
    ready_t=$(jq -r .t <<<"$ready")
    echo "#   READY=1 $(jq -n --argjson a "$start" --argjson b "$ready_t" '(($b - $a) * 1000 | floor)') ms after the start"
    # The kernel at the moment READY=1 arrived.
    hr_wait 5 ready_check_after "$ready_t" >/dev/null || { fail "the listener did not check the kernel on READY=1"; return 1; }
    check=$(ready_check_after "$ready_t")
    [ "$(jq -r .ready_check <<<"$check")" = 0 ] || { fail "ip route show failed in the listener: $check"; return 1; }
    local_route_in "$(jq -r .output <<<"$check")" "$P1" ||
        { fail "when READY=1 arrived the kernel had no local route for $P1"; return 1; }
    grep -q '^STATUS=' <<<"$(jq -r .msg <<<"$ready")" || { fail "READY=1 came without STATUS=: $ready"; return 1; }
    # Four seconds of life: statuses after each poll, two watchdog pings a second.
    sleep_until "$(plus "$ready_t" 4.3)"
    statuses=$(datagrams -r --argjson from "$ready_t" \
        '.[] | select(.t >= $from) | .msg | split("\n")[] | select(startswith("STATUS="))')
    [ "$(grep -c . <<<"$statuses")" -ge 3 ] ||
        { fail "fewer than 3 STATUS= in the 4 s after READY=1 (poll_interval 1s): [$(paste -sd'|' <<<"$statuses")]"; return 1; }
    grep -qvE '(^|[^0-9])1 route([^s]|$)' <<<"$statuses" &&
        { fail "a STATUS= does not say '1 route': [$(grep -vE '(^|[^0-9])1 route([^s]|$)' <<<"$statuses" | head -1)]"; return 1; }
    echo "#   $(tail -n1 <<<"$statuses")"
    watchdogs=$(count_line WATCHDOG=1 "$ready_t" "$(plus "$ready_t" 4)")
    echo "#   $watchdogs WATCHDOG=1 in the 4 s after READY=1 (WATCHDOG_USEC=1000000: one every 0.5 s)"
    [ "$watchdogs" -ge 6 ] && [ "$watchdogs" -le 10 ] ||
        { fail "$watchdogs WATCHDOG=1 in 4 s, want 6..10 (every half WATCHDOG_USEC)"; return 1; }
    hr_daemon_alive || { fail "the daemon exited"; return 1; }
}

# reload_cycle: SIGHUP, then RELOADING=1 with MONOTONIC_USEC in the same datagram, then READY=1; sets RELOAD_T.
reload_cycle() {
    local sent reloading reload_t usec skew
    sent=$(mono)
    kill -HUP "$HR_DAEMON_PID" || { fail "kill -HUP failed"; return 1; }
    hr_wait 5 has_line RELOADING=1 "$sent" || { fail "no RELOADING=1 within 5 s of SIGHUP"; return 1; }
    reloading=$(first_line RELOADING=1 "$sent")
    reload_t=$(jq -r .t <<<"$reloading")
    usec=$(jq -r '.msg | split("\n")[] | select(startswith("MONOTONIC_USEC=")) | ltrimstr("MONOTONIC_USEC=")' <<<"$reloading")
    [[ "$usec" =~ ^[0-9]+$ ]] ||
        { fail "RELOADING=1 without MONOTONIC_USEC=<digits> in the same datagram: $(jq -c .msg <<<"$reloading")"; return 1; }
    # CLOCK_MONOTONIC both sides: the stamp must be the time it was sent, not some other clock.
    skew=$(jq -n --argjson u "$usec" --argjson t "$reload_t" '($t - $u / 1000000) | fabs')
    jq -e -n --argjson s "$skew" '$s < 2' >/dev/null ||
        { fail "MONOTONIC_USEC=$usec is ${skew} s away from CLOCK_MONOTONIC at receipt"; return 1; }
    hr_wait 10 has_line READY=1 "$reload_t" || { fail "no READY=1 within 10 s after RELOADING=1"; return 1; }
    RELOAD_T=$reload_t
}

case_reload() {
    local before good=$HR_WORK/config.good
    hr_daemon_alive || { fail "the daemon is not running"; return 1; }
    before=$(hr_snapshot "$HR_VPS")
    reload_cycle || return 1
    # A broken config: still RELOADING=1 ... READY=1, the previous config kept, the kernel untouched.
    cp "$HR_CONFIG" "$good"
    printf '%s\n' 'this is = not [valid toml' 'poll_interval = ' >"$HR_CONFIG"
    reload_cycle
    local status=$?
    cp "$good" "$HR_CONFIG"
    [ "$status" = 0 ] || { WHY="with a broken config: $WHY"; return 1; }
    grep -q 'keeping the previous configuration' "$HR_WORK/daemon.log" ||
        { fail "the daemon did not log that it keeps the previous configuration"; return 1; }
    # Still polling: a STATUS= after the READY=1 of the failed reload.
    hr_wait 5 has_status_after "$RELOAD_T" || { fail "no STATUS= within 5 s after the failed reload's READY=1"; return 1; }
    hr_daemon_alive || { fail "the daemon exited after a reload with a broken config"; return 1; }
    [ "$before" = "$(hr_snapshot "$HR_VPS")" ] ||
        { fail "the kernel changed across the reloads: $(diff <(echo "$before") <(hr_snapshot "$HR_VPS") | head -4 | paste -sd' ')"; return 1; }
}

# has_degraded_status_since T: a datagram at T or later carries a STATUS= saying degraded.
has_degraded_status_since() {
    datagrams -e --argjson from "$1" \
        'any(.[]; .t >= $from and (.msg | split("\n") | any(.[]; startswith("STATUS=degraded"))))' >/dev/null
}

# has_status_after T: a datagram after T, other than the one READY=1 at T, carries STATUS=.
has_status_after() {
    datagrams -e --argjson from "$1" \
        'any(.[]; .t > $from and (.msg | split("\n") | any(.[]; startswith("STATUS=")) and (any(.[]; . == "READY=1") | not)))' >/dev/null
}

case_sigterm() {
    local before after sent
    hr_daemon_alive || { fail "the daemon is not running"; return 1; }
    before=$(hr_snapshot "$HR_VPS")
    sent=$(mono)
    daemon_terminate || return 1
    [ "$EXIT_STATUS" = 0 ] || { fail "the daemon exited $EXIT_STATUS after SIGTERM, want 0"; return 1; }
    hr_wait 2 has_line STOPPING=1 "$sent" || { fail "no STOPPING=1 after SIGTERM"; return 1; }
    after=$(hr_snapshot "$HR_VPS")
    [ "$before" = "$after" ] ||
        { fail "SIGTERM changed the kernel: $(diff <(echo "$before") <(echo "$after") | head -4 | paste -sd' ')"; return 1; }
    [ -n "$(hr_agent_routes "$HR_VPS")" ] || { fail "no agent routes left after SIGTERM"; return 1; }
}

case_api_down_at_start() {
    hr_daemon_stop TERM
    # The API goes away (its state kept for later) and the agent's objects go too, as after a reboot.
    hr_api GET /_sim/state >"$HR_WORK/sim-state.json" || { fail "cannot save the simulator's state"; return 1; }
    hr_sim_stop
    api_down_checks
    local status=$?
    # Whatever happened: the daemon stops and the API comes back with the same routes, for the next cases.
    hr_daemon_stop TERM
    if ! { hr_sim_start && hr_api POST /_sim/seed "$(cat "$HR_WORK/sim-state.json")" >/dev/null; } 2>>"$HR_WORK/setup.err"; then
        [ "$status" != 0 ] || fail "cannot restart and reseed the simulator: $(tail -n 2 "$HR_WORK/setup.err" | paste -sd' ')"
        return 1
    fi
    return "$status"
}

api_down_checks() {
    ip -n "$HR_VPS" -6 route del local "$P1" dev lo table local || { fail "deleting the local route by hand"; return 1; }
    ip -n "$HR_VPS" -6 route del unreachable "$P1" metric 4294967295 || { fail "deleting unreachable $P1 by hand"; return 1; }
    ip -n "$HR_VPS" addr del "$P1_HOST/128" dev lo || { fail "deleting $P1_HOST by hand"; return 1; }
    [ -z "$(hr_agent_routes "$HR_VPS")" ] || { fail "agent routes left after deleting them by hand"; return 1; }
    [ -s "$HR_WORK/state/state.json" ] || { fail "no state file from the earlier run"; return 1; }
    local start ready ready_t check
    start=$(mono)
    daemon_start 1000000
    ready=$(daemon_ready "$start" 15) || { fail "no READY=1 within 15 s of a start with the API down"; return 1; }
    ready_t=$(jq -r .t <<<"$ready")
    echo "#   $(jq -r '.msg | split("\n")[] | select(startswith("STATUS="))' <<<"$ready")"
    # With the cached state in the kernel READY=1 does not wait for the first request, which goes out within one
    # poll interval (1 s here) and fails: a STATUS= says degraded soon after.
    jq -e '.msg | split("\n") | any(startswith("STATUS=degraded") or startswith("STATUS=waiting for the first"))' \
        <<<"$ready" >/dev/null ||
        { fail "the READY=1 datagram has no STATUS= saying degraded or waiting: $(jq -c .msg <<<"$ready")"; return 1; }
    hr_wait 5 has_degraded_status_since "$ready_t" ||
        { fail "no STATUS= saying degraded within 5 s of READY=1 with the API down"; return 1; }
    hr_wait 5 ready_check_after "$ready_t" >/dev/null || { fail "the listener did not check the kernel on READY=1"; return 1; }
    check=$(ready_check_after "$ready_t")
    local_route_in "$(jq -r .output <<<"$check")" "$P1" ||
        { fail "when READY=1 arrived the kernel had no local route for the cached $P1"; return 1; }
    hr_daemon_alive || { fail "the daemon exited with the API down"; return 1; }
    daemon_terminate || return 1
    [ "$EXIT_STATUS" = 0 ] || { fail "the daemon exited $EXIT_STATUS after SIGTERM, want 0"; return 1; }
}

case_watchdog_wedged() {
    hr_daemon_stop TERM
    watchdog_checks
    local status=$?
    # Whatever happened: no fault left for the next cases, no daemon.
    hr_api DELETE /_sim/fault >/dev/null 2>&1
    hr_daemon_stop TERM
    return "$status"
}

watchdog_checks() {
    local start sent cleared resumed before_hang window
    start=$(mono)
    daemon_start 2000000
    daemon_ready "$start" 15 >/dev/null || { fail "no READY=1 within 15 s of the start"; return 1; }
    jq -e '.msg | contains("degraded") | not' <<<"$(first_line READY=1 "$start")" >/dev/null ||
        { fail "the daemon started degraded: is the simulator back?"; return 1; }
    sleep 2.2
    hr_api POST /_sim/fault '{"kind":"hang"}' >/dev/null || { fail "POST /_sim/fault hang"; return 1; }
    kill -USR1 "$HR_DAEMON_PID" || { fail "kill -USR1 failed"; return 1; }
    sent=$(mono)
    before_hang=$(count_line WATCHDOG=1 "$(plus "$sent" -2.2)" "$sent")
    [ "$before_hang" -ge 1 ] || { fail "no WATCHDOG=1 in the 2.2 s before the hang (want one a second)"; return 1; }
    sleep_until "$(plus "$sent" 5.2)"
    hr_api DELETE /_sim/fault >/dev/null || { fail "DELETE /_sim/fault"; return 1; }
    cleared=$(mono)
    # Busy since at most `sent` (plus the time to wake the loop): pings stop once the step is 2 s old.
    window=$(count_line WATCHDOG=1 "$(plus "$sent" 2.5)" "$(plus "$sent" 5)")
    [ "$window" = 0 ] ||
        { fail "$window WATCHDOG=1 between 2.5 s and 5 s into a hung step (WATCHDOG_USEC=2000000)"; return 1; }
    grep -q 'withholding WATCHDOG=1' "$HR_WORK/daemon.log" ||
        { fail "the daemon did not log that it withholds WATCHDOG=1"; return 1; }
    if hr_wait 5 has_line WATCHDOG=1 "$cleared"; then
        resumed=$(first_line WATCHDOG=1 "$cleared" | jq -r .t)
        echo "#   pings resumed $(jq -n --argjson a "$cleared" --argjson b "$resumed" '(($b - $a) * 1000 | floor)') ms after the hang was cleared"
    else
        echo "#   pings did not resume within 5 s after the hang was cleared"
    fi
    # Slow, not wedged: each fetch takes 1 s (half the watchdog interval); every ping still goes out.
    hr_api POST /_sim/fault '{"kind":"latency","milliseconds":1000}' >/dev/null ||
        { fail "POST /_sim/fault latency"; return 1; }
    local slow withheld_before statuses
    withheld_before=$(grep -c 'withholding WATCHDOG=1' "$HR_WORK/daemon.log")
    slow=$(mono)
    sleep_until "$(plus "$slow" 5.2)"
    hr_api DELETE /_sim/fault >/dev/null || { fail "DELETE /_sim/fault"; return 1; }
    window=$(count_line WATCHDOG=1 "$(plus "$slow" 0.5)" "$(plus "$slow" 4.5)")
    statuses=$(count_line_prefix STATUS= "$slow" "$(plus "$slow" 5)")
    echo "#   with 1 s latency: $window WATCHDOG=1 in 4 s, $statuses STATUS= in 5 s"
    [ "$window" -ge 3 ] || { fail "a slow API (1 s a request) stopped the pings: $window WATCHDOG=1 in 4 s, want >= 3"; return 1; }
    [ "$statuses" -ge 1 ] || { fail "no step finished during the latency fault"; return 1; }
    [ "$(grep -c 'withholding WATCHDOG=1' "$HR_WORK/daemon.log")" = "$withheld_before" ] ||
        { fail "the daemon withheld pings with a slow (not wedged) API"; return 1; }
    daemon_terminate || return 1
    [ "$EXIT_STATUS" = 0 ] || { fail "the daemon exited $EXIT_STATUS after SIGTERM, want 0"; return 1; }
}

# count_line_prefix PREFIX FROM TO: how many datagrams received in [FROM, TO) carry a line starting with PREFIX.
count_line_prefix() {
    datagrams --arg prefix "$1" --argjson from "$2" --argjson to "$3" \
        '[.[] | select(.t >= $from and .t < $to and any(.msg | split("\n")[]; startswith($prefix)))] | length'
}

# with_journal_socket OUT COMMAND...: runs COMMAND (with the token in its environment) in the vps namespace and a
# private mount namespace whose /run/systemd/journal is a fresh tmpfs, with journal-listener.py bound to its socket;
# entries in OUT (JSON lines) and OUT.raw, the command's output in OUT.stdout and OUT.stderr. Returns COMMAND's exit
# status (90/91 when the mount or the listener could not be set up), after 60 s at most.
with_journal_socket() {
    local out=$1
    shift
    rm -f "$out" "$out.raw"
    : >"$out"
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 60 ip netns exec "$HR_VPS" unshare --mount --propagation private \
        env HOSTUP_API_TOKEN="$HR_TOKEN" sh -c '
            py=$1 listener=$2 out=$3
            shift 3
            # Only inside this mount namespace: the host keeps its /run as it is.
            if [ -d /run/systemd/journal ]; then
                mount -t tmpfs -o mode=0755 tmpfs /run/systemd/journal || exit 90
            elif [ -d /run/systemd ]; then
                mount -t tmpfs -o mode=0755 tmpfs /run/systemd && mkdir /run/systemd/journal || exit 90
            else
                mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p /run/systemd/journal || exit 90
            fi
            "$py" "$listener" /run/systemd/journal/socket "$out" 2>"$out.listener-err" &
            listener_pid=$!
            i=0
            while [ ! -S /run/systemd/journal/socket ]; do
                i=$((i + 1))
                if [ "$i" -gt 100 ]; then kill "$listener_pid"; exit 91; fi
                sleep 0.1
            done
            "$@" >"$out.stdout" 2>"$out.stderr"
            status=$?
            sleep 0.3
            kill -TERM "$listener_pid"
            wait "$listener_pid"
            exit "$status"
        ' sh "$PY" "$HR_LIB_DIR/journal-listener.py" "$out" "$@"
}

# journal_entry OUT JQ_CONDITION: prints the first entry of OUT (as one object, field name → value) that meets the
# condition; fails when none does.
journal_entry() {
    jq -sce "[.[] | .fields | map({(.[0]): .[1]}) | add | select($2)][0]" "$1"
}

# message_id NAME: the MESSAGE_ID constant NAME of JournalMessageID.swift.
message_id() {
    sed -n 's/.*static let '"$1"' = JournalMessageID(rawValue: "\([0-9a-f]\{32\}\)").*/\1/p' \
        "$HR_REPO/Sources/SystemdIntegration/JournalMessageID.swift"
}

case_journald() {
    hr_daemon_stop TERM # the daemon must not apply the route before `sync` does (it logs route-applied once)
    [ -n "$ROUTE_APPLIED_ID" ] || { fail "cannot read routeApplied from JournalMessageID.swift"; return 1; }
    P2_ID=$(hr_create_route "$P2" journal) || { fail "POST create_route $P2 failed: $P2_ID"; return 1; }
    local out=$HR_WORK/journal.jsonl status entry
    with_journal_socket "$out" "$BIN/hostup-routed" sync --config "$HR_CONFIG" --log-target journal
    status=$?
    [ "$status" = 0 ] || { fail "sync --log-target journal exited $status: $(tail -n 3 "$out.stderr" "$out.listener-err" 2>/dev/null | paste -sd' ')"; return 1; }
    [ -s "$out" ] || { fail "no journal entry arrived"; return 1; }
    echo "#   $(wc -l <"$out") journal entries"
    jq -se 'all(.[]; .error == null)' "$out" >/dev/null ||
        { fail "an entry does not parse as the native protocol: $(jq -c 'select(.error != null)' "$out" | head -1)"; return 1; }
    entry=$(journal_entry "$out" ".MESSAGE_ID == \"$ROUTE_APPLIED_ID\" and .HOSTUP_ROUTE_ID == \"$P2_ID\"") ||
        { fail "no entry with MESSAGE_ID=$ROUTE_APPLIED_ID and HOSTUP_ROUTE_ID=$P2_ID; MESSAGE_IDs: $(jq -r '.fields[] | select(.[0] == "MESSAGE_ID") | .[1]' "$out" | paste -sd,)"; return 1; }
    echo "#   $(jq -r '"MESSAGE=\(.MESSAGE | gsub("\n"; "\\n")) PRIORITY=\(.PRIORITY) CODE_FILE=\(.CODE_FILE):\(.CODE_LINE)"' <<<"$entry")"
    local check
    for check in \
        ".PRIORITY == \"$ROUTE_APPLIED_PRIORITY\"" \
        '.SYSLOG_IDENTIFIER == "hostup-routed"' \
        ".HOSTUP_PREFIX == \"$P2\"" \
        ".HOSTUP_VPS_ID == \"$HR_VPS_ID\"" \
        '(.MESSAGE // "") != ""' \
        '(.CODE_FILE // "") | test("\\.swift$")' \
        '(.CODE_LINE // "") | test("^[0-9]+$")' \
        '(.CODE_FUNC // "") != ""'; do
        jq -e "$check" <<<"$entry" >/dev/null || { fail "route-applied entry fails [$check]: $entry"; return 1; }
    done
    jq -se 'all(.[]; .fields | map(.[0]) | (index("MESSAGE") != null and index("PRIORITY") != null and index("SYSLOG_IDENTIFIER") != null))' "$out" >/dev/null ||
        { fail "an entry lacks MESSAGE, PRIORITY or SYSLOG_IDENTIFIER"; return 1; }
    if grep -aqF "$HR_TOKEN" "$out.raw" "$out" "$out.stdout" "$out.stderr"; then
        fail "the API token appears in the journal or the output"
        return 1
    fi
    grep -q '^level=' "$out.stderr" &&
        { fail "with --log-target journal, records also went to stderr: $(grep -m1 '^level=' "$out.stderr")"; return 1; }
    return 0
}

case_stderr_target() {
    P3_ID=$(hr_create_route "$P3" plain) || { fail "POST create_route $P3 failed: $P3_ID"; return 1; }
    local out=$HR_WORK/journal-stderr.jsonl status
    with_journal_socket "$out" "$BIN/hostup-routed" sync --config "$HR_CONFIG" --log-target stderr
    status=$?
    [ "$status" = 0 ] || { fail "sync --log-target stderr exited $status: $(tail -n 3 "$out.stderr" 2>/dev/null | paste -sd' ')"; return 1; }
    [ ! -s "$out" ] || { fail "$(wc -l <"$out") datagrams reached the journal socket with --log-target stderr"; return 1; }
    grep -qE '^level=[a-z]+ msg=' "$out.stderr" || { fail "no logfmt line on stderr: $(head -3 "$out.stderr" | paste -sd' ')"; return 1; }
    grep -E '^level=' "$out.stderr" | grep -q "hostup.event=route-applied.*hostup.route_id=$P3_ID" ||
        { fail "no logfmt route-applied line for $P3_ID: $(head -3 "$out.stderr" | paste -sd' ')"; return 1; }
    if grep -aqF "$HR_TOKEN" "$out.stdout" "$out.stderr"; then
        fail "the API token appears in the output"
        return 1
    fi
    return 0
}

case_journald_daemon() {
    [ -n "$API_ERROR_ID" ] || { fail "cannot read apiError from JournalMessageID.swift"; return 1; }
    local out=$HR_WORK/journal-daemon.jsonl status entry
    hr_api POST /_sim/fault '{"kind":"status500"}' >/dev/null || { fail "POST /_sim/fault status500"; return 1; }
    # Three seconds of the daemon against an API that answers 500, then SIGTERM (timeout exits 124 for that).
    with_journal_socket "$out" timeout -s TERM 3 "$BIN/hostup-routed" run --config "$HR_CONFIG" --log-target journal
    status=$?
    hr_api DELETE /_sim/fault >/dev/null
    [ "$status" = 124 ] || { fail "the daemon exited $status before SIGTERM: $(tail -n 3 "$out.stderr" | paste -sd' ')"; return 1; }
    echo "#   $(wc -l <"$out") journal entries"
    entry=$(journal_entry "$out" ".MESSAGE_ID == \"$API_ERROR_ID\"") ||
        { fail "no entry with MESSAGE_ID=$API_ERROR_ID (api-error); MESSAGEs: $(jq -r '.fields[] | select(.[0] == "MESSAGE") | .[1]' "$out" | head -5 | paste -sd'|')"; return 1; }
    echo "#   $(jq -r '"MESSAGE=\(.MESSAGE | gsub("\n"; "\\n")) PRIORITY=\(.PRIORITY)"' <<<"$entry" | cut -c1-160)"
    local check
    for check in \
        ".PRIORITY == \"$API_ERROR_PRIORITY\"" \
        '.SYSLOG_IDENTIFIER == "hostup-routed"' \
        '(.MESSAGE // "") | test("500")' \
        '(.CODE_FILE // "") | test("\\.swift$")'; do
        jq -e "$check" <<<"$entry" >/dev/null || { fail "api-error entry fails [$check]: $entry"; return 1; }
    done
    jq -se 'all(.[]; .error == null)' "$out" >/dev/null ||
        { fail "an entry does not parse as the native protocol: $(jq -c 'select(.error != null)' "$out" | head -1)"; return 1; }
    if grep -aqF "$HR_TOKEN" "$out.raw" "$out" "$out.stdout" "$out.stderr"; then
        fail "the API token appears in the journal or the output"
        return 1
    fi
    return 0
}

# --- main --------------------------------------------------------------------------------------------------

if reason=$(hr_unavailable); then
    echo "SKIP: systemd integration tests need network namespaces: $reason"
    exit 77
fi
for tool in python3 unshare; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: '$tool' is not installed"
        exit 77
    fi
done
# The interpreter itself, not a wrapper (pyenv's shim), so timestamps are cheap to take.
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 1
ROUTE_APPLIED_ID=$(message_id routeApplied)
API_ERROR_ID=$(message_id apiError)
hr_resolve_bin || exit 1
hr_setup_traps
trap teardown EXIT
HR_CONFIG=$HR_WORK/config.toml
NOTIFY_SOCK=$HR_WORK/notify.sock
NOTIFY_LOG=$HR_WORK/notify.jsonl
: >"$NOTIFY_LOG"
echo "# binaries: $BIN; namespaces: $HR_ROUTER $HR_VPS $HR_CTR"

if ! { hr_topology_up && hr_sim_start && listener_start; } 2>"$HR_WORK/setup.err"; then
    echo "not ok - setup: $(paste -sd' ' "$HR_WORK/setup.err")"
    echo "0 passed, 1 failed"
    exit 1
fi
hr_write_config "$HR_CONFIG"

run_case "notify: READY=1 once the route is in the kernel, STATUS= with the route count, WATCHDOG=1 twice a second" case_notify_sequence
run_case "SIGHUP: RELOADING=1 with MONOTONIC_USEC then READY=1; a broken config keeps the old one and the kernel" case_reload
run_case "SIGTERM: STOPPING=1, exit 0, the kernel left as it is" case_sigterm
run_case "API down at start: READY=1 with the cached route in the kernel, then a degraded STATUS=" case_api_down_at_start
run_case "API black-holed at start: cached routes in the kernel and READY=1 within 10 s" case_api_blackholed_at_start
run_case "cached state at start, first request spread: READY=1 at once, the cached route in the kernel" case_cached_start_spread
run_case "first start, the API hangs: READY=1 from the 10 s bound, waiting for the first API answer" case_first_start_api_hangs
run_case "watchdog: a hung step stops WATCHDOG=1, a slow API does not" case_watchdog_wedged
run_case "journald: route-applied entry with MESSAGE_ID, PRIORITY, identifier, route fields, code location; no token" case_journald
run_case "--log-target stderr: logfmt on stderr, nothing on the journal socket" case_stderr_target
run_case "journald (daemon): an API error is an entry with the api-error MESSAGE_ID at PRIORITY 3; no token" case_journald_daemon

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
