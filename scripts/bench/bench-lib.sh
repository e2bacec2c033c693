# shellcheck shell=bash
# bench-lib.sh: what the namespace benchmarks (daemon.sh, sync.sh) share on top of scripts/netns-lib.sh. Source
# it after netns-lib.sh; it defines functions prefixed `bench_` and touches nothing until called.

# bench_usage: prints the calling script's header comment (its usage) on stderr and exits 2.
bench_usage() {
    sed -n '2,/^set -uo/p' "${BASH_SOURCE[1]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# bench_help: the script's header on standard output, exit 0 (--help).
bench_help() {
    sed -n '2,/^set -uo/p' "${BASH_SOURCE[1]}" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
}

# bench_value OPTION [VALUE]: prints VALUE, or says OPTION wants one and exits 2 (a usage error).
bench_value() {
    [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#--}" = "$2" ] || { echo "$1 wants a value" >&2; exit 2; }
    printf '%s\n' "$2"
}

# bench_pick_bin: BIN as given, else the release build (`swift build -c release --show-bin-path`) when it holds both
# binaries, else the debug build (with a warning); then checks it (hr_resolve_bin).
bench_pick_bin() {
    if [ -z "${BIN:-}" ]; then
        local release
        release=$(cd "$HR_REPO" && swift build -c release --show-bin-path 2>/dev/null) || release=
        if [ -n "$release" ] && [ -x "$release/hostup-routed" ] && [ -x "$release/hostup-api-sim" ]; then
            BIN=$release
        else
            hr_log "no release build (swift build -c release): using the debug build;" \
                "its figures are not representative"
        fi
    fi
    hr_resolve_bin
}

# bench_prepare DAEMON: the common start of a namespace benchmark; exits the script (77: skipped) when namespaces
# or python3 are not there, 2 when DAEMON (the --daemon option, may be empty) is not an executable. Then: BIN
# (bench_pick_bin); DAEMON, the hostup-routed to measure (default $BIN/hostup-routed), resolved; TMPDIR on the
# machine's disk unless set (/tmp may be a tmpfs, where fsync costs nothing; users' state_dir is on disk); the work
# directory and the teardown trap (hr_setup_traps); RUNTIME_DIRECTORY on a tmpfs (/dev/shm), as /run is for users; and BIN pointed at $HR_WORK/bin, links to DAEMON and BIN's
# hostup-api-sim, since netns-lib.sh runs $BIN/hostup-routed and $BIN/hostup-api-sim. BUILD: release, debug or
# unknown, from DAEMON's path.
bench_prepare() {
    local why
    if why=$(hr_unavailable); then
        echo "skipped: $why" >&2
        exit 77
    fi
    command -v python3 >/dev/null || { echo "skipped: python3 is not installed" >&2; exit 77; }
    bench_pick_bin || exit 1
    if [ -n "$1" ] && [ ! -x "$1" ]; then
        echo "--daemon $1: not an executable" >&2
        exit 2
    fi
    DAEMON=$(readlink -f "${1:-$BIN/hostup-routed}")
    export TMPDIR=${TMPDIR:-/var/tmp}
    hr_setup_traps
    # The runtime status (status.json, rewritten every poll) on a tmpfs, as users have it: /run/hostup-routed, the
    # unit's RuntimeDirectory= or the default state_dir's; a non-default state_dir would put it on the disk.
    BENCH_RUNTIME=$(mktemp -d /dev/shm/hostup-routed-bench.XXXXXX) || exit 1
    export RUNTIME_DIRECTORY=$BENCH_RUNTIME
    # The metrics textfile there too, as users have it in /run/hostup-routed-metrics; by the environment, which a
    # release without metrics (given by --daemon) ignores, where it would refuse a config key it does not know.
    export HOSTUP_ROUTED_METRICS_FILE=$BENCH_RUNTIME/hostup-routed.prom
    HR_EXTRA_DIRS+=("$BENCH_RUNTIME")
    mkdir "$HR_WORK/bin" && ln -s "$DAEMON" "$HR_WORK/bin/hostup-routed" &&
        ln -s "$(readlink -f "$BIN/hostup-api-sim")" "$HR_WORK/bin/hostup-api-sim" || exit 1
    BIN=$HR_WORK/bin
    case $DAEMON in */release/*) BUILD=release ;; */debug/*) BUILD=debug ;; *) BUILD=unknown ;; esac
}

# bench_write_config POLL: the agent's config: every route anyip, poll_interval POLL, state in $HR_WORK/state
# (on the machine's disk when TMPDIR is, as users run it), written to $HR_CONFIG.
bench_write_config() {
    mkdir -p "$HR_WORK/state"
    cat >"$HR_CONFIG" <<EOF
# written by scripts/bench/
api_url = "$HR_API_URL"
vps_id = "$HR_VPS_ID"
poll_interval = "$1"
uplink = "eth0"
state_dir = "$HR_WORK/state"
EOF
}

# bench_seed N: loads the simulator with one pool holding N /64 routes to this VPS (POST /_sim/seed, one request).
bench_seed() {
    python3 "$HR_LIB_DIR/bench/daemon-bench.py" seed "$1" "$HR_VPS_ID" "$HR_POOL" "$HR_NEXT_HOP" \
        >"$HR_WORK/seed.json" || return 1
    ip netns exec "$HR_VPS" curl -sS --fail --max-time 30 -X POST -H 'Content-Type: application/json' \
        --data-binary "@$HR_WORK/seed.json" "$HR_API_URL/_sim/seed" >/dev/null ||
        { echo "cannot seed the simulator with $1 routes" >&2; return 1; }
}

# bench_command_line SCRIPT ARGS...: the command line to name in a report: `sudo scripts/bench/SCRIPT ARGS...`,
# without `--json PATH` (a scratch file of run.sh's).
bench_command_line() {
    local line="sudo scripts/bench/$1"
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --json) shift ;;
        *) line+=" $1" ;;
        esac
        shift
    done
    echo "$line"
}

# bench_meta COMMAND_LINE DAEMON [jq --arg/--argjson pairs...]: prints the JSON every report starts from: the
# command, the suite's command when run by run.sh ($BENCH_SUITE), the machine, the state directory's file system,
# the daemon's version, build and path, the commit (with -dirty when the tree differs from it other than in
# BENCHMARKS.md, which the suite writes as it goes) and the date; plus the extra fields given as jq arguments
# (`--argjson routes 256`).
bench_meta() {
    local command_line=$1 daemon=$2 commit
    shift 2
    commit=$(git -C "$HR_REPO" rev-parse --short HEAD 2>/dev/null) || commit=unknown
    git -C "$HR_REPO" diff --quiet HEAD -- . ':(exclude)BENCHMARKS.md' 2>/dev/null || commit+=-dirty
    jq -n \
        --arg command "$command_line" --arg suite "${BENCH_SUITE:-}" --arg nproc "$(nproc)" \
        --arg cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
        --arg kernel "$(uname -r)" \
        --arg state_fs "$(findmnt -n -o FSTYPE -T "$HR_WORK/state" 2>/dev/null || stat -f -c %T "$HR_WORK/state")" \
        --arg version "$("$BIN/hostup-routed" --version 2>/dev/null | head -n 1)" \
        --arg build "$BUILD" --arg bin "${daemon#"$HR_REPO"/}" \
        --arg commit "$commit" --arg date "$(date -u +%Y-%m-%d)" \
        "$@" \
        '$ARGS.named'
}
