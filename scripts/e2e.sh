#!/usr/bin/env bash
# e2e.sh: end-to-end tests of hostup-routed against hostup-api-sim, in network namespaces (DESIGN.md
# "Tests that prove it"). Needs root, iproute2, ping, curl, jq and python3-prometheus-client (the metrics case);
# touches nothing in the host namespace.
#
#   sudo scripts/e2e.sh            # binaries from `swift build --show-bin-path`
#   sudo BIN=/path/to/bin scripts/e2e.sh
#
# Prints `ok - NAME` or `not ok - NAME: WHY` per case, then exactly `N passed, M failed`; exits 1 when a case
# failed, 77 (the automake "skipped" code) when namespaces cannot be used here (not root, no `ip netns`),
# 0 otherwise. HR_KEEP_WORK=1 keeps the work directory (configs, state, logs) for inspection.
#
# The cases run in order and build on each other: two routes are created through the API, P1 (anyip, on lo)
# and P2 (address + forwarding on the bridge br0, behind which sits a container namespace).
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

P1=2001:db8:1000:1::/64
P1_HOST=2001:db8:1000:1::1      # the agent's anyip address
P1_ANY=2001:db8:1000:1::beef     # any other address of P1 (anyip answers it too)
P1_HAND_ADDR=2001:db8:1000:1::99 # made by hand; must survive everything
P1_HAND_ROUTE=2001:db8:1000:1:ff::/80
P2=2001:db8:1000:2::/64
P2_HOST=2001:db8:1000:2::1       # the agent's address on br0
P2_CONTAINER=2001:db8:1000:2::2  # the container's address, set by hand

P1_ID= P2_ID=
P1_ON=0 P2_ON=0 HAND_ON=0        # which objects the kernel must hold right now


# diagnostics: the last agent command's stderr and the daemon's log tail, as `#` comments.
diagnostics() {
    hr_show_tail "last command's stderr" "$HR_WORK/cmd.err" 8
    hr_show_tail "daemon log (tail)" "$HR_WORK/daemon.log" 12
}

# agent COMMAND ARGS...: hostup-routed in the vps namespace, stdout to $HR_WORK/cmd.out, stderr to cmd.err,
# at most 60 s; returns its exit status.
agent() {
    local command=$1
    shift
    timeout 60 ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" \
        "$BIN/hostup-routed" "$command" "$@" --config "$HR_CONFIG" >"$HR_WORK/cmd.out" 2>"$HR_WORK/cmd.err"
}

# expected_routes / expected_addresses: what the kernel must hold given P1_ON, P2_ON, HAND_ON,
# in the normalized forms of hr_agent_routes / hr_global_addresses.
expected_routes() {
    {
        if [ "$P1_ON" = 1 ]; then
            echo "local local $P1 dev lo"
            echo "main unreachable $P1 dev lo metric 4294967295"
        fi
        if [ "$P2_ON" = 1 ]; then
            echo "main unreachable $P2 dev lo metric 4294967295"
        fi
    } | sort
}

expected_addresses() {
    {
        echo "eth0 $HR_NEXT_HOP/64 nodad"
        [ "$P1_ON" = 1 ] && echo "lo $P1_HOST/128 nodad noprefixroute"
        [ "$P2_ON" = 1 ] && echo "br0 $P2_HOST/64 nodad"
        [ "$HAND_ON" = 1 ] && echo "lo $P1_HAND_ADDR/128"
    } | sort
}

# state_is_expected: the vps namespace holds exactly the expected agent routes and global addresses, and the
# hand-made route when HAND_ON=1. Sets WHY to the difference otherwise.
state_is_expected() {
    local routes addresses
    routes=$(hr_agent_routes "$HR_VPS")
    addresses=$(hr_global_addresses "$HR_VPS")
    if [ "$routes" != "$(expected_routes)" ]; then
        fail "agent routes (protocol 201) differ: want [$(expected_routes | paste -sd';')]" \
            "got [$(echo "$routes" | paste -sd';')]"
        return 1
    fi
    if [ "$addresses" != "$(expected_addresses)" ]; then
        fail "global addresses differ: want [$(expected_addresses | paste -sd';')]" \
            "got [$(echo "$addresses" | paste -sd';')]"
        return 1
    fi
    if [ "$HAND_ON" = 1 ] && ! hand_route_present; then
        fail "the hand-made route $P1_HAND_ROUTE (proto static) is gone"
        return 1
    fi
    return 0
}

