#!/usr/bin/env bash
# test.sh: every test of hostup-routed, in order (run as root for the namespace tiers):
#   1. swift build --build-tests
#   2. swift test --skip-build          unit tests (with the toml-test conformance suite from ../shared/toml-test or
#                                       $TOML_TEST_DIR); the netlink integration tests skip in the host namespace
#   3. scripts/fuzz-toml.py             the TOML parser differentially fuzzed against Python's tomllib (45 s, seed 1)
#   4. scripts/test-in-netns.sh         the netlink integration tests inside a fresh network namespace
#   5. scripts/e2e.sh                   end to end: agent + API simulator in network namespaces
#   6. scripts/e2e-forwarding.sh        forwarding and accept_ra with a real router (radvd) in network namespaces
#   7. scripts/e2e-repair.sh            kernel drift repaired by the daemon from netlink events, no API request
#                                       (issue 10), in network namespaces
#   8. scripts/e2e-doctor.sh            `hostup-routed doctor` against each fault, built in network namespaces,
#                                       and its healthy twin (90 s budget)
#   ...                                 the command line, systemd integration and unit checks, scripts/fuzz.sh (the
#                                       config loader, API document and netlink decoders, 20 s each),
#                                       the benchmarks in short mode (scripts/bench/run.sh --short: sync.sh,
#                                       daemon.sh, sizes, timings unchecked, and fleet.sh --short, the poll schedule
#                                       of 50 000 simulated agents through an outage, a region booting and a shared
#                                       429, whose goal is checked), then the
#                                       .deb (packaging/build-deb, once): scripts/test-deb.sh in a chroot and
#                                       scripts/test-boot.sh under a booted systemd (systemd-nspawn)
# Later steps still run when an earlier test step fails (not when the build fails). Prints a summary; exits 1
# when any step failed. A skipped end-to-end run (not root, no `ip netns`) counts as a failure when CI is set,
# since CI must prove the namespace tiers.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -a SUMMARY=()
FAILURES=0

# step NAME COMMAND...: runs COMMAND, records PASS / FAIL / SKIP (exit 77) with its duration.
step() {
    local name=$1 status start
    shift
    printf '\n=== %s: %s\n' "$name" "$*"
    start=$SECONDS
    "$@"
    status=$?
    local took="$((SECONDS - start))s"
    if [ "$status" = 0 ]; then
        SUMMARY+=("PASS  $name ($took)")
    elif [ "$status" = 77 ]; then
        if [ -n "${CI:-}" ]; then
            SUMMARY+=("FAIL  $name: skipped, but CI must run it ($took)")
            FAILURES=$((FAILURES + 1))
        else
            SUMMARY+=("SKIP  $name ($took)")
        fi
    else
        SUMMARY+=("FAIL  $name: exit $status ($took)")
        FAILURES=$((FAILURES + 1))
    fi
    return "$status"
}

summary() {
    printf '\n=== summary\n'
    printf '%s\n' "${SUMMARY[@]}"
    if [ "$FAILURES" = 0 ]; then
        echo "all steps passed"
    else
        echo "$FAILURES step(s) failed"
    fi
}

if [ "$(id -u)" -ne 0 ]; then
    echo "warning: not root: the network-namespace steps will be skipped" >&2
fi

if ! step "build" swift build --build-tests; then
    SUMMARY+=("NOT RUN  unit tests, netlink in netns, end to end (the build failed)")
    summary
    exit 1
fi
step "unit tests" swift test --skip-build
BIN=$(swift build --show-bin-path)
export BIN
step "TOML differential fuzz" python3 scripts/fuzz-toml.py --seconds 45 --seed 1
if [ -x scripts/test-in-netns.sh ]; then
    step "netlink in netns" scripts/test-in-netns.sh
else
    SUMMARY+=("FAIL  netlink in netns: scripts/test-in-netns.sh is missing or not executable")
    FAILURES=$((FAILURES + 1))
fi
step "end to end" scripts/e2e.sh
step "forwarding with a real router" scripts/e2e-forwarding.sh
step "kernel drift repair" scripts/e2e-repair.sh
# About 25 s here; the budget is 90 s (timeout ends a hung run).
step "doctor finds each fault" timeout 90 scripts/e2e-doctor.sh
step "systemd integration" scripts/e2e-systemd.sh
step "systemd unit" scripts/check-unit.sh
step "fuzzing (20 s a target)" scripts/fuzz.sh config document netlink
# Proves every benchmark script works (every figure obtained), not its timings. The fleet simulation in it is
# deterministic (a seeded simulation over virtual time, not a timing): it fails when the schedule lets a second
# after a disturbance exceed 1.2 x the fleet's steady rate.
step "benchmarks (short mode)" scripts/bench/run.sh --short
# One .deb for both package tiers (each builds its own when DEB is not set). Without dpkg-buildpackage they skip.
build_deb() {
    DEB=$(packaging/build-deb | tail -n 1) && [ -f "$DEB" ] && export DEB
}
if [ -n "${DEB:-}" ] || ! command -v dpkg-buildpackage >/dev/null || step "build package" build_deb; then
    step "package" scripts/test-deb.sh
    step "booted systemd" scripts/test-boot.sh
else
    SUMMARY+=("NOT RUN  package, booted systemd (packaging/build-deb failed)")
fi

summary
[ "$FAILURES" = 0 ]
