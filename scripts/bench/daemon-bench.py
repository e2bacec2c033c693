#!/usr/bin/env python3
"""daemon-bench.py: the measuring half of scripts/bench/daemon.sh (standard library only).

daemon.sh builds the namespaces and starts the API simulator and the daemon; this helper, run inside the vps
namespace (`ip netns exec`), does the measuring and prints JSON on stdout. Subcommands:

  seed N VPS_ID POOL NEXT_HOP     the body of POST /_sim/seed: one pool with N /64 routes to VPS_ID
  batch-files N DIR               DIR/add.batch and DIR/del.batch: the 3×N objects the daemon makes for N anyip
                                  routes, as `ip -6 -batch` lines (adds) and their removal
  converge N TIMEOUT              waits until this namespace holds the daemon's 3×N objects
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
import ipaddress
import json
import math
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

TICK = os.sysconf("SC_CLK_TCK")
PROTO = "201"  # RouteProtocol.hostup


# --- the routes -------------------------------------------------------------------------------------------------


def prefixes(n: int, pool: str = "2001:db8:1000::/48") -> list[str]:
    """N /64s of POOL, from POOL:1::/64 upwards."""
    base = int(ipaddress.IPv6Network(pool).network_address)
    return [str(ipaddress.IPv6Network((base + (i << 64), 64))) for i in range(1, n + 1)]


def host_one(prefix: str) -> str:
    return str(ipaddress.IPv6Network(prefix).network_address + 1)


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
    json.dump(seed, sys.stdout)
    return 0


def cmd_batch_files(args: argparse.Namespace) -> int:
    """The objects `anyip` mode makes (README: binding modes), as iproute2 batch lines."""
    add, delete = [], []
    for p in prefixes(args.n):
        add += [
            f"route add local {p} dev lo table local proto {PROTO}",
            f"route add unreachable {p} dev lo proto {PROTO} metric 4294967295",
            f"address add {host_one(p)}/128 dev lo nodad noprefixroute",
        ]
        delete += [
            f"address del {host_one(p)}/128 dev lo",
            f"route del local {p} dev lo table local proto {PROTO}",
            f"route del unreachable {p} dev lo proto {PROTO} metric 4294967295",
        ]
    for name, lines in (("add.batch", add), ("del.batch", delete)):
        with open(os.path.join(args.dir, name), "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0


def held_objects(netns: str | None = None) -> tuple[int, int]:
    """(routes with protocol 201 in every table, global addresses on lo) in this namespace or NETNS."""
    ip = ["ip"] + (["-n", netns] if netns else [])
    routes = subprocess.run(ip + ["-6", "route", "show", "table", "all", "proto", PROTO],
                            capture_output=True, text=True, check=True).stdout
    addresses = subprocess.run(ip + ["-6", "-o", "addr", "show", "dev", "lo", "scope", "global"],
                               capture_output=True, text=True, check=True).stdout
    return len(routes.splitlines()), len(addresses.splitlines())


def cmd_converge(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    while True:
        routes, addresses = held_objects()
        if routes == 2 * args.n and addresses == args.n:
            return 0
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


def nearest_rank(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


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


def cmd_polls(args: argparse.Namespace) -> int:
    print(Simulator(args.sim).polls()[0])
    return 0


def cmd_cpu(args: argparse.Namespace) -> int:
    try:
        json.dump(cpu_phase(args), sys.stdout)
    except (RuntimeError, OSError) as error:
        json.dump({"error": str(error)}, sys.stdout)
        return 1
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    try:
        result = repair_phase(args)
    except (RuntimeError, OSError) as error:
        json.dump({"error": str(error)}, sys.stdout)
        return 1
    json.dump(result, sys.stdout)
    return 0 if not result["failures"] else 1


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
}


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "**not obtained**"
    if value >= 10000:
        return f"{value / 1000:.1f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    return f"{value / base:.2f}"


def build_report(meta: dict, cpu: dict, repair: dict) -> tuple[str, bool]:
    """(the markdown of the Daemon section without its heading, whether every figure was obtained)."""
    n = meta["routes"]
    batch = cpu.get("batch_ms_median")
    modes = cpu.get("modes") or {}
    full, not_modified = modes.get("200") or {}, modes.get("304") or {}
    cpu200, cpu304 = full.get("median_ms_per_cycle"), not_modified.get("median_ms_per_cycle")
    status = cpu.get("proc_status") or {}
    rss = status.get("VmRSS")
    p50, p99 = repair.get("p50_ms"), repair.get("p99_ms")
    per_repair = repair.get("cpu_ms_per_repair")
    complete = all(f is not None for f in (batch, cpu200, cpu304, rss, p50, p99, per_repair))

    rounds = len(cpu.get("batch_ms", []))
    samples = len(repair.get("samples", []))
    rows = [
        ("figure", "0.1.0 (reference, 256 routes)", "measured", "÷ `ip -6 -batch`"),
        ("---", "---", "---", "---"),
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
    ]
    table = "\n".join("| " + " | ".join(row) + " |" for row in rows)

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
        how = ("per-thread schedstat, to the ns" if figures.get("exact")
               else f"clock ticks of {cpu.get('tick_ms', 10):.0f} ms (a thread exited during a round)")
        notes.append(
            f"CPU per `{mode}` cycle in each round (ms): " + ", ".join(f"{v:.2f}" for v in values)
            + f"; {figures.get('cycles')} cycles in all, measured by {how}; from /proc/PID/stat ticks over the "
            f"same cycles: {fmt_ms(figures.get('ticks_ms_per_cycle'))}."
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
    if meta.get("build") != "release":
        notes.append(f"**{meta.get('build')} build**: not representative unless it is a release build.")

    per_round = max(1, meta["cycles"] // meta["rounds"])
    text = f"""For `hostup-routed run` with {n} routed /64s in `anyip` mode ({3 * n} kernel objects), served by the API
