#!/usr/bin/env bash
# demo.sh: shows hostup-routed end to end, entirely inside throw-away network namespaces (run as root).
#
#   sudo scripts/demo.sh             # builds with `swift build` unless BIN points at the binaries
#
# A "router" namespace stands for the provider's router, a "vps" namespace for the VPS. The API simulator runs in
# the vps namespace; a /64 is created through its API with curl, `hostup-routed sync` puts it into the kernel,
# and the router pings addresses of the prefix. Everything is deleted at the end, even on failure.
set -euo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

if [ -t 1 ]; then
    BOLD=$'\e[1m' DIM=$'\e[2m' RESET=$'\e[0m'
else
    BOLD= DIM= RESET=
fi

step() {
    printf '\n%s== %s%s\n' "$BOLD" "$*" "$RESET"
}

# show NS COMMAND...: prints `[ns] $ COMMAND` and runs it inside NS.
show() {
    local ns=$1
    shift
    printf '%s[%s] $ %s%s\n' "$DIM" "${ns#"$HR_ID"-}" "$*" "$RESET"
    ip netns exec "$ns" "$@"
}

if reason=$(hr_unavailable); then
    echo "demo.sh needs network namespaces: $reason" >&2
    exit 1
fi
if [ -z "${BIN:-}" ]; then
    step "Building (swift build)"
    (cd "$HR_REPO" && swift build)
fi
hr_resolve_bin
hr_setup_traps
HR_CONFIG=$HR_WORK/config.toml

step "Topology: namespaces $HR_ROUTER, $HR_VPS, $HR_CTR"
hr_topology_up
echo "router up0 $HR_ROUTER_ADDR/64 <-> vps eth0 $HR_NEXT_HOP/64; the router sends $HR_POOL to $HR_NEXT_HOP"

step "API simulator on $HR_API_URL (inside the vps namespace)"
hr_sim_start
echo "pool $HR_POOL, destination $HR_VPS_ID ($HR_VPS_NAME, nextHop $HR_NEXT_HOP)"

step "GET /api/v2/routed-ipv6: the account's state"
echo "${DIM}\$ curl -H 'Authorization: Bearer \$TOKEN' $HR_API_URL/api/v2/routed-ipv6${RESET}"
hr_api GET /api/v2/routed-ipv6 | jq '{pools: [.pools[] | {id, parentCidr, status, routes}], destinations}'
POOL_ID=$(hr_pool_id)

step "POST /api/v2/routed-ipv6: create a /64 route to this VPS"
BODY=$(jq -cn --arg pool "$POOL_ID" --arg vps "$HR_VPS_ID" \
    '{"action": "create_route", "poolId": $pool, "vpsId": $vps, "prefixLength": 64, "label": "web"}')
echo "${DIM}\$ curl -X POST -H 'Authorization: Bearer \$TOKEN' -H 'Content-Type: application/json' \\"
echo "    -d '$BODY' $HR_API_URL/api/v2/routed-ipv6${RESET}"
ANSWER=$(hr_api POST /api/v2/routed-ipv6 "$BODY")
echo "$ANSWER" | jq '.pools[] | {id, parentCidr, routes}'
PREFIX=$(echo "$ANSWER" | jq -er '[.pools[].routes[] | select(.label == "web")][0].prefix')
HOST=${PREFIX%/*}1
echo "the server picked $PREFIX"

step "hostup-routed sync (config: $HR_CONFIG)"
hr_write_config "$HR_CONFIG"
sed 's/^/    /' "$HR_CONFIG"
echo "${DIM}\$ HOSTUP_API_TOKEN=\$TOKEN hostup-routed sync --config $HR_CONFIG${RESET}"
hr_agent sync

step "What the kernel now holds in the vps namespace (protocol 201 = hostup)"
show "$HR_VPS" ip -6 addr show dev lo
show "$HR_VPS" ip -6 route
echo "${DIM}[vps] \$ ip -6 route show table local | grep ${PREFIX%%::*}${RESET}"
ip netns exec "$HR_VPS" ip -6 route show table local | grep -F "${PREFIX%%::*}"

step "Ping from the router into the prefix"
show "$HR_ROUTER" ping -6 -c2 -W2 "$HOST"
show "$HR_ROUTER" ping -6 -c1 -W2 "${PREFIX%/*}cafe"

step "A second sync has nothing to do"
hr_agent sync

step "Done: tearing the namespaces down"