hand_route_present() {
    ip -j -n "$HR_VPS" -6 route show table all |
        jq -e --arg dst "$P1_HAND_ROUTE" \
            'any(.[]; .dst == $dst and .type == "blackhole" and (.protocol | tostring) == "static")' >/dev/null
}

# wait_for_state SECONDS: waits until state_is_expected holds; WHY says what was still wrong.
wait_for_state() {
    hr_wait "$1" state_is_expected
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

sysctl_is() {
    local value
    value=$(hr_sysctl_get "$HR_VPS" "$1")
    if [ "$value" != "$2" ]; then
        fail "$1 is $value, want $2"
        return 1
    fi
}

# --- the cases ---------------------------------------------------------------------------------------------

case_sync_anyip() {
    P1_ID=$(hr_create_route "$P1" web) || { fail "POST create_route $P1 failed: $P1_ID"; return 1; }
    agent sync || { fail "sync exited $?"; return 1; }
    P1_ON=1
    state_is_expected || return 1
    local flags
    flags=$(hr_global_addresses "$HR_VPS" | grep "^lo $P1_HOST/128")
    [ "$flags" = "lo $P1_HOST/128 nodad noprefixroute" ] || { fail "P1::1 flags: $flags"; return 1; }
    hr_ping "$HR_ROUTER" "$P1_HOST" || { fail "router cannot ping $P1_HOST"; return 1; }
    hr_ping "$HR_ROUTER" "$P1_ANY" || { fail "router cannot ping $P1_ANY (anyip: any address of P1)"; return 1; }
    return 0
}

case_address_forwarding() {
    P2_ID=$(hr_create_route "$P2" containers) || { fail "POST create_route $P2 failed: $P2_ID"; return 1; }
    # The container's side, by hand: its address and its default route through the vps's br0 address.
    ip -n "$HR_CTR" addr add "$P2_CONTAINER/64" dev eth0 nodad || { fail "ip addr add in the container"; return 1; }
    ip -n "$HR_CTR" -6 route add default via "$P2_HOST" dev eth0 || { fail "ip route add in the container"; return 1; }
    agent sync || { fail "sync exited $?"; return 1; }
    P2_ON=1
    state_is_expected || return 1
    sysctl_is net.ipv6.conf.all.forwarding 1 || return 1
    sysctl_is net.ipv6.conf.eth0.accept_ra 2 || return 1
    sysctl_is net.ipv6.conf.br0.keep_addr_on_down 1 || return 1
    hr_ping "$HR_ROUTER" "$P2_CONTAINER" || { fail "router cannot ping the container at $P2_CONTAINER"; return 1; }
    hr_ping "$HR_ROUTER" "$P2_HOST" || { fail "router cannot ping $P2_HOST on br0"; return 1; }
}

case_idempotent() {
    local before after
    before=$(hr_snapshot "$HR_VPS")
    agent sync || { fail "sync exited $?"; return 1; }
    after=$(hr_snapshot "$HR_VPS")
    grep -Eqi 'in sync|nothing to do|nothing to change' "$HR_WORK/cmd.out" ||
        { fail "the second sync planned something: $(paste -sd';' "$HR_WORK/cmd.out")"; return 1; }
    [ "$before" = "$after" ] || { fail "the kernel changed: $(diff <(echo "$before") <(echo "$after") | head -5 | paste -sd' ')"; return 1; }
    # Nothing was applied, so nothing is announced as applied again.
    ! grep -q 'route-applied' "$HR_WORK/cmd.err" ||
        { fail "a sync with nothing to do logged route-applied: $(grep -m1 route-applied "$HR_WORK/cmd.err")"; return 1; }
}

case_handmade_untouched() {
    ip -n "$HR_VPS" addr add "$P1_HAND_ADDR/128" dev lo || { fail "ip addr add $P1_HAND_ADDR"; return 1; }
    ip -n "$HR_VPS" -6 route add blackhole "$P1_HAND_ROUTE" proto static || { fail "ip route add $P1_HAND_ROUTE"; return 1; }
    HAND_ON=1
    agent sync || { fail "sync exited $?"; return 1; }
    grep -Eqi 'in sync|nothing to do|nothing to change' "$HR_WORK/cmd.out" ||
        { fail "sync planned something for hand-made objects: $(paste -sd';' "$HR_WORK/cmd.out")"; return 1; }
    agent sync --dry-run || { fail "sync --dry-run exited $?"; return 1; }
    state_is_expected
}

case_fail_static() {
    local kind before after status
    before=$(hr_snapshot "$HR_VPS")
    # Exit 2: the API answered badly; exit 3: it could not be reached (the connection dropped, or the body trickles
    # in one byte every 5 s, which the whole-request deadline of 30 s ends).
    local begin took
    for kind in status500:2 malformedJSON:2 dropConnection:3 rateLimit:2 slowBody:3; do
        local want=${kind#*:}
        kind=${kind%:*}
        hr_api POST /_sim/fault "{\"kind\":\"$kind\"}" >/dev/null || { fail "POST /_sim/fault $kind"; return 1; }
        begin=$(date +%s%N)
        agent sync
        status=$?
        took=$((($(date +%s%N) - begin) / 1000000))
        if [ "$kind" = slowBody ]; then
            echo "#   sync against a trickling body: exit $status after $took ms"
            [ "$took" -le 32000 ] || { fail "sync took $took ms against a trickling body, want <= 32 s"; return 1; }
        fi
        hr_api DELETE /_sim/fault >/dev/null || { fail "DELETE /_sim/fault"; return 1; }
        [ "$status" = "$want" ] || { fail "with fault $kind, sync exited $status, want $want"; return 1; }
        after=$(hr_snapshot "$HR_VPS")
        [ "$before" = "$after" ] || { fail "with fault $kind the kernel changed"; return 1; }
    done
    # A valid answer again: nothing to do.
    agent sync || { fail "sync after the faults exited $?"; return 1; }
    state_is_expected
}

case_daemon_route_deleted() {
    hr_api DELETE /_sim/requests >/dev/null
    hr_daemon_start
    hr_wait 15 daemon_fetched_ok || { fail "the daemon did not fetch from the API within 15 s"; return 1; }
    sleep 0.5 # and applied what it fetched (nothing new: sync did it)
    state_is_expected || return 1
    local start
    start=$(now_ms)
    hr_delete_route "$P1_ID" || { fail "DELETE /api/v2/routed-ipv6/routes/$P1_ID failed"; return 1; }
    P1_ON=0
    wait_for_state 10 || { fail "10 s after the route was deleted: $WHY"; return 1; }
    echo "#   P1's objects removed $(($(now_ms) - start)) ms after DELETE (confirmation needs 2 answers >= 2 s apart)"
    hr_daemon_alive || { fail "the daemon exited"; return 1; }
    hr_ping "$HR_ROUTER" "$P2_CONTAINER" || { fail "the container became unreachable"; return 1; }
    hr_ping "$HR_ROUTER" "$P1_HOST" && { fail "$P1_HOST still answers"; return 1; }
    return 0
}

case_kill9_restart() {
    P1_ID=$(hr_create_route "$P1" web) || { fail "POST create_route $P1 failed: $P1_ID"; return 1; }
    P1_ON=1
    sleep 0.5 # mid-run: the daemon may be fetching or applying right now
    hr_daemon_stop KILL
    hr_daemon_start
    wait_for_state 15 || { fail "not converged 15 s after the restart: $WHY"; return 1; }
    sleep 3 # a few more polls: still exactly the same objects
    state_is_expected || return 1
    local duplicates
    duplicates=$(ip -j -n "$HR_VPS" -6 route show table all |
        jq -r "$HR_JQ_OURS"'[.[] | select(ours)] | group_by([.table, .type, .dst]) | map(select(length > 1))[][] | .dst')
    [ -z "$duplicates" ] || { fail "duplicate routes: $duplicates"; return 1; }
    [ "$(hr_global_addresses "$HR_VPS" | grep -c " $P1_HOST/")" = 1 ] || { fail "$P1_HOST is not there exactly once"; return 1; }
    hr_ping "$HR_ROUTER" "$P1_HOST" || { fail "router cannot ping $P1_HOST"; return 1; }
}

case_api_down_at_start() {
    local before
    before=$(hr_snapshot "$HR_VPS")
    hr_daemon_stop TERM
    [ "$before" = "$(hr_snapshot "$HR_VPS")" ] || { fail "SIGTERM changed the kernel (it must leave it as it is)"; return 1; }
    # A reboot: the agent's objects and the sysctls are gone.
    ip -n "$HR_VPS" -6 route del local "$P1" dev lo table local || { fail "deleting the local route by hand"; return 1; }
    ip -n "$HR_VPS" -6 route del unreachable "$P1" metric 4294967295 || { fail "deleting unreachable P1 by hand"; return 1; }
    ip -n "$HR_VPS" -6 route del unreachable "$P2" metric 4294967295 || { fail "deleting unreachable P2 by hand"; return 1; }
    ip -n "$HR_VPS" addr del "$P1_HOST/128" dev lo || { fail "deleting $P1_HOST by hand"; return 1; }
    ip -n "$HR_VPS" addr del "$P2_HOST/64" dev br0 || { fail "deleting $P2_HOST by hand"; return 1; }
    hr_sysctl "$HR_VPS" net.ipv6.conf.all.forwarding 0
    hr_sysctl "$HR_VPS" net.ipv6.conf.eth0.accept_ra 1
    [ -z "$(hr_agent_routes "$HR_VPS")" ] || { fail "agent routes left after deleting them by hand"; return 1; }
    # The API goes away; keep its state to bring it back afterwards.
    hr_api GET /_sim/state >"$HR_WORK/sim-state.json" ||
        { fail "cannot save the simulator's state"; return 1; }
    hr_sim_stop
    local start
    start=$(now_ms)
    hr_daemon_start
    wait_for_state 15 || { fail "15 s after starting with the API down: $WHY"; return 1; }
    echo "#   restored from the state file $(($(now_ms) - start)) ms after the start"
    sysctl_is net.ipv6.conf.all.forwarding 1 || return 1
    hr_ping "$HR_ROUTER" "$P1_HOST" || { fail "router cannot ping $P1_HOST"; return 1; }
    hr_ping "$HR_ROUTER" "$P2_CONTAINER" || { fail "router cannot ping the container"; return 1; }
    hr_daemon_alive || { fail "the daemon exited while the API was down"; return 1; }
    # The API comes back with the same routes (same ids): the daemon stays converged. The restarted simulator
    # answers without routes for the few milliseconds before the reseed; a daemon fetch in that window only
    # schedules a removal, which the next answer (>= 2 s later, routes listed again) cancels.
    hr_sim_start || { fail "cannot restart the simulator"; return 1; }
    hr_api POST /_sim/seed "$(cat "$HR_WORK/sim-state.json")" >/dev/null || { fail "POST /_sim/seed"; return 1; }
    [ "$(hr_api GET /api/v2/routed-ipv6 | jq '[.pools[].routes[]] | length')" = 2 ] ||
        { fail "the reseeded simulator does not list 2 routes"; return 1; }
    hr_api DELETE /_sim/requests >/dev/null
    # The daemon is in backoff (at most a minute); it must come back to the API by itself.
    start=$(now_ms)
    hr_wait 65 daemon_fetched_ok || { fail "the daemon did not fetch from the API again within 65 s"; return 1; }
    echo "#   the daemon fetched from the API again $(($(now_ms) - start)) ms after it came back"
    sleep 1.5
    state_is_expected
}

# daemon_fetched_ok: the simulator logged a successful GET since the request log was cleared.
daemon_fetched_ok() {
    hr_api GET /_sim/requests 2>/dev/null |
        jq -e 'any(.[]; .method == "GET" and .path == "/api/v2/routed-ipv6" and (.status == 200 or .status == 304))' >/dev/null
}

case_addr_del_restored() {
    hr_daemon_alive || { fail "the daemon is not running"; return 1; }
    state_is_expected || return 1
    local start
    start=$(now_ms)
    ip -n "$HR_VPS" addr del "$P1_HOST/128" dev lo || { fail "ip addr del $P1_HOST"; return 1; }
    wait_for_state 5 || { fail "not restored within 5 s: $WHY"; return 1; }
    echo "#   $P1_HOST restored $(($(now_ms) - start)) ms after 'ip addr del'"
    start=$(now_ms)
    ip -n "$HR_VPS" -6 route del local "$P1" dev lo table local || { fail "ip route del local $P1"; return 1; }
    wait_for_state 5 || { fail "the local route was not restored within 5 s: $WHY"; return 1; }
    echo "#   local $P1 restored $(($(now_ms) - start)) ms after 'ip route del'"
    hr_ping "$HR_ROUTER" "$P1_ANY" || { fail "router cannot ping $P1_ANY"; return 1; }
}

# case_metrics: the daemon's Prometheus textfile (metrics_file's default, in the runtime directory) passes the
# text-format parser of Debian's python3-prometheus-client, has no sample timestamps, mode 0644, shows the routes
# the kernel holds as applied, a last sync within the last minute, and the repairs of case_addr_del_restored.
case_metrics() {
    hr_daemon_alive || { fail "the daemon is not running"; return 1; }
    local file=$HR_WORK/state/run/hostup-routed.prom out
    [ -f "$file" ] || { fail "no $file"; return 1; }
    [ "$(stat -c %a "$file")" = 644 ] || { fail "$file has mode $(stat -c %a "$file"), want 644"; return 1; }
    # Debian's interpreter: python3-prometheus-client is installed for it (a python3 first on the PATH may be another).
    out=$(/usr/bin/python3 - "$file" $((P1_ON + P2_ON)) <<'PY' 2>&1
import sys, time
from prometheus_client.parser import text_string_to_metric_families
samples = {}
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        assert s.timestamp is None, f"a sample with a timestamp: {s}"
        samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
def value(name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))
applied = value("hostup_routed_routes", state="applied")
assert applied == int(sys.argv[2]), f"routes applied {applied}, want {sys.argv[2]}"
for state in ("refused", "kernel-error", "conflict", "binding-problem", "deferred", "pending"):
    assert value("hostup_routed_routes", state=state) == 0, f"routes {state}: {value('hostup_routed_routes', state=state)}"
age = time.time() - value("hostup_routed_last_sync_timestamp_seconds")
assert -5 < age < 60, f"last sync {age:.1f} s ago"
assert value("hostup_routed_repairs_total") >= 1, f"repairs {value('hostup_routed_repairs_total')}"
assert value("hostup_routed_errors_total", code="api-transport") is not None, "no errors_total{code=api-transport}"
print(f"{len(samples)} samples; {applied:.0f} routes applied; last sync {age:.1f} s ago; "
      f"{value('hostup_routed_repairs_total'):.0f} repairs")
PY
    ) || { fail "$out"; return 1; }
    echo "#   $out"
}

case_cli_create_and_delete() {
    hr_daemon_alive || { fail "the daemon is not running"; return 1; }
    # The command asks the running daemon to apply the new route and returns once the kernel routes it.
    agent routes create --prefix-length 64 --label cli || { fail "routes create exited $?: $(paste -sd' ' "$HR_WORK/cmd.err")"; return 1; }
    local id prefix host
    id=$(sed -n 's/^created route \([^:]*\): .*/\1/p' "$HR_WORK/cmd.out")
    prefix=$(sed -n 's/^created route [^:]*: \([^ ]*\) -> .*/\1/p' "$HR_WORK/cmd.out")
    [ -n "$id" ] && [ -n "$prefix" ] || { fail "no new route in the output: $(paste -sd';' "$HR_WORK/cmd.out")"; return 1; }
    grep -q "the kernel routes $prefix" "$HR_WORK/cmd.out" || { fail "the command did not wait for the kernel: $(paste -sd';' "$HR_WORK/cmd.out")"; return 1; }
    host=${prefix%/*}1
    hr_ping "$HR_ROUTER" "$host" || { fail "router cannot ping $host right after routes create returned"; return 1; }
    # Deleting it through the command: the objects go after the daemon's confirming poll.
    local status
    agent routes delete "$id"
    status=$?
    [ "$status" = 64 ] || { fail "routes delete off a terminal without --yes exited $status, want 64"; return 1; }
    grep -q -- "--yes" "$HR_WORK/cmd.err" || { fail "routes delete off a terminal without --yes did not ask for it"; return 1; }
    agent routes delete "$id" --yes || { fail "routes delete exited $?: $(paste -sd' ' "$HR_WORK/cmd.err")"; return 1; }
    hr_wait 10 prefix_gone "$prefix" || { fail "$prefix still in the kernel 10 s after routes delete"; return 1; }
    state_is_expected
}

# prefix_gone PREFIX: the kernel holds no agent route for PREFIX.
prefix_gone() {
    ! hr_agent_routes "$HR_VPS" | grep -q "$1"
}

case_check_config() {
    local bad=$HR_WORK/bad.toml status
    printf '%s\n' "# a config with a typo" "api_url = \"$HR_API_URL\"" "" "pol_interval = \"1s\"" >"$bad"
    HR_CONFIG=$bad agent check-config
    status=$?
    [ "$status" = 78 ] || { fail "check-config on a bad key exited $status, want 78"; return 1; }
    grep -q 'pol_interval' "$HR_WORK/cmd.err" || { fail "the error does not name the key: $(paste -sd' ' "$HR_WORK/cmd.err")"; return 1; }
    grep -Eq ':4:|line 4' "$HR_WORK/cmd.err" || { fail "the error does not name line 4: $(paste -sd' ' "$HR_WORK/cmd.err")"; return 1; }
    agent check-config || { fail "check-config on the test's own config exited $?"; return 1; }
    # The API commands without a usable token: exit 78 naming the file, nothing sent (their other exit statuses are
    # Swift tests: AccountCommandsTests).
    local missing=$HR_WORK/no-token.toml
    { echo "token_file = \"$HR_WORK/missing-token\""; cat "$HR_CONFIG"; } >"$missing"
    HR_CONFIG=$missing agent routes list
    status=$?
    [ "$status" = 78 ] || { fail "routes list without a usable token exited $status, want 78"; return 1; }
    grep -q "$HR_WORK/missing-token" "$HR_WORK/cmd.err" || { fail "the error does not name the token file: $(paste -sd' ' "$HR_WORK/cmd.err")"; return 1; }
}

case_cleanup() {
    hr_daemon_stop TERM
    agent cleanup || { fail "cleanup exited $?"; return 1; }
    P1_ON=0 P2_ON=0
    state_is_expected || return 1
    sysctl_is net.ipv6.conf.all.forwarding 0 || return 1
    sysctl_is net.ipv6.conf.eth0.accept_ra 1 || return 1
    agent cleanup || { fail "a second cleanup exited $?"; return 1; }
    state_is_expected
}

# --- main --------------------------------------------------------------------------------------------------

if reason=$(hr_unavailable); then
    echo "SKIP: end-to-end tests need network namespaces: $reason"
    exit 77
fi
hr_resolve_bin || exit 1
hr_setup_traps
HR_CONFIG=$HR_WORK/config.toml
echo "# binaries: $BIN; namespaces: $HR_ROUTER $HR_VPS $HR_CTR"

if ! { hr_topology_up && hr_sim_start; } 2>"$HR_WORK/setup.err"; then
    echo "not ok - setup: $(paste -sd' ' "$HR_WORK/setup.err")"
    echo "0 passed, 1 failed"
    exit 1
fi
hr_write_config "$HR_CONFIG" "$HR_BINDINGS_CONTAINERS"

# background_sync NAME: `hostup-routed sync` in the vps namespace in the background; its exit status goes to
# $HR_WORK/NAME.rc ("signal N" when a signal ended it), its output to NAME.out/NAME.err; sets BG_PID.
background_sync() {
    (
        ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" "$BIN/hostup-routed" sync --config "$HR_CONFIG" \
            >"$HR_WORK/$1.out" 2>"$HR_WORK/$1.err"
        status=$?
        if [ "$status" -gt 128 ]; then echo "signal $((status - 128))"; else echo "$status"; fi >"$HR_WORK/$1.rc"
    ) &
    BG_PID=$!
}

# case_two_syncs: a second `sync` while a first one holds the state lock (a slow API) waits for it; it never takes
# the first for the daemon and ends it with SIGUSR1. When the first holds the lock for longer than 10 s, the second
# gives up with exit 75, naming the holder.
case_two_syncs() {
    local first second
    hr_api POST /_sim/fault '{"kind":"latency","milliseconds":3000,"count":1}' >/dev/null || { fail "POST /_sim/fault"; return 1; }
    background_sync sync1
    first=$BG_PID
    sleep 1
    background_sync sync2
    second=$BG_PID
    wait "$first" "$second"
    [ "$(cat "$HR_WORK/sync1.rc")" = 0 ] || { fail "the first sync ended with $(cat "$HR_WORK/sync1.rc"), want 0"; return 1; }
    [ "$(cat "$HR_WORK/sync2.rc")" = 0 ] ||
        { fail "the second sync ended with $(cat "$HR_WORK/sync2.rc"): $(tail -n1 "$HR_WORK/sync2.err")"; return 1; }

    hr_api POST /_sim/fault '{"kind":"hang"}' >/dev/null || { fail "POST /_sim/fault hang"; return 1; }
    background_sync sync3
    first=$BG_PID
    sleep 1
    background_sync sync4
    second=$BG_PID
    wait "$second"
    hr_api DELETE /_sim/fault >/dev/null
    wait "$first"
    [ "$(cat "$HR_WORK/sync4.rc")" = 75 ] || { fail "the waiting sync ended with $(cat "$HR_WORK/sync4.rc"), want 75"; return 1; }
    grep -q "hostup-routed sync (pid [0-9]*) holds the state directory's lock" "$HR_WORK/sync4.err" ||
        { fail "exit 75 without naming the holder: $(cat "$HR_WORK/sync4.err")"; return 1; }
    case "$(cat "$HR_WORK/sync3.rc")" in
    signal*) fail "the first sync was ended by $(cat "$HR_WORK/sync3.rc")"; return 1 ;;
    esac
    state_is_expected
}

run_case "sync applies a route created through the API (anyip on lo)" case_sync_anyip
run_case "address + forwarding binding makes the container reachable" case_address_forwarding
run_case "a second sync is idempotent" case_idempotent
run_case "two syncs at once: the second waits for the first (no SIGUSR1 to a one-shot), gives up after 10 s with exit 75" case_two_syncs
run_case "hand-made address and route inside the prefix are left alone" case_handmade_untouched
run_case "fail static: 500, malformed JSON, dropped connection, 429, a trickling body change nothing" case_fail_static
run_case "daemon removes a route deleted through the API, keeps the rest" case_daemon_route_deleted
run_case "kill -9 and restart converges with no duplicates" case_kill9_restart
run_case "API down at start: the state file's routes are applied" case_api_down_at_start
run_case "ip addr del by hand is repaired by the daemon" case_addr_del_restored
run_case "the metrics textfile parses, and shows the applied routes, the last sync and the repairs" case_metrics
run_case "routes create with the daemon running is reachable before it returns; routes delete removes it" case_cli_create_and_delete
run_case "check-config names the bad key and its line, exits 78" case_check_config
run_case "cleanup removes the agent's objects and leaves hand-made ones" case_cleanup

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
