#!/usr/bin/env python3
"""sync-bench.py: the measuring half of scripts/bench/sync.sh (standard library only).

sync.sh builds the namespaces, starts and seeds the API simulator and writes the config; this helper, run inside
the vps namespace (`ip netns exec`), times the commands and prints JSON on stdout. Subcommands:

  rounds ...      one N: R interleaved rounds of every run below, after one warm-up round (see run_rounds)
  report ...      the markdown of the Sync section (and BENCHMARKS.md with --write); --json for run.sh

Every run is a whole process started from here (`subprocess`), timed from just before its fork to its reaping
(wall time); its CPU time (user + system, its children included) comes from wait4(2)'s rusage.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import PROTO, command_text, fmt_ms, fmt_times, held_objects, load, markdown_table, publish, ratio

# The cron job a user would write instead of the agent: the API's answer, made into the same `ip -6 -batch` lines
# as the baseline (benchlib.batch_lines) by jq; a /64's text ends in "::", so its ::1 is the text plus "1".
CRON_JQ = (
    '.pools[].routes[] | select(.vpsId == $vps) | .prefix | (sub("/64$"; "") + "1") as $host'
    f' | "route add local \\(.) dev lo table local proto {PROTO}",'
    f' "route add unreachable \\(.) dev lo proto {PROTO} metric 4294967295",'
    ' "address add \\($host)/128 dev lo nodad noprefixroute"'
)
CRON_SCRIPT = (
    'curl -sS --fail -H "Authorization: Bearer $HOSTUP_API_TOKEN" "$API_URL/api/v2/routed-ipv6"'
    ' | jq -r --arg vps "$VPS_ID" "$CRON_JQ" | ip -6 -batch -'
)

# The runs of a round, in order, with the kernel state each needs before it ("empty": none of the 3N objects,
# "full": all of them) and leaves after it. "-" in the key marks a step that is not timed (only restores the state).
RUNS = [
    ("batch", "empty", "full"),
    ("batch-del", "full", "empty"),
    ("cron", "empty", "full"),
    ("-batch-del", "full", "empty"),
    ("sync", "empty", "full"),
    ("sync-noop", "full", "full"),
    ("cleanup", "full", "empty"),
]


def timed(argv: list[str], env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall ms, CPU ms of the process and its reaped children, the result) of running ARGV to its end.

    Its output goes to files, not pipes: a process that prints more than a pipe holds would wait for a reader.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = (time.perf_counter() - start) * 1000
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        result = subprocess.CompletedProcess(argv, process.returncode, stdout.read().decode(errors="replace"),
                                             stderr.read().decode(errors="replace"))
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, result


def run_rounds(args: argparse.Namespace) -> dict:
    """R rounds for N routes, after one warm-up round that is not counted. A round, in this order:

    batch       `ip -6 -batch add.batch`: the 3N objects into an empty kernel (the baseline)
    batch-del   `ip -6 -batch del.batch`: removing them again
    cron        `sh -c 'curl ... | jq ... | ip -6 -batch -'` into an empty kernel; then del.batch, untimed
    sync        `hostup-routed sync` into an empty kernel
    sync-noop   `hostup-routed sync` again: nothing to do
    cleanup     `hostup-routed cleanup`: every object removed, sysctls restored

    After every run the namespace's objects are counted (not timed): 2N protocol-201 routes and N addresses
    on lo, or none; a run that exits non-zero or leaves anything else ends the measurement with an error.
    """
    n = args.routes
    want = {"empty": (0, 0), "full": (2 * n, n)}
    daemon = [args.binary]
    config = ["--config", args.config]
    env = dict(os.environ, API_URL=args.url, VPS_ID=args.vps_id, CRON_JQ=CRON_JQ)
    commands = {
        "batch": ["ip", "-6", "-batch", os.path.join(args.dir, "add.batch")],
        "batch-del": ["ip", "-6", "-batch", os.path.join(args.dir, "del.batch")],
        "-batch-del": ["ip", "-6", "-force", "-batch", os.path.join(args.dir, "del.batch")],
        "cron": ["sh", "-c", CRON_SCRIPT],
        "sync": daemon + ["sync"] + config,
        "sync-noop": daemon + ["sync"] + config,
        "cleanup": daemon + ["cleanup"] + config,
    }
    if held_objects() != want["empty"]:
        raise RuntimeError(f"the namespace is not empty before the rounds: {held_objects()} (routes, addresses)")
    wall, _, dry = timed(daemon + ["sync", "--dry-run"] + config, env)
    if dry.returncode != 0:
        raise RuntimeError(f"sync --dry-run exited {dry.returncode}: {dry.stderr.strip()[-300:]}")
    plan = [line for line in dry.stdout.splitlines() if line.startswith("ip ")]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in RUNS if not name.startswith("-")}
    for round_index in range(args.rounds + 1):
        for name, before, after in RUNS:
            wall, cpu, result = timed(commands[name], env)
            if result.returncode != 0:
                raise RuntimeError(f"{name} (round {round_index}) exited {result.returncode}: "
                                   f"{(result.stderr or result.stdout).strip()[-300:]}")
            held = held_objects()
            if held != want[after]:
                raise RuntimeError(f"{name} (round {round_index}) left {held} (routes, addresses), "
                                   f"want {want[after]}")
            if round_index > 0 and not name.startswith("-"):
                runs[name].append({"wall_ms": wall, "cpu_ms": cpu,
                                   "output_bytes": len(result.stdout.encode()) + len(result.stderr.encode())})
    return {
        "routes": n,
        "objects": 3 * n,
        "rounds": args.rounds,
        "plan_lines": len(plan),
        "plan_head": plan[:3],
        "runs": runs,
        "median_wall_ms": {k: statistics.median(r["wall_ms"] for r in v) for k, v in runs.items() if v},
        "median_cpu_ms": {k: statistics.median(r["cpu_ms"] for r in v) for k, v in runs.items() if v},
    }


def cmd_rounds(args: argparse.Namespace) -> int:
    try:
        result = run_rounds(args)
    except (RuntimeError, OSError) as error:
        json.dump({"routes": args.routes, "error": str(error)}, sys.stdout)
        return 1
    json.dump(result, sys.stdout)
    return 0


# --- the report -------------------------------------------------------------------------------------------------

LABELS = [
    ("batch", "`ip -6 -batch` adding the objects (baseline)"),
    ("batch-del", "`ip -6 -batch` removing them"),
    ("cron", "cron job: `curl \\| jq \\| ip -6 -batch -`"),
    ("sync", "`hostup-routed sync` into an empty kernel"),
    ("sync-noop", "`hostup-routed sync`, nothing to do"),
    ("cleanup", "`hostup-routed cleanup`"),
]

# 0.1.0, as measured when issue 11 was filed (release build, stripped, 256 routes, medians of 7).
REFERENCE_256 = {"batch": "27 ms", "cron": "75 ms (×2.7)", "sync": "130 ms (×4.8)", "sync-noop": "93 ms (×3.4)"}


def cell(figures: dict, key: str, measure: str) -> str:
    value = (figures.get(measure) or {}).get(key)
    base = (figures.get(measure) or {}).get("batch")
    if value is None:
        return "**not obtained**"
    return f"{fmt_ms(value)} (×{ratio(value, base)})" if base else fmt_ms(value)


def goals(results: list[dict]) -> dict:
    """The issue's two sync goals at N=256 (or the largest N measured, in a short run)."""
    measured = [r for r in results if "median_wall_ms" in r]
    at = next((r for r in measured if r["routes"] == 256), measured[-1] if measured else None)
    if at is None:
        return {}
    wall = at["median_wall_ms"]
    base = wall.get("batch")
    return {
        "routes": at["routes"],
        "batch_ms": base,
        "sync_ms": wall.get("sync"),
        "noop_ms": wall.get("sync-noop"),
        "sync_ratio": wall["sync"] / base if base and wall.get("sync") is not None else None,
        "noop_ratio": wall["sync-noop"] / base if base and wall.get("sync-noop") is not None else None,
    }


