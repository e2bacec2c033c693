#!/usr/bin/env bash
# cli-test.sh: command-line tests of `hostup-routed routes list|create|delete` and `pool allocate|release`
# against hostup-api-sim: each command's success path and output, every refusal the seed page documents (400 with
# errors[], 401, 403, 404, the body-less 409, 429 with Retry-After, 500) with its exit code, transport failures,
# the actions.* gates, local validation (nothing sent), and the confirmation prompt.
#
#   BIN=/path/to/bin scripts/cli-test.sh     # default BIN: `swift build --show-bin-path`
#
# The checks of `routes create` that send nothing or one request (defaults, explicit fields, several pools, every
# local refusal) are Swift tests now, against the in-process simulator: Tests/RoutingAgentTests/RouteCreationTests;
# so are the local refusals of `routes delete` and `pool release` (unknown id, closed gate): ActionGateCheckTests.
#
# API only: no network namespace and no root. The simulator listens on 127.0.0.1 (an ephemeral port) in the
# current namespace; the host's interfaces, addresses, routes and sysctls are never touched. Each case reseeds the
# simulator (POST /_sim/seed) and empties its request log, then asserts the exit code, the output, and exactly which
# /api requests reached it (GET /_sim/requests).
#
# Exit codes under test: 0 ok, 2 API refusal (HTTP error, invalid answer, or a gate said no), 3 transport failure,
# 64 usage (including local validation and a missing --yes off a terminal), 78 configuration or token.
#
# Prints `ok - NAME` or `not ok - NAME: WHY` per case, then exactly `N passed, M failed`; exits 1 when a case
# failed, 77 (SKIP) when a needed tool is missing, 0 otherwise. HR_KEEP_WORK=1 keeps the work directory.
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

# The account the cases seed. Ids are fixed so assertions can name them.
VPS=$HR_VPS_ID                      # this VPS (the config's vps_id): web-01, next hop 2001:db8::10
VPS2=vps_01clitwo0000000000000000   # another VPS that can receive routes
VPS2_NAME=app-01
VPS3=vps_01clinohop00000000000000   # a VPS without an IPv6 next hop: canReceiveRoute says no
POOL_ID=ripv6_01clipool1
POOL=2001:db8:1000::/48
POOL2_ID=ripv6_01clipool2
POOL2=2001:db8:1001::/48
WEB_ID=ripv6rt_01cliweb
WEB=2001:db8:1000:10::/64           # active, deletable
PENDING_ID=ripv6rt_01clipending
PENDING=2001:db8:1000:20::/64       # status pending: canDelete says no

TOKEN=cli-token-$$                  # every scope
RO_TOKEN=cli-ro-$$                  # read:network, read:vm (no write:network)
NOVM_TOKEN=cli-novm-$$              # read:network only

API= CONFIG= OUT= ERR= RC= LAST=

diagnostics() {
    echo "#   last command: $LAST (exit $RC)"
    local file
    for file in "$OUT" "$ERR"; do
        if [ -s "$file" ]; then
            echo "#   $(basename "$file"):"
            tail -n 12 "$file" | sed 's/^/#     /'
        fi
    done
    echo "#   /api requests: $(request_log)"
}

# --- the simulator ---------------------------------------------------------------------------------------------

sim_start() {
    local port_file=$HR_WORK/sim.port
    "$BIN/hostup-api-sim" --host 127.0.0.1 --port 0 --port-file "$port_file" --rate-limit 100000 \
        --token "$TOKEN" --token "$RO_TOKEN:read:network,read:vm" --token "$NOVM_TOKEN:read:network" \
        >>"$HR_WORK/sim.log" 2>&1 &
    HR_SIM_PID=$!
    if ! hr_wait 20 sim_ready "$port_file"; then
        echo "the simulator did not start; its log:" >&2
        tail -n 20 "$HR_WORK/sim.log" >&2
        return 1
    fi
}

sim_ready() {
    [ -s "$1" ] && kill -0 "$HR_SIM_PID" 2>/dev/null || return 1
    API=http://127.0.0.1:$(tr -d '\n' <"$1")
    curl -sf --max-time 2 "$API/_sim/state" >/dev/null 2>&1
}

