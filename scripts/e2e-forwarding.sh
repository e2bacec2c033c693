#!/usr/bin/env bash
# e2e-forwarding.sh: end-to-end tests of the forwarding invariants with a real router: Debian's radvd sends router
# advertisements in the router namespace, and the vps's default route comes only from them (`proto ra`, no static
# default route). Needs root, iproute2, ping, curl, jq, radvd, strace and python3; touches nothing in the host
# namespace.
#
#   sudo scripts/e2e-forwarding.sh            # binaries from `swift build --show-bin-path`
#   sudo BIN=/path/to/bin scripts/e2e-forwarding.sh
#
# Prints `ok - NAME` or `not ok - NAME: WHY` per case, then exactly `N passed, M failed`; exits 1 when a case
# failed, 77 when it cannot run here (not root, no `ip netns`, a tool missing), 0 otherwise. HR_KEEP_WORK=1 keeps
# the work directory (configs, state, logs, strace output) for inspection; FWD_CASES="c2 c4" runs only those cases.
#
# Each case builds its own namespaces (netns-lib.sh's topology with HR_DEFAULT_ROUTE=ra, plus a `peer` namespace for
# extra veth links) and tears them down, with radvd, the daemon, the simulator and any listener, before the next.
# The agent's configs carry no `uplink` key: the agent must find the uplink from the default route and keep it
# when that route goes away for a while (radvd restarting, someone deleting it, a VPN's default route on top).
#
# The invariants (README "forwarding"; FACTS.md "RA and forwarding, with a real router"):
#   - while all.forwarding=1, the uplink's accept_ra never drops below 2, or the kernel ignores router
#     advertisements and the default route never comes back once it expires or is withdrawn;
#   - `cleanup` puts back every forwarding sysctl exactly as it was, per interface (writing all.forwarding
#     rewrites every interface's and default's value), except that accept_ra stays 2 on an interface whose
#     restored forwarding is still 1; also after the agent was SIGKILLed half-way (HOSTUP_ROUTED_FAILPOINT);
#   - an anyip binding sets net.ipv6.ip_nonlocal_bind=1 (unless `nonlocal_bind = false`), so a program can bind
#     any address of the routed prefix; `cleanup` restores it.
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

HR_DEFAULT_ROUTE=ra
FWD_BASE_ID=$HR_ID

# radvd's timing: an RA every 3-4 s, default route lifetime 30 s. A withdrawn default route must be back within
# MaxRtrAdvInterval + 2 s of radvd's (re)start.
RA_MIN_INTERVAL=3
RA_MAX_INTERVAL=4
RA_DEFAULT_LIFETIME=30
RA_RETURN_MS=$(((RA_MAX_INTERVAL + 2) * 1000))

P_FWD=2001:db8:1000:10::/64          # label "containers": address + forwarding on br0
P_ANY=2001:db8:1000:20::/64          # label "web": anyip
P_ANY_LISTEN=2001:db8:1000:20::80    # the listener's address in P_ANY (not the agent's P_ANY::1)
VPN_ADDR=2001:db8:ffff::10           # vpn0 in the vps (case 2)
VPN_GATEWAY=2001:db8:ffff::1

BINDING_FWD='
[[bindings]]
match = "containers"
mode = "address"
interface = "br0"
forwarding = true'
BINDING_ANYIP='
[[bindings]]
match = "*"
mode = "anyip"'

# Per case: its directory, namespace for extra links, and what it started.
CASE_DIR= PEER_NS=
RADVD_PID= SAMPLER_PID= LISTENER_PID= DAEMON_PID=
AGENT_ENV=()
PYTHON=

# --- helpers -----------------------------------------------------------------------------------------------

# problem, now_ms, wait_ms and sc come from netns-lib.sh.

# has_ra_default: the vps has `default via fe80::... dev eth0 proto ra`.
has_ra_default() {
    ip -j -n "$HR_VPS" -6 route show default 2>/dev/null |
        jq -e 'any(.[]; (.protocol | tostring) == "ra" and .dev == "eth0" and ((.gateway // "") | startswith("fe80:")))' \
            >/dev/null
}

no_ra_default() {
    ! has_ra_default
}

default_routes() {
    ip -n "$HR_VPS" -6 route show default 2>/dev/null | sed 's/ *$//' | paste -sd';'
}

# forwarding_ready: the agent has raised eth0's accept_ra and switched forwarding on, and RAs keep the route.
forwarding_ready() {
    [ "$(sc net.ipv6.conf.all.forwarding)" = 1 ] && [ "$(sc net.ipv6.conf.eth0.accept_ra)" = 2 ] && has_ra_default
}

