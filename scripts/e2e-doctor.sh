#!/usr/bin/env bash
# e2e-doctor.sh: `hostup-routed doctor` against the faults it must find, each built for real in network namespaces,
# and its healthy twin. Needs root, iproute2, ping, curl, jq, radvd, python3, and the Debian packages iptables
# (ip6tables-nft, ip6tables-legacy) and nftables (nft); every firewall rule is made inside the vps namespace only.
#
#   sudo scripts/e2e-doctor.sh            # binaries from `swift build --show-bin-path`
#   sudo BIN=/path/to/bin scripts/e2e-doctor.sh
#
# One topology (netns-lib.sh, HR_DEFAULT_ROUTE=ra: radvd in the router namespace gives the vps its default route),
# the simulator in the vps, two routes synced once: P1 `anyip`, P2 `address` on br0 with forwarding. Each case
# breaks one thing, expects doctor to exit 1 with a finding of the right check, mends it and expects doctor to
# print only its summary and exit 0. Cases:
#   healthy; radvd default route (and a static one); forwarding lockout (accept_ra 1); FORWARD drop through
#   ip6tables-nft, ip6tables-legacy and nft, by the policy and by rules; a route made by hand that shadows a prefix,
#   and its bridge down; a dadfailed address (the container claims the vps's br0 address,
#   DAD on); nextHop not on the uplink; a binding's interface missing, with IPv6 disabled, and with an MTU below 1280; clock skew (a proxy
#   that shifts the API's Date header); the API's host not resolving, its port closed, its TLS certificate not
#   trusted (and trusted); bad token mode; a token without a scope; routes with a binding problem;
#   a route refused by validation.
#
# Prints `ok - NAME` / `not ok - NAME: WHY` per case and `N passed, M failed`; exits 1 when a case failed, 77 when
# namespaces cannot be used here or a tool is missing (with CI set, a missing tool is a failure instead: a
# check that cannot run must not pass in CI). About 25 s. HR_KEEP_WORK=1 keeps the work directory.
set -uo pipefail

# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns-lib.sh"

# shellcheck disable=SC2034 # read by netns-lib.sh's hr_topology_up
HR_DEFAULT_ROUTE=ra
P1=2001:db8:1000:1::/64
P2=2001:db8:1000:2::/64
P2_HOST=2001:db8:1000:2::1
P2_CONTAINER=2001:db8:1000:2::2
P3=2001:db8:1000:3::/64
RADVD_PID=""
PROXY_PID=""
CONFIG_EXTRA=

diagnostics() {
    hr_show_tail "doctor's output" "$HR_WORK/doctor.out" 14
    hr_show_tail "doctor's stderr" "$HR_WORK/doctor.err" 6
}

# doctor [ARGS...]: hostup-routed doctor in the vps namespace (config $HR_CONFIG), stdout to doctor.out, stderr to
# doctor.err; returns its exit status. DOCTOR_ENV adds environment variables; DOCTOR_WRAP is a command that runs it.
DOCTOR_ENV=()
DOCTOR_WRAP=()
doctor() {
    timeout 60 ip netns exec "$HR_VPS" "${DOCTOR_WRAP[@]}" env "${DOCTOR_ENV[@]}" \
        "$BIN/hostup-routed" doctor --config "${DOCTOR_CONFIG:-$HR_CONFIG}" "$@" \
        >"$HR_WORK/doctor.out" 2>"$HR_WORK/doctor.err"
}

# expect_finding CHECK TEXT: doctor exits 1 and prints a `problem [CHECK] ...` line containing TEXT.
expect_finding() {
    local status=0
    doctor || status=$?
    if [ "$status" != 1 ]; then
        problem "doctor exited $status with the fault in place, want 1"
        return 1
    fi
    local line
    line=$(grep -F "problem [$1]" "$HR_WORK/doctor.out" | grep -F -- "$2" | head -n 1)
    if [ -z "$line" ]; then
        problem "no 'problem [$1] ...$2...' line"
        return 1
    fi
    echo "#   $line" | cut -c1-240
}

