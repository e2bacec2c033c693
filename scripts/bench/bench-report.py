#!/usr/bin/env python3
"""bench-report.py: the sizes, and the Goals summary of scripts/bench/run.sh (standard library only).

  sizes --binary PATH [--deb PATH] [--json PATH] [--meta JSON] [--write BENCHMARKS.md] [--command TEXT]
        the binary as built and stripped (`strip -o` of a copy), its sections (`size`), the shared libraries
        it loads and, with --deb, the package: its file, its Installed-Size and the binary inside it
  goals --sync JSON --daemon JSON --fleet TEXT [--meta JSON] [--write BENCHMARKS.md] [--command TEXT]
        issue 11's goals beside the figures run.sh collected: the --json of sync.sh and daemon.sh, the table
        fleet.sh printed; "met" or "not met" each, or "not obtained"

Exits 1 when a figure could not be obtained (never for a goal not met).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

from benchlib import fmt_mb, fmt_ms, fmt_times, load, markdown_table, publish


def run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def mb(size: int | None) -> str:
    """Bytes in MB of 2^20 bytes, two decimals, and the bytes."""
    return "**not obtained**" if size is None else f"{size / 2**20:.2f} MB ({size:,} bytes)".replace(",", " ")


# --- sizes ------------------------------------------------------------------------------------------------------


def binary_sizes(path: str) -> dict:
    """The file's size, a stripped copy's, `size`'s text/data/bss and the shared libraries `ldd` finds."""
    out: dict = {"path": path, "size": os.path.getsize(path)}
    with tempfile.TemporaryDirectory() as scratch:
        stripped = os.path.join(scratch, "stripped")
        subprocess.run(["strip", "-o", stripped, path], check=True, capture_output=True)
        out["stripped"] = os.path.getsize(stripped)
        text, data, bss = run(["size", stripped]).splitlines()[1].split()[:3]
        out["sections"] = {"text": int(text), "data": int(data), "bss": int(bss)}
    libraries = []
    for line in run(["ldd", path]).splitlines():
        match = re.match(r"\s*(\S+) => (/\S+)", line)
        if match:
            libraries.append({"name": match.group(1), "size": os.path.getsize(match.group(2)),
                              "swift": "/usr/lib/swift" in os.path.realpath(match.group(2))
                              or match.group(1).startswith(("libswift", "libFoundation", "lib_Foundation",
                                                            "libdispatch", "libBlocksRuntime"))})
    out["libraries"] = libraries
    return out


def deb_sizes(path: str) -> dict:
    """The .deb's size, its Installed-Size (KiB, from the control file) and the size of the binary inside it."""
    listing = run(["dpkg-deb", "--contents", path])
    binary = None
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[5].endswith("bin/hostup-routed"):
            binary = int(fields[2])
    return {"path": path, "size": os.path.getsize(path),
            "installed_kib": int(run(["dpkg-deb", "-f", path, "Installed-Size"]).strip()),
            "binary": binary}


def run_line(args: argparse.Namespace) -> str:
    """The command, and the machine, the tree's commit and the date from --meta (a report's JSON) if given."""
    meta = load(args.meta) if args.meta else {}
    meta = meta.get("meta", meta)
    machine = (f" on {meta['nproc']} CPUs ({meta['cpu_model']}), Linux {meta['kernel']}" if "nproc" in meta else "")
    tree = f"; tree at commit {meta['commit']}, run on {meta['date']}" if "commit" in meta else ""
    return f"`{args.command}`{machine}{tree}"


def repo_relative(path: str) -> str:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.relpath(path, repo) if os.path.abspath(path).startswith(repo + os.sep) else path


def cmd_sizes(args: argparse.Namespace) -> int:
    figures: dict = {}
    try:
        figures["binary"] = binary_sizes(args.binary)
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError) as error:
        figures["binary"] = {"path": args.binary, "error": str(error)}
    if args.deb:
        try:
            figures["deb"] = deb_sizes(args.deb)
        except (OSError, subprocess.CalledProcessError, ValueError) as error:
            figures["deb"] = {"path": args.deb, "error": str(error)}
    complete = all("error" not in v for v in figures.values())

    b = figures["binary"]
    rows = [("what", "size")]
    notes = []
    if "error" in b:
        rows.append((f"`{b['path']}`", "**not obtained**"))
        notes.append(f"the binary: {b['error']}")
    else:
        swift = [lib for lib in b["libraries"] if lib["swift"]]
        rows += [
            ("`hostup-routed` as built", mb(b["size"])),
            ("`hostup-routed` stripped", mb(b["stripped"])),
            ("… of which text / data / bss (`size`, stripped)",
             " / ".join(f"{b['sections'][k] / 2**20:.2f} MB" for k in ("text", "data", "bss"))),
            (f"the Swift runtime libraries it loads ({len(swift)}, not stripped)",
             mb(sum(lib["size"] for lib in swift)) if swift else "none: the Swift runtime is linked in"),
        ]
        notes.append("shared libraries (`ldd`): " + ", ".join(
            f"`{lib['name']}` {lib['size'] / 2**20:.2f} MB" for lib in b["libraries"]) + ".")
    d = figures.get("deb")
    if d is None:
        rows.append(("the `.deb`", "not measured (no package given: `DEB=path` or `--deb`)"))
    elif "error" in d:
        rows.append((f"`{os.path.basename(d['path'])}`", "**not obtained**"))
        notes.append(f"the package: {d['error']}")
    else:
        rows += [
            (f"`{os.path.basename(d['path'])}`", mb(d["size"])),
            ("… installed (`Installed-Size`)", f"{d['installed_kib'] / 1024:.2f} MB"),
            ("… its `hostup-routed` (static Swift runtime, stripped by debhelper)", mb(d["binary"])),
        ]

    text = f"""The `hostup-routed` binary of the build the other sections measured, and the package users install.
The package is built by `packaging/build-deb`, with the Swift runtime linked in statically
(`--static-swift-stdlib`), so its binary needs no Swift libraries on the target; the release build of
`swift build -c release` loads them from the toolchain instead, which the row of the Swift runtime
libraries counts.

Command: {run_line(args)}.
Binary: `{repo_relative(b['path'])}`.

{markdown_table(rows)}
""" + ("\nNotes:\n" + "\n".join(f"- {note}" for note in notes) + "\n" if notes else "")
    return publish(text, complete, "Sizes", args.write, args.json, figures)