forwarding_state() {
    echo "all.forwarding=$(sc net.ipv6.conf.all.forwarding) eth0.accept_ra=$(sc net.ipv6.conf.eth0.accept_ra)" \
        "default route: [$(default_routes)]"
}

# fwd_sysctls: every interface's forwarding and accept_ra (all and default included) and ip_nonlocal_bind in the
# vps namespace, one `NAME=VALUE` a line, sorted.
fwd_sysctls() {
    ip netns exec "$HR_VPS" sh -c '
        for d in /proc/sys/net/ipv6/conf/*; do
            i=${d##*/}
            echo "$i.forwarding=$(cat "$d/forwarding")"
            echo "$i.accept_ra=$(cat "$d/accept_ra")"
        done
        echo "ip_nonlocal_bind=$(cat /proc/sys/net/ipv6/ip_nonlocal_bind)"' | sort
}

# restored_problems BEFORE RAISED AFTER: compares fwd_sysctls outputs taken before the agent ran (BEFORE), while it
# had its settings (RAISED) and after `cleanup` (AFTER). Every value must be back, except that an accept_ra the
# agent raised to 2 must stay 2 where the interface's restored forwarding is 1. Prints one line per difference.
restored_problems() {
    awk -F= '
        FILENAME == ARGV[1] { before[$1] = $2; next }
        FILENAME == ARGV[2] { raised[$1] = $2; next }
        { after[$1] = $2 }
        END {
            for (name in before) {
                want = before[name]
                if (name ~ /\.accept_ra$/) {
                    iface = name; sub(/\.accept_ra$/, "", iface)
                    if (raised[name] == 2 && before[name] < 2 && after[iface ".forwarding"] == 1) want = 2
                }
                if (!(name in after)) print name " is gone, want " want
                else if (after[name] != want) print name " is " after[name] ", want " want
            }
        }' "$1" "$2" "$3" | sort
}

# fwd_config [TOP_LEVEL_TOML] [BINDINGS_TOML]: the agent's config for this case, without an `uplink` key.
fwd_config() {
    cat >"$HR_CONFIG" <<EOF
# written by scripts/e2e-forwarding.sh; no uplink key: the agent finds it from the default route
api_url = "$HR_API_URL"
vps_id = "$HR_VPS_ID"
poll_interval = "1s"
state_dir = "$CASE_DIR/state"
${1:-}
${2:-}
EOF
}

