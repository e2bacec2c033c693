#!/usr/bin/env bash
# sync.sh: benchmarks of the one-shot commands, `hostup-routed sync` and `cleanup`, applying and removing N routed
# /64s in `anyip` mode (3 kernel objects each), served by the API simulator, in throw-away network namespaces
# (scripts/netns-lib.sh); nothing in the host namespace is touched.
#
#   sudo scripts/bench/sync.sh --write     # N = 1, 64, 256, 4096; writes the "Sync" section of BENCHMARKS.md
#   sudo scripts/bench/sync.sh --short     # N = 1 and 16, 2 rounds: proves the script works (about 10 s)
#   sudo BIN=/path/to/bin scripts/bench/sync.sh
#
# For each N the simulator is seeded with N routes (POST /_sim/seed, one request), then, after one warm-up round,
# R rounds of: `ip -6 -batch` adding the same 3×N objects (the baseline), `ip -6 -batch` removing them, the cron job
# a user would write instead (`curl | jq | ip -6 -batch -`), `hostup-routed sync` into the empty kernel, a no-op
# `sync`, and `cleanup` (scripts/bench/sync-bench.py says how). Wall time, medians of the rounds, and ratios
# against the baseline's median at the same N. Prints markdown tables. Exits 0 only when every figure was
# obtained; 1 otherwise; 2 on a usage error; 77 (the automake "skipped" code) when namespaces cannot be used here
# (not root, no `ip netns`). Timings are never asserted. BIN defaults to the release build (`swift build -c release
# --show-bin-path`), else the debug build. HR_KEEP_WORK=1 keeps the work directory.
#
# Options:
#   --routes "N..."    the route counts (default "1 64 256 4096"; each at most 8192, which the simulator takes in one
#                      seed of at most 1 MiB)
#   --rounds R         rounds per N (default 7)
#   --daemon PATH      the hostup-routed binary to measure (default $BIN/hostup-routed), e.g. an older release
#   --short            N = 1 and 16, R = 2: a check that the script works, not a measurement
#   --write            write the tables into BENCHMARKS.md (section "Sync"); refused with --short
#   --json PATH        also write the figures as JSON (scripts/bench/run.sh reads them)
set -uo pipefail

HR_ID=${HR_ID:-hrs$$}
# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../netns-lib.sh"
# shellcheck source=scripts/bench/bench-lib.sh
. "$HR_LIB_DIR/bench/bench-lib.sh"
HELPER=$HR_LIB_DIR/bench/sync-bench.py

COUNTS="1 64 256 4096" ROUNDS=7 SHORT=0 WRITE=0 DAEMON='' JSON=''
ARGS=("$@")

while [ $# -gt 0 ]; do
    case $1 in
    --routes) COUNTS=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --rounds) ROUNDS=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --daemon) DAEMON=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --json) JSON=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --short) SHORT=1 ;;
    --write) WRITE=1 ;;
    -h | --help) bench_help ;;
    *) echo "unknown option: $1" >&2; bench_usage ;;
    esac
    shift
done
if [ "$SHORT" = 1 ]; then
    COUNTS="1 16" ROUNDS=2
    if [ "$WRITE" = 1 ]; then
        echo "--write with --short would put figures that mean nothing into BENCHMARKS.md" >&2
        exit 2
    fi
fi
for value in $COUNTS "$ROUNDS"; do
    case $value in '' | *[!0-9]* | 0) echo "not a positive integer: '$value'" >&2; exit 2 ;; esac
done
for value in $COUNTS; do
    [ "$value" -le 8192 ] ||
        { echo "--routes: at most 8192 (the simulator takes a seed of 1 MiB at most)" >&2; exit 2; }
done

bench_prepare "$DAEMON"

START=$SECONDS
HR_CONFIG=$HR_WORK/config.toml

hr_log "topology and simulator (N = $COUNTS; agent $DAEMON)"
hr_topology_up || exit 1
hr_sim_start || exit 1
bench_write_config 30s

results=()
for n in $COUNTS; do
    hr_log "N = $n: seeding the simulator, then 1 + $ROUNDS rounds"
    out=$HR_WORK/sync-$n.json
    results+=("$out")
    mkdir -p "$HR_WORK/$n"
    if ! bench_seed "$n" || ! python3 "$HR_LIB_DIR/bench/daemon-bench.py" batch-files "$n" "$HR_WORK/$n"; then
        echo '{"error": "cannot seed the simulator or write the batch files"}' >"$out"
        continue
    fi
    ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" python3 "$HELPER" rounds --routes "$n" \
        --rounds "$ROUNDS" --dir "$HR_WORK/$n" --binary "$BIN/hostup-routed" --config "$HR_CONFIG" \
        --url "$HR_API_URL" --vps-id "$HR_VPS_ID" >"$out" || hr_log "N = $n failed: $(cat "$out")"
    # Whatever a failed round left behind must not spill into the next N.
    ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" "$BIN/hostup-routed" cleanup --config "$HR_CONFIG" \
        >/dev/null 2>&1
    ip -n "$HR_VPS" -6 -force -batch "$HR_WORK/$n/del.batch" >/dev/null 2>&1
done

command_line=$(bench_command_line sync.sh "${ARGS[@]}")
bench_meta "$command_line" "$DAEMON" --argjson rounds "$ROUNDS" >"$HR_WORK/meta.json"

report_args=(--meta "$HR_WORK/meta.json")
[ "$WRITE" = 1 ] && report_args+=(--write "$HR_REPO/BENCHMARKS.md")
[ -n "$JSON" ] && report_args+=(--json "$JSON")
python3 "$HELPER" report "${report_args[@]}" "${results[@]}"
status=$?
hr_log "took $((SECONDS - START)) s"
exit "$status"