# sim METHOD PATH [JSON]: calls a /_sim control endpoint; prints the body; fails on an HTTP error.
sim() {
    local args=(-sS --fail-with-body --max-time 10 -X "$1")
    [ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data "$3")
    curl "${args[@]}" "$API$2"
}

# api PATH: GET on the API with the all-scopes token; prints the body exactly as received.
api() {
    curl -sS --fail-with-body --max-time 10 -H "Authorization: Bearer $TOKEN" "$API$1"
}

# reset SEED_JSON: clears faults, loads the account, empties the request log.
reset() {
    sim DELETE /_sim/fault >/dev/null && sim POST /_sim/seed "$1" >/dev/null && sim DELETE /_sim/requests >/dev/null ||
        { fail "cannot reseed the simulator"; return 1; }
}

# request_log: the /api requests since the last reset, "METHOD STATUS" joined by ", " ("-" while unanswered).
request_log() {
    sim GET /_sim/requests 2>/dev/null | jq -r 'map("\(.method) \(.status // "-")") | join(", ")'
}

# expect_requests "GET 200, POST 409": exactly these /api requests reached the simulator.
expect_requests() {
    local got
    got=$(request_log)
    [ "$got" = "$1" ] || { fail "requests reaching the API: [$got], want [$1]"; return 1; }
}

# has_request METHOD: some request with METHOD was received (answered or not).
has_request() {
    sim GET /_sim/requests | jq -e --arg m "$1" 'any(.[]; .method == $m)' >/dev/null
}

# sim_state FILTER [JQ_ARGS...]: applies the jq FILTER to the simulator's state (no /api request is logged).
sim_state() {
    local filter=$1
    shift
    sim GET /_sim/state | jq -r "$@" "$filter"
}

# Seeds. destinations: this VPS, VPS2 (can receive), VPS3 (no next hop).
destinations_json() {
    jq -cn --arg vps "$VPS" --arg vps2 "$VPS2" --arg name2 "$VPS2_NAME" --arg vps3 "$VPS3" \
        '[{vpsId: $vps, name: "web-01", primaryIp: "192.0.2.10", nextHop: "2001:db8::10"},
          {vpsId: $vps2, name: $name2, primaryIp: "192.0.2.12", nextHop: "2001:db8::12"},
          {vpsId: $vps3, name: "db-01", primaryIp: "192.0.2.11", nextHop: null}]'
}

# seed_base: one pool with an active route (WEB, label web) and a pending one (PENDING, label staging).
seed_base() {
    jq -cn --argjson dest "$(destinations_json)" --arg vps "$VPS" \
        --arg pool_id "$POOL_ID" --arg pool "$POOL" --arg web_id "$WEB_ID" --arg web "$WEB" \
        --arg pending_id "$PENDING_ID" --arg pending "$PENDING" \
        '{destinations: $dest,
          pools: [{id: $pool_id, parentCidr: $pool,
                   routes: [{id: $web_id, prefix: $web, vpsId: $vps, label: "web"},
                            {id: $pending_id, prefix: $pending, vpsId: $vps, label: "staging", status: "pending"}]}]}'
}

# seed_pools: two empty pools.
seed_pools() {
    jq -cn --argjson dest "$(destinations_json)" --arg p1 "$POOL_ID" --arg c1 "$POOL" --arg p2 "$POOL2_ID" \
        --arg c2 "$POOL2" '{destinations: $dest, pools: [{id: $p1, parentCidr: $c1}, {id: $p2, parentCidr: $c2}]}'
}

# seed_empty_pool: one pool without routes (releasable).
seed_empty_pool() {
    jq -cn --argjson dest "$(destinations_json)" --arg p1 "$POOL_ID" --arg c1 "$POOL" \
        '{destinations: $dest, pools: [{id: $p1, parentCidr: $c1}]}'
}

# seed_no_pool: destinations only (canAllocatePool says yes).
seed_no_pool() {
    jq -cn --argjson dest "$(destinations_json)" '{destinations: $dest, pools: []}'
}