# expect_healthy WHAT: doctor exits 0 and prints exactly one line, its summary with no problems.
expect_healthy() {
    local status=0
    doctor || status=$?
    if [ "$status" != 0 ]; then
        problem "$1: doctor exited $status, want 0"
        return 1
    fi
    if [ "$(wc -l <"$HR_WORK/doctor.out")" != 1 ] || ! grep -qE '^doctor: [0-9]+ checks, no problems$' "$HR_WORK/doctor.out"; then
        problem "$1: doctor printed more than its summary"
        return 1
    fi
}

# container_reachable: the router pings the container behind br0 (through the vps's forwarding).
container_reachable() {
    hr_ping "$HR_ROUTER" "$P2_CONTAINER"
}

has_ra_default() {
    ip -j -n "$HR_VPS" -6 route show default 2>/dev/null |
        jq -e 'any(.[]; (.protocol | tostring) == "ra" and .dev == "eth0")' >/dev/null
}

radvd_start() {
    cat >"$HR_WORK/radvd.conf" <<EOF
interface up0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 4;
    AdvDefaultLifetime 1800;
};
EOF
    ip netns exec "$HR_ROUTER" radvd -n -C "$HR_WORK/radvd.conf" -p "$HR_WORK/radvd.pid" -m stderr \
        >>"$HR_WORK/radvd.log" 2>&1 &
    RADVD_PID=$!
}

