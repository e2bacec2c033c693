#!/usr/bin/env bash
# daemon.sh: benchmarks of the daemon (`hostup-routed run`) with N routes in `anyip` mode, served by the API
# simulator, in throw-away network namespaces (scripts/netns-lib.sh); nothing in the host namespace is touched.
#
#   sudo scripts/bench/daemon.sh --write     # full run; writes the "Daemon" section of BENCHMARKS.md
#   sudo scripts/bench/daemon.sh --short     # N=16, 3 cycles, 2 repairs: proves the script works (< 60 s)
#   sudo BIN=/path/to/bin scripts/bench/daemon.sh
#
# Measures (scripts/bench/daemon-bench.py says how):
#   - CPU per no-op cycle, at poll_interval 1s (the shortest the config allows): K polls answered 200 with the whole
#     document (the simulator's ETag off, as from the real API, which documents none) and K answered 304 (ETag on),
#     in R interleaved rounds, median; and the steady RSS after them;
#   - repair latency p50/p99 and CPU per repair: the `local` route of one prefix deleted S times, at least 5.2 s
#     apart (the repair limiter refills one pass per 5 s), each timed from the kernel's delete to the route's
#     return with `ip -ts monitor route`, at most CAP s each; at poll_interval 30s, so a daemon that only repairs
#     at its next poll is measurable too (its latency is then the time to that poll, and the next delete waits a
#     random part of a poll interval so it falls at a random point of the poll cycle);
#   - start -> READY=1 from the cached state (the state file the daemon wrote) with the API down (the simulator
#     stopped): from the fork of `hostup-routed run` to scripts/notify-listener.py's receipt of READY=1 on
#     NOTIFY_SOCKET, 21 times with the kernel empty (as after a reboot) and 21 times with the objects in it (a
#     restart), interleaved, median; the listener counts the objects in the kernel when READY=1 arrives;
#   - the steady RSS broken down by /proc/PID/smaps_rollup and /proc/PID/smaps (anonymous and file pages; the
#     binary itself, each library, the heap, the other anonymous mappings);
#   - the baseline: `ip -6 -batch` adding the same 3×N objects to an empty namespace, once per CPU round, median;
#     and 0.1.0's figures (measured when issues 10 and 11 were filed) as a reference column.
# Prints a markdown table. Exits 0 only when every figure was obtained; 1 otherwise; 2 on a usage error; 77 (the
# automake "skipped" code) when namespaces cannot be used here (not root, no `ip netns`). Timings are never
# asserted. BIN defaults to the release build (`swift build -c release --show-bin-path`), else the debug build.
# HR_KEEP_WORK=1 keeps the work directory (configs, state, logs, raw JSON).
#
# Options:
#   --routes N         routes (default 256)
#   --cycles K         polls measured for CPU, per kind of answer (default 70)
#   --rounds R         rounds of K/R polls of each kind, each after one `ip -6 -batch` run (default 7)
#   --starts S         starts timed to READY=1, each way (default 21)
#   --samples S        repairs timed (default 20)
#   --cap SECONDS      longest wait for one repair (default 40)
#   --repair-poll D    poll_interval while repairs are timed (default 30s)
#   --daemon PATH      the hostup-routed binary to measure (default $BIN/hostup-routed), e.g. an older release;
#                      the simulator always comes from BIN
#   --short            N=16, K=3, R=3, 3 starts, S=2, repair poll 2s: a check that the script works, not a
#                      measurement
#   --write            write the table into BENCHMARKS.md (section "Daemon"); refused with --short
#   --json PATH        also write the figures as JSON (scripts/bench/run.sh reads them)
set -uo pipefail

HR_ID=${HR_ID:-hrb$$}
# shellcheck source=scripts/netns-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../netns-lib.sh"
# shellcheck source=scripts/bench/bench-lib.sh
. "$HR_LIB_DIR/bench/bench-lib.sh"
HELPER=$HR_LIB_DIR/bench/daemon-bench.py

ROUTES=256 CYCLES=70 ROUNDS=7 STARTS=21 SAMPLES=20 CAP=40 REPAIR_POLL=30s CPU_POLL=1s SPACING=5.2
SHORT=0 WRITE=0 DAEMON='' JSON=''
ARGS=("$@")

while [ $# -gt 0 ]; do
    case $1 in
    --routes) ROUTES=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --cycles) CYCLES=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --rounds) ROUNDS=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --starts) STARTS=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --samples) SAMPLES=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --cap) CAP=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --repair-poll) REPAIR_POLL=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --daemon) DAEMON=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --short) SHORT=1 ;;
    --json) JSON=$(bench_value "$1" "${2:-}") || exit 2; shift ;;
    --write) WRITE=1 ;;
    -h | --help) bench_help ;;
    *) echo "unknown option: $1" >&2; bench_usage ;;
    esac
    shift
done
if [ "$SHORT" = 1 ]; then
    ROUTES=16 CYCLES=3 ROUNDS=3 STARTS=3 SAMPLES=2 REPAIR_POLL=2s
    if [ "$WRITE" = 1 ]; then
        echo "--write with --short would put figures that mean nothing into BENCHMARKS.md" >&2
        exit 2
    fi
fi
for value in "$ROUTES" "$CYCLES" "$ROUNDS" "$STARTS" "$SAMPLES" "$CAP"; do
    case $value in '' | *[!0-9]* | 0) echo "not a positive integer: '$value'" >&2; exit 2 ;; esac
done
[ "$ROUTES" -le 8192 ] || { echo "--routes: at most 8192 (the simulator takes a seed of 1 MiB at most)" >&2; exit 2; }
[ "$ROUNDS" -le "$CYCLES" ] || ROUNDS=$CYCLES
[[ $REPAIR_POLL =~ ^[1-9][0-9]*(ms|s|m|h)$ ]] ||
    { echo "--repair-poll: a duration such as 30s, 2m or 1500ms, not '$REPAIR_POLL'" >&2; exit 2; }