# --- the command under test ------------------------------------------------------------------------------------

# cli ARGS...: hostup-routed ARGS --config $CLI_CONFIG (default $CONFIG) with HOSTUP_API_TOKEN=$CLI_TOKEN (default
# $TOKEN; empty: no token), stdin /dev/null (not a terminal), at most 30 s. stdout to $OUT, stderr to $ERR; sets RC.
cli() {
    local token=${CLI_TOKEN-$TOKEN} config=${CLI_CONFIG:-$CONFIG}
    local environment=(env -u HOSTUP_API_TOKEN -u CREDENTIALS_DIRECTORY)
    [ -n "$token" ] && environment+=("HOSTUP_API_TOKEN=$token")
    LAST="hostup-routed $*"
    timeout 30 "${environment[@]}" "$BIN/hostup-routed" "$@" --config "$config" </dev/null >"$OUT" 2>"$ERR"
    RC=$?
    return "$RC"
}

# cli_tty FEED ARGS...: hostup-routed ARGS on a pseudo-terminal (`script`); once the "[y/N]" prompt shows, runs
# the shell command FEED (which prints the answer). Terminal output (stdout and stderr, CRs removed) to $OUT.
cli_tty() {
    local feed=$1
    shift
    local command
    command=$(printf '%q ' "$BIN/hostup-routed" "$@" --config "$CONFIG")
    LAST="(on a terminal) hostup-routed $*"
    : >"$ERR"
    rm -f "$HR_WORK/tty.raw" # a previous prompt there would release the answer early
    {
        hr_wait 10 grep -qsF '[y/N]' "$HR_WORK/tty.raw"
        eval "$feed"
    } 2>"$HR_WORK/feed.err" | env -u CREDENTIALS_DIRECTORY HOSTUP_API_TOKEN="$TOKEN" \
        timeout 30 script -qefc "$command" /dev/null >"$HR_WORK/tty.raw" 2>"$ERR"
    RC=${PIPESTATUS[1]}
    tr -d '\r' <"$HR_WORK/tty.raw" >"$OUT"
    return 0
}

expect_exit() {
    [ "$RC" = "$1" ] || { fail "exit status $RC, want $1"; return 1; }
}

# expect_out TEXT / expect_err TEXT: stdout / stderr contains TEXT (a fixed string).
expect_out() {
    grep -qF -- "$1" "$OUT" || { fail "stdout lacks: $1"; return 1; }
}

expect_err() {
    grep -qF -- "$1" "$ERR" || { fail "stderr lacks: $1"; return 1; }
}

# expect_row TEXT: stdout has a line that, with runs of spaces squeezed to one, is exactly TEXT.
expect_row() {
    sed 's/  */ /g' "$OUT" | grep -qxF -- "$1" || { fail "stdout has no row: $1"; return 1; }
}

# expect_request_id: stderr names the problem document's request id (quoted to support).
expect_request_id() {
    grep -qE 'request id: req_[0-9a-z]+' "$ERR" || { fail "stderr names no request id"; return 1; }
}