# proxy_start SKEW [PORT CERT KEY]: a proxy in the vps namespace in front of the simulator that shifts every
# answer's Date header by SKEW seconds (Hummingbird sets Date itself, after any middleware). On 127.0.0.1:8081 over
# HTTP; given PORT, CERT and KEY, on 127.0.0.1:PORT over TLS with that certificate.
proxy_start() {
    cat >"$HR_WORK/skew-proxy.py" <<'EOF'
import http.server, ssl, sys, time, urllib.request, urllib.error, email.utils
skew = int(sys.argv[1])
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8081
class Proxy(http.server.BaseHTTPRequestHandler):
    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(time.time() + skew, usegmt=True)
    def do_GET(self):
        request = urllib.request.Request("http://127.0.0.1:8080" + self.path,
                                         headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        try:
            answer = urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as error:
            answer = error
        body = answer.read()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", port), Proxy)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
EOF
    ip netns exec "$HR_VPS" python3 "$HR_WORK/skew-proxy.py" "$@" >>"$HR_WORK/proxy.log" 2>&1 &
    PROXY_PID=$!
    if [ $# -gt 1 ]; then
        hr_wait 10 ip netns exec "$HR_VPS" curl -sk -o /dev/null "https://127.0.0.1:$2/"
    else
        hr_wait 10 ip netns exec "$HR_VPS" curl -s -o /dev/null http://127.0.0.1:8081/
    fi
}

# make_certificates DIR: a test CA (ca.pem) and a certificate for localhost signed by it (server.pem, server.key).
make_certificates() {
    local dir=$1
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=hostup-routed test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>>"$dir/openssl.log" &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
            -keyout "$dir/server.key" -out "$dir/server.csr" 2>>"$dir/openssl.log" &&
        printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
            "extendedKeyUsage=serverAuth" >"$dir/server.ext" &&
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
            -extfile "$dir/server.ext" -out "$dir/server.pem" 2>>"$dir/openssl.log"
}

proxy_stop() {
    [ -n "$PROXY_PID" ] || return 0
    hr_stop_pid "$PROXY_PID" TERM
    PROXY_PID=
}

doctor_teardown() {
    local status=$?
    proxy_stop
    [ -n "$RADVD_PID" ] && hr_stop_pid "$RADVD_PID" TERM
    RADVD_PID=
    hr_teardown
    return "$status"
}

# --- the cases ---------------------------------------------------------------------------------------------

case_healthy() {
    expect_healthy "healthy" || return 1
    doctor --json || { problem "doctor --json exited $?"; return 1; }
    jq -e '.healthy == true and (.findings | length) == 0
        and ([.checks[].name] == ["token", "dns", "tcp", "api", "clock", "identity", "uplink", "forwarding",
             "next-hop", "bindings", "routes", "forward-policy", "networkd"])
        and all(.checks[]; .status == "ok")' "$HR_WORK/doctor.out" >/dev/null ||
        problem "doctor --json: not the healthy report with every check"
    jq -e --arg vps "$HR_VPS_ID" '.checks[] | select(.name == "identity") | .detail
        | startswith($vps) and contains("nextHop 2001:db8::10 is assigned")' "$HR_WORK/doctor.out" >/dev/null ||
        problem "identity detail does not say the nextHop matched"
    [ -z "$WHY" ]
}

case_radvd_default_route() {
    doctor --json
    jq -e '.checks[] | select(.name == "uplink") | .detail | test("^eth0: default via fe80:.*from router advertisements \\(proto ra\\)$")' \
        "$HR_WORK/doctor.out" >/dev/null || problem "uplink detail: $(jq -c '.checks[] | select(.name == "uplink")' "$HR_WORK/doctor.out")"
    ip -n "$HR_VPS" -6 route add default via "$HR_ROUTER_ADDR" dev eth0 metric 100 proto static
    doctor --json
    jq -e '.checks[] | select(.name == "uplink") | .detail == "eth0: default via 2001:db8::1, static (proto static)"' \
        "$HR_WORK/doctor.out" >/dev/null || problem "with a static default route: $(jq -c '.checks[] | select(.name == "uplink")' "$HR_WORK/doctor.out")"
    ip -n "$HR_VPS" -6 route del default via "$HR_ROUTER_ADDR" dev eth0 metric 100
    # No default route at all: radvd withdraws it (its last RA has lifetime 0).
    hr_stop_pid "$RADVD_PID" TERM
    RADVD_PID=
    hr_wait 5 eval '! has_ra_default' || problem "the RA default route stayed after radvd stopped"
    expect_finding uplink "no IPv6 default route leaves through the uplink"
    radvd_start
    hr_wait 10 has_ra_default || problem "no RA default route 10 s after radvd started again"
    expect_healthy "radvd back"
    [ -z "$WHY" ]
}

case_forwarding_lockout() {
    hr_sysctl "$HR_VPS" net.ipv6.conf.eth0.accept_ra 1
    expect_finding forwarding "accept_ra is 1"
    grep -qF "do: sysctl -w net.ipv6.conf.eth0.accept_ra=2" "$HR_WORK/doctor.out" || problem "no remedy accept_ra=2"
    hr_sysctl "$HR_VPS" net.ipv6.conf.eth0.accept_ra 2
    expect_healthy "accept_ra back to 2"
    [ -z "$WHY" ]
}

# forward_drop NAME BREAK ACCEPT_OUT ACCEPT_IN CLEAN TEXT: BREAK drops forwarded traffic (the container becomes
# unreachable) and doctor must name the chain (TEXT); ACCEPT_OUT accepts traffic to br0 only, and the container's
# answers are still dropped: still unreachable, still a finding; ACCEPT_IN accepts traffic from br0 too: reachable,
# and doctor is healthy. CLEAN removes it all.
forward_drop() {
    local break=$2 accept_out=$3 accept_in=$4 clean=$5 text=$6
    container_reachable || { problem "the container is not reachable before the drop"; return 1; }
    hr_in "$HR_VPS" sh -c "$break" || { problem "cannot set the drop: $break"; return 1; }
    ! container_reachable || problem "the container is still reachable with the drop in place (the fault is not real)"
    expect_finding forward-policy "$text"
    hr_in "$HR_VPS" sh -c "$accept_out" || problem "cannot add the accept rule: $accept_out"
    ! container_reachable || problem "the container is reachable with an accept to br0 alone"
    expect_finding forward-policy "$text"
    hr_in "$HR_VPS" sh -c "$accept_in" || problem "cannot add the accept rule: $accept_in"
    container_reachable || problem "the container is unreachable with accept rules both ways"
    expect_healthy "$1 with accept rules for br0"
    hr_in "$HR_VPS" sh -c "$clean" || problem "cannot clean up: $clean"
    [ -z "$WHY" ]
}

case_drop_iptables_nft() {
    forward_drop ip6tables-nft "ip6tables-nft -P FORWARD DROP" "ip6tables-nft -A FORWARD -o br0 -j ACCEPT" \
        "ip6tables-nft -A FORWARD -i br0 -j ACCEPT" "ip6tables-nft -F FORWARD && ip6tables-nft -P FORWARD ACCEPT" \
        "ip6tables-nft filter FORWARD"
}

case_drop_iptables_legacy() {
    forward_drop ip6tables-legacy "ip6tables-legacy -P FORWARD DROP" "ip6tables-legacy -A FORWARD -o br0 -j ACCEPT" \
        "ip6tables-legacy -A FORWARD -i br0 -j ACCEPT" \
        "ip6tables-legacy -F FORWARD && ip6tables-legacy -P FORWARD ACCEPT" "ip6tables-legacy filter FORWARD"
}

case_drop_nft() {
    forward_drop nft \
        "nft add table inet hostup_test && nft 'add chain inet hostup_test forward { type filter hook forward priority 0; policy drop; }'" \
        "nft add rule inet hostup_test forward oifname br0 accept" \
        "nft add rule inet hostup_test forward iifname br0 accept" \
        "nft delete table inet hostup_test" "nft inet hostup_test forward"
}

# Rules, not the policy: the policy is accept, and a DROP to br0 and a REJECT from it (after a Docker-style jump to
# DOCKER-USER, which decides nothing) cut the container off; accepts inserted above them mend it.
case_drop_rules_iptables_nft() {
    forward_drop "ip6tables-nft rules" \
        "ip6tables-nft -N DOCKER-USER && ip6tables-nft -A DOCKER-USER -j RETURN && ip6tables-nft -A FORWARD -j DOCKER-USER && ip6tables-nft -A FORWARD -o br0 -j DROP && ip6tables-nft -A FORWARD -i br0 -j REJECT" \
        "ip6tables-nft -I FORWARD -o br0 -j ACCEPT" "ip6tables-nft -I FORWARD -i br0 -j ACCEPT" \
        "ip6tables-nft -F && ip6tables-nft -X DOCKER-USER" "drops all traffic to or from br0"
}

case_drop_rules_nft() {
    forward_drop "nft rules" \
        "nft add table inet hostup_test && nft 'add chain inet hostup_test forward { type filter hook forward priority 0; policy accept; }' && nft add rule inet hostup_test forward oifname '{ \"br0\", \"br9\" }' counter drop && nft add rule inet hostup_test forward iifname br0 reject" \
        "nft insert rule inet hostup_test forward oifname br0 accept" \
        "nft insert rule inet hostup_test forward iifname br0 accept" \
        "nft delete table inet hostup_test" "drops all traffic to or from br0"
}

# The prefix unreachable while every object is held: a route made by hand for P2 with a lower metric sends its
# traffic back out the uplink; br0 down drops br0's routes. Each mended: healthy again.
# A stateful firewall (policy drop, replies by conntrack, new connections from the uplink to br0): reachable, so
# healthy; without its routed accept, the conntrack rule alone lets nothing in: unreachable, a finding.
case_stateful_nft() {
    hr_in "$HR_VPS" sh -c "nft add table inet hostup_test && nft 'add chain inet hostup_test forward { type filter hook forward priority 0; policy drop; }' && nft add rule inet hostup_test forward ct state established,related accept && nft add rule inet hostup_test forward iifname eth0 oifname br0 accept" ||
        { problem "cannot make the stateful ruleset"; return 1; }
    container_reachable || problem "the container is unreachable through the stateful ruleset"
    expect_healthy "a stateful ruleset that lets the routed traffic in"
    hr_in "$HR_VPS" sh -c "nft flush chain inet hostup_test forward && nft add rule inet hostup_test forward ct state established,related accept"
    ! container_reachable || problem "the container is reachable with only the conntrack rule (the fault is not real)"
    expect_finding forward-policy "no rules accept all traffic to and from br0"
    hr_in "$HR_VPS" nft delete table inet hostup_test
    [ -z "$WHY" ]
}

case_shadowed_or_down() {
    ip -n "$HR_VPS" -6 route add "$P2" via "$HR_ROUTER_ADDR" dev eth0 metric 100 proto static ||
        { problem "cannot add the shadowing route"; return 1; }
    ! container_reachable || problem "the container is still reachable past the shadowing route (the fault is not real)"
    expect_finding routes "is preferred to the agent's path through br0"
    ip -n "$HR_VPS" -6 route del "$P2" via "$HR_ROUTER_ADDR" dev eth0 metric 100
    container_reachable || problem "the container is unreachable after the shadowing route went"
    expect_healthy "the shadowing route gone"
    ip -n "$HR_VPS" link set br0 down
    ! container_reachable || problem "the container is still reachable with br0 down"
    expect_finding bindings "br0: the interface is down: the kernel dropped its routes"
    ip -n "$HR_VPS" link set br0 up
    ip netns exec "$HR_VPS" "$BIN/hostup-routed" sync --config "$HR_CONFIG" >>"$HR_WORK/sync.log" 2>&1 ||
        problem "sync after br0 came back failed"
    hr_wait 10 container_reachable || problem "the container is unreachable 10 s after br0 came back and a sync"
    expect_healthy "br0 up again and synced"
    [ -z "$WHY" ]
}

case_dadfailed() {
    # The container claims the vps's br0 address; the vps's copy is then added by hand with DAD on, and fails it.
    ip -n "$HR_CTR" addr add "$P2_HOST/64" dev eth0 nodad
    ip -n "$HR_VPS" addr del "$P2_HOST/64" dev br0
    hr_sysctl "$HR_VPS" net.ipv6.conf.br0.accept_dad 1
    ip -n "$HR_VPS" addr add "$P2_HOST/64" dev br0
    hr_wait 5 eval "ip -n $HR_VPS -6 addr show dev br0 | grep -q dadfailed" || {
        problem "the kernel did not mark $P2_HOST dadfailed"
    }
    expect_finding routes "duplicate address detection failed"
    ip -n "$HR_CTR" addr del "$P2_HOST/64" dev eth0
    ip -n "$HR_VPS" addr del "$P2_HOST/64" dev br0
    hr_sysctl "$HR_VPS" net.ipv6.conf.br0.accept_dad 0
    hr_agent sync >>"$HR_WORK/sync.log" 2>&1 || problem "sync after the dadfailed case exited $?"
    expect_healthy "after removing the duplicate and a sync"
    [ -z "$WHY" ]
}

case_next_hop_not_on_uplink() {
    ip -n "$HR_VPS" addr del "$HR_NEXT_HOP/64" dev eth0
    ip -n "$HR_VPS" addr add "$HR_NEXT_HOP/64" dev br0 nodad
    expect_finding next-hop "not on the uplink eth0"
    ip -n "$HR_VPS" addr del "$HR_NEXT_HOP/64" dev br0
    ip -n "$HR_VPS" addr add "$HR_NEXT_HOP/64" dev eth0 nodad
    hr_wait 5 hr_ping "$HR_ROUTER" "$HR_NEXT_HOP" || problem "the router cannot reach the nextHop again"
    expect_healthy "nextHop back on eth0"
    [ -z "$WHY" ]
}

case_binding_interface() {
    # A binding for a WireGuard-like interface (a bridge here: this kernel has no wireguard) that no route uses yet.
    local DOCTOR_CONFIG=$CONFIG_EXTRA
    expect_finding bindings "wg0: the binding \"vpn\" names an interface that does not exist"
    ip -n "$HR_VPS" link add wg0 type bridge && ip -n "$HR_VPS" link set wg0 up
    expect_healthy "wg0 exists"
    hr_sysctl "$HR_VPS" net.ipv6.conf.wg0.disable_ipv6 1
    expect_finding bindings "wg0: IPv6 is disabled on the interface"
    hr_sysctl "$HR_VPS" net.ipv6.conf.wg0.disable_ipv6 0
    expect_healthy "IPv6 enabled on wg0"
    # An MTU below 1280: the kernel removes IPv6 from the link (its disable_ipv6 is gone); the remedy is the MTU.
    ip -n "$HR_VPS" link set wg0 mtu 1200
    expect_finding bindings "wg0: the MTU 1200 is below IPv6's minimum of 1280"
    grep -qF "do: ip link set wg0 mtu 1280" "$HR_WORK/doctor.out" || problem "no MTU remedy"
    ip -n "$HR_VPS" link set wg0 mtu 1500
    expect_healthy "wg0's MTU back to 1500"
    ip -n "$HR_VPS" link del wg0
    [ -z "$WHY" ]
}

case_clock_skew() {
    proxy_start 3600 || { problem "the skewing proxy did not start"; return 1; }
    DOCTOR_ENV=(HOSTUP_ROUTED_API_URL=http://127.0.0.1:8081)
    expect_finding clock "3600 s behind the API's"
    proxy_stop
    proxy_start 30 || { problem "the skewing proxy did not start again"; return 1; }
    expect_healthy "Date 30 s off (within 60 s)"
    proxy_stop
    DOCTOR_ENV=()
    [ -z "$WHY" ]
}

# The API's host does not resolve; nothing listens on its port; its TLS certificate is not trusted (a CA of the
# test's own). The healthy twin is the same TLS server with that CA in the trust store: the bundle NIOSSL reads,
# /etc/ssl/certs/ca-certificates.crt, bind-mounted in a private mount namespace (unshare --mount) for doctor only.
case_api_unreachable() {
    DOCTOR_ENV=(HOSTUP_ROUTED_API_URL=https://api.invalid)
    expect_finding dns "the API host does not resolve"
    DOCTOR_ENV=(HOSTUP_ROUTED_API_URL=https://127.0.0.1:1)
    expect_finding tcp "127.0.0.1 port 1"
    make_certificates "$HR_WORK/tls" || { problem "openssl failed: $(tail -n 3 "$HR_WORK/tls/openssl.log")"; DOCTOR_ENV=(); return 1; }
    proxy_start 0 8443 "$HR_WORK/tls/server.pem" "$HR_WORK/tls/server.key" || problem "the TLS proxy did not start"
    DOCTOR_ENV=(HOSTUP_ROUTED_API_URL=https://localhost:8443)
    expect_finding api "TCP connects, but the HTTPS request fails"
    grep -qF "the CA store (apt-get install ca-certificates)" "$HR_WORK/doctor.out" || problem "no CA store remedy"
    # shellcheck disable=SC2016 # expanded by the inner shell
    DOCTOR_WRAP=(unshare --mount sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' "$HR_WORK/tls/ca.pem")
    expect_healthy "the same server with its CA trusted"
    DOCTOR_WRAP=()
    DOCTOR_ENV=()
    proxy_stop
    [ -z "$WHY" ]
}

# A config that does not load: doctor --json still says healthy false (a monitoring script reads stdout), exit 78.
case_config_unusable() {
    local bad=$HR_WORK/bad.toml status=0
    printf '%s\n' "api_url = \"$HR_API_URL\"" "pol_interval = \"1s\"" >"$bad"
    DOCTOR_CONFIG=$bad doctor --json || status=$?
    [ "$status" = 78 ] || problem "doctor --json with a bad config exited $status, want 78"
    jq -e '.healthy == false and .checks == [{"name": "config", "status": "problem"}]
        and (.findings[0].message | contains("pol_interval"))' "$HR_WORK/doctor.out" >/dev/null ||
        problem "stdout is not a report with the config problem: $(head -c 300 "$HR_WORK/doctor.out")"
    grep -q pol_interval "$HR_WORK/doctor.err" || problem "stderr does not name the key"
    [ -z "$WHY" ]
}

case_token_mode() {
    chmod 0644 "$HR_WORK/token"
    expect_finding token "mode 0644"
    grep -qF "do: chmod 600 $HR_WORK/token" "$HR_WORK/doctor.out" || problem "no chmod remedy"
    # One finding, its remedy naming token_file: not a second "no usable API token" pointing at another file.
    [ "$(grep -c '^problem \[token\]' "$HR_WORK/doctor.out")" = 1 ] || problem "the token file is reported more than once"
    ! grep -qF /etc/hostup-routed/token "$HR_WORK/doctor.out" || problem "a remedy names /etc/hostup-routed/token"
    chmod 0600 "$HR_WORK/token"
    expect_healthy "token mode 0600"
    [ -z "$WHY" ]
}

case_token_scope() {
    hr_sim_control tokens "{\"token\": \"$HR_TOKEN\", \"scopes\": [\"read:network\"]}"
    expect_finding api "lacks a scope: GET /api/v2/routed-ipv6: 403 Forbidden"
    [ "$(grep -c '^problem \[api\]' "$HR_WORK/doctor.out")" = 1 ] || problem "more than one api line"
    grep -q '^problem \[api\].* — do: give the token the scopes' "$HR_WORK/doctor.out" || problem "no scope remedy"
    hr_sim_control tokens "{\"token\": \"$HR_TOKEN\", \"scopes\": [\"read:network\", \"read:vm\", \"write:network\"]}"
    expect_healthy "every scope back"
    [ -z "$WHY" ]
}

case_binding_problem() {
    # The new user's config: the only binding splits into /56s, so neither /64 route (P1 "web", P2 "containers")
    # can be bound; status calls both binding-problem, and so must doctor.
    local DOCTOR_CONFIG=$HR_WORK/config-split.toml
    { sed -n '/^\[\[bindings\]\]/q;p' "$HR_CONFIG"; printf '[[bindings]]\nmatch = "containers"\nmode = "address"\ninterface = "br0"\nsplit = 56\n'; } >"$DOCTOR_CONFIG"
    expect_finding routes "$P1 (" || return 1
    grep -qF "problem [routes] $P2 (" "$HR_WORK/doctor.out" || problem "no routes line for $P2"
    grep -qF "no binding matches" "$HR_WORK/doctor.out" || problem "P1's reason is not 'no binding matches'"
    grep -F "problem [routes] $P2 (" "$HR_WORK/doctor.out" | grep -qF "binding problem: split 56" || problem "P2's reason does not name the split"
    DOCTOR_CONFIG=$HR_CONFIG
    expect_healthy "the bindings that fit"
    [ -z "$WHY" ]
}

case_refused_route() {
    # A route whose prefix holds an address of the uplink: the validator refuses it at sync; doctor names the
    # rule, not "run sync".
    local id
    ip -n "$HR_VPS" addr add "${P3%/64}5/64" dev eth0 nodad
    id=$(hr_create_route "$P3" web) || { problem "cannot create $P3"; return 1; }
    ip netns exec "$HR_VPS" "$BIN/hostup-routed" sync --config "$HR_CONFIG" >>"$HR_WORK/sync.log" 2>&1
    expect_finding routes "refused by validation: "
    grep -F "problem [routes] $P3 ($id" "$HR_WORK/doctor.out" | grep -qF "do: the agent does not apply" || problem "no remedy for the refusal"
    ! grep -qF "has not applied it yet" "$HR_WORK/doctor.out" || problem "doctor still advises sync for the refused route"
    hr_delete_route "$id" || problem "cannot delete $P3"
    ip -n "$HR_VPS" addr del "${P3%/64}5/64" dev eth0
    ip netns exec "$HR_VPS" "$BIN/hostup-routed" sync --config "$HR_CONFIG" >>"$HR_WORK/sync.log" 2>&1 || problem "sync after the refusal case exited $?"
    expect_healthy "the refused route deleted, then a sync"
    [ -z "$WHY" ]
}

hr_sim_control() {
    ip netns exec "$HR_VPS" curl -sS --fail --max-time 10 -X POST -H 'Content-Type: application/json' \
        --data "$2" "$HR_API_URL/_sim/$1" >/dev/null
}

# --- main --------------------------------------------------------------------------------------------------

if reason=$(hr_unavailable); then
    echo "SKIP: doctor tests need network namespaces: $reason"
    exit 77
fi
MISSING=()
for tool in radvd python3 timeout openssl unshare nft ip6tables-nft ip6tables-legacy ip6tables-nft-save ip6tables-legacy-save; do
    command -v "$tool" >/dev/null 2>&1 || MISSING+=("$tool")
done
if [ "${#MISSING[@]}" != 0 ]; then
    echo "SKIP: not installed: ${MISSING[*]} (apt-get install radvd python3 iptables nftables)"
    if [ -n "${CI:-}" ]; then
        echo "not ok - tools: CI must run every doctor check, and ${MISSING[*]} are missing"
        exit 1
    fi
    exit 77
fi
hr_resolve_bin || exit 1
hr_setup_traps
trap doctor_teardown EXIT

setup() {
    hr_topology_up || return 1
    radvd_start
    hr_wait 10 has_ra_default || { echo "setup: no RA default route 10 s after radvd started" >&2; return 1; }
    hr_sim_start || return 1
    printf '%s\n' "$HR_TOKEN" >"$HR_WORK/token" && chmod 0600 "$HR_WORK/token"
    mkdir -p "$HR_WORK/state"
    HR_CONFIG=$HR_WORK/config.toml
    # No vps_id: doctor is to detect it from the nextHop; no uplink: from the RA default route.
    cat >"$HR_CONFIG" <<EOF
api_url = "$HR_API_URL"
token_file = "$HR_WORK/token"
state_dir = "$HR_WORK/state"
$HR_BINDINGS_CONTAINERS
EOF
    CONFIG_EXTRA=$HR_WORK/config-extra.toml
    { cat "$HR_CONFIG"; printf '\n[[bindings]]\nmatch = "vpn"\nmode = "route"\ninterface = "wg0"\n'; } >"$CONFIG_EXTRA"
    hr_create_route "$P1" web >/dev/null || return 1
    hr_create_route "$P2" containers >/dev/null || return 1
    ip -n "$HR_CTR" addr add "$P2_CONTAINER/64" dev eth0 nodad || return 1
    ip -n "$HR_CTR" -6 route add default via "$P2_HOST" dev eth0 || return 1
    ip netns exec "$HR_VPS" "$BIN/hostup-routed" sync --config "$HR_CONFIG" >>"$HR_WORK/sync.log" 2>&1 || {
        echo "setup: sync failed:" >&2
        tail -n 5 "$HR_WORK/sync.log" >&2
        return 1
    }
}
start=$SECONDS
if ! setup; then
    echo "not ok - setup"
    echo "0 passed, 1 failed"
    exit 1
fi

run_case "healthy: doctor prints only its summary and exits 0; --json lists every check" case_healthy
run_case "radvd default route: named proto ra, a static one named static; none is a problem" case_radvd_default_route
run_case "forwarding lockout: all.forwarding=1 with accept_ra=1 on an RA uplink" case_forwarding_lockout
run_case "FORWARD drop through ip6tables-nft" case_drop_iptables_nft
run_case "FORWARD drop through ip6tables-legacy" case_drop_iptables_legacy
run_case "FORWARD drop through nft (inet table)" case_drop_nft
run_case "FORWARD rules, not the policy, drop br0's traffic: ip6tables-nft (after a DOCKER-USER jump)" case_drop_rules_iptables_nft
run_case "FORWARD rules, not the policy, drop br0's traffic: nft (a set, reject)" case_drop_rules_nft
run_case "a stateful nft ruleset (conntrack replies, uplink to br0 accepted) is healthy; conntrack alone is not" case_stateful_nft
run_case "a route made by hand shadows P2 (lower metric, out the uplink); br0 down" case_shadowed_or_down
run_case "dadfailed: the container holds the vps's br0 address" case_dadfailed
run_case "nextHop on br0 instead of the uplink" case_next_hop_not_on_uplink
run_case "binding interface missing, then with IPv6 disabled, then with an MTU below 1280" case_binding_interface
run_case "clock skew: Date an hour ahead is a problem, 30 s is not" case_clock_skew
run_case "API host does not resolve, port closed, TLS certificate not trusted; trusted: healthy" case_api_unreachable
run_case "a config that does not load: --json says healthy false, exit 78" case_config_unusable
run_case "token file mode 0644" case_token_mode
run_case "token without read:vm" case_token_scope
run_case "binding problem: a split that fits no route, and a route no binding matches" case_binding_problem
run_case "a route refused by validation (it holds an address of eth0)" case_refused_route

echo "# $((SECONDS - start)) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