# --- goals ------------------------------------------------------------------------------------------------------

FLEET_ROW = re.compile(r"^\| (outage|boot|rate-limit) \|")


def fleet_figures(path: str) -> dict:
    """{scenario: (after ÷ mean, "met"/"missed")} from the results table fleet.sh printed."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if FLEET_ROW.match(line):
                    cells = [c.strip() for c in line.strip().strip("|").split("|")]
                    peak = re.search(r"×([0-9.]+)", cells[6])
                    out[cells[0]] = (float(peak.group(1)) if peak else None, cells[7].strip("*"))
    except OSError:
        pass
    return out


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "**not obtained**"
    return "met" if value <= limit else "**not met**"


def cmd_goals(args: argparse.Namespace) -> int:
    sync = (load(args.sync).get("goals") or {}) if args.sync else {}
    daemon = (load(args.daemon).get("goals") or {}) if args.daemon else {}
    fleet = fleet_figures(args.fleet) if args.fleet else {}

    n_sync, n_daemon = sync.get("routes", "?"), daemon.get("routes", "?")
    ready = [v for v in (daemon.get("ready_empty_ms"), daemon.get("ready_held_ms")) if v is not None]
    ready_worst = max(ready) if len(ready) == 2 else None
    peaks = [fleet.get(s, (None, ""))[0] for s in ("outage", "boot", "rate-limit")]
    fleet_worst = max(peaks) if all(p is not None for p in peaks) else None
    rows = [
        ("goal (issue 11)", "measured", "verdict"),
        (f"`sync` of {n_sync} routes ≤ 1.0 × `ip -6 -batch`",
         f"{fmt_times(sync.get('sync_ratio'))} ({fmt_ms(sync.get('sync_ms'))} against {fmt_ms(sync.get('batch_ms'))})",
         verdict(sync.get("sync_ratio"), 1.0)),
        (f"no-op `sync` ({n_sync} routes) ≤ 0.5 × `ip -6 -batch`",
         f"{fmt_times(sync.get('noop_ratio'))} ({fmt_ms(sync.get('noop_ms'))})", verdict(sync.get("noop_ratio"), 0.5)),
        (f"daemon no-op cycle ≤ 2 ms CPU at {n_daemon} routes, answer `200`", fmt_ms(daemon.get("cpu200_ms")),
         verdict(daemon.get("cpu200_ms"), 2.0)),
        (f"… the same, answer `304` (reported)", fmt_ms(daemon.get("cpu304_ms")),
         verdict(daemon.get("cpu304_ms"), 2.0)),
        ("drift repair p99 ≤ 250 ms", fmt_ms(daemon.get("repair_p99_ms")), verdict(daemon.get("repair_p99_ms"), 250)),
        (f"steady RSS ≤ 16 MB (VmRSS after ≥ 60 no-op cycles)",
         f"{fmt_mb(daemon.get('rss_kb'))} (after {daemon.get('polls_before_rss', '?')} polls)",
         verdict(daemon["rss_kb"] / 1024 if daemon.get("rss_kb") else None, 16.0)),
        ("`READY=1` ≤ 100 ms after start from the cache (API down)",
         f"{fmt_ms(daemon.get('ready_empty_ms'))} kernel empty, {fmt_ms(daemon.get('ready_held_ms'))} objects held",
         verdict(ready_worst, 100)),
        ("fleet: busiest second ≤ 1.2 × the steady mean after an outage, a boot, a `429`",
         " / ".join(fmt_times(p) for p in peaks), verdict(fleet_worst, 1.2)),
    ]
    complete = all(v is not None for v in (sync.get("sync_ratio"), sync.get("noop_ratio"), daemon.get("cpu200_ms"),
                                           daemon.get("cpu304_ms"), daemon.get("repair_p99_ms"),
                                           daemon.get("rss_kb"), ready_worst, fleet_worst))
    text = f"""Issue 11's goals against the figures of the sections below, all from one run of
{run_line(args)}.
Each figure is the one its section explains; "met" compares it with the goal, nothing more.

{markdown_table(rows)}
"""
    return publish(text, complete, "Goals", args.write, first=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command_name", required=True)

    p = sub.add_parser("sizes")
    p.add_argument("--binary", required=True)
    p.add_argument("--deb")
    p.add_argument("--json")
    p.add_argument("--write", help="BENCHMARKS.md to update")
    p.add_argument("--command", default="scripts/bench/run.sh", help="the command line to name in the section")
    p.add_argument("--meta", help="a meta JSON (the machine, the commit), e.g. sync.sh --json's")
    p.set_defaults(run=cmd_sizes)

    p = sub.add_parser("goals")
    p.add_argument("--sync", help="sync.sh --json")
    p.add_argument("--daemon", help="daemon.sh --json")
    p.add_argument("--fleet", help="what fleet.sh printed")
    p.add_argument("--meta", help="a meta JSON (the machine), e.g. sync.sh --json's")
    p.add_argument("--write", help="BENCHMARKS.md to update")
    p.add_argument("--command", default="scripts/bench/run.sh", help="the command line to name in the section")
    p.set_defaults(run=cmd_goals)

    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