# case_slow_body: a server that sends its headers (Content-Length: 100000) and then one body byte every 5 s. Each
# request ends at its whole-request deadline (30 s, body included): every command returns within 32 s, exit 3.
# The commands run side by side, so the case takes about 30 s, not 90.
case_slow_body() {
    reset "$(seed_base)" || return 1
    sim POST /_sim/fault '{"kind": "slowBody", "milliseconds": 5000}' >/dev/null || return 1
    local names=("routes list" "routes create --prefix-length 64" "pool allocate") pids=() i
    local begin
    begin=$(date +%s%N)
    for i in "${!names[@]}"; do
        # shellcheck disable=SC2086 # the names are word lists on purpose
        (
            env -u CREDENTIALS_DIRECTORY HOSTUP_API_TOKEN="$TOKEN" timeout 90 "$BIN/hostup-routed" ${names[$i]} \
                --config "$CONFIG" </dev/null >"$HR_WORK/slow.$i.out" 2>"$HR_WORK/slow.$i.err"
            echo "$? $(( ($(date +%s%N) - begin) / 1000000 ))" >"$HR_WORK/slow.$i.rc"
        ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    sim DELETE /_sim/fault >/dev/null
    local rc took
    for i in "${!names[@]}"; do
        read -r rc took <"$HR_WORK/slow.$i.rc"
        LAST="hostup-routed ${names[$i]}" RC=$rc OUT=$HR_WORK/slow.$i.out ERR=$HR_WORK/slow.$i.err
        echo "#   ${names[$i]}: exit $rc after $took ms"
        [ "$took" -le 32000 ] || { fail "${names[$i]} took $took ms against a trickling body, want <= 32 s"; return 1; }
        expect_exit 3 || return 1
        expect_err "no complete answer within 30 s" || return 1
    done
}

# case_list_escapes_control_characters: a label and a route id from the API with terminal control sequences in them
# (ESC, BEL): `routes list` shows them escaped, and no raw control byte reaches the terminal.
case_list_escapes_control_characters() {
    local seed
    seed=$(jq -cn --argjson dest "$(destinations_json)" --arg vps "$VPS" --arg pool_id "$POOL_ID" --arg pool "$POOL" \
        '{destinations: $dest, pools: [{id: $pool_id, parentCidr: $pool,
           routes: [{id: "ripv6rt_\u001b[31mred", prefix: "2001:db8:1000:10::/64", vpsId: $vps,
                     label: "\u001b]0;pwned\u0007web"}]}]}')
    reset "$seed" || return 1
    cli routes list
    expect_exit 0 || return 1
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$OUT" "$ERR"; then
        fail "a raw control character reached the output: $(od -c "$OUT" | grep -m1 '033')"
        return 1
    fi
    expect_out '\x1b]0;pwned\x07web' || return 1
}

# --- routes list -----------------------------------------------------------------------------------------------

