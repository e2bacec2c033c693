#!/bin/sh
# deb-fake-systemctl.sh: a stand-in for systemctl inside the package test's chroot (scripts/test-deb.sh installs it
# as /usr/bin/systemctl there; systemd is not PID 1 in CI). It does for hostup-routed.service what systemd does,
# so that the package's maintainer scripts and deb-systemd-invoke run unchanged:
#
#   is-enabled UNIT   prints "enabled" when deb-systemd-helper made the multi-user.target.wants link, else "disabled"
#   is-active UNIT    exit 0 when the service's main process runs
#   preset UNIT       what systemd does with no preset file (the default policy is "enable *"), and what
#                     deb-systemd-helper asks for on the first install: a link in each WantedBy= target's .wants/
#   start UNIT        runs ExecStart (/usr/bin/hostup-routed run) in the background, with STATE_DIRECTORY and the
#                     credential hostup-api-token (LoadCredential= from /etc/hostup-routed/token, else the
#                     SetCredential= fallback, a lone newline) as the unit gives them, and NOTIFY_SOCKET when the test
#                     listens on /run/hostup-routed-notify.sock; nothing when already running
#   stop UNIT         SIGTERM to the main process, SIGKILL after 90 s (TimeoutStopSec's default), waits for the exit
#   restart UNIT      stop, then start
#   daemon-reload     nothing
#
# Every call is appended to /run/fake-systemd/calls ("ACTION UNIT"); the main PID is in
# /run/fake-systemd/hostup-routed.pid, the service's output in /var/log/hostup-routed.log. Options (--system,
# --quiet, --) are ignored. Any other unit or action: exit 1.
set -u

RUN=/run/fake-systemd
PIDFILE=$RUN/hostup-routed.pid
UNIT=hostup-routed.service
mkdir -p "$RUN"

action=
unit=
for arg in "$@"; do
    case $arg in
    -*) ;;
    *)
        if [ -z "$action" ]; then
            action=$arg
        elif [ -z "$unit" ]; then
            unit=$arg
        fi
        ;;
    esac
done
echo "$action $unit" >>"$RUN/calls"

main_pid() {
    [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"
}

stop() {
    pid=$(main_pid) || return 0
    kill -TERM "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 900 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
}

start() {
    main_pid >/dev/null && return 0
    credentials=/run/credentials/$UNIT
    mkdir -p "$credentials" && chmod 0700 "$credentials"
    if [ -f /etc/hostup-routed/token ]; then
        cp /etc/hostup-routed/token "$credentials/hostup-api-token"
    else
        printf '\n' >"$credentials/hostup-api-token"
    fi
    mkdir -p /var/lib/hostup-routed && chmod 0700 /var/lib/hostup-routed
    # The test's stand-in for systemd's notification socket, when it listens.
    notify=
    [ -S /run/hostup-routed-notify.sock ] && notify=/run/hostup-routed-notify.sock
    env ${notify:+NOTIFY_SOCKET=$notify} CREDENTIALS_DIRECTORY="$credentials" STATE_DIRECTORY=/var/lib/hostup-routed \
        setsid /usr/bin/hostup-routed run </dev/null >>/var/log/hostup-routed.log 2>&1 &
    echo $! >"$PIDFILE"
}

case $action in
daemon-reload) exit 0 ;;
esac
[ "$unit" = "$UNIT" ] || exit 1
case $action in
is-enabled)
    if [ -L "/etc/systemd/system/multi-user.target.wants/$UNIT" ]; then
        echo enabled
    else
        echo disabled
        exit 1
    fi
    ;;
is-active) main_pid >/dev/null ;;
preset)
    file=/usr/lib/systemd/system/$UNIT
    [ -f "$file" ] || file=/lib/systemd/system/$UNIT
    for target in $(sed -n 's/^WantedBy=//p' "$file"); do
        mkdir -p "/etc/systemd/system/$target.wants"
        ln -sf "$file" "/etc/systemd/system/$target.wants/$UNIT"
    done
    ;;
start) start ;;
stop) stop ;;
restart)
    stop
    start
    ;;
*) exit 1 ;;
esac
