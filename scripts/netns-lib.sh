# shellcheck shell=bash
# netns-lib.sh: the network-namespace topology shared by scripts/e2e.sh and scripts/demo.sh.
#
# Source it; it defines functions and variables prefixed `hr_` / `HR_` and touches nothing until called.
#
#   router ns   up0  2001:db8::1/64, route 2001:db8:1000::/48 via 2001:db8::10, forwarding on
#      |  veth
#   vps ns      eth0 2001:db8::10/64, default via 2001:db8::1; lo up; bridge br0 up; the simulator
#      |        (127.0.0.1:$HR_SIM_PORT) and the agent run here. With HR_DEFAULT_ROUTE=ra the vps gets no static
#      |        default route: the caller runs a router advertisement daemon in the router namespace (e2e-forwarding.sh)
#      |  veth ctr0 (a port of br0)
#   container   eth0 (the test gives it an address by hand)
#
# Every link is created directly inside the namespaces (`ip -n NS link add ... netns NS2`), so the host namespace's
# interfaces, addresses, routes and sysctls are never touched. Namespace names carry the caller's PID
# ($HR_ID, e.g. hr1234-vps), so parallel runs do not collide; hr_teardown (installed as an EXIT trap by
# hr_setup_traps) kills the processes we started, by PID, and deletes the namespaces, even on failure.
# Addresses come from the documentation prefix 2001:db8::/32 (RFC 3849), IPv4 from 192.0.2.0/24 (RFC 5737).

HR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HR_REPO=$(cd "$HR_LIB_DIR/.." && pwd)

HR_ID=${HR_ID:-hr$$}
HR_ROUTER=$HR_ID-router
HR_VPS=$HR_ID-vps
HR_CTR=$HR_ID-ctr

HR_VPS_ID=vps_01hxa3b4c5d6e7f8g9h0j1k2m5
HR_VPS_NAME=web-01
HR_VPS_IPV4=192.0.2.10
HR_ROUTER_ADDR=2001:db8::1
HR_NEXT_HOP=2001:db8::10
HR_POOL=2001:db8:1000::/48
# Each namespace has its own port space, so a fixed port inside the vps namespace cannot collide with anything
# on the host, and stays the same when the simulator is restarted.
HR_SIM_PORT=${HR_SIM_PORT:-8080}
HR_API_URL=http://127.0.0.1:$HR_SIM_PORT
HR_TOKEN=hr-test-token-$$

# The bindings the topology is made for (a config's tail): routes labelled `containers` get an address on br0, with
# forwarding, to reach the container; every other route is bound anyip.
HR_BINDINGS_CONTAINERS='
[[bindings]]
match = "containers"
mode = "address"
interface = "br0"
forwarding = true

[[bindings]]
match = "*"
mode = "anyip"'

HR_WORK=
HR_SIM_PID=
HR_DAEMON_PID=

# hr_log MESSAGE: a progress line on stderr.
hr_log() {
    printf '# %s\n' "$*" >&2
}

# hr_unavailable: prints why namespaces cannot be used here and returns 0, or prints nothing and returns 1.
hr_unavailable() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "not running as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)"
        return 0
    fi
    local tool
    for tool in ip ping curl jq; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "'$tool' is not installed (apt-get install iproute2 iputils-ping curl jq)"
            return 0
        fi
    done
    local probe=$HR_ID-probe
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "'ip netns add' fails here (no network namespace support or no permission to mount /run/netns)"
        return 0
    fi
    ip netns del "$probe" 2>/dev/null
    return 1
}

# hr_resolve_bin: sets BIN to the directory holding hostup-routed and hostup-api-sim.
# Uses $BIN when set, else `swift build --show-bin-path` from the repository root. Fails when a binary is missing.
hr_resolve_bin() {
    if [ -z "${BIN:-}" ]; then
        BIN=$(cd "$HR_REPO" && swift build --show-bin-path) || {
            echo "cannot find the build directory: set BIN or install swift" >&2
            return 1
        }
    fi
    local binary
    for binary in hostup-routed hostup-api-sim; do
        if [ ! -x "$BIN/$binary" ]; then
            echo "$BIN/$binary does not exist: run 'swift build' first (or set BIN)" >&2
            return 1
        fi
    done
    export BIN
}