bench_prepare "$DAEMON"
BATCH_NS=$HR_ID-batch
# shellcheck disable=SC2317 # run by the EXIT trap
bench_teardown() {
    ip netns del "$BATCH_NS" 2>/dev/null || true
    hr_teardown
}
trap bench_teardown EXIT

# in_vps_helper ARGS...: the helper inside the vps namespace (it runs `ip` there and reads /proc/PID).
in_vps_helper() {
    ip netns exec "$HR_VPS" python3 "$HELPER" "$@"
}

# start_daemon POLL: starts the daemon with POLL and waits until the kernel holds its 3×N objects.
start_daemon() {
    bench_write_config "$1"
    hr_daemon_start
    if ! in_vps_helper converge "$ROUTES" 120 --pid "$HR_DAEMON_PID"; then
        hr_show_tail "daemon log (tail)" "$HR_WORK/daemon.log" 15 >&2
        return 1
    fi
}

# seconds DURATION: "1s", "500ms", "2m" in seconds, for the helper.
seconds() {
    python3 -c 'import sys; v = sys.argv[1]; print(float(v[:-2]) / 1000 if v.endswith("ms") else
        float(v[:-1]) * {"s": 1, "m": 60, "h": 3600}[v[-1]])' "$1"
}

START=$SECONDS
HR_CONFIG=$HR_WORK/config.toml
STATUS_JSON=$RUNTIME_DIRECTORY/status.json # on a tmpfs (bench_prepare)

hr_log "topology and simulator ($ROUTES routes; daemon $DAEMON)"
hr_topology_up || exit 1
hr_sim_start || exit 1
ip netns add "$BATCH_NS" && ip -n "$BATCH_NS" link set lo up || exit 1
bench_seed "$ROUTES" || exit 1
python3 "$HELPER" batch-files "$ROUTES" "$HR_WORK" || exit 1

echo '{"error": "not run"}' >"$HR_WORK/cpu.json"
echo '{"error": "not run"}' >"$HR_WORK/repair.json"
echo '{"error": "not run"}' >"$HR_WORK/start.json"

hr_log "CPU rounds: poll $CPU_POLL, $CYCLES cycles of each kind (200, 304) in $ROUNDS rounds"
if start_daemon "$CPU_POLL"; then
    in_vps_helper cpu --pid "$HR_DAEMON_PID" --sim "$HR_API_URL" --routes "$ROUTES" --status-json "$STATUS_JSON" \
        --interval "$(seconds "$CPU_POLL")" --cycles "$CYCLES" --rounds "$ROUNDS" \
        --batch-ns "$BATCH_NS" --batch-dir "$HR_WORK" >"$HR_WORK/cpu.json" ||
        hr_log "CPU phase failed: $(cat "$HR_WORK/cpu.json")"
else
    echo '{"error": "the daemon did not converge"}' >"$HR_WORK/cpu.json"
fi
hr_daemon_stop

hr_log "repair phase: poll $REPAIR_POLL, $SAMPLES samples at least $SPACING s apart, at most $CAP s each"
polls_before=$(in_vps_helper polls --sim "$HR_API_URL") || polls_before=0
if start_daemon "$REPAIR_POLL"; then
    in_vps_helper repair --pid "$HR_DAEMON_PID" --sim "$HR_API_URL" --routes "$ROUTES" \
        --status-json "$STATUS_JSON" --samples "$SAMPLES" --spacing "$SPACING" --cap "$CAP" \
        --poll-interval "$(seconds "$REPAIR_POLL")" --polls-before-start "$polls_before" >"$HR_WORK/repair.json" ||
        hr_log "repair phase failed or incomplete"
else
    echo '{"error": "the daemon did not converge after a restart"}' >"$HR_WORK/repair.json"
fi
hr_daemon_stop

# The state file the daemon wrote is the cache; the simulator is stopped, so every request would be refused.
hr_log "start phase: start -> READY=1 from the cache with the API down, $STARTS times each with the kernel" \
    "empty and full"
hr_sim_stop
ip netns exec "$HR_VPS" env HOSTUP_API_TOKEN="$HR_TOKEN" python3 "$HELPER" start --binary "$BIN/hostup-routed" \
    --config "$HR_CONFIG" --routes "$ROUTES" --rounds "$STARTS" --batch-dir "$HR_WORK" \
    --listener "$HR_LIB_DIR/notify-listener.py" --work "$HR_WORK" >"$HR_WORK/start.json" ||
    hr_log "start phase failed or incomplete: $(cat "$HR_WORK/start.json")"

command_line=$(bench_command_line daemon.sh "${ARGS[@]}")
bench_meta "$command_line" "$DAEMON" \
    --argjson routes "$ROUTES" --arg cpu_poll "$CPU_POLL" --arg repair_poll "$REPAIR_POLL" \
    --argjson samples "$SAMPLES" --arg spacing "$SPACING" --argjson cap "$CAP" \
    --argjson cycles "$CYCLES" --argjson rounds "$ROUNDS" --argjson starts "$STARTS" >"$HR_WORK/meta.json"

report_args=(--meta "$HR_WORK/meta.json" --cpu "$HR_WORK/cpu.json" --repair "$HR_WORK/repair.json"
    --start "$HR_WORK/start.json")
[ "$WRITE" = 1 ] && report_args+=(--write "$HR_REPO/BENCHMARKS.md")
[ -n "$JSON" ] && report_args+=(--json "$JSON")
python3 "$HELPER" report "${report_args[@]}"
status=$?
hr_log "took $((SECONDS - START)) s"
exit "$status"