simulator; everything runs in throw-away network namespaces.

- **CPU per no-op cycle**: the daemon polls every {meta['cpu_poll']} (the shortest `poll_interval`). Once it holds
  every object: {rounds} rounds, each of {per_round} poll(s) answered `200` with the whole document (the
  simulator's ETag off: the real API documents none), then {per_round} answered `304` (ETag on). Polls are counted
  in the simulator's request log; each window starts and ends halfway between two polls; CPU is the daemon's
  utime+stime (every thread). The figure is the median of the rounds.
- **Steady RSS**: `VmRSS` after those rounds.
- **Repair latency**: poll {meta['repair_poll']}, ETag off. The `local P dev lo table local proto 201` route of one
  prefix is deleted {meta['samples']} times, at least {meta['spacing']} s apart (the daemon's repair limiter refills
  one pass per 5 s; after a repair that took over 1 s, i.e. a poll's, up to one poll interval more, drawn at
  random, so deletes land at random points of the poll cycle), at most {meta['cap']} s per sample; from the
  kernel's `RTM_DELROUTE` to its `RTM_NEWROUTE` for that route, both timestamped by one `ip -ts monitor route`.
  p50 and p99 are nearest-rank over {samples} samples.
  **CPU per repair** (median): from the delete to 300 ms after the route is back.
- **Baseline**: `ip -6 -batch` adding the same {3 * n} objects to an empty namespace (wall time, once per round,
  median). The last column divides by it. The 0.1.0 column is the reference measured when issues 10 and 11 were
  filed (0.1.0's polls were answered `304`), not re-run here.

Command: `{meta['command']}`

Machine: {meta['nproc']} CPUs ({meta['cpu_model']}), Linux {meta['kernel']}; `state_dir` on {meta['state_fs']}.
Daemon: `hostup-routed` {meta['version']}, {meta['build']} build, `{meta['bin']}`.
Tree at commit {meta['commit']}; run on {meta['date']}.

{table}

Notes:
""" + "\n".join(f"- {note}" for note in notes) + "\n"
    return text, complete


def write_section(path: str, heading: str, body: str) -> None:
    """Replaces (or appends) the `## HEADING` section of PATH, creating the file with its preamble if needed."""
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    else:
        lines = [
            "# Benchmarks",
            "",
            "Whole-process figures of hostup-routed, from the scripts in `scripts/bench/`. Each section is written",
            "by its script with `--write` and names its command, the machine and the build it ran on. Every ratio",
            "is against a baseline run by the same script on the same machine, interleaved with it. CI runs the",
            "scripts in `--short` mode, which proves they work, never their timings.",
            "",
        ]
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    section = [f"## {heading}", ""] + body.rstrip("\n").splitlines() + [""]
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines += section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = section
    with open(path, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


def load(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        return {"error": f"{path}: {error}"}


def cmd_report(args: argparse.Namespace) -> int:
    meta = load(args.meta)
    text, complete = build_report(meta, load(args.cpu), load(args.repair))
    print(text)
    if args.write:
        write_section(args.write, "Daemon", text)
        print(f"# wrote the Daemon section of {args.write}", file=sys.stderr)
    if not complete:
        print("# some figures were not obtained", file=sys.stderr)
    return 0 if complete else 1


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

    p = sub.add_parser("report")
    p.add_argument("--meta", required=True)
    p.add_argument("--cpu", required=True)
    p.add_argument("--repair", required=True)
    p.add_argument("--write", help="BENCHMARKS.md to update")
    p.set_defaults(run=cmd_report)

    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