# hr_setup_traps: makes a work directory ($HR_WORK) and tears everything down on exit, INT or TERM.
hr_setup_traps() {
    HR_WORK=$(mktemp -d "${TMPDIR:-/tmp}/$HR_ID.XXXXXX")
    trap hr_teardown EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Directories outside $HR_WORK that hr_teardown deletes too (a tmpfs runtime directory, say).
HR_EXTRA_DIRS=()

# hr_teardown: stops the daemon and the simulator (by PID), deletes the namespaces, the work directory (kept when
# HR_KEEP_WORK=1) and $HR_EXTRA_DIRS.
hr_teardown() {
    local status=$?
    hr_daemon_stop KILL 2>/dev/null || true
    hr_sim_stop 2>/dev/null || true
    local ns path
    for ns in "$HR_CTR" "$HR_VPS" "$HR_ROUTER"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    for path in "${HR_EXTRA_DIRS[@]}"; do
        rm -rf -- "$path"
    done
    if [ -n "$HR_WORK" ] && [ -d "$HR_WORK" ]; then
        if [ "${HR_KEEP_WORK:-0}" = 1 ]; then
            hr_log "work directory kept: $HR_WORK"
        else
            rm -rf -- "$HR_WORK"
        fi
    fi
    return "$status"
}

# hr_sysctl NS NAME VALUE: sets a sysctl (dotted name) inside namespace NS, never in the host namespace.
# Writes /proc/sys directly (its net/ part belongs to the writer's namespace), so procps is not needed.
hr_sysctl() {
    ip netns exec "$1" sh -c 'echo "$2" >"/proc/sys/$1"' sh "${2//.//}" "$3"
}

# hr_sysctl_get NS NAME: prints the value of a sysctl (dotted name) inside namespace NS.
hr_sysctl_get() {
    ip netns exec "$1" cat "/proc/sys/${2//.//}"
}

# hr_topology_up: creates the router, vps and container namespaces and their links (see the top of this file).
hr_topology_up() {
    local ns
    for ns in "$HR_ROUTER" "$HR_VPS" "$HR_CTR"; do
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up || return 1
        # No duplicate address detection anywhere: link-local addresses would otherwise stay tentative for a
        # second or two, and the test would race it.
        hr_sysctl "$ns" net.ipv6.conf.default.accept_dad 0 || return 1
        hr_sysctl "$ns" net.ipv6.conf.all.accept_dad 0 || return 1
    done

    # router <-> vps
    ip -n "$HR_ROUTER" link add up0 type veth peer name eth0 netns "$HR_VPS" || return 1
    ip -n "$HR_ROUTER" addr add "$HR_ROUTER_ADDR/64" dev up0 nodad || return 1
    ip -n "$HR_ROUTER" link set up0 up || return 1
    hr_sysctl "$HR_ROUTER" net.ipv6.conf.all.forwarding 1 || return 1
    ip -n "$HR_ROUTER" -6 route add "$HR_POOL" via "$HR_NEXT_HOP" dev up0 || return 1

    ip -n "$HR_VPS" addr add "$HR_NEXT_HOP/64" dev eth0 nodad || return 1
    ip -n "$HR_VPS" link set eth0 up || return 1
    # HR_DEFAULT_ROUTE=ra: no static default route; it is to come from router advertisements (eth0 keeps the
    # kernel's accept_ra=1, forwarding stays 0).
    if [ "${HR_DEFAULT_ROUTE:-static}" != ra ]; then
        ip -n "$HR_VPS" -6 route add default via "$HR_ROUTER_ADDR" dev eth0 || return 1
    fi

    # vps bridge br0 <-> container
    ip -n "$HR_VPS" link add br0 type bridge || return 1
    ip -n "$HR_VPS" link set br0 up || return 1
    ip -n "$HR_VPS" link add ctr0 type veth peer name eth0 netns "$HR_CTR" || return 1
    ip -n "$HR_VPS" link set ctr0 master br0 || return 1
    hr_sysctl "$HR_VPS" net.ipv6.conf.ctr0.disable_ipv6 1 || return 1 # a bridge port has no IPv6 of its own
    ip -n "$HR_VPS" link set ctr0 up || return 1
    ip -n "$HR_CTR" link set eth0 up || return 1

    # The router must reach the vps's next hop before anything else is tested.
    hr_wait 5 ip netns exec "$HR_ROUTER" ping -6 -c1 -W1 -q "$HR_NEXT_HOP" >/dev/null || {
        echo "topology: the router cannot ping the vps at $HR_NEXT_HOP" >&2
        return 1
    }
}

# hr_in NS COMMAND...: runs COMMAND inside namespace NS.
hr_in() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# hr_wait SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds (returns 0) or SECONDS pass (returns 1).
hr_wait() {
    local deadline=$((SECONDS + $1))
    shift
    while true; do
        if "$@"; then
            return 0
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.2
    done
}

# hr_sim_start: starts hostup-api-sim inside the vps namespace on 127.0.0.1:$HR_SIM_PORT with one pool
# ($HR_POOL), one destination (this VPS) and one token ($HR_TOKEN, every scope); waits until it answers.
hr_sim_start() {
    local port_file=$HR_WORK/sim.port
    rm -f "$port_file"
    ip netns exec "$HR_VPS" "$BIN/hostup-api-sim" \
        --host 127.0.0.1 --port "$HR_SIM_PORT" --port-file "$port_file" \
        --token "$HR_TOKEN" \
        --destination "$HR_VPS_ID,$HR_VPS_NAME,$HR_VPS_IPV4,$HR_NEXT_HOP" \
        --pool "$HR_POOL" \
        >>"$HR_WORK/sim.log" 2>&1 &
    HR_SIM_PID=$!
    if ! hr_wait 20 hr_sim_ready "$port_file"; then
        echo "the simulator did not start; its log:" >&2
        tail -n 20 "$HR_WORK/sim.log" >&2
        return 1
    fi
}

hr_sim_ready() {
    [ -s "$1" ] && kill -0 "$HR_SIM_PID" 2>/dev/null && hr_api GET /api/v2/routed-ipv6 >/dev/null 2>&1
}

# hr_sim_stop: stops the simulator (SIGTERM, then SIGKILL after 5 s).
hr_sim_stop() {
    [ -n "$HR_SIM_PID" ] || return 0
    hr_stop_pid "$HR_SIM_PID" TERM
    HR_SIM_PID=
}

# hr_stop_pid PID SIGNAL: sends SIGNAL to PID and waits for it to exit (SIGKILL after 5 s).
hr_stop_pid() {
    local pid=$1 signal=$2 i
    # stderr off for the whole wait: bash reports "Killed" for a job it reaps, at whichever command comes next.
    {
        kill -"$signal" "$pid" || return 0
        for i in $(seq 50); do
            kill -0 "$pid" || break
            sleep 0.1
        done
        kill -KILL "$pid" || true
        wait "$pid" || true
    } 2>/dev/null
}

# hr_api METHOD PATH [JSON]: calls the simulator from inside the vps namespace with the bearer token; prints the
# answer's body. Fails (curl exit 22) on an HTTP error status, still printing the body.
hr_api() {
    local method=$1 path=$2 body=${3:-}
    local args=(-sS --fail-with-body --max-time 10 -X "$method" -H "Authorization: Bearer $HR_TOKEN"
        -H 'Accept: application/json')
    if [ -n "$body" ]; then
        args+=(-H 'Content-Type: application/json' --data "$body")
    fi
    ip netns exec "$HR_VPS" curl "${args[@]}" "$HR_API_URL$path"
}

# hr_pool_id: prints the id of the (only) pool.
hr_pool_id() {
    hr_api GET /api/v2/routed-ipv6 | jq -er '.pools[0].id'
}

# hr_create_route PREFIX LABEL: creates a /64 route to this VPS through the API (POST create_route); prints its id.
hr_create_route() {
    local prefix=$1 label=$2 pool body
    pool=$(hr_pool_id) || return 1
    body=$(jq -cn --arg pool "$pool" --arg vps "$HR_VPS_ID" --arg prefix "$prefix" --arg text "$label" \
        '{"action": "create_route", "poolId": $pool, "vpsId": $vps, "prefixLength": 64, "prefix": $prefix,
          "label": $text}')
    hr_api POST /api/v2/routed-ipv6 "$body" |
        jq -er --arg prefix "$prefix" '[.pools[].routes[] | select(.prefix == $prefix) | .id][0]'
}

# hr_delete_route ID: deletes a route through the API (DELETE /api/v2/routed-ipv6/routes/ID).
hr_delete_route() {
    hr_api DELETE "/api/v2/routed-ipv6/routes/$1" >/dev/null
}

# hr_write_config FILE [BINDINGS_TOML]: writes an agent config pointing at the simulator, polling every second,
# with the state in $HR_WORK/state. Without BINDINGS_TOML every route is bound anyip.
hr_write_config() {
    mkdir -p "$HR_WORK/state"
    cat >"$1" <<EOF
# written by scripts/netns-lib.sh
api_url = "$HR_API_URL"
vps_id = "$HR_VPS_ID"
poll_interval = "1s"
uplink = "eth0"
state_dir = "$HR_WORK/state"
${2:-}
EOF
}

# hr_agent COMMAND ARGS...: runs `hostup-routed COMMAND --config $HR_CONFIG ARGS...` inside the vps namespace with
# the token in the environment.
hr_agent() {
    local command=$1
    shift
    ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" \
        "$BIN/hostup-routed" "$command" --config "$HR_CONFIG" "$@"
}

# hr_daemon_start: starts `hostup-routed run` in the background inside the vps namespace; log in $HR_WORK/daemon.log.
hr_daemon_start() {
    echo "--- hostup-routed run started at $(date +%T.%N)" >>"$HR_WORK/daemon.log"
    ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" \
        "$BIN/hostup-routed" run --config "$HR_CONFIG" >>"$HR_WORK/daemon.log" 2>&1 &
    HR_DAEMON_PID=$!
}

# hr_daemon_stop [SIGNAL]: stops the daemon (default SIGTERM; KILL for `kill -9`).
hr_daemon_stop() {
    [ -n "$HR_DAEMON_PID" ] || return 0
    hr_stop_pid "$HR_DAEMON_PID" "${1:-TERM}"
    HR_DAEMON_PID=
}

# hr_daemon_alive: whether the daemon process is still running.
hr_daemon_alive() {
    [ -n "$HR_DAEMON_PID" ] && kill -0 "$HR_DAEMON_PID" 2>/dev/null
}

# jq filter: a route carries the agent's protocol id 201, printed as "201", or as "hostup" when
# /etc/iproute2/rt_protos.d names it.
HR_JQ_OURS='def ours: (.protocol | tostring) as $p | $p == "201" or $p == "hostup";'

# hr_agent_routes NS: the agent's routes (protocol 201) in every table, one normalized line each, sorted:
# "TABLE TYPE DST dev DEV [metric M]" (the metric only for unreachable routes, where it is part of the contract).
hr_agent_routes() {
    ip -j -n "$1" -6 route show table all |
        jq -r "$HR_JQ_OURS"'.[] | select(ours)
            | "\(.table // "main") \(.type // "unicast") \(.dst) dev \(.dev // "-")"
              + (if .type == "unreachable" then " metric \(.metric)" else "" end)' |
        sort
}

# hr_global_addresses NS: every global IPv6 address in NS, one line each, sorted: "IFNAME ADDR/LEN [nodad] [noprefixroute]".
hr_global_addresses() {
    ip -j -n "$1" -6 addr show scope global |
        jq -r '.[] | .ifname as $name | .addr_info[] | select(.local)
            | "\($name) \(.local)/\(.prefixlen)" + (if .nodad then " nodad" else "" end)
              + (if .noprefixroute then " noprefixroute" else "" end)' |
        sort
}

# hr_snapshot NS: the whole IPv6 state of NS (addresses, routes of every table, forwarding sysctls) as sorted JSON,
# for before/after comparisons.
hr_snapshot() {
    {
        ip -j -n "$1" -6 addr | jq -S '[.[] | {ifname, addr: [.addr_info[] | select(.local)]}]'
        ip -j -n "$1" -6 route show table all | jq -S 'sort_by(tostring)'
        local name
        for name in net.ipv6.conf.all.forwarding net.ipv6.conf.eth0.accept_ra net.ipv6.conf.br0.keep_addr_on_down; do
            echo "$name = $(hr_sysctl_get "$1" "$name")"
        done
    }
}

# hr_ping FROM_NS ADDRESS: one ICMPv6 echo from FROM_NS to ADDRESS, 2 s timeout.
hr_ping() {
    ip netns exec "$1" ping -6 -c1 -W2 -q "$2" >/dev/null 2>&1
}

# --- test cases: scripts source this and define `diagnostics` (what to print when a case fails) ---------------
PASSED=0 FAILED=0
WHY=

# fail WHY: records why the current case failed; `fail ... ; return 1` in cases.
fail() {
    WHY=$*
}

# problem WHY: adds a reason to the current case's failure (cases collect every problem they find, then
# `[ -z "$WHY" ]`); `fail` replaces it.
problem() {
    WHY=${WHY:+$WHY; }$*
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# wait_ms MILLISECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (0) or the time is up (1).
wait_ms() {
    local deadline=$(($(now_ms) + $1))
    shift
    while true; do
        "$@" && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# sc NAME: a sysctl's value (dotted name) in the vps namespace, or "?".
sc() {
    hr_sysctl_get "$HR_VPS" "$1" 2>/dev/null || echo "?"
}

# hr_show_tail TITLE FILE LINES: the last LINES of FILE under "#   TITLE:", as `#` comments, if FILE has any.
hr_show_tail() {
    [ -s "$2" ] || return 0
    echo "#   $1:"
    tail -n "$3" "$2" | cut -c1-200 | sed 's/^/#     /'
}

# run_case NAME FUNCTION: runs one case in this shell (cases share state) and prints its TAP-like line.
run_case() {
    local name=$1 function=$2
    WHY=
    if "$function"; then
        echo "ok - $name"
        PASSED=$((PASSED + 1))
    else
        echo "not ok - $name: ${WHY:-failed}"
        FAILED=$((FAILED + 1))
        if declare -F diagnostics >/dev/null; then diagnostics; fi
    fi
}
