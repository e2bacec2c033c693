#!/usr/bin/env bash
# check-unit.sh: checks systemd/hostup-routed.service and systemd/hostup-routed.catalog.
#   1. `systemd-analyze verify` reports nothing (the unit parses, every command exists).
#   2. `systemd-analyze security --offline=true` exposure is at most 2.0; the figure is printed.
#   3. journalctl compiles the catalog, and it has an entry for every MESSAGE_ID in
#      Sources/SystemdIntegration/JournalMessageID.swift.
#   4. No ordering cycle: with the unit enabled as its [Install] section says (links in TARGET.wants/ next to it),
#      `systemd-analyze verify` of the unit and of a consumer ordered After=/Wants=network-online.target (what the
#      README tells users to write) reports no "ordering cycle"; and the check can fail: a consumer ordered
#      Before=hostup-routed.service and After=network-online.target, a cycle with the unit's
#      Before=network-online.target, must be reported. (scripts/test-boot.sh checks the same in a booted system.)
#   5. libdispatch stays quiet under the unit's Environment=: `hostup-routed status` (which starts Dispatch worker
#      threads) run as nobody without CAP_SYS_NICE logs no "Failed to set thread priority" with the unit's
#      LIBDISPATCH_LOG, and does with LIBDISPATCH_LOG=stderr (the control: the check can fail). Needs root (setpriv)
#      and a built binary (BIN, default `swift build --show-bin-path`); skipped without them.
# Exit 0 when all pass, 1 when one fails, 77 (skipped) when systemd-analyze is not installed.
# Needs no running systemd (works where systemd is installed but is not PID 1, as in CI).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

UNIT=systemd/hostup-routed.service
CATALOG=systemd/hostup-routed.catalog
IDS_SOURCE=Sources/SystemdIntegration/JournalMessageID.swift
LIMIT=2.0

if ! command -v systemd-analyze >/dev/null; then
    echo "check-unit: systemd-analyze not found (apt-get install systemd); skipping" >&2
    exit 77
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

# 1. verify. Run on a copy named like the unit. Until the package is installed /usr/bin/hostup-routed does not
# exist, and verify would report exactly that; the copy then points ExecStart= at an executable stub of the
# same name, and nothing else changes. --man=no: the man page ships with the package, not in the tree.
cp "$UNIT" "$scratch/hostup-routed.service"
if [ ! -x /usr/bin/hostup-routed ]; then
    mkdir -p "$scratch/bin"
    printf '#!/bin/sh\nexit 0\n' >"$scratch/bin/hostup-routed"
    chmod 755 "$scratch/bin/hostup-routed"
    sed -i "s|^ExecStart=/usr/bin/hostup-routed |ExecStart=$scratch/bin/hostup-routed |" \
        "$scratch/hostup-routed.service"
    echo "check-unit: /usr/bin/hostup-routed is not installed; verifying with ExecStart= pointing at a stub"
fi
verify_output=$(systemd-analyze verify --man=no "$scratch/hostup-routed.service" 2>&1)
verify_status=$?
if [ "$verify_status" -ne 0 ] || [ -n "$verify_output" ]; then
    echo "check-unit: FAIL systemd-analyze verify $UNIT (exit $verify_status):"
    printf '%s\n' "$verify_output"
    failures=$((failures + 1))
else
    echo "check-unit: ok   systemd-analyze verify $UNIT: clean"
fi

