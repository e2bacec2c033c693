#!/usr/bin/env python3
"""journal-listener.py: a stand-in for journald's native socket, for scripts/e2e-systemd.sh.

    journal-listener.py SOCKET OUT

Binds SOCKET (AF_UNIX SOCK_DGRAM; /run/systemd/journal/socket inside the test's private mount namespace) and
decodes every datagram with journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL, what
sd_journal_sendv(3) writes): a sequence of fields, each either

    KEY=value\\n                                        (value without newlines)
    KEY\\n <64-bit little-endian length> value \\n       (any bytes)

An entry too large for one datagram arrives as an empty datagram carrying a sealed memfd (SCM_RIGHTS) that holds the
same bytes; that is read too. For every entry it appends one JSON line to OUT, flushed at once:

    {"fields": [["MESSAGE", "..."], ["PRIORITY", "5"], ...], "error": null}

(values decoded as UTF-8 with replacement; `error` says why a datagram did not parse, the fields read so far are
kept), and it appends the raw bytes of every entry, each followed by a line "\\n--\\n", to OUT.raw, so the test can
search the exact bytes (for a secret that must not appear).

Runs until SIGTERM or SIGINT, or 300 s at most; removes SOCKET on exit. Python 3 standard library only.
"""

import json
import os
import signal
import socket
import struct
import sys
import time

MAX_SECONDS = 300


def parse(data):
    """Returns ([[key, value], ...], error or None) for one native-protocol entry."""
    fields = []
    position = 0
    while position < len(data):
        newline = data.find(b"\n", position)
        if newline < 0:
            return fields, "field without a terminating newline at byte %d" % position
        line = data[position:newline]
        equals = line.find(b"=")
        if equals >= 0:
            key, value = line[:equals], line[equals + 1:]
            position = newline + 1
        else:
            key = line
            start = newline + 1
            if start + 8 > len(data):
                return fields, "binary field %r without its length" % key
            (length,) = struct.unpack("<Q", data[start:start + 8])
            end = start + 8 + length
            if end + 1 > len(data) or data[end:end + 1] != b"\n":
                return fields, "binary field %r: length %d does not fit the datagram" % (key, length)
            value = data[start + 8:end]
            position = end + 1
        fields.append([key.decode("utf-8", errors="replace"), value.decode("utf-8", errors="replace")])
    return fields, None


BUFFER = bytearray(1 << 23)  # 8 MiB: sd_journal_sendv sends entries up to its socket buffer in one datagram


def receive(sock):
    """(bytes, problem): one entry's bytes, the datagram or the memfd it carries; problem is None or says why the
    bytes are incomplete."""
    count, ancillary, flags, _address = sock.recvmsg_into([BUFFER], socket.CMSG_SPACE(4 * struct.calcsize("i")))
    fds = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack("%di" % (len(payload) // 4), payload[:len(payload) - len(payload) % 4]))
    data = bytes(BUFFER[:count])
    problem = "datagram larger than %d bytes, truncated" % len(BUFFER) if flags & socket.MSG_TRUNC else None
    try:
        if fds and not data:
            chunks = []
            os.lseek(fds[0], 0, os.SEEK_SET)
            while True:
                chunk = os.read(fds[0], 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            data = b"".join(chunks)
    finally:
        for fd in fds:
            os.close(fd)
    return data, problem


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: journal-listener.py SOCKET OUT\n")
        return 64
    path, out_path = argv[1], argv[2]

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
        with open(out_path, "a", encoding="utf-8") as out, open(out_path + ".raw", "ab") as raw:
            def record(received):
                data, problem = received
                fields, error = parse(data)
                error = problem or error
                out.write(json.dumps({"fields": fields, "error": error}) + "\n")
                out.flush()
                raw.write(data + b"\n--\n")
                raw.flush()

            while not stop and time.monotonic() < deadline:
                try:
                    record(receive(sock))
                except (socket.timeout, InterruptedError):
                    continue
            # What was queued before the stop request still counts.
            sock.setblocking(False)
            while True:
                try:
                    record(receive(sock))
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
