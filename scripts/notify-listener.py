#!/usr/bin/env python3
"""notify-listener.py: a stand-in for systemd's notification socket, for scripts/e2e-systemd.sh.

    notify-listener.py SOCKET OUT [--on-ready COMMAND...]

Binds SOCKET (an AF_UNIX SOCK_DGRAM path, as systemd passes it in NOTIFY_SOCKET; see sd_notify(3)) and appends one
JSON line to OUT for every datagram, flushed at once:

    {"t": 1234.567890, "msg": "READY=1\\nSTATUS=1 route on lo; ..."}

`t` is CLOCK_MONOTONIC in seconds (time.monotonic()), the clock of MONOTONIC_USEC, taken when the datagram was read.
With --on-ready, every datagram that carries the line READY=1 runs COMMAND at once (10 s timeout) and appends

    {"t": ..., "ready_check": EXIT_STATUS, "output": "STDOUT"}

so the test can see what was true when readiness was announced (for example the kernel's routes).

Runs until SIGTERM or SIGINT, or 300 s at most; removes SOCKET on exit. Python 3 standard library only.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

MAX_SECONDS = 300


def main(argv):
    if len(argv) < 3 or (len(argv) > 3 and argv[3] != "--on-ready") or len(argv) == 4:
        sys.stderr.write("usage: notify-listener.py SOCKET OUT [--on-ready COMMAND...]\n")
        return 64
    path, out_path = argv[1], argv[2]
    on_ready = argv[4:]

    stop = False

    def request_stop(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    deadline = time.monotonic() + MAX_SECONDS
    try:
        with open(out_path, "a", encoding="utf-8") as out:
            def record(entry):
                out.write(json.dumps(entry) + "\n")
                out.flush()

            def handle(data):
                received = time.monotonic()
                message = data.decode("utf-8", errors="replace")
                record({"t": received, "msg": message})
                if on_ready and "READY=1" in message.split("\n"):
                    try:
                        done = subprocess.run(on_ready, capture_output=True, text=True, timeout=10)
                        record({"t": time.monotonic(), "ready_check": done.returncode, "output": done.stdout})
                    except (OSError, subprocess.TimeoutExpired) as error:
                        record({"t": time.monotonic(), "ready_check": -1, "output": str(error)})

            while not stop and time.monotonic() < deadline:
                try:
                    handle(sock.recv(65536))
                except (socket.timeout, InterruptedError):
                    continue
            # What was queued before the stop request still counts.
            sock.setblocking(False)
            while True:
                try:
                    handle(sock.recv(65536))
                except (BlockingIOError, InterruptedError):
                    break
    finally:
        sock.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