# 2. security exposure (0.0 best .. 10.0 worst).
security_output=$(systemd-analyze security --offline=true "$UNIT" 2>&1)
exposure=$(printf '%s\n' "$security_output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p')
if [ -z "$exposure" ]; then
    echo "check-unit: FAIL systemd-analyze security printed no exposure level:"
    printf '%s\n' "$security_output"
    failures=$((failures + 1))
elif awk -v e="$exposure" -v l="$LIMIT" 'BEGIN { exit !(e + 0 > l + 0) }'; then
    echo "check-unit: FAIL exposure $exposure > $LIMIT; the settings that cost:"
    printf '%s\n' "$security_output" | grep '✗'
    failures=$((failures + 1))
else
    echo "check-unit: ok   systemd-analyze security --offline=true exposure: $exposure (limit $LIMIT)"
fi

# 3. the catalog compiles, and covers every message id.
ids=$(grep -o 'rawValue: "[0-9a-f]\{32\}"' "$IDS_SOURCE" | grep -o '[0-9a-f]\{32\}')
if [ -z "$ids" ]; then
    echo "check-unit: FAIL no message ids found in $IDS_SOURCE"
    failures=$((failures + 1))
elif ! command -v journalctl >/dev/null; then
    echo "check-unit: FAIL journalctl not found; cannot check $CATALOG"
    failures=$((failures + 1))
else
    mkdir -p "$scratch/root/usr/lib/systemd/catalog" "$scratch/root/var/lib/systemd/catalog"
    cp "$CATALOG" "$scratch/root/usr/lib/systemd/catalog/"
    listed=$(journalctl --root="$scratch/root" --update-catalog 2>&1 &&
        journalctl --root="$scratch/root" --list-catalog 2>&1)
    missing=0
    for id in $ids; do
        if ! printf '%s\n' "$listed" | grep -q "^$id hostup-routed: "; then
            echo "check-unit: FAIL $CATALOG has no entry for MESSAGE_ID $id"
            missing=$((missing + 1))
        fi
    done
    if [ "$missing" -ne 0 ]; then
        printf '%s\n' "$listed"
        failures=$((failures + 1))
    else
        count=$(printf '%s\n' "$ids" | wc -l)
        echo "check-unit: ok   journalctl --update-catalog: $count message ids, all in $CATALOG"
    fi
fi

# 4. ordering cycles. verify adds the directory of the units it is given to the unit path, so enablement links
# made there count; it starts each unit's transaction in test mode, which reports and breaks an ordering cycle
# ("Found ordering cycle on ...") without failing: the output is what tells.
order=$scratch/order
mkdir -p "$order"
cp "$scratch/hostup-routed.service" "$order/"
for kind in WantedBy:wants RequiredBy:requires; do
    # shellcheck disable=SC2013 # the targets are separated by spaces, not lines
    for target in $(sed -n "s/^${kind%%:*}=//p" "$UNIT"); do
        mkdir -p "$order/$target.${kind#*:}"
        ln -sf ../hostup-routed.service "$order/$target.${kind#*:}/hostup-routed.service"
    done
done
cat >"$order/routed-consumer.service" <<'EOF'
[Unit]
Description=a service that needs the routed addresses when it starts
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=/bin/true
EOF
cat >"$order/routed-cyclic.service" <<'EOF'
[Unit]
Description=deliberately cyclic: before hostup-routed, after network-online.target
Wants=network-online.target
After=network-online.target
Before=hostup-routed.service

[Service]
Type=oneshot
ExecStart=/bin/true
EOF
cycles=
for unit in hostup-routed.service routed-consumer.service; do
    out=$(systemd-analyze verify --man=no "$order/$unit" 2>&1)
    if printf '%s\n' "$out" | grep -q 'ordering cycle'; then
        cycles="$cycles $unit"
        printf '%s\n' "$out"
    fi
done
cyclic_output=$(systemd-analyze verify --man=no "$order/routed-cyclic.service" 2>&1)
if [ -n "$cycles" ]; then
    echo "check-unit: FAIL systemd-analyze verify reports an ordering cycle for:$cycles"
    failures=$((failures + 1))
elif ! printf '%s\n' "$cyclic_output" | grep -q 'Found ordering cycle'; then
    echo "check-unit: FAIL a deliberately cyclic consumer was not reported, so the ordering check cannot fail:"
    printf '%s\n' "$cyclic_output"
    failures=$((failures + 1))
else
    echo "check-unit: ok   systemd-analyze verify: no ordering cycle with the unit enabled" \
        "(WantedBy=$(sed -n 's/^WantedBy=//p' "$UNIT" | paste -sd' ')) and a consumer After=network-online.target;" \
        "a deliberate cycle is reported"
fi

# 5. libdispatch's "Failed to set thread priority for worker thread" under the unit's environment.
BIN=${BIN:-$(swift build --show-bin-path 2>/dev/null)}
unit_log=$(sed -n 's/^Environment=LIBDISPATCH_LOG=//p' "$UNIT")
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || [ ! -x "$BIN/hostup-routed" ]; then
    echo "check-unit: skip libdispatch log check (needs root, setpriv and $BIN/hostup-routed)"
else
    mkdir -p "$scratch/prio/state" && chmod 755 "$scratch" "$scratch/prio" "$scratch/prio/state"
    printf 'state_dir = "%s"\n' "$scratch/prio/state" >"$scratch/prio/config.toml"
    chmod 644 "$scratch/prio/config.toml"
    quiet() { # quiet LIBDISPATCH_LOG: status as nobody, in a fresh network namespace; prints its stderr
        unshare --net env LIBDISPATCH_LOG="$1" setpriv --reuid 65534 --regid 65534 --clear-groups \
            "$BIN/hostup-routed" status --config "$scratch/prio/config.toml" 2>&1 >/dev/null
    }
    if ! quiet stderr | grep -q 'Failed to set thread priority'; then
        echo "check-unit: FAIL the control (LIBDISPATCH_LOG=stderr) did not show libdispatch's setpriority message"
        failures=$((failures + 1))
    elif quiet "$unit_log" | grep -q 'Failed to set thread priority'; then
        echo "check-unit: FAIL with the unit's LIBDISPATCH_LOG=$unit_log libdispatch still logs 'Failed to set thread priority'"
        failures=$((failures + 1))
    else
        echo "check-unit: ok   libdispatch's setpriority refusal is not logged with the unit's LIBDISPATCH_LOG=$unit_log"
    fi
fi

exit $((failures == 0 ? 0 : 1))