def build_report(meta: dict, results: list[dict]) -> tuple[str, bool]:
    complete = bool(results) and all("error" not in r and len(r.get("median_wall_ms", {})) == len(LABELS)
                                      for r in results)
    header = ("run", *(f"N = {r['routes']} ({r['routes'] * 3} objects)" for r in results))
    with_reference = any(r["routes"] == 256 for r in results)
    if with_reference:
        header += ("0.1.0 at N = 256",)
    wall_rows, cpu_rows = [header], [header[:len(results) + 1]]
    for key, label in LABELS:
        row = (label, *(cell(r, key, "median_wall_ms") for r in results))
        if with_reference:
            row += (REFERENCE_256.get(key, ""),)
        wall_rows.append(row)
        cpu_rows.append((label, *(cell(r, key, "median_cpu_ms") for r in results)))

    notes = []
    for r in results:
        if "error" in r:
            notes.append(f"N = {r['routes']}: **no figures**: {r['error']}")
            continue
        if r.get("plan_lines") != r["objects"]:
            notes.append(f"N = {r['routes']}: `sync --dry-run` planned {r.get('plan_lines')} `ip` commands, "
                         f"not {r['objects']}.")
        printed = {key: statistics.median(x.get("output_bytes", 0) for x in r["runs"][key])
                   for key in ("sync", "sync-noop", "cleanup") if r["runs"].get(key)}
        names = {"sync": "`sync`", "sync-noop": "no-op `sync`", "cleanup": "`cleanup`"}
        notes.append(f"N = {r['routes']}: what the agent printed (stdout + stderr, to a file), median: " + ", ".join(
            f"{names[key]} {value:.0f} bytes" for key, value in printed.items()) + ".")
        for key, label in LABELS:
            runs = r["runs"].get(key) or []
            label = label.replace("\\|", "|")  # escaped for the tables only
            notes.append(f"N = {r['routes']}, {label}: wall (ms) " + ", ".join(f"{x['wall_ms']:.1f}" for x in runs)
                         + "; CPU (ms) " + ", ".join(f"{x['cpu_ms']:.1f}" for x in runs) + ".")
    first = next((r for r in results if r.get("plan_head")), None)
    plan = "\n".join(first["plan_head"]) if first else "(no plan obtained)"
    g = goals(results)
    if meta.get("build") != "release":
        notes.append(f"**{meta.get('build')} build**: not representative unless it is a release build.")

    rounds = meta.get("rounds")
    text = f"""For `hostup-routed sync` applying N routed /64s in `anyip` mode from one API answer (the API simulator,
seeded with N routes through `POST /_sim/seed`), beside `ip -6 -batch` adding the same objects (the
baseline, ×1.00) and the cron job a user would write instead; everything runs in throw-away network
namespaces, in the namespace where the simulator listens (`127.0.0.1`). For each route `sync --dry-run`
plans three objects, e.g.

```text
{plan}
```

and the baseline's batch file and the cron job's `jq` filter make the same objects (but for the address's
`proto`, `IFA_PROTO`, which older iproute2, 6.1 included, cannot set):

```sh
curl -sS --fail -H "Authorization: Bearer $TOKEN" "$API_URL/api/v2/routed-ipv6" |
  jq -r --arg vps "$VPS_ID" '{CRON_JQ}' |
  ip -6 -batch -
```

Each N: one warm-up round, then {rounds} rounds of, in this order, `ip -6 -batch` adding the objects to an
empty namespace, `ip -6 -batch` removing them, the cron job into the empty namespace (then removed,
untimed), `sync` into the empty namespace, `sync` again (nothing to do), and `cleanup`. Every run is a whole
process, timed from its fork to its exit; the kernel's objects are counted after each (untimed). The figures
are medians of the rounds; (×R) divides by the baseline's median at the same N. `state_dir` is on the
machine's disk, as users run it.

Command: {command_text(meta)}

Machine: {meta['nproc']} CPUs ({meta['cpu_model']}), Linux {meta['kernel']}; `state_dir` on {meta['state_fs']}.
Agent: `hostup-routed` {meta['version']}, {meta['build']} build, `{meta['bin']}`.
Tree at commit {meta['commit']}; run on {meta['date']}.

Wall time, median:

{markdown_table(wall_rows)}

CPU time (user + system, children included), median:

{markdown_table(cpu_rows)}

Goals (issue 11, at N = {g.get('routes', '?')}): `sync` ≤ 1.0 × `ip -6 -batch`: {fmt_times(g.get('sync_ratio'))};
a no-op `sync` ≤ 0.5 ×: {fmt_times(g.get('noop_ratio'))}.

Notes:
""" + "\n".join(f"- {note}" for note in notes) + "\n"
    return text, complete


def cmd_report(args: argparse.Namespace) -> int:
    meta = load(args.meta)
    results = [load(path) for path in args.results]
    for path, r in zip(args.results, results):
        r.setdefault("routes", int(os.path.basename(path).split(".")[0].split("-")[-1] or 0))
    text, complete = build_report(meta, results)
    figures = {"meta": meta, "results": results, "goals": goals(results)}
    return publish(text, complete, "Sync", args.write, args.json, figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("rounds")
    p.add_argument("--routes", type=int, required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--dir", required=True, help="holds add.batch and del.batch")
    p.add_argument("--binary", required=True, help="hostup-routed")
    p.add_argument("--config", required=True)
    p.add_argument("--url", required=True, help="the simulator's base URL")
    p.add_argument("--vps-id", required=True)
    p.set_defaults(run=cmd_rounds)

    p = sub.add_parser("report")
    p.add_argument("--meta", required=True)
    p.add_argument("results", nargs="+", help="the JSON of `rounds`, one file per N (named ...-N.json)")
    p.add_argument("--write", help="BENCHMARKS.md to update")
    p.add_argument("--json", help="where to write the figures for run.sh")
    p.set_defaults(run=cmd_report)

    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