# agent COMMAND ARGS...: hostup-routed in the vps namespace (with AGENT_ENV in its environment), stdout to
# $CASE_DIR/cmd.out, stderr to cmd.err (both appended to commands.log), at most 60 s; returns its exit status
# (137 when it was SIGKILLed).
agent() {
    local command=$1 status
    shift
    { timeout 60 ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" "${AGENT_ENV[@]}" \
        "$BIN/hostup-routed" "$command" "$@" --config "$HR_CONFIG" >"$CASE_DIR/cmd.out" 2>"$CASE_DIR/cmd.err"; } \
        2>/dev/null
    status=$?
    {
        echo "--- ${AGENT_ENV[*]} hostup-routed $command $* (exit $status)"
        cat "$CASE_DIR/cmd.out" "$CASE_DIR/cmd.err"
    } >>"$CASE_DIR/commands.log"
    return "$status"
}

# fwd_daemon_start [STRACE_FILE]: `hostup-routed run` in the background in the vps namespace, log in
# $CASE_DIR/daemon.log; under `strace -f -y -e trace=write,pwrite64 -o STRACE_FILE` when given. HR_DAEMON_PID is
# the process we started (strace, or the daemon itself); DAEMON_PID is the daemon (for signals).
fwd_daemon_start() {
    local trace=${1:-}
    echo "--- hostup-routed run started at $(date +%T.%N)${trace:+ under strace}" >>"$CASE_DIR/daemon.log"
    if [ -n "$trace" ]; then
        ip netns exec "$HR_VPS" strace -f -y -e trace=write,pwrite64 -o "$trace" \
            env HOSTUP_API_TOKEN="$HR_TOKEN" "$BIN/hostup-routed" run --config "$HR_CONFIG" \
            >>"$CASE_DIR/daemon.log" 2>&1 &
        HR_DAEMON_PID=$!
        wait_ms 5000 strace_child_known || { echo "strace did not start the daemon" >&2; return 1; }
    else
        ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" "$BIN/hostup-routed" run --config "$HR_CONFIG" \
            >>"$CASE_DIR/daemon.log" 2>&1 &
        HR_DAEMON_PID=$!
        DAEMON_PID=$HR_DAEMON_PID
    fi
}

# strace_child_known: sets DAEMON_PID to strace's child once that is hostup-routed (`ip netns exec` and `env` exec;
# strace's first child can be a short-lived probe of its own, so the name is checked).
strace_child_known() {
    local child
    for child in $(cat "/proc/$HR_DAEMON_PID/task/$HR_DAEMON_PID/children" 2>/dev/null); do
        if [ "$(cat "/proc/$child/comm" 2>/dev/null)" = hostup-routed ]; then
            DAEMON_PID=$child
            return 0
        fi
    done
    return 1
}

# fwd_daemon_stop: SIGTERM to the daemon first (a tracee whose strace dies would be detached and keep running),
# then to what we started.
fwd_daemon_stop() {
    if [ -n "$DAEMON_PID" ] && [ "$DAEMON_PID" != "$HR_DAEMON_PID" ]; then
        hr_stop_pid "$DAEMON_PID" TERM
    fi
    DAEMON_PID=
    hr_daemon_stop TERM
}

daemon_alive() {
    [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null
}

# radvd_start: radvd in the router namespace advertising a default route on up0 (no prefix: the vps keeps its
# static 2001:db8::10/64), log in $CASE_DIR/radvd.log.
radvd_start() {
    cat >"$CASE_DIR/radvd.conf" <<EOF
interface up0 {
    AdvSendAdvert on;
    MinRtrAdvInterval $RA_MIN_INTERVAL;
    MaxRtrAdvInterval $RA_MAX_INTERVAL;
    AdvDefaultLifetime $RA_DEFAULT_LIFETIME;
};
EOF
    echo "--- radvd started at $(date +%T.%N)" >>"$CASE_DIR/radvd.log"
    ip netns exec "$HR_ROUTER" radvd -n -C "$CASE_DIR/radvd.conf" -p "$CASE_DIR/radvd.pid" -m stderr \
        >>"$CASE_DIR/radvd.log" 2>&1 &
    RADVD_PID=$!
}

# radvd_stop: SIGTERM (radvd then sends a last RA with router lifetime 0) and wait for it to exit, and for its
# privilege-separation child, which exits by itself once its pipe to radvd closes.
radvd_stop() {
    [ -n "$RADVD_PID" ] || return 0
    local children child
    children=$(cat "/proc/$RADVD_PID/task/$RADVD_PID/children" 2>/dev/null)
    hr_stop_pid "$RADVD_PID" TERM
    RADVD_PID=
    for child in $children; do
        wait_ms 2000 eval '! kill -0 "$child" 2>/dev/null' || true
    done
}

# sampler_start FILE: samples `EPOCH_MS all.forwarding eth0.accept_ra` in the vps namespace every 0.1 s.
sampler_start() {
    ip netns exec "$HR_VPS" sh -c '
        while true; do
            read -r f </proc/sys/net/ipv6/conf/all/forwarding
            read -r a </proc/sys/net/ipv6/conf/eth0/accept_ra
            echo "$(($(date +%s%N) / 1000000)) $f $a"
            sleep 0.1
        done' >"$1" 2>/dev/null &
    SAMPLER_PID=$!
}

sampler_stop() {
    [ -n "$SAMPLER_PID" ] || return 0
    hr_stop_pid "$SAMPLER_PID" TERM
    SAMPLER_PID=
}

listener_stop() {
    [ -n "$LISTENER_PID" ] || return 0
    hr_stop_pid "$LISTENER_PID" TERM
    LISTENER_PID=
}

# fwd_case_up ID: fresh namespaces hrPID-ID-{router,vps,ctr,peer}, the simulator and radvd; waits for the vps's
# RA default route.
fwd_case_up() {
    HR_ID=$FWD_BASE_ID-$1
    HR_ROUTER=$HR_ID-router HR_VPS=$HR_ID-vps HR_CTR=$HR_ID-ctr PEER_NS=$HR_ID-peer
    CASE_DIR=$HR_WORK/$1
    HR_CONFIG=$CASE_DIR/config.toml
    AGENT_ENV=()
    mkdir -p "$CASE_DIR/state"
    if ! {
        hr_topology_up && ip netns add "$PEER_NS" && ip -n "$PEER_NS" link set lo up && hr_sim_start && radvd_start
    } 2>>"$CASE_DIR/setup.err"; then
        fail "setup: $(paste -sd' ' "$CASE_DIR/setup.err")"
        return 1
    fi
    if ! wait_ms 10000 has_ra_default; then
        fail "setup: no RA default route in the vps 10 s after radvd started ($(forwarding_state))"
        return 1
    fi
    # The starting point every case relies on.
    if [ "$(sc net.ipv6.conf.all.forwarding)" != 0 ] || [ "$(sc net.ipv6.conf.eth0.accept_ra)" != 1 ]; then
        fail "setup: want all.forwarding=0 and eth0.accept_ra=1, have $(forwarding_state)"
        return 1
    fi
}

# fwd_case_down: stops everything the case started, by PID, and deletes its namespaces.
fwd_case_down() {
    sampler_stop
    listener_stop
    fwd_daemon_stop
    radvd_stop
    hr_sim_stop
    local ns
    for ns in "$PEER_NS" "$HR_CTR" "$HR_VPS" "$HR_ROUTER"; do
        [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
    done
    PEER_NS=
    return 0
}

fwd_teardown() {
    local status=$?
    fwd_case_down 2>/dev/null
    (exit "$status")
    hr_teardown
}

# veth_to_peer NAME: a veth NAME in the vps, its other end (eth-NAME) in the peer namespace, both up.
veth_to_peer() {
    ip -n "$HR_VPS" link add "$1" type veth peer name "eth-$1" netns "$PEER_NS" &&
        ip -n "$HR_VPS" link set "$1" up &&
        ip -n "$PEER_NS" link set "eth-$1" up
}

# diagnostics: the case's logs, as `#` comments.
diagnostics() {
    [ -n "$CASE_DIR" ] || return 0
    hr_show_tail "last command's stderr" "$CASE_DIR/cmd.err" 6
    hr_show_tail "daemon log (tail)" "$CASE_DIR/daemon.log" 10
}

# fwd_run ID NAME FUNCTION: runs FUNCTION as case NAME in fresh namespaces, then tears them down.
FWD_FUNCTION= FWD_CASE_ID=
fwd_run() {
    local id=$1 name=$2 start
    case " ${FWD_CASES:-$id} " in *" $id "*) ;; *) return 0 ;; esac
    FWD_CASE_ID=$id FWD_FUNCTION=$3
    start=$(now_ms)
    run_case "$name" fwd_case
    echo "#   ($id took $(($(now_ms) - start)) ms)"
    fwd_case_down
}

fwd_case() {
    fwd_case_up "$FWD_CASE_ID" || return 1
    WHY=
    "$FWD_FUNCTION"
}

# --- the cases ---------------------------------------------------------------------------------------------

# 1. radvd restarts while the daemon runs: the RA default route goes (router lifetime 0) and must come back as soon
# as radvd advertises again; forwarding and accept_ra=2 must hold throughout.
case_radvd_restart() {
    fwd_config "" "$BINDING_FWD"
    hr_create_route "$P_FWD" containers >/dev/null || { fail "POST create_route $P_FWD failed"; return 1; }
    fwd_daemon_start || { fail "the daemon did not start"; return 1; }
    wait_ms 15000 forwarding_ready || { fail "15 s after the daemon started: $(forwarding_state)"; return 1; }
    sleep 1.5 # a poll or two with the route there
    sampler_start "$CASE_DIR/samples"
    sleep 0.3
    local stopped started back
    radvd_stop
    stopped=$(now_ms)
    if ! wait_ms 2000 no_ra_default; then
        fail "radvd's last RA (lifetime 0) did not remove the default route: [$(default_routes)]"
        return 1
    fi
    echo "#   radvd stopped; the default route went $(($(now_ms) - stopped)) ms later"
    sleep 5 # several polls without a default route
    radvd_start
    started=$(now_ms)
    if wait_ms "$RA_RETURN_MS" has_ra_default; then
        back=$(($(now_ms) - started))
        echo "#   default route back $back ms after radvd started (limit $RA_RETURN_MS ms)"
        sleep 1.5 # and it holds for a poll or two
    else
        problem "no default route within $RA_RETURN_MS ms of radvd's start ($(forwarding_state))"
        wait_ms 6000 has_ra_default && echo "#   default route back $(($(now_ms) - started)) ms after radvd started"
    fi
    sampler_stop
    # Every sample: forwarding 1, accept_ra 2.
    local bad count
    count=$(wc -l <"$CASE_DIR/samples")
    bad=$(awk -v t0="$stopped" '
        $2 != 1 || $3 != 2 {
            n++
            if (!first) first = sprintf("all.forwarding=%s eth0.accept_ra=%s at %+d ms", $2, $3, $1 - t0)
        }
        END { if (n) printf "%d of %d samples bad, first: %s after radvd stopped", n, NR, first }' "$CASE_DIR/samples")
    [ "$count" -ge 50 ] || problem "only $count sysctl samples (the sampler did not run)"
    [ -z "$bad" ] || problem "$bad"
    has_ra_default || problem "no default route at the end: $(forwarding_state)"
    daemon_alive || problem "the daemon exited"
    # The detected uplink should be remembered across the route's absence (informational: the key name is the
    # agent's business).
    local remembered
    remembered=$(jq -c '[paths(scalars) as $p | select($p | map(tostring) | join(".") | ascii_downcase | test("uplink"))
        | {key: ($p | map(tostring) | join(".")), value: getpath($p)}]' "$CASE_DIR/state/state.json" 2>/dev/null)
    echo "#   state.json keys naming the uplink: ${remembered:-none (no state.json?)}"
    [ -z "$WHY" ]
}

# accept_ra_writes FILE: every write to a /proc/sys/net/ipv6/conf/*/accept_ra in an strace file, as "IF=VALUE" lines.
accept_ra_writes() {
    grep -E '(write|pwrite64)\([0-9]+</proc/sys/net/ipv6/conf/[^>]+/accept_ra>, "' "$1" |
        sed -E 's#.*</proc/sys/net/ipv6/conf/([^>]+)/accept_ra>, "([^"]*)".*#\1=\2#; s#\\n$##'
}

route_back_after_delete() {
    local i start
    for i in 1 2 3; do
        ip -n "$HR_VPS" -6 route del default dev eth0 || { problem "ip -6 route del default (round $i) failed"; return 1; }
        start=$(now_ms)
        if ! wait_ms "$RA_RETURN_MS" has_ra_default; then
            problem "after deleting the default route (round $i) RAs did not re-add it within $RA_RETURN_MS ms ($(forwarding_state))"
            return 1
        fi
        echo "#   round $i: default route re-added by an RA $(($(now_ms) - start)) ms after the delete"
        sleep 1.2 # let the daemon poll once more with it back
    done
}

vpn_default_route() {
    veth_to_peer vpn0 &&
        ip -n "$HR_VPS" addr add "$VPN_ADDR/64" dev vpn0 nodad &&
        ip -n "$HR_VPS" -6 route add default via "$VPN_GATEWAY" dev vpn0 metric 100 || {
        problem "could not add vpn0 and its default route"
        return 1
    }
    local first
    first=$(ip -j -n "$HR_VPS" -6 route show default | jq -r '.[0].dev')
    [ "$first" = vpn0 ] || { problem "vpn0's default route does not sort first: [$(default_routes)]"; return 1; }
    sleep 3.5 # a few polls with vpn0's default route first
    ip -n "$HR_VPS" link del vpn0 || { problem "ip link del vpn0 failed"; return 1; }
    sleep 2.5
    has_ra_default || { problem "after vpn0 went: $(forwarding_state)"; return 1; }
}

uplink_reload() {
    veth_to_peer alt0 || { problem "could not add alt0"; return 1; }
    fwd_config 'uplink = "alt0"' "$BINDING_FWD"
    kill -HUP "$DAEMON_PID" 2>/dev/null || { problem "SIGHUP to the daemon ($DAEMON_PID) failed: it is gone"; return 1; }
    sleep 3.5
    echo "#   with uplink = \"alt0\": $(forwarding_state), alt0.accept_ra=$(sc net.ipv6.conf.alt0.accept_ra)"
    fwd_config "" "$BINDING_FWD"
    kill -HUP "$DAEMON_PID" 2>/dev/null || { problem "SIGHUP to the daemon ($DAEMON_PID) failed: it is gone"; return 1; }
    sleep 3.5
    echo "#   uplink key removed again: $(forwarding_state), alt0.accept_ra=$(sc net.ipv6.conf.alt0.accept_ra)"
}

# 2. While forwarding is on, nothing the agent does may write accept_ra < 2 anywhere: not when the default route is
# deleted, not when another interface's default route sorts first, not when the configured uplink changes.
case_no_low_accept_ra() {
    fwd_config "" "$BINDING_FWD"
    hr_create_route "$P_FWD" containers >/dev/null || { fail "POST create_route $P_FWD failed"; return 1; }
    local trace=$CASE_DIR/strace.out
    fwd_daemon_start "$trace" || { fail "the daemon did not start under strace"; return 1; }
    wait_ms 20000 forwarding_ready || { fail "20 s after the daemon started under strace: $(forwarding_state)"; return 1; }
    sampler_start "$CASE_DIR/samples"
    route_back_after_delete && vpn_default_route && uplink_reload
    if ! wait_ms "$RA_RETURN_MS" has_ra_default; then
        problem "no default route at the end: $(forwarding_state)"
    fi
    daemon_alive || problem "the daemon exited: $(tail -n 2 "$CASE_DIR/daemon.log" | paste -sd' ')"
    sampler_stop
    fwd_daemon_stop # strace flushes and exits with it
    local writes low off
    writes=$(accept_ra_writes "$trace" | sort | uniq -c | awk '{print $2 " (x" $1 ")"}' | paste -sd' ')
    echo "#   accept_ra writes seen: ${writes:-none}"
    grep -Eq '</proc/sys/net/ipv6/conf/all/forwarding>, "1' "$trace" ||
        problem "strace saw no write of all.forwarding=1: the trace proves nothing (writes: ${writes:-none})"
    low=$(accept_ra_writes "$trace" | awk -F= '$2 !~ /^[0-9]+$/ || $2 + 0 < 2' | sort | uniq -c |
        awk '{print $2 " (x" $1 ")"}' | paste -sd' ')
    [ -z "$low" ] || problem "accept_ra < 2 written while forwarding was on: $low"
    off=$(awk '$2 != 1' "$CASE_DIR/samples" | wc -l)
    [ "$off" = 0 ] || problem "all.forwarding was not 1 in $off samples (the case assumes it stays on)"
    # Informational: what cleanup makes of alt0, raised while it was the configured uplink.
    agent cleanup
    echo "#   cleanup exited $?: $(forwarding_state | sed 's/ default route.*//')" \
        "alt0.forwarding=$(sc net.ipv6.conf.alt0.forwarding) alt0.accept_ra=$(sc net.ipv6.conf.alt0.accept_ra)"
    [ -z "$WHY" ]
}

# wg0_before_agent: wg0 (a veth: no wireguard here) with forwarding=1 set by the admin before the agent runs;
# all.forwarding and default.forwarding stay 0. Writing forwarding=1 on *any* interface makes the kernel purge the
# RA default routes of every interface whose accept_ra is not 2 (rt6_purge_dflt_routers(), called from
# addrconf_fixup_forwarding()), so eth0's route goes too and comes back with radvd's next RA: wait for it.
wg0_before_agent() {
    veth_to_peer wg0 || return 1
    hr_sysctl "$HR_VPS" net.ipv6.conf.wg0.forwarding 1 &&
        [ "$(sc net.ipv6.conf.wg0.forwarding)" = 1 ] &&
        [ "$(sc net.ipv6.conf.all.forwarding)" = 0 ] &&
        [ "$(sc net.ipv6.conf.default.forwarding)" = 0 ] &&
        wait_ms "$RA_RETURN_MS" has_ra_default
}

# default_route_after_cleanup: a `#` line saying whether cleanup's restores kept the RA default route, and if not,
# how long until an RA brought it back (informational: RA intervals on real networks are minutes).
default_route_after_cleanup() {
    local start
    start=$(now_ms)
    if has_ra_default; then
        echo "#   the RA default route survived cleanup"
    elif wait_ms "$RA_RETURN_MS" has_ra_default; then
        echo "#   cleanup's restores removed the RA default route (forwarding=1 written while eth0.accept_ra<2);" \
            "the next RA brought it back $(($(now_ms) - start)) ms later"
    else
        problem "no default route $RA_RETURN_MS ms after cleanup: $(forwarding_state)"
    fi
}

# 3. sync turns forwarding on (which rewrites every interface's forwarding and default's), cleanup must put back
# each value as it was.
case_restore_originals() {
    if ! wg0_before_agent; then
        fail "setting up wg0 with forwarding=1:" \
            "$(fwd_sysctls | grep -E '^(all|default|wg0)\.forwarding' | paste -sd' '); default route: [$(default_routes)]"
        return 1
    fi
    fwd_config "" "$BINDING_FWD"
    hr_create_route "$P_FWD" containers >/dev/null || { fail "POST create_route $P_FWD failed"; return 1; }
    fwd_sysctls >"$CASE_DIR/sysctls.before"
    agent sync || { fail "sync exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-300)"; return 1; }
    fwd_sysctls >"$CASE_DIR/sysctls.raised"
    [ "$(sc net.ipv6.conf.all.forwarding)" = 1 ] && [ "$(sc net.ipv6.conf.eth0.accept_ra)" = 2 ] ||
        problem "after sync: $(forwarding_state)"
    echo "#   after sync: $(grep -E '^(all|default|wg0|eth0)\.' "$CASE_DIR/sysctls.raised" | paste -sd' ')"
    agent cleanup || problem "cleanup exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-300)"
    fwd_sysctls >"$CASE_DIR/sysctls.after"
    default_route_after_cleanup
    local diff
    diff=$(restored_problems "$CASE_DIR/sysctls.before" "$CASE_DIR/sysctls.raised" "$CASE_DIR/sysctls.after" | paste -sd';')
    [ -z "$diff" ] || problem "after cleanup: ${diff//;/, }"
    [ -z "$(hr_agent_routes "$HR_VPS")" ] || problem "agent routes left after cleanup: $(hr_agent_routes "$HR_VPS" | paste -sd';')"
    [ -z "$WHY" ]
}

# kill_round NAME BINDINGS RESYNC: one `sync` with the failpoint (must die by SIGKILL after one sysctl write), then,
# when RESYNC=1, a normal `sync` (as systemd restarting the daemon would: it must not take the half-written values
# for originals), then `cleanup`: every original must be back. Adds to WHY, prefixed with NAME.
kill_round() {
    local name=$1 bindings=$2 resync=$3 status changed diff dir
    KILL_ROUND=$((KILL_ROUND + 1))
    dir=$CASE_DIR/round$KILL_ROUND
    mkdir -p "$dir"
    fwd_config "" "$bindings"
    # The admin's wg0.forwarding=1 again (a wrong earlier cleanup may have lost it), so each round stands alone.
    if [ "$(sc net.ipv6.conf.wg0.forwarding)" != 1 ]; then
        hr_sysctl "$HR_VPS" net.ipv6.conf.wg0.forwarding 1
    fi
    wait_ms "$RA_RETURN_MS" has_ra_default || { problem "$name: no RA default route before sync"; return 1; }
    fwd_sysctls >"$dir/sysctls.before"
    AGENT_ENV=(HOSTUP_ROUTED_FAILPOINT=kill-after-first-sysctl-write)
    agent sync
    status=$?
    AGENT_ENV=()
    [ "$status" = 137 ] ||
        problem "$name: sync with HOSTUP_ROUTED_FAILPOINT=kill-after-first-sysctl-write exited $status, want 137 (SIGKILL)"
    fwd_sysctls >"$dir/sysctls.raised"
    changed=$(diff "$dir/sysctls.before" "$dir/sysctls.raised" | sed -n 's/^> //p' | paste -sd' ')
    echo "#   $name: sync exited $status; changed by then: ${changed:-nothing}"
    if [ "$resync" = 1 ]; then
        agent sync || problem "$name: the sync after the killed one exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-200)"
        [ "$(sc net.ipv6.conf.all.forwarding)" = 1 ] ||
            problem "$name: after the second sync: $(forwarding_state)"
        fwd_sysctls >"$dir/sysctls.raised"
    fi
    agent cleanup || problem "$name: cleanup exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-200)"
    fwd_sysctls >"$dir/sysctls.after"
    diff=$(restored_problems "$dir/sysctls.before" "$dir/sysctls.raised" "$dir/sysctls.after" | paste -sd';')
    [ -z "$diff" ] || problem "$name: after cleanup: ${diff//;/, }"
    [ -z "$(hr_agent_routes "$HR_VPS")" ] ||
        problem "$name: agent routes left after cleanup: $(hr_agent_routes "$HR_VPS" | paste -sd';')"
    return 0
}

# 4. The agent is SIGKILLed right after its first sysctl write (debug failpoint); cleanup must still restore every
# original, so the originals must be on disk before the first write. Four rounds: both bindings (the first write
# may be ip_nonlocal_bind) and the forwarding binding alone (the first write is then a forwarding one), each with
# cleanup right after the kill and with a normal sync in between.
KILL_ROUND=0
case_kill_after_first_write() {
    wg0_before_agent || { fail "setting up wg0 with forwarding=1: default route: [$(default_routes)]"; return 1; }
    hr_create_route "$P_FWD" containers >/dev/null || { fail "POST create_route $P_FWD failed"; return 1; }
    hr_create_route "$P_ANY" web >/dev/null || { fail "POST create_route $P_ANY failed"; return 1; }
    kill_round "forwarding+anyip, kill, cleanup" "$BINDING_FWD$BINDING_ANYIP" 0
    kill_round "forwarding, kill, cleanup" "$BINDING_FWD" 0
    kill_round "forwarding+anyip, kill, sync, cleanup" "$BINDING_FWD$BINDING_ANYIP" 1
    kill_round "forwarding, kill, sync, cleanup" "$BINDING_FWD" 1
    [ -z "$WHY" ]
}

LISTENER_PY='
import socket, sys
address, port, status = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def report(text):
    with open(status + ".tmp", "w") as f:
        f.write(text + "\n")
    import os
    os.rename(status + ".tmp", status)
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((address, port))
except OSError as e:
    report("bind failed: " + str(e))
    sys.exit(2)
s.listen(1)
report("listening")
s.settimeout(20)
c, peer = s.accept()
c.settimeout(5)
c.recv(100)
c.sendall(b"hostup-anyip " + peer[0].encode() + b"\n")
c.close()
'

CLIENT_PY='
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
c.sendall(b"hello\n")
print(c.recv(100).decode().strip())
'

# 5. anyip: ip_nonlocal_bind=1 lets a program bind any address of the routed prefix (not only P::1); cleanup
# restores it; `nonlocal_bind = false` leaves it alone.
case_anyip_bind() {
    fwd_config "" ""
    hr_create_route "$P_ANY" web >/dev/null || { fail "POST create_route $P_ANY failed"; return 1; }
    local before answer
    before=$(sc net.ipv6.ip_nonlocal_bind)
    [ "$before" = 0 ] || { fail "ip_nonlocal_bind is $before before the agent, want 0"; return 1; }
    agent sync || { fail "sync exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-300)"; return 1; }
    [ "$(sc net.ipv6.ip_nonlocal_bind)" = 1 ] || problem "ip_nonlocal_bind is $(sc net.ipv6.ip_nonlocal_bind) after sync, want 1"
    ip netns exec "$HR_VPS" "$PYTHON" -c "$LISTENER_PY" "$P_ANY_LISTEN" 80 "$CASE_DIR/listener" \
        >>"$CASE_DIR/listener.log" 2>&1 &
    LISTENER_PID=$!
    if ! wait_ms 5000 test -s "$CASE_DIR/listener"; then
        problem "the listener did not start: $(paste -sd' ' "$CASE_DIR/listener.log")"
    elif ! grep -q '^listening' "$CASE_DIR/listener"; then
        problem "listener on [$P_ANY_LISTEN]:80: $(cat "$CASE_DIR/listener")"
    else
        answer=$(ip netns exec "$HR_ROUTER" "$PYTHON" -c "$CLIENT_PY" "$P_ANY_LISTEN" 80 2>&1 | tail -n 1)
        [ "$answer" = "hostup-anyip $HR_ROUTER_ADDR" ] ||
            problem "the router connecting to [$P_ANY_LISTEN]:80 got: $answer"
    fi
    listener_stop
    agent cleanup || problem "cleanup exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-300)"
    [ "$(sc net.ipv6.ip_nonlocal_bind)" = 0 ] || problem "ip_nonlocal_bind is $(sc net.ipv6.ip_nonlocal_bind) after cleanup, want 0"
    # nonlocal_bind = false: the agent leaves it at 0.
    fwd_config "nonlocal_bind = false" ""
    if agent sync; then
        [ "$(sc net.ipv6.ip_nonlocal_bind)" = 0 ] ||
            problem "with nonlocal_bind = false, ip_nonlocal_bind is $(sc net.ipv6.ip_nonlocal_bind) after sync, want 0"
        hr_ping "$HR_ROUTER" "${P_ANY%/*}1" || problem "with nonlocal_bind = false the router cannot ping ${P_ANY%/*}1"
        agent cleanup || problem "cleanup (nonlocal_bind = false) exited $?"
    else
        problem "sync with nonlocal_bind = false exited $?: $(paste -sd' ' "$CASE_DIR/cmd.err" | cut -c1-200)"
    fi
    [ -z "$WHY" ]
}

# --- main --------------------------------------------------------------------------------------------------

if reason=$(hr_unavailable); then
    echo "SKIP: forwarding tests need network namespaces: $reason"
    exit 77
fi
for tool in radvd strace python3 timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: '$tool' is not installed (apt-get install radvd strace python3)"
        exit 77
    fi
done
PYTHON=$(command -v python3)
hr_resolve_bin || exit 1
hr_setup_traps
trap fwd_teardown EXIT
echo "# binaries: $BIN (hostup-routed modified $(date -r "$BIN/hostup-routed" '+%F %T')); namespaces: $FWD_BASE_ID-cN-*"

fwd_run c1 "radvd restart: default route back within ${RA_RETURN_MS} ms, forwarding=1 and accept_ra=2 throughout" case_radvd_restart
fwd_run c2 "no accept_ra<2 while forwarding: route deleted, VPN default route first, uplink changed by SIGHUP" case_no_low_accept_ra
fwd_run c3 "restore exact originals: cleanup puts back all/default/per-interface forwarding and accept_ra" case_restore_originals
fwd_run c4 "kill after first sysctl write: sync dies by SIGKILL, cleanup restores every original" case_kill_after_first_write
fwd_run c5 "anyip bind: ip_nonlocal_bind=1 lets a listener bind P::80, cleanup restores it, nonlocal_bind = false leaves it" case_anyip_bind

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
