"""benchlib.py: what the helpers of scripts/bench/ share (standard library only): the routes and the kernel objects
`anyip` mode makes for them, formatting, and the sections of BENCHMARKS.md.

Imported by daemon-bench.py, sync-bench.py and bench-report.py, which sit in the same folder (Python puts a
script's own folder first on its import path, `ip netns exec` or not).
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import subprocess
import sys

PROTO = "201"  # RouteProtocol.hostup
POOL = "2001:db8:1000::/48"

PREAMBLE = [
    "# Benchmarks",
    "",
    "Whole-process figures of hostup-routed, from the scripts in `scripts/bench/`; `sudo scripts/bench/run.sh",
    "--write` runs them all and writes every section. Each section names its command, the machine and the build",
    "it ran on. Every ratio is against a baseline run by the same script on the same machine, interleaved with",
    "it. CI runs `scripts/bench/run.sh --short`, which proves the scripts work, never their timings.",
    "",
]


# --- the routes -------------------------------------------------------------------------------------------------


def prefixes(n: int, pool: str = POOL) -> list[str]:
    """N /64s of POOL, from POOL:1::/64 upwards."""
    base = int(ipaddress.IPv6Network(pool).network_address)
    return [str(ipaddress.IPv6Network((base + (i << 64), 64))) for i in range(1, n + 1)]


def host_one(prefix: str) -> str:
    return str(ipaddress.IPv6Network(prefix).network_address + 1)


def batch_lines(n: int) -> tuple[list[str], list[str]]:
    """(adds, removals): the 3 objects `anyip` mode makes for each of N routes (README: binding modes), as
    `ip -6 -batch` lines."""
    add, delete = [], []
    for p in prefixes(n):
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
    return add, delete


def write_batch_files(n: int, directory: str) -> None:
    """DIRECTORY/add.batch and DIRECTORY/del.batch for N routes (batch_lines)."""
    add, delete = batch_lines(n)
    for name, lines in (("add.batch", add), ("del.batch", delete)):
        with open(os.path.join(directory, name), "w") as f:
            f.write("\n".join(lines) + "\n")


def held_objects(netns: str | None = None) -> tuple[int, int]:
    """(routes with protocol 201 in every table, global addresses on lo) in this namespace or NETNS."""
    ip = ["ip"] + (["-n", netns] if netns else [])
    routes = subprocess.run(ip + ["-6", "route", "show", "table", "all", "proto", PROTO],
                            capture_output=True, text=True, check=True).stdout
    addresses = subprocess.run(ip + ["-6", "-o", "addr", "show", "dev", "lo", "scope", "global"],
                               capture_output=True, text=True, check=True).stdout
    return len(routes.splitlines()), len(addresses.splitlines())


# --- figures ----------------------------------------------------------------------------------------------------


def nearest_rank(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "**not obtained**"
    if value >= 10000:
        return f"{value / 1000:.1f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def fmt_mb(kib: float | None) -> str:
    """KiB (as /proc reports them) in MB of 1024 KiB, one decimal."""
    return "**not obtained**" if kib is None else f"{kib / 1024:.1f} MB"


def fmt_times(value: float | None) -> str:
    """A ratio as "×1.23"."""
    return "**not obtained**" if value is None else f"×{value:.2f}"


def command_text(meta: dict) -> str:
    """The command a section names: `COMMAND`, and `, run by `SUITE`` when run.sh ran it."""
    text = f"`{meta.get('command', '?')}`"
    return text + (f", run by `{meta['suite']}`" if meta.get("suite") else "")


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    return f"{value / base:.2f}"


def markdown_table(rows: list[tuple]) -> str:
    """A markdown table: the first row is the header; a second row of "---" cells is added."""
    header, *body = rows
    lines = [header, tuple("---" for _ in header), *body]
    return "\n".join("| " + " | ".join(str(cell) for cell in row) + " |" for row in lines)


# --- BENCHMARKS.md ----------------------------------------------------------------------------------------------


def write_section(path: str, heading: str, body: str, first: bool = False) -> None:
    """Replaces the `## HEADING` section of PATH, or adds it: at the end, or before the first section when FIRST.
    Creates the file with its preamble if needed."""
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    else:
        lines = list(PREAMBLE)
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    section = [f"## {heading}", ""] + body.rstrip("\n").splitlines() + [""]
    if start is None:
        at = next((i for i, line in enumerate(lines) if line.startswith("## ")), None) if first else None
        if at is None:
            if lines and lines[-1].strip():
                lines.append("")
            lines += section
        else:
            lines[at:at] = section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = section
    with open(path, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


def publish(text: str, complete: bool, heading: str, write: str | None = None, json_path: str | None = None,
            figures: dict | None = None, first: bool = False) -> int:
    """Prints a section's TEXT; writes it into BENCHMARKS.md (WRITE) as `## HEADING` and FIGURES with `complete`
    as JSON (JSON_PATH) when asked. Returns the exit status: 0 when COMPLETE (every figure obtained), else 1."""
    print(text)
    if write:
        write_section(write, heading, text, first)
        print(f"# wrote the {heading} section of {write}", file=sys.stderr)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(dict(figures or {}, complete=complete), f)
    if not complete:
        print(f"# {heading}: some figures were not obtained", file=sys.stderr)
    return 0 if complete else 1


def load(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        return {"error": f"{path}: {error}"}
