#!/usr/bin/env bash
# run.sh: every benchmark of hostup-routed, one after the other, then issue 11's goals beside the figures:
#   sync.sh     `sync` and `cleanup` of N = 1, 64, 256, 4096 routes against `ip -6 -batch` and a cron job
#   daemon.sh   the daemon: CPU per no-op cycle, repairs, steady RSS and where it goes, start -> READY=1
#   fleet.sh    100 000 simulated agents through an outage, a boot and a shared 429
#   sizes       the binary (stripped) and, given one, the .deb (scripts/bench/bench-report.py sizes)
#
#   swift build -c release && sudo scripts/bench/run.sh --write   # about 15 minutes; writes BENCHMARKS.md
#   sudo scripts/bench/run.sh --short                             # under 2 minutes: what scripts/test.sh runs
#   sudo DEB=out/hostup-routed_0.1.0_amd64.deb scripts/bench/run.sh --write
#
# --write fills the "Sync", "Daemon", "Fleet" and "Sizes" sections of BENCHMARKS.md (each script writes its own)
# and the "Goals" summary at its top; refused with --short. --short runs each script's short mode, which proves it
# works, not its timings. --build-deb builds the .deb first (packaging/build-deb, a static release build of its own:
# long), when DEB is not set. BIN: the build to measure, as for each script (default: the release build, else the
# debug build). Timings are never asserted: exits 1 when a figure could not be obtained or fleet.sh's goal check
# failed (a seeded simulation: deterministic), 77 when the namespace benchmarks were skipped (not root, no
# `ip netns`) and nothing failed, 0 otherwise; 2 on a usage error. The namespace benchmarks need root.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/netns-lib.sh
. "$HERE/../netns-lib.sh"
# shellcheck source=scripts/bench/bench-lib.sh
. "$HERE/bench-lib.sh"

SHORT=0 WRITE=0 BUILD_DEB=0
ARGS=("$@")
while [ $# -gt 0 ]; do
    case $1 in
    --short) SHORT=1 ;;
    --write) WRITE=1 ;;
    --build-deb) BUILD_DEB=1 ;;
    -h | --help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$SHORT" = 1 ] && [ "$WRITE" = 1 ]; then
    echo "run.sh: --write records the full run; not with --short" >&2
    exit 2
fi

START=$SECONDS
command_line="scripts/bench/run.sh"
[ ${#ARGS[@]} -gt 0 ] && command_line+=" ${ARGS[*]}"
[ "$(id -u)" = 0 ] && command_line="sudo $command_line"
mode=() write=()
[ "$SHORT" = 1 ] && mode=(--short)
[ "$WRITE" = 1 ] && write=(--write)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/hostup-bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
# A part runs in the background (where INT is ignored) and is waited for, so that a TERM or INT to run.sh stops it
# with a TERM (its own traps then delete its namespaces) instead of leaving it running after run.sh is gone.
PART_PID=
trap '[ -n "$PART_PID" ] && kill -TERM "$PART_PID" 2>/dev/null && wait "$PART_PID"; exit 143' TERM
trap '[ -n "$PART_PID" ] && kill -TERM "$PART_PID" 2>/dev/null && wait "$PART_PID"; exit 130' INT

bench_pick_bin || exit 1
if [ "$BUILD_DEB" = 1 ] && [ -z "${DEB:-}" ]; then
    hr_log "building the .deb (packaging/build-deb)"
    if ! DEB=$("$HR_REPO/packaging/build-deb" | tail -n 1) || [ ! -f "$DEB" ]; then
        echo "run.sh: packaging/build-deb failed" >&2
        exit 1
    fi
fi

declare -a SUMMARY=()
FAILED=0 SKIPPED=0
# part NAME COMMAND...: runs one benchmark, records its outcome.
part() {
    local name=$1 status start=$SECONDS
    shift
    printf '\n=== %s: %s\n' "$name" "$*"
    "$@" &
    PART_PID=$!
    wait "$PART_PID"
    status=$?
    PART_PID=
    case $status in
    0) SUMMARY+=("ok       $name ($((SECONDS - start)) s)") ;;
    77) SUMMARY+=("skipped  $name"); SKIPPED=$((SKIPPED + 1)) ;;
    *) SUMMARY+=("FAILED   $name: exit $status ($((SECONDS - start)) s)"); FAILED=$((FAILED + 1)) ;;
    esac
}

# fleet: its table is read back for the goals, so it goes to a file as well as to the terminal.
# shellcheck disable=SC2317 # run by `part`
fleet() {
    "$HERE/fleet.sh" "$@" | tee "$OUT/fleet.txt"
}

# Each script names this command beside its own in BENCHMARKS.md.
export BIN BENCH_SUITE=$command_line
part "sync" "$HERE/sync.sh" "${mode[@]}" "${write[@]}" --json "$OUT/sync.json"
part "daemon" "$HERE/daemon.sh" "${mode[@]}" "${write[@]}" --json "$OUT/daemon.json"
part "fleet" fleet "${mode[@]}" "${write[@]}"
sizes_args=(--binary "$BIN/hostup-routed" --json "$OUT/sizes.json" --command "$command_line" --meta "$OUT/sync.json")
[ -n "${DEB:-}" ] && sizes_args+=(--deb "$DEB")
[ "$WRITE" = 1 ] && sizes_args+=(--write "$HR_REPO/BENCHMARKS.md")
part "sizes" python3 "$HERE/bench-report.py" sizes "${sizes_args[@]}"

goals_args=(--sync "$OUT/sync.json" --daemon "$OUT/daemon.json" --fleet "$OUT/fleet.txt" --meta "$OUT/sync.json"
    --command "$command_line")
[ "$WRITE" = 1 ] && goals_args+=(--write "$HR_REPO/BENCHMARKS.md")
if [ "$SKIPPED" = 0 ]; then
    part "goals" python3 "$HERE/bench-report.py" goals "${goals_args[@]}"
else
    SUMMARY+=("skipped  goals (a benchmark was skipped)")
fi

printf '\n=== summary (%s s)\n' "$((SECONDS - START))"
printf '%s\n' "${SUMMARY[@]}"
[ "$FAILED" = 0 ] || exit 1
[ "$SKIPPED" = 0 ] || exit 77
exit 0
