#!/bin/sh
# Runs the kernel (rtnetlink) tests in a fresh network namespace holding only `lo`, so they can add and
# remove addresses, routes and links without touching the host. Outside such a namespace those tests
# skip themselves. Build first: `swift build --scratch-path "$SCRATCH" --build-tests`.
#
#   scripts/test-in-netns.sh [extra `swift test` arguments]
#   SCRATCH=.build-netlink scripts/test-in-netns.sh
#
# As root: `unshare --net`. Otherwise an unprivileged user namespace maps us to root inside
# (`unshare --user --map-root-user --net`), which grants CAP_NET_ADMIN over the new namespace only.
set -eu

cd "$(dirname "$0")/.."
scratch="${SCRATCH:-.build}"

if [ "$(id -u)" -eq 0 ]; then
    exec unshare --net -- \
        swift test --skip-build --scratch-path "$scratch" --filter NetlinkIntegrationTests "$@"
else
    exec unshare --user --map-root-user --net -- \
        swift test --skip-build --scratch-path "$scratch" --filter NetlinkIntegrationTests "$@"
fi
