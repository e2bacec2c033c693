#!/usr/bin/env python3
"""daemon-bench.py: the measuring half of scripts/bench/daemon.sh (standard library only).

daemon.sh builds the namespaces and starts the API simulator and the daemon; this helper, run inside the vps
namespace (`ip netns exec`), does the measuring and prints JSON on stdout. Subcommands:

  seed N VPS_ID POOL NEXT_HOP     the body of POST /_sim/seed: one pool with N /64 routes to VPS_ID
  batch-files N DIR               DIR/add.batch and DIR/del.batch: the 3×N objects the daemon makes for N anyip
                                  routes, as `ip -6 -batch` lines (adds) and their removal
  converge N TIMEOUT [--pid PID]  waits until this namespace holds the daemon's 3×N objects (or PID exits)
  polls --sim URL                 how many polls the simulator has answered
  cpu ...                         CPU per no-op cycle, RSS, and `ip -6 -batch` timed in between (see cpu_phase)
  repair ...                      repair latency and CPU per repair (see repair_phase)
  report ...                      the markdown table (and the BENCHMARKS.md section with --write)

Cycles are counted in the simulator's request log (GET /_sim/requests: one GET /api/v2/routed-ipv6 per poll), which
works for every version of the daemon; `<state_dir>/run/status.json` counters, when the daemon writes them, are
reported alongside. CPU comes from utime+stime in /proc/PID/stat (clock ticks, every thread, the dead ones
included), so its resolution is one tick (10 ms) per measured window, not per cycle.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from benchlib import (PROTO, command_text, fmt_mb, fmt_ms, held_objects, load, markdown_table, nearest_rank,
                      prefixes, publish, ratio, write_batch_files)

TICK = os.sysconf("SC_CLK_TCK")


# --- the routes -------------------------------------------------------------------------------------------------


def cmd_batch_files(args: argparse.Namespace) -> int:
    write_batch_files(args.n, args.dir)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    routes = [
        {"id": f"ripv6rt_bench{i:05d}", "prefix": p, "vpsId": args.vps_id, "label": f"bench-{i}"}
        for i, p in enumerate(prefixes(args.n, args.pool), start=1)
    ]
    seed = {
        "pools": [{"id": "ripv6_bench", "parentCidr": args.pool, "routes": routes}],
        "destinations": [
            {"vpsId": args.vps_id, "name": "bench", "primaryIp": "192.0.2.10", "nextHop": args.next_hop}
        ],
    }
    json.dump(seed, sys.stdout, separators=(",", ":"))
    return 0


def cmd_converge(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    while True:
        routes, addresses = held_objects()
        if routes == 2 * args.n and addresses == args.n:
            return 0
        if args.pid and not os.path.exists(f"/proc/{args.pid}"):
            print(f"the daemon (PID {args.pid}) exited before it converged: {routes} routes with protocol {PROTO}, "
                  f"{addresses} global addresses on lo", file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            print(f"not converged after {args.timeout} s: {routes} routes with protocol {PROTO} "
                  f"(want {2 * args.n}), {addresses} global addresses on lo (want {args.n})", file=sys.stderr)
            return 1
        time.sleep(0.1)


# --- the daemon process -----------------------------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    """utime + stime of every thread of PID, dead ones included (proc(5): /proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def thread_runtimes(pid: int) -> dict[int, int]:
    """Time on the CPU of each live thread of PID, in ns (the first field of /proc/PID/task/TID/schedstat)."""
    runtimes = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                runtimes[int(tid)] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # the thread exited meanwhile, or schedstat is not there
    return runtimes


class CPUSample:
    """The daemon's CPU time at one instant, both ways: clock ticks for the process and ns per live thread."""

    def __init__(self, pid: int):
        self.threads = thread_runtimes(pid)
        self.ticks = cpu_ticks(pid)

    def ms_until(self, later: "CPUSample") -> tuple[float, bool]:
        """(CPU ms from this sample to LATER, whether to the ns).

        Per-thread ns count only threads alive at the end: when none of the threads present at the start has
        exited, their growth plus the whole runtime of threads born since is exact; otherwise the clock ticks of
        /proc/PID/stat (which keep the time of exited threads) are used, exact to one tick.
        """
        if self.threads and later.threads and set(self.threads) <= set(later.threads):
            return (sum(later.threads.values()) - sum(self.threads.values())) / 1e6, True
        return (later.ticks - self.ticks) * 1000 / TICK, False


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon, RssFile (kB) and Threads from /proc/PID/status."""
    wanted = {"VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"}
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in wanted:
                values[key] = int(rest.split()[0])
    return values


MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ([rwxps-]{4}) \S+ \S+ \d+\s*(.*)$")


def memory_part(path: str, perms: str, exe: str) -> str:
    """Which part of the process a mapping of /proc/PID/smaps belongs to: the binary's text, read-only data or
    writable data (relocated at start, and .data), a library (by file name), the heap, the other anonymous
    mappings (malloc arenas, thread stacks, .bss), or something else ([stack], [vdso], ...)."""
    if path == exe:
        if "x" in perms:
            return "binary: text"
        return "binary: writable data" if "w" in perms else "binary: read-only data"
    if path.startswith("/"):
        name = os.path.basename(path)
        return f"lib: {name}" if ".so" in name else f"file: {name}"
    if path == "[heap]":
        return "heap"
    if path == "":
        return "anonymous mappings"
    return "other"


def memory_breakdown(pid: int) -> dict:
    """/proc/PID/smaps_rollup's totals and /proc/PID/smaps summed per part (memory_part), in kB: Rss, and of it the
    Anonymous pages (a file mapping's pages written since it was mapped count as anonymous) and the file pages
    (the rest; shared memory aside)."""
    exe = os.readlink(f"/proc/{pid}/exe")
    rollup = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                rollup[key] = int(rest.split()[0])
    parts: dict[str, dict[str, int]] = {}
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            match = MAPPING.match(line)
            if match:
                current = parts.setdefault(memory_part(match.group(2).strip(), match.group(1), exe),
                                           {"rss": 0, "anon": 0})
            elif current is not None and line.startswith(("Rss:", "Anonymous:")):
                current["rss" if line.startswith("Rss:") else "anon"] += int(line.split()[1])
    for figures in parts.values():
        figures["file"] = figures["rss"] - figures["anon"]
    return {"exe": exe, "rollup": rollup, "parts": parts}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def read_status_json(path: str | None) -> dict | None:
    """The daemon's runtime status (status.json), when this version writes one."""
    if not path:
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def counter_delta(before: dict | None, after: dict | None) -> dict | None:
    """steps and counters.kernelDumps/repairs between two status.json reads, when both have them."""
    if not before or not after:
        return None
    out = {}
    if isinstance(before.get("steps"), int) and isinstance(after.get("steps"), int):
        out["steps"] = after["steps"] - before["steps"]
    for key in ("kernelDumps", "repairs", "repairsHeldBack"):
        b, a = (before.get("counters") or {}).get(key), (after.get("counters") or {}).get(key)
        if isinstance(a, int) and isinstance(b, int):
            out[key] = a - b
    return out or None


class Simulator:
    """The API simulator's request log (GET /_sim/requests): one GET /api/v2/routed-ipv6 per poll."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def requests(self) -> list[dict]:
        with urllib.request.urlopen(self.url + "/_sim/requests", timeout=10) as answer:
            return json.load(answer)

    def set_entity_tags(self, enabled: bool) -> None:
        """POST /_sim/entity-tags: whether GET /api/v2/routed-ipv6 sends ETag and honours If-None-Match."""
        body = json.dumps({"enabled": enabled}).encode()
        request = urllib.request.Request(self.url + "/_sim/entity-tags", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except OSError as error:
            raise RuntimeError(f"POST /_sim/entity-tags: {error} (a simulator older than this script?)") from error

    def polls(self) -> tuple[int, dict[str, int]]:
        """(answered polls: GET /api/v2/routed-ipv6 with 200 or 304, every poll's status counted)."""
        count, statuses = 0, {}
        for r in self.requests():
            if r.get("method") == "GET" and r.get("path") == "/api/v2/routed-ipv6":
                status = str(r.get("status"))
                statuses[status] = statuses.get(status, 0) + 1
                if r.get("status") in (200, 304):
                    count += 1
        return count, statuses


def wait_polls(sim: Simulator, pid: int, target: int, timeout: float) -> int:
    """Waits until the simulator has answered TARGET polls; returns the count. Raises on timeout or exit."""
    deadline = time.monotonic() + timeout
    while True:
        count, _ = sim.polls()
        if count >= target:
            return count
        if not alive(pid):
            raise RuntimeError("the daemon exited")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {count} of {target} polls answered after {timeout:.0f} s")
        time.sleep(0.05)


# --- CPU per no-op cycle, RSS, and ip -6 -batch -----------------------------------------------------------------


def time_batch(netns: str, directory: str, expected: tuple[int, int]) -> float:
    """Wall time (ms) of `ip -6 -batch` adding the objects in an empty namespace; removes them again (untimed)."""
    start = time.perf_counter()
    result = subprocess.run(["ip", "-n", netns, "-6", "-batch", os.path.join(directory, "add.batch")],
                            capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if result.returncode != 0:
        raise RuntimeError(f"ip -6 -batch failed: {result.stderr.strip()[:300]}")
    held = held_objects(netns)
    if held != expected:
        raise RuntimeError(f"ip -6 -batch left {held} (routes, addresses), want {expected}")
    subprocess.run(["ip", "-n", netns, "-6", "-force", "-batch", os.path.join(directory, "del.batch")],
                   capture_output=True, check=False)
    if held_objects(netns) != (0, 0):
        raise RuntimeError("the batch namespace is not empty after del.batch")
    return elapsed


MODES = {"200": False, "304": True}  # the poll's answer → whether the simulator sends ETag


def cpu_phase(args: argparse.Namespace) -> dict:
    """CPU per no-op cycle in ROUNDS rounds; in each, `ip -6 -batch` timed once, then CYCLES/ROUNDS polls
    answered `200` with the whole document (the simulator's ETag off, as from the real API, which documents
    none), then as many answered `304 Not Modified` (ETag on; the daemon sends If-None-Match).

    After each switch one poll is let pass (the first answer after it is a 200 either way). Each window starts
    and ends halfway between two polls (poll_interval ±10 % jitter leaves at least 0.9 of it between polls), so
    every cycle's work falls inside exactly one window. The batch runs in its own namespace at the start of a
    round; the daemon's CPU is counted whatever runs beside it.
    """
    sim = Simulator(args.sim)
    pid, interval = args.pid, args.interval
    per_round = max(1, args.cycles // args.rounds)
    settle = 0.45 * interval
    timeout = 3 * interval + 30

    def aligned_after(polls: int, since: int) -> tuple[int, dict[str, int], CPUSample]:
        wait_polls(sim, pid, since + polls, timeout + polls * interval * 1.2)
        time.sleep(settle)
        count, statuses = sim.polls()
        return count, statuses, CPUSample(pid)

    count, _ = sim.polls()
    count, _, _ = aligned_after(args.warmup, count)
    status_before = read_status_json(args.status_json)
    expected = (2 * args.n, args.n)
    batch_ms = []
    windows = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        batch_ms.append(time_batch(args.batch_ns, args.batch_dir, expected))
        for mode, tags in MODES.items():
            sim.set_entity_tags(tags)
            count, before, start = aligned_after(1, count)
            end_count, after, end = aligned_after(per_round, count)
            ms, exact = start.ms_until(end)
            answers = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
            windows[mode].append({"cycles": end_count - count, "ms": ms, "exact": exact, "answers": answers,
                                  "tick_ms": (end.ticks - start.ticks) * 1000 / TICK})
            count = end_count
    sim.set_entity_tags(False)
    status_after = read_status_json(args.status_json)

    modes = {}
    for mode, rounds in windows.items():
        per_cycle = [w["ms"] / w["cycles"] for w in rounds if w["cycles"]]
        cycles = sum(w["cycles"] for w in rounds)
        answers: dict[str, int] = {}
        for w in rounds:
            for k, v in w["answers"].items():
                answers[k] = answers.get(k, 0) + v
        if set(answers) != {mode}:
            per_cycle = []  # not the kind of answer this figure is about: no figure rather than a wrong one
        modes[mode] = {
            "cycles": cycles,
            "answers": answers,
            "rounds_ms_per_cycle": per_cycle,
            "exact": all(w["exact"] for w in rounds),
            "median_ms_per_cycle": statistics.median(per_cycle) if per_cycle else None,
            "ticks_ms_per_cycle": sum(w["tick_ms"] for w in rounds) / cycles if cycles else None,
        }
    return {
        "modes": modes,
        "tick_ms": 1000 / TICK,
        "batch_ms": batch_ms,
        "batch_ms_median": statistics.median(batch_ms) if batch_ms else None,
        "proc_status": proc_status(pid),
        "memory": memory_breakdown(pid),
        "poll_statuses": sim.polls()[1],
        "polls_since_start": sim.polls()[0],
        "status_counters": counter_delta(status_before, status_after),
    }


# --- repair latency ---------------------------------------------------------------------------------------------

TIMESTAMP = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\]\s*(.*)$")


class RouteMonitor:
    """`ip -ts -6 monitor route` in this namespace: (timestamp from ip, monotonic receive time, text) per event."""

    def __init__(self):
        self.process = subprocess.Popen(["ip", "-ts", "-6", "monitor", "route"], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            received = time.monotonic()
            match = TIMESTAMP.match(line.strip())
            if match:
                stamp = time.mktime(time.strptime(match.group(1).split(".")[0], "%Y-%m-%dT%H:%M:%S"))
                stamp += float("0." + match.group(1).split(".")[1])
                self.events.put((stamp, received, match.group(2)))

    def next(self, deadline: float):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            return self.events.get(timeout=remaining)
        except queue.Empty:
            return None

    def drain(self):
        while not self.events.empty():
            self.events.get_nowait()

    def stop(self):
        self.process.terminate()
        self.process.wait()


def local_route_held(prefix: str) -> bool:
    out = subprocess.run(["ip", "-6", "route", "show", "table", "local", "proto", PROTO, "type", "local", prefix],
                         capture_output=True, text=True).stdout
    return bool(out.strip())


def repair_phase(args: argparse.Namespace) -> dict:
    """Deletes the `local P ... table local` route of one prefix SAMPLES times and times its return.

    Latency: from the RTM_DELROUTE to the RTM_NEWROUTE of that route, both as timestamped by one
    `ip -ts monitor route` (so neither the delete command's start-up nor this script's wake-up counts). Samples are
    SPACING seconds apart (from one delete to the next), at least, so that a rate-limited daemon is measured
    on its normal path rather than its limiter, and each waits at most CAP seconds. After a repair that took
    over a second (one done by a poll) the next delete waits a random part of a poll_interval more, so that
    deletes fall at random points of the poll cycle. CPU per repair (median): from
    just before the delete to 300 ms after the route is back. The simulator's ETag is off, as for the real API.
    """
    sim = Simulator(args.sim)
    pid = args.pid
    sim.set_entity_tags(False)
    # The daemon started just now: let its first poll be answered, so the repairs are not start-up work.
    wait_polls(sim, pid, args.polls_before_start + 1, 60)
    time.sleep(1.0)

    monitor = RouteMonitor()
    time.sleep(0.3)
    all_prefixes = prefixes(args.n)
    samples, failures = [], []
    last_delete = 0.0
    next_not_before = 0.0
    draw = random.Random(1)
    try:
        for i in range(args.samples):
            prefix = all_prefixes[(i * 7) % len(all_prefixes)]
            wait = max(last_delete + args.spacing, next_not_before) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not local_route_held(prefix):
                failures.append(f"sample {i + 1}: local {prefix} was missing before the delete")
                continue
            monitor.drain()
            before = CPUSample(pid)
            last_delete = time.monotonic()
            deadline = last_delete + args.cap
            deleted = subprocess.run(["ip", "-6", "route", "del", "local", prefix, "dev", "lo", "table", "local",
                                      "proto", PROTO], capture_output=True, text=True)
            if deleted.returncode != 0:
                failures.append(f"sample {i + 1}: ip route del failed: {deleted.stderr.strip()}")
                continue
            deleted_at = back_at = None
            while back_at is None:
                event = monitor.next(deadline)
                if event is None:
                    break
                stamp, received, text = event
                words = text.split()
                is_ours = prefix in words and "table" in words and words[words.index("table") + 1] == "local"
                if not is_ours:
                    continue
                if words[0] == "Deleted" and words[1] == "local":
                    deleted_at = (stamp, received)
                elif words[0] == "local" and deleted_at is not None:
                    back_at = (stamp, received)
            if back_at is None:
                failures.append(f"sample {i + 1}: local {prefix} not back within {args.cap:.0f} s")
                continue
            time.sleep(0.3)
            cpu_ms, exact = before.ms_until(CPUSample(pid))
            if back_at[1] - deleted_at[1] > 1.0:
                # Repaired by a poll, most likely: the next delete would come right after that poll and find the
                # longest wait each time. A random pause of up to one poll_interval puts it at a random point of
                # the poll cycle instead, as drift happens.
                next_not_before = time.monotonic() + draw.uniform(0, args.poll_interval)
            samples.append({
                "prefix": prefix,
                "ms": (back_at[0] - deleted_at[0]) * 1000,
                "ms_receive": (back_at[1] - deleted_at[1]) * 1000,
                "cpu_ms": cpu_ms,
                "cpu_exact": exact,
            })
    finally:
        monitor.stop()
    latencies = [s["ms"] for s in samples]
    return {
        "samples": samples,
        "failures": failures,
        "p50_ms": nearest_rank(latencies, 0.50) if not failures else None,
        "p99_ms": nearest_rank(latencies, 0.99) if not failures else None,
        "cpu_ms_per_repair": statistics.median([s["cpu_ms"] for s in samples]) if samples and not failures
        else None,
        "cpu_exact": all(s["cpu_exact"] for s in samples),
        "proc_status": proc_status(pid) if alive(pid) else None,
    }


# --- start -> READY=1 from the cache ------------------------------------------------------------------------------


class NotifyListener:
    """scripts/notify-listener.py on SOCKET: every datagram, with its CLOCK_MONOTONIC receive time, in LOG; on
    READY=1 it counts the daemon's objects in this namespace at once (the kernel as it was when READY=1 came)."""

    COUNT = (f"ip -6 route show table all proto {PROTO} | wc -l; "
             "ip -6 -o addr show dev lo scope global | wc -l")

    def __init__(self, script: str, socket_path: str, log: str):
        self.log = log
        self.process = subprocess.Popen([sys.executable, script, socket_path, log, "--on-ready", "sh", "-c",
                                         self.COUNT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(socket_path):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the notify listener did not bind {socket_path}")
            time.sleep(0.02)

    def records(self) -> list[dict]:
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def ready_after(self, since: float, deadline: float, pid: int) -> tuple[dict, dict]:
        """(the first READY=1 datagram received after SINCE, the object count taken for it); raises on timeout
        or when PID exits first."""
        while True:
            records = [r for r in self.records() if r["t"] >= since]
            ready = next((r for r in records if "READY=1" in r.get("msg", "").split("\n")), None)
            if ready is not None:
                check = next((r for r in records if "ready_check" in r and r["t"] >= ready["t"]), None)
                if check is not None:
                    return ready, check
            if not alive(pid):
                raise RuntimeError("the daemon exited before READY=1")
            if time.monotonic() > deadline:
                raise RuntimeError("no READY=1 within 15 s of the start")
            time.sleep(0.02)

    def stop(self):
        self.process.terminate()
        self.process.wait()


def stop_daemon(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 5 s."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_phase(args: argparse.Namespace) -> dict:
    """Start -> READY=1 from the cached state with the API down, ROUNDS times each way, interleaved:

    empty    the kernel holds none of the objects (as after a reboot; removed by `ip -6 -batch`, untimed)
    held     the kernel holds them all (a restart)

    From just before the fork of `hostup-routed run` (NOTIFY_SOCKET set, as systemd sets it) to the listener's
    receipt of READY=1, both on CLOCK_MONOTONIC. The listener then counts the objects in the kernel; a start
    whose count is short is reported as a failure. The daemon gets SIGTERM after each start.
    """
    n = args.n
    want = (2 * n, n)
    listener = NotifyListener(args.listener, os.path.join(args.work, "notify.sock"),
                              os.path.join(args.work, "notify.jsonl"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(args.work, "notify.sock"))
    runs: dict[str, list[dict]] = {"empty": [], "held": []}
    failures = []
    try:
        with open(os.path.join(args.work, "daemon.log"), "ab") as log:
            for round_index in range(args.rounds):
                for kind in ("empty", "held"):
                    if kind == "empty":
                        subprocess.run(["ip", "-6", "-force", "-batch", os.path.join(args.batch_dir, "del.batch")],
                                       capture_output=True, check=False)
                    held = held_objects()
                    if held != ((0, 0) if kind == "empty" else want):
                        failures.append(f"round {round_index + 1}, {kind}: the kernel held {held} before the start")
                        continue
                    start = time.monotonic()
                    process = subprocess.Popen([args.binary, "run", "--config", args.config], env=env,
                                               stdout=log, stderr=log)
                    try:
                        ready, check = listener.ready_after(start, start + 15, process.pid)
                        rss = proc_status(process.pid).get("VmRSS")
                    except (RuntimeError, OSError) as error:
                        failures.append(f"round {round_index + 1}, {kind}: {error}")
                        continue
                    finally:
                        stop_daemon(process)
                    counted = tuple(int(x) for x in check.get("output", "").split()[:2])
                    if counted != want:
                        failures.append(f"round {round_index + 1}, {kind}: at READY=1 the kernel held {counted} "
                                        f"(routes, addresses), want {want}")
                        continue
                    status = next((line[len("STATUS="):] for line in ready["msg"].split("\n")
                                   if line.startswith("STATUS=")), None)
                    runs[kind].append({"ms": (ready["t"] - start) * 1000, "rss_kb": rss, "status": status})
    finally:
        listener.stop()
    return {
        "runs": runs,
        "failures": failures,
        "median_ms": {k: statistics.median(r["ms"] for r in v) if v and not failures else None
                      for k, v in runs.items()},
    }


def cmd_polls(args: argparse.Namespace) -> int:
    print(Simulator(args.sim).polls()[0])
    return 0


def run_phase(phase, args: argparse.Namespace) -> int:
    """Prints PHASE(ARGS)'s result as JSON, or {"error": ...}; 0 when it has no `failures`, else 1."""
    try:
        result = phase(args)
    except (RuntimeError, OSError) as error:
        json.dump({"error": str(error)}, sys.stdout)
        return 1
    json.dump(result, sys.stdout)
    return 0 if not result.get("failures") else 1


def cmd_cpu(args: argparse.Namespace) -> int:
    return run_phase(cpu_phase, args)


def cmd_start(args: argparse.Namespace) -> int:
    return run_phase(start_phase, args)


def cmd_repair(args: argparse.Namespace) -> int:
    return run_phase(repair_phase, args)


# --- the report -------------------------------------------------------------------------------------------------

# 0.1.0, as measured when issues 10 and 11 were filed (release build, 256 routes, anyip, against this simulator,
# which sent ETag then too, so its polls were answered 304).
REFERENCE = {
    "batch": "27 ms",
    "cpu200": "not measured",
    "cpu304": "≈ 45 ms",
    "cpu_repair": "one whole cycle",
    "rss": "27.6 MB",
    "p50": "at the next poll: ≈ 15 s at poll 30s",
    "p99": "≈ 30 s (29.5 s and 31.3 s seen)",
    "ready": "not measured",
}


def memory_table(memory: dict) -> str:
    """The steady RSS by part (memory_breakdown): the binary's three parts, the five largest libraries and the
    rest of them, the heap, the other anonymous mappings and the rest; then smaps_rollup's total."""
    parts = memory.get("parts") or {}
    rollup = memory.get("rollup") or {}
    libraries = sorted((k for k in parts if k.startswith("lib: ")), key=lambda k: -parts[k]["rss"])
    rows = [("part", "RSS", "file pages", "anonymous pages")]
    shown = set()

    def add(label: str, keys: list[str]) -> None:
        keys = [k for k in keys if k in parts]
        shown.update(keys)
        if keys:
            total = {f: sum(parts[k][f] for k in keys) for f in ("rss", "file", "anon")}
            rows.append((label, fmt_mb(total["rss"]), fmt_mb(total["file"]), fmt_mb(total["anon"])))

    name = os.path.basename(memory.get("exe", "hostup-routed"))
    for part in ("text", "read-only data", "writable data"):
        add(f"`{name}`: {part}", [f"binary: {part}"])
    for key in libraries[:5]:
        add(f"`{key[5:]}`", [key])
    add(f"{len(libraries[5:])} other libraries", libraries[5:])
    add("`[heap]`", ["heap"])
    add("other anonymous mappings (malloc arenas, thread stacks, `.bss`)", ["anonymous mappings"])
    add("the rest (`[stack]`, `[vdso]`, other files)", [k for k in parts if k not in shown])
    rows.append(("total (`smaps_rollup`)", fmt_mb(rollup.get("Rss")),
                 fmt_mb(rollup.get("Rss", 0) - rollup.get("Anonymous", 0) - rollup.get("Shmem", 0)
                        if "Rss" in rollup else None),
                 fmt_mb(rollup.get("Anonymous"))))
    return markdown_table(rows)


def goal_figures(cpu: dict, repair: dict, start: dict) -> dict:
    """The figures issue 11 sets goals for, as run.sh reads them (None where not obtained)."""
    modes = cpu.get("modes") or {}
    return {
        "cpu200_ms": (modes.get("200") or {}).get("ticks_ms_per_cycle"),
        "cpu304_ms": (modes.get("304") or {}).get("ticks_ms_per_cycle"),
        "repair_p99_ms": repair.get("p99_ms"),
        "rss_kb": (cpu.get("proc_status") or {}).get("VmRSS"),
        "polls_before_rss": cpu.get("polls_since_start"),
        "ready_empty_ms": (start.get("median_ms") or {}).get("empty"),
        "ready_held_ms": (start.get("median_ms") or {}).get("held"),
    }


def build_report(meta: dict, cpu: dict, repair: dict, start: dict) -> tuple[str, bool]:
    """(the markdown of the Daemon section without its heading, whether every figure was obtained)."""
    n = meta["routes"]
    batch = cpu.get("batch_ms_median")
    modes = cpu.get("modes") or {}
    full, not_modified = modes.get("200") or {}, modes.get("304") or {}
    # NOTE: The figure is the whole process's CPU (/proc/PID/stat, threads that came and went included) over every
    # round's cycles: per-thread schedstat misses a thread born and gone within a window (libdispatch's workers
    # come and go), and read 1.89 ms where the process had spent 2.29 ms per cycle. One tick (10 ms) over 70
    # cycles is 0.14 ms.
    cpu200, cpu304 = full.get("ticks_ms_per_cycle"), not_modified.get("ticks_ms_per_cycle")
    status = cpu.get("proc_status") or {}
    rss = status.get("VmRSS")
    p50, p99 = repair.get("p50_ms"), repair.get("p99_ms")
    per_repair = repair.get("cpu_ms_per_repair")
    ready = start.get("median_ms") or {}
    ready_empty, ready_held = ready.get("empty"), ready.get("held")
    complete = all(f is not None for f in (batch, cpu200, cpu304, rss, p50, p99, per_repair, ready_empty,
                                           ready_held)) and bool((cpu.get("memory") or {}).get("parts"))

    rounds = len(cpu.get("batch_ms", []))
    samples = len(repair.get("samples", []))
    rows = [
        ("figure", "0.1.0 (reference, 256 routes)", "measured", "÷ `ip -6 -batch`"),
        (f"`ip -6 -batch` adding the same {3 * n} objects (wall time)", REFERENCE["batch"], fmt_ms(batch),
         "1.00" if batch else ""),
        (f"CPU per no-op cycle, answer `200` (whole document)", REFERENCE["cpu200"], fmt_ms(cpu200),
         ratio(cpu200, batch)),
        (f"CPU per no-op cycle, answer `304` (ETag)", REFERENCE["cpu304"], fmt_ms(cpu304), ratio(cpu304, batch)),
        ("CPU per repair", REFERENCE["cpu_repair"], fmt_ms(per_repair), ratio(per_repair, batch)),
        (f"steady RSS (VmRSS after {cpu.get('polls_since_start', '?')} polls)", REFERENCE["rss"],
         f"{rss / 1024:.1f} MB" if rss else "**not obtained**", ""),
        (f"repair latency p50", REFERENCE["p50"], fmt_ms(p50), ""),
        (f"repair latency p99", REFERENCE["p99"], fmt_ms(p99), ""),
        ("start → `READY=1` from the cache, API down, kernel empty (a reboot)", REFERENCE["ready"],
         fmt_ms(ready_empty), ratio(ready_empty, batch)),
        ("start → `READY=1` from the cache, API down, objects held (a restart)", REFERENCE["ready"],
         fmt_ms(ready_held), ratio(ready_held, batch)),
    ]
    table = markdown_table(rows)
    memory = memory_table(cpu["memory"]) if (cpu.get("memory") or {}).get("parts") else "**not obtained**"

    notes = []
    if cpu.get("batch_ms"):
        notes.append("`ip -6 -batch` runs (ms): " + ", ".join(f"{v:.1f}" for v in cpu["batch_ms"]) + ".")
    for mode, figures in (("200", full), ("304", not_modified)):
        if not figures:
            continue
        values = figures.get("rounds_ms_per_cycle") or []
        if set(figures.get("answers") or {}) != {mode}:
            notes.append(f"the polls meant to be answered `{mode}` were answered "
                         + ", ".join(f"{k}: {v}" for k, v in sorted(figures.get("answers", {}).items()))
                         + ": no figure.")
            continue
        how = ("per-thread schedstat of the threads alive at each round's end" if figures.get("exact")
               else f"clock ticks of {cpu.get('tick_ms', 10):.0f} ms (a thread exited during a round)")
        notes.append(
            f"CPU per `{mode}` cycle: {fmt_ms(figures.get('ticks_ms_per_cycle'))}, the process's utime + stime "
            f"(/proc/PID/stat, every thread, exited ones included) over the {figures.get('cycles')} cycles of all "
            f"rounds, to one tick ({cpu.get('tick_ms', 10):.0f} ms) in all; each round's figure by {how} (ms): "
            + ", ".join(f"{v:.2f}" for v in values) + "."
        )
    if status:
        notes.append(
            f"memory at the end of the CPU rounds: VmRSS {status.get('VmRSS', 0) / 1024:.1f} MB = "
            f"RssAnon {status.get('RssAnon', 0) / 1024:.1f} MB + RssFile {status.get('RssFile', 0) / 1024:.1f} MB "
            f"(+ shmem); VmHWM {status.get('VmHWM', 0) / 1024:.1f} MB; {status.get('Threads', '?')} threads."
        )
    if cpu.get("poll_statuses"):
        notes.append("poll answers seen by the simulator during the CPU rounds, warm-up and switches included: "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(cpu["poll_statuses"].items())) + ".")
    counters = cpu.get("status_counters")
    if counters:
        notes.append("the daemon's status.json counters over the CPU rounds: "
                     + ", ".join(f"{k} +{v}" for k, v in counters.items()) + ".")
    elif "modes" in cpu:
        notes.append("the daemon wrote no status.json counters (a version without the runtime status).")
    if repair.get("samples"):
        lat = sorted(s["ms"] for s in repair["samples"])
        notes.append("repair latencies (ms, sorted): " + ", ".join(f"{v:.0f}" for v in lat) + "; CPU per repair "
                     "(ms): " + ", ".join(f"{s['cpu_ms']:.2f}" for s in repair["samples"]) + ".")
    for failure in repair.get("failures", []):
        notes.append(f"repair: {failure}")
    if cpu.get("error"):
        notes.append(f"CPU rounds failed: {cpu['error']}")
    if repair.get("error"):
        notes.append(f"repairs failed: {repair['error']}")
    for kind, label in (("empty", "kernel empty"), ("held", "objects held")):
        runs = (start.get("runs") or {}).get(kind) or []
        if runs:
            rss_values = [r["rss_kb"] for r in runs if r.get("rss_kb")]
            times = [r["ms"] for r in runs]
            notes.append(f"start → `READY=1`, {label} (ms): " + ", ".join(f"{t:.1f}" for t in times)
                         + f"; p90 {fmt_ms(nearest_rank(times, 0.9))}, max {fmt_ms(max(times))}"
                         + (f"; VmRSS just after `READY=1`: {fmt_mb(statistics.median(rss_values))} (median)"
                            if rss_values else "") + f"; its STATUS=: \"{runs[0].get('status')}\".")
    for failure in start.get("failures", []):
        notes.append(f"start: {failure}")
    if start.get("error"):
        notes.append(f"start phase failed: {start['error']}")
    if meta.get("build") != "release":
        notes.append(f"**{meta.get('build')} build**: not representative unless it is a release build.")

    per_round = max(1, meta["cycles"] // meta["rounds"])
    text = f"""For `hostup-routed run` with {n} routed /64s in `anyip` mode ({3 * n} kernel objects), served by the API
simulator; everything runs in throw-away network namespaces.

- **CPU per no-op cycle**: the daemon polls every {meta['cpu_poll']} (the shortest `poll_interval`). Once it holds
  every object: {rounds} rounds, each of {per_round} poll(s) answered `200` with the whole document (the
  simulator's ETag off: the real API documents none), then {per_round} answered `304` (ETag on). Polls are counted
  in the simulator's request log; each window starts and ends halfway between two polls; CPU is the daemon's
  utime+stime (/proc/PID/stat: every thread, those that exited included). The figure is the sum over all rounds
  divided by their polls (not a median of rounds: one clock tick is 10 ms).
- **Steady RSS**: `VmRSS` after those rounds.
- **Repair latency**: poll {meta['repair_poll']}, ETag off. The `local P dev lo table local proto 201` route of one
  prefix is deleted {meta['samples']} times, at least {meta['spacing']} s apart (the daemon's repair limiter refills
  one pass per 5 s; after a repair that took over 1 s, i.e. a poll's, up to one poll interval more, drawn at
  random, so deletes land at random points of the poll cycle), at most {meta['cap']} s per sample; from the
  kernel's `RTM_DELROUTE` to its `RTM_NEWROUTE` for that route, both timestamped by one `ip -ts monitor route`.
  p50 and p99 are nearest-rank over {samples} samples.
  **CPU per repair** (median): from the delete to 300 ms after the route is back.
- **Start → `READY=1`**: with the state file the daemon wrote as its cache and the API down (the simulator
  stopped; `poll_interval` {meta['repair_poll']}), `hostup-routed run` is started with `NOTIFY_SOCKET` set, as
  systemd starts it, {meta.get('starts', meta['rounds'])} times with the kernel empty (the objects removed by
  `ip -6 -batch`, as after a reboot) and as many times with every object in place (a restart), interleaved;
  from just before the fork to the receipt of `READY=1` by `scripts/notify-listener.py` (both
  `CLOCK_MONOTONIC`), median. The listener counts the objects in the kernel on `READY=1`; a start that had not
  put all {3 * n} there does not count.
- **Baseline**: `ip -6 -batch` adding the same {3 * n} objects to an empty namespace (wall time, once per round,
  median). The last column divides by it. The 0.1.0 column is the reference measured when issues 10 and 11 were
  filed (0.1.0's polls were answered `304`), not re-run here.

Command: {command_text(meta)}

Machine: {meta['nproc']} CPUs ({meta['cpu_model']}), Linux {meta['kernel']}; `state_dir` on {meta['state_fs']}.
Daemon: `hostup-routed` {meta['version']}, {meta['build']} build, `{meta['bin']}`.
Tree at commit {meta['commit']}; run on {meta['date']}.

{table}

Where the steady RSS goes (from `/proc/PID/smaps`, summed by mapping, at the end of the CPU rounds; a file
mapping's pages that were written since it was mapped, such as relocated data, count as anonymous):

{memory}

Notes:
""" + "\n".join(f"- {note}" for note in notes) + "\n"
    return text, complete


def cmd_report(args: argparse.Namespace) -> int:
    meta = load(args.meta)
    cpu, repair, start = load(args.cpu), load(args.repair), load(args.start)
    text, complete = build_report(meta, cpu, repair, start)
    figures = {"meta": meta, "goals": dict(goal_figures(cpu, repair, start), routes=meta.get("routes"))}
    return publish(text, complete, "Daemon", args.write, args.json, figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("seed")
    p.add_argument("n", type=int)
    p.add_argument("vps_id")
    p.add_argument("pool")
    p.add_argument("next_hop")
    p.set_defaults(run=cmd_seed)

    p = sub.add_parser("batch-files")
    p.add_argument("n", type=int)
    p.add_argument("dir")
    p.set_defaults(run=cmd_batch_files)

    p = sub.add_parser("converge")
    p.add_argument("n", type=int)
    p.add_argument("timeout", type=float)
    p.add_argument("--pid", type=int, help="the daemon: give up at once when it exits")
    p.set_defaults(run=cmd_converge)

    p = sub.add_parser("polls")
    p.add_argument("--sim", required=True)
    p.set_defaults(run=cmd_polls)

    for name, run in (("cpu", cmd_cpu), ("repair", cmd_repair)):
        p = sub.add_parser(name)
        p.add_argument("--pid", type=int, required=True)
        p.add_argument("--sim", required=True, help="the simulator's base URL")
        p.add_argument("--routes", dest="n", type=int, required=True)
        p.add_argument("--status-json", help="the daemon's runtime status file, if it writes one")
        if name == "cpu":
            p.add_argument("--interval", type=float, required=True, help="poll_interval, seconds")
            p.add_argument("--cycles", type=int, required=True)
            p.add_argument("--rounds", type=int, required=True)
            p.add_argument("--warmup", type=int, default=2, help="polls to let pass before measuring")
            p.add_argument("--batch-ns", required=True)
            p.add_argument("--batch-dir", required=True)
        else:
            p.add_argument("--samples", type=int, required=True)
            p.add_argument("--spacing", type=float, required=True)
            p.add_argument("--poll-interval", type=float, required=True, help="the daemon's poll_interval, seconds")
            p.add_argument("--polls-before-start", type=int, required=True,
                           help="polls the simulator had answered before this daemon started")
            p.add_argument("--cap", type=float, required=True)
        p.set_defaults(run=run)

    p = sub.add_parser("start")
    p.add_argument("--binary", required=True, help="hostup-routed")
    p.add_argument("--config", required=True)
    p.add_argument("--routes", dest="n", type=int, required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--batch-dir", required=True, help="holds del.batch")
    p.add_argument("--listener", required=True, help="scripts/notify-listener.py")
    p.add_argument("--work", required=True, help="for the socket, the datagrams and the daemon's log")
    p.set_defaults(run=cmd_start)

    p = sub.add_parser("report")
    p.add_argument("--meta", required=True)
    p.add_argument("--cpu", required=True)
    p.add_argument("--repair", required=True)
    p.add_argument("--start", required=True)
    p.add_argument("--write", help="BENCHMARKS.md to update")
    p.add_argument("--json", help="where to write the figures for run.sh")
    p.set_defaults(run=cmd_report)

    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
