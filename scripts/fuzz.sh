#!/usr/bin/env bash
# fuzz.sh: random and mutated inputs for every parser of untrusted input, a fixed time per target, without a crash.
#
#   scripts/fuzz.sh                       # 20 s per target, seed 1 (what CI runs)
#   FUZZ_SECONDS=600 FUZZ_SEED=$RANDOM scripts/fuzz.sh config    # longer, by hand, one target
#
# Targets (hostup-routed-fuzz, a test-only executable; seeds in Tests/FuzzCorpus/TARGET/):
#   config     the config loader (TOML parser, then key validation), also fed the toml-test suite when it is found
#              at ../shared/toml-test
#   document   the API's state document: per-route decoding, then validation
#   netlink    every decoder of kernel messages (links, addresses, routes, acknowledgements, dump ends)
# Each target first runs every seed as it is, then mutants (bit flips, byte sets, inserts, deletions, duplications,
# splices, grammar tokens, long repeats) until its time is up, and prints how many inputs it ran. A crash (a trap or
# an assertion: the process dies) fails the target: the same seed is run again writing each input to a file first,
# so the input that killed it is kept and printed. Exit 1 when a target crashed, 0 otherwise. BIN as for the other
# scripts; the fuzzer is built when missing. Touches no network and no kernel state.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
SEED=${FUZZ_SEED:-1}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(config document netlink)

BIN=${BIN:-$(swift build --show-bin-path)}
if [ ! -x "$BIN/HostUpRoutedFuzz" ]; then
    swift build --product HostUpRoutedFuzz >&2 || { echo "fuzz: cannot build HostUpRoutedFuzz" >&2; exit 1; }
fi
FUZZ=$BIN/HostUpRoutedFuzz

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hostup-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

failed=0
for target in "${TARGETS[@]}"; do
    corpora=("Tests/FuzzCorpus/$target")
    if [ "$target" = config ]; then
        for suite in ../shared/toml-test/tests/valid ../shared/toml-test/tests/invalid; do
            # The toml-test files sit in subfolders; the fuzzer reads one folder level.
            [ -d "$suite" ] && while IFS= read -r folder; do corpora+=("$folder"); done < <(find "$suite" -type d)
        done
    fi
    "$FUZZ" "$target" "$SECONDS_PER_TARGET" "$SEED" "${corpora[@]}" 2>"$WORK/$target.err"
    status=$?
    [ "$status" = 0 ] && continue
    failed=$((failed + 1))
    echo "not ok - fuzz $target crashed (exit $status$([ "$status" -gt 128 ] && echo ", signal $((status - 128))"), seed $SEED); replaying to keep the input"
    tail -n 5 "$WORK/$target.err" | sed 's/^/#   /'
    crash=$PWD/fuzz-crash-$target.bin
    "$FUZZ" "$target" "$SECONDS_PER_TARGET" "$SEED" "${corpora[@]}" --crash-file "$crash" >/dev/null 2>&1 &
    wait $! 2>/dev/null
    echo "#   the input: $crash ($(wc -c <"$crash") bytes); first bytes:"
    head -c 256 "$crash" | od -A d -c | head -n 8 | sed 's/^/#   /'
done
echo "$(( ${#TARGETS[@]} - failed )) passed, $failed failed"
[ "$failed" = 0 ]