case_list_table() {
    reset "$(seed_base)" || return 1
    cli routes list
    expect_exit 0 || return 1
    expect_row "pool $POOL_ID $POOL active 2 routes" || return 1
    expect_row " PREFIX ID VPS LABEL STATUS DELETABLE" || return 1
    expect_row " $WEB $WEB_ID $VPS (web-01) web active yes" || return 1
    expect_row " $PENDING $PENDING_ID $VPS (web-01) staging pending no: Only active routes can be deleted; this one is pending." || return 1
    expect_row "destinations" || return 1
    expect_row " VPS NAME NEXT HOP PRIMARY IP CAN RECEIVE" || return 1
    expect_row " $VPS web-01 2001:db8::10 192.0.2.10 yes" || return 1
    expect_row " $VPS2 $VPS2_NAME 2001:db8::12 192.0.2.12 yes" || return 1
    expect_row " $VPS3 db-01 - 192.0.2.11 no: The VPS has no IPv6 next hop." || return 1
    # A table: every route's ID starts in the column of the ID header.
    local misaligned
    misaligned=$(awk -v a="$WEB_ID" -v b="$PENDING_ID" '
        / PREFIX +ID / { column = index($0, " ID ") + 1 }
        index($0, a) || index($0, b) { id = index($0, a) ? a : b; if (index($0, id) != column) print id }' "$OUT")
    [ -z "$misaligned" ] || { fail "the ID column is not aligned for: $misaligned"; return 1; }
    expect_requests "GET 200"
}

case_list_json_verbatim() {
    reset "$(seed_base)" || return 1
    api /api/v2/routed-ipv6 >"$HR_WORK/api.json" || { fail "curl GET /api/v2/routed-ipv6 failed"; return 1; }
    jq -e '.pools[0].routes | length == 2' "$HR_WORK/api.json" >/dev/null || { fail "the API body is not the seeded document"; return 1; }
    printf '\n' >>"$HR_WORK/api.json" # the command ends its output with a newline
    cli routes list --json
    expect_exit 0 || return 1
    cmp -s "$HR_WORK/api.json" "$OUT" ||
        { fail "--json output differs from the API's body ($(cmp "$HR_WORK/api.json" "$OUT" 2>&1 | head -n1))"; return 1; }
}

case_list_unavailable() {
    reset '{"available": false, "reason": "Routed IPv6 is not offered in this region.", "pools": []}' || return 1
    cli routes list
    expect_exit 0 || return 1
    expect_out "routed IPv6 is not available: Routed IPv6 is not offered in this region." || return 1
    expect_out "no pool (and cannot be allocated: Routed IPv6 is not offered in this region.)"
}

# --- pool allocate ---------------------------------------------------------------------------------------------

case_allocate_ok() {
    reset "$(seed_no_pool)" || return 1
    cli pool allocate
    expect_exit 0 || return 1
    local id
    id=$(sim_state '.pools[0].id // empty')
    [ -n "$id" ] || { fail "the simulator has no pool afterwards"; return 1; }
    expect_out "allocated pool $id: 2001:db8:1000::/48" || return 1
    expect_requests "GET 200, POST 201"
}

case_allocate_gate_existing_pool() {
    reset "$(seed_base)" || return 1
    cli pool allocate
    expect_exit 2 || return 1
    expect_err "a pool cannot be allocated: The account already has a routed /48; nothing was sent" || return 1
    expect_requests "GET 200"
}

case_allocate_gate_unavailable() {
    reset '{"available": false, "reason": "Routed IPv6 is not offered in this region.", "pools": []}' || return 1
    cli pool allocate
    expect_exit 2 || return 1
    expect_err "a pool cannot be allocated: Routed IPv6 is not offered in this region; nothing was sent" || return 1
    expect_requests "GET 200"
}

# The gate is open when the command reads the state; the pool appears before its POST is handled: the server's
# body-less 409. Deterministic: every /api request is delayed 2 s after it is logged, and the pool is seeded as
# soon as the POST shows in the log, i.e. while it waits.
case_allocate_409_existing_pool() {
    reset "$(seed_no_pool)" || return 1
    sim POST /_sim/fault '{"kind": "latency", "milliseconds": 2000, "count": 2}' >/dev/null || return 1
    cli pool allocate &
    local pid=$!
    hr_wait 10 has_request POST || { wait "$pid"; fail "no POST reached the API"; return 1; }
    sim POST /_sim/seed "$(seed_base)" >/dev/null || { wait "$pid"; fail "cannot seed the pool"; return 1; }
    wait "$pid"
    RC=$?
    expect_exit 2 || return 1
    expect_err "409: the account already has a routed /48" || return 1
    grep -qF "cannot be allocated" "$ERR" && { fail "the gate refused it (it was open)"; return 1; }
    expect_requests "GET 200, POST 409"
}

# --- routes create ---------------------------------------------------------------------------------------------

case_create_400_errors() {
    reset "$(seed_base)" || return 1
    cli routes create --prefix-length 64 --label "$(printf 'x%.0s' $(seq 201))"
    expect_exit 2 || return 1
    expect_err "POST /api/v2/routed-ipv6: 400 Bad Request" || return 1
    expect_err "Validation failed (status 400, code invalid_request)" || return 1
    expect_err "The request body failed validation." || return 1
    expect_err "/label: \`label\` is longer than 100 characters. (invalid_value)" || return 1
    expect_request_id || return 1
    expect_requests "GET 200, POST 400"
}

case_create_409_overlap() {
    reset "$(seed_base)" || return 1
    cli routes create --prefix-length 64 --prefix "$WEB"
    expect_exit 2 || return 1
    expect_err "409: $WEB overlaps a route that already exists" || return 1
    expect_requests "GET 200, POST 409"
}

case_create_409_no_capacity() {
    reset "$(seed_base)" || return 1
    cli routes create --prefix-length 48
    expect_exit 2 || return 1
    expect_err "409: no free /48 is left in pool" || return 1
    [ "$(sim_state '[.pools[].routes[]] | length')" = 2 ] || { fail "a route was created"; return 1; }
    expect_requests "GET 200, POST 409"
}

case_create_403_write_scope() {
    reset "$(seed_base)" || return 1
    CLI_TOKEN=$RO_TOKEN cli routes create --prefix-length 64
    expect_exit 2 || return 1
    expect_err "403 Forbidden: the API token lacks the scope write:network" || return 1
    expect_err "Forbidden (status 403, code forbidden)" || return 1
    expect_err "The API token lacks the required scope \`write:network\`." || return 1
    expect_request_id || return 1
    expect_requests "GET 200, POST 403"
}

case_list_403_read_scope() {
    reset "$(seed_base)" || return 1
    CLI_TOKEN=$NOVM_TOKEN cli routes list
    expect_exit 2 || return 1
    expect_err "GET /api/v2/routed-ipv6: 403 Forbidden: the API token lacks the scopes read:network and read:vm" || return 1
    expect_err "The API token lacks the required scope \`read:vm\`." || return 1
    expect_requests "GET 403"
}

case_list_401() {
    reset "$(seed_base)" || return 1
    CLI_TOKEN=not-a-known-token cli routes list
    expect_exit 2 || return 1
    expect_err "401 Unauthorized: the API token is missing, invalid, expired or revoked; this endpoint needs a token with the scopes read:network and read:vm" || return 1
    expect_err "Unauthorized (status 401, code unauthorized)" || return 1
    expect_request_id || return 1
    expect_requests "GET 401"
}

case_no_token() {
    reset "$(seed_base)" || return 1
    CLI_TOKEN= cli routes list
    expect_exit 78 || return 1
    expect_err "no API token" || return 1
    expect_requests ""
}

case_429_waits_once() {
    reset "$(seed_base)" || return 1
    sim POST /_sim/fault '{"kind": "rateLimit", "retryAfterSeconds": 1, "count": 1}' >/dev/null || return 1
    local start elapsed
    start=$(date +%s%N)
    cli routes create --prefix-length 64 --label later
    elapsed=$((($(date +%s%N) - start) / 1000000))
    expect_exit 0 || return 1
    expect_err "GET /api/v2/routed-ipv6: rate limited; waiting 1 s (Retry-After) and trying once more" || return 1
    expect_out "created route" || return 1
    [ "$elapsed" -ge 1000 ] || { fail "took $elapsed ms: did not wait the 1 s Retry-After"; return 1; }
    expect_requests "GET 429, GET 200, POST 201"
}

case_429_twice() {
    reset "$(seed_base)" || return 1
    sim POST /_sim/fault '{"kind": "rateLimit", "retryAfterSeconds": 1, "count": 3}' >/dev/null || return 1
    cli routes list
    expect_exit 2 || return 1
    expect_err "rate limited; waiting 1 s (Retry-After) and trying once more" || return 1
    expect_err "429 Too Many Requests: rate limited; retry after 1 s" || return 1
    expect_err "Too many requests (status 429, code rate_limited)" || return 1
    expect_err "retry after: 1 s" || return 1
    expect_request_id || return 1
    [ "$(grep -c 'waiting' "$ERR")" = 1 ] || { fail "waited more than once"; return 1; }
    expect_requests "GET 429, GET 429"
}

case_500() {
    reset "$(seed_base)" || return 1
    sim POST /_sim/fault '{"kind": "status500", "count": 1}' >/dev/null || return 1
    cli routes list
    expect_exit 2 || return 1
    expect_err "500 Internal Server Error: server error; retry later" || return 1
    expect_err "Internal error (status 500, code internal_error)" || return 1
    expect_err "Simulated internal error. Retry later." || return 1
    expect_request_id || return 1
    expect_requests "GET 500"
}

case_malformed_json() {
    reset "$(seed_base)" || return 1
    sim POST /_sim/fault '{"kind": "malformedJSON", "count": 1}' >/dev/null || return 1
    cli routes list
    expect_exit 2 || return 1
    expect_err "GET /api/v2/routed-ipv6: 200 answer is not a valid RoutedIPv6State document" || return 1
    expect_requests "GET 200"
}

case_transport_dropped() {
    reset "$(seed_base)" || return 1
    sim POST /_sim/fault '{"kind": "dropConnection", "count": 1}' >/dev/null || return 1
    cli routes create --prefix-length 64
    expect_exit 3 || return 1
    expect_err "transport: GET /api/v2/routed-ipv6" || return 1
    [ "$(sim_state '[.pools[].routes[]] | length')" = 2 ] || { fail "a route was created"; return 1; }
    expect_requests "GET -"
}

case_transport_refused() {
    local config=$HR_WORK/config-refused.toml
    # Port 1 (tcpmux) on loopback: nothing listens there, so the connection is refused.
    sed 's|^api_url = .*|api_url = "http://127.0.0.1:1"|' "$CONFIG" >"$config"
    CLI_CONFIG=$config cli routes list
    expect_exit 3 || return 1
    expect_err "transport: GET /api/v2/routed-ipv6" || return 1
}

# --- routes delete ---------------------------------------------------------------------------------------------

case_delete_yes() {
    reset "$(seed_base)" || return 1
    cli routes delete "$WEB_ID" --yes
    expect_exit 0 || return 1
    expect_out "deleted route $WEB_ID ($WEB)" || return 1
    [ "$(sim_state '[.pools[].routes[] | select(.id == $id)] | length' --arg id "$WEB_ID")" = 0 ] ||
        { fail "the route is still listed"; return 1; }
    expect_requests "GET 200, DELETE 200"
}

case_delete_needs_yes_off_terminal() {
    reset "$(seed_base)" || return 1
    cli routes delete "$WEB_ID"
    expect_exit 64 || return 1
    expect_err "not a terminal, so pass --yes to confirm" || return 1
    expect_requests "GET 200"
}

case_delete_prompt_no() {
    reset "$(seed_base)" || return 1
    cli_tty "printf 'n\n'" routes delete "$WEB_ID"
    expect_exit 64 || return 1
    expect_out "delete route $WEB_ID ($WEB -> $VPS)? [y/N]" || return 1
    expect_out "not confirmed; nothing was sent" || return 1
    expect_requests "GET 200"
}

case_delete_prompt_yes() {
    reset "$(seed_base)" || return 1
    cli_tty "printf 'y\n'" routes delete "$WEB_ID"
    expect_exit 0 || return 1
    expect_out "delete route $WEB_ID ($WEB -> $VPS)? [y/N]" || return 1
    expect_out "deleted route $WEB_ID ($WEB)" || return 1
    expect_requests "GET 200, DELETE 200"
}

# 404: the route disappears behind the API's back (DELETE /_sim/routes/ID) while the command waits at its prompt,
# i.e. after its GET and before its DELETE. Deterministic: the command cannot go on before it reads the answer.
case_delete_404() {
    reset "$(seed_base)" || return 1
    cli_tty "sim DELETE /_sim/routes/$WEB_ID >/dev/null; printf 'y\n'" routes delete "$WEB_ID"
    expect_exit 2 || return 1
    expect_out "DELETE /api/v2/routed-ipv6/routes/$WEB_ID: 404 Not Found: the resource does not exist or is not owned by this account" || return 1
    expect_out "Not found (status 404, code not_found)" || return 1
    expect_out "Route \`$WEB_ID\` was not found." || return 1
    grep -qE 'request id: req_[0-9a-z]+' "$OUT" || { fail "no request id printed"; return 1; }
    expect_requests "GET 200, DELETE 404"
}

# --- pool release ----------------------------------------------------------------------------------------------

case_release_yes() {
    reset "$(seed_empty_pool)" || return 1
    cli pool release "$POOL_ID" --yes
    expect_exit 0 || return 1
    grep -qE "^released pool $POOL_ID \\($POOL\\); cooldown until [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$" "$OUT" ||
        { fail "stdout is not 'released pool $POOL_ID ($POOL); cooldown until <ISO 8601 time>'"; return 1; }
    [ "$(sim_state '.pools | length')" = 0 ] || { fail "the pool is still there"; return 1; }
    expect_requests "GET 200, DELETE 200"
}

case_release_needs_yes_off_terminal() {
    reset "$(seed_empty_pool)" || return 1
    cli pool release "$POOL_ID"
    expect_exit 64 || return 1
    expect_err "not a terminal, so pass --yes to confirm" || return 1
    [ "$(sim_state '.pools | length')" = 1 ] || { fail "the pool is gone"; return 1; }
    expect_requests "GET 200"
}

case_release_prompt_yes() {
    reset "$(seed_empty_pool)" || return 1
    cli_tty "printf 'y\n'" pool release "$POOL_ID"
    expect_exit 0 || return 1
    expect_out "release pool $POOL_ID ($POOL)? [y/N]" || return 1
    expect_out "released pool $POOL_ID ($POOL); cooldown until 20" || return 1
    expect_requests "GET 200, DELETE 200"
}

# --- main ------------------------------------------------------------------------------------------------------

for tool in curl jq script timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: the command-line tests need '$tool' (apt-get install curl jq util-linux coreutils)"
        exit 77
    fi
done
unset "${!HOSTUP_ROUTED_@}" # no config overrides from the caller's environment
hr_resolve_bin || exit 1
hr_setup_traps
OUT=$HR_WORK/cmd.out
ERR=$HR_WORK/cmd.err
if ! sim_start; then
    echo "not ok - start the simulator"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$HR_WORK/state"
CONFIG=$HR_WORK/config.toml
cat >"$CONFIG" <<EOF
# written by scripts/cli-test.sh
api_url = "$API"
vps_id = "$VPS"
state_dir = "$HR_WORK/state"
EOF

run_case "routes list: pools, routes (deletable and why not) and destinations as a table" case_list_table
run_case "a body trickled one byte every 5 s: routes list, routes create and pool allocate end within 32 s, exit 3" case_slow_body
run_case "routes list --json: the API's body byte for byte" case_list_json_verbatim
run_case "routes list: control characters in API strings are shown escaped" case_list_escapes_control_characters
run_case "routes list: routed IPv6 unavailable, with the reason" case_list_unavailable
run_case "pool allocate: allocates and prints the new pool" case_allocate_ok
run_case "pool allocate: canAllocatePool says no (existing pool): reason, exit 2, no POST" case_allocate_gate_existing_pool
run_case "pool allocate: canAllocatePool says no (unavailable): reason, exit 2, no POST" case_allocate_gate_unavailable
run_case "pool allocate: gate open, body-less 409 (pool appeared meanwhile) explained, exit 2" case_allocate_409_existing_pool
run_case "routes create: 400 with errors[] (pointer /label), exit 2" case_create_400_errors
run_case "routes create: body-less 409 for an overlapping prefix, exit 2" case_create_409_overlap
run_case "routes create: body-less 409 for no capacity (/48 in a used /48), exit 2" case_create_409_no_capacity
run_case "routes create: 403 names write:network, exit 2" case_create_403_write_scope
run_case "routes list: 403 names read:vm, exit 2" case_list_403_read_scope
run_case "routes list: 401 names the scopes needed, exit 2" case_list_401
run_case "routes list: no token, exit 78, nothing sent" case_no_token
run_case "429 with Retry-After: waits once, says so, succeeds" case_429_waits_once
run_case "429 twice: waits once, then prints the problem, exit 2" case_429_twice
run_case "500: the problem document printed, exit 2" case_500
run_case "malformed JSON answer: exit 2" case_malformed_json
run_case "dropped connection: transport failure, exit 3" case_transport_dropped
run_case "connection refused: transport failure, exit 3" case_transport_refused
run_case "routes delete --yes: deletes and says so" case_delete_yes
run_case "routes delete off a terminal without --yes: exit 64, no DELETE" case_delete_needs_yes_off_terminal
run_case "routes delete on a terminal, answered n: exit 64, no DELETE" case_delete_prompt_no
run_case "routes delete on a terminal, answered y: deleted" case_delete_prompt_yes
run_case "routes delete: 404 (route removed behind the API's back), exit 2" case_delete_404
run_case "pool release --yes: released, prints cooldownUntil" case_release_yes
run_case "pool release off a terminal without --yes: exit 64, no DELETE" case_release_needs_yes_off_terminal
run_case "pool release on a terminal, answered y: released" case_release_prompt_yes

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
