#!/usr/bin/env python3
"""fuzz-toml.py: differential fuzzing of the TOMLParsing module against Python's tomllib.

Generates and mutates TOML documents, has TOMLParsing parse them (through the TOMLTaggedJSONTool executable,
which prints toml-test's tagged JSON), and has Python's tomllib (TOML 1.0) parse them too. It checks that:
  - the Swift side never crashes or hangs, on any input;
  - both accept and reject the same inputs, for inputs inside what TOMLParsing supports;
  - both give the same values when both accept.

Inputs come, in a fixed order from --seed, from: a fixed list of hostile inputs ([[[x]], 10000 nested '[', a NUL
byte, invalid UTF-8, a 1 MB line...); the toml-test suite's files (../shared/toml-test, or $TOML_TEST_DIR) and
the repository's config/config.toml, as they are and mutated at byte level (bit flips, inserted grammar tokens,
deleted/duplicated/spliced ranges, truncation) and at line level (lines duplicated, dropped, swapped, moved); and
documents generated from the TOML grammar (keys bare/quoted/dotted from a small pool so that redefinitions are
common, every kind of value including boundary integers, odd floats, escapes, dates that do not exist, nested
arrays and inline tables, [table] and [[array]] headers), some of them mutated as well; and "table mazes":
headers, arrays of tables and dotted keys over two or three names, where TOML's rules on defining tables meet.

Where the two may rightly differ, the difference is counted, not reported:
  - integers outside the 64-bit signed range (TOML 1.0 asks for an error; tomllib accepts any size), and
    documents nested deeper than TOMLParsing's limit of 128 (refused as unsupported; tomllib recurses until
    Python's recursion limit): "outside the subset";
  - the year 0000, which RFC 3339 (and so TOML) allows and Python's datetime cannot hold: "tomllib limitation".
A leading UTF-8 byte order mark is removed before tomllib sees the text (toml-test's valid/utf8-bom-* expect it to
be accepted; tomllib.loads takes text, not bytes, and keeps the mark).

Usage: scripts/fuzz-toml.py [--seconds N] [--inputs N] [--seed N] [--tool PATH] [--save DIR]
  --seconds N   time budget (default 10); the pass stops at whichever of --seconds and --inputs comes first
  --inputs N    stop after N inputs (default: no limit); with --seed, the same N inputs every time
  --seed N      random seed (default 1), so that a CI pass is deterministic; vary it for longer runs by hand
  --tool PATH   the TOMLTaggedJSONTool executable (default: $BIN/TOMLTaggedJSONTool, else built with swift build)
  --save DIR    where failing inputs are written (default .build/fuzz-toml)
Exits 0 when nothing disagreed, crashed or hung; 1 otherwise; 2 on a usage or setup error. Without tomllib
(Python < 3.11) only crashes and hangs are checked, and the script says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import time

try:
    import tomllib
except ImportError:  # Python < 3.11: crash-only mode
    tomllib = None

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAXIMUM_DEPTH = 128  # TOMLTable.defaultMaximumDepth
INT64 = (-(2**63), 2**63 - 1)


# ----------------------------------------------------------------------------------------------------------------
# Inputs


def hostile_inputs() -> list[bytes]:
    megabyte = b"x" * (1 << 20)
    return [
        b"[[[x]]\n",
        b"a = 1\n[[[x]]\n",
        b"[[x]\n",
        b"[x",
        b"a = [",
        b'a = "\\u',
        b'a = "\\U0011',
        b"a = " + b"[" * 10_000,
        b"a = " + b"[" * 10_000 + b"]" * 10_000,
        b"[" * 10_000,
        b"a = " + b"{b=" * 10_000,
        b"a" + b".a" * 2_000 + b" = 1",  # tomllib takes quadratic memory in the parts of a dotted key
        b"[" + b"a." * 10_000 + b"a]",
        b"a = " + b"[" * 128 + b"]" * 128,
        b"a = " + b"[" * 129 + b"]" * 129,
        b'a = "\x00"',
        b"\x00",
        b"a = 1 # \x00",
        b'a = "\xff"',
        b"\xc3\x28 = 1",
        b'a = "\xed\xa0\x80"',
        b'a = "' + megabyte + b'"',
        b'a = "' + megabyte,
        b"# " + megabyte + b"\n[[[x]]",
        b"a = [" + b"1," * 50_000 + b"]",
        b"\xef\xbb\xbfa = 1",
        b"a = 1\r",
        b"a = 9223372036854775808",
        b"a = -9223372036854775809",
        b"a = 0x8000000000000000",
        b"a = 0000-01-01",
    ]


def suite_directory() -> str | None:
    for candidate in (os.environ.get("TOML_TEST_DIR"), os.path.join(REPO, "..", "shared", "toml-test")):
        if candidate and os.path.isdir(os.path.join(candidate, "tests")):
            return candidate
    return None


def seed_inputs() -> list[bytes]:
    seeds: list[bytes] = []
    suite = suite_directory()
    if suite:
        for root, _, files in sorted(os.walk(os.path.join(suite, "tests"))):
            for name in sorted(files):
                if name.endswith(".toml"):
                    with open(os.path.join(root, name), "rb") as handle:
                        seeds.append(handle.read())
    else:
        print("fuzz-toml: toml-test not found (set TOML_TEST_DIR); seeding from the config only", file=sys.stderr)
    config = os.path.join(REPO, "config", "config.toml")
    if os.path.exists(config):
        with open(config, "rb") as handle:
            text = handle.read()
        seeds.append(text)
        # The commented-out examples, uncommented.
        seeds.append(b"\n".join(line[1:] if line.startswith(b"#") and not line.startswith(b"# ") else line
                                for line in text.split(b"\n")))
    seeds.append(b'api_url = "https://cloud.hostup.se"\nvps_id = "vps_01hxa3b4c5d6e7f8g9h0j1k2m5"\n'
                 b'poll_interval = "30s"\n\n[[bindings]]\nmatch = "*"\nmode = "address"\ninterface = "br0"\n'
                 b'host = "::1"\nsplit = 64\nforwarding = true\n')
    return seeds


TOKENS = [
    b"[", b"]", b"[[", b"]]", b"{", b"}", b"=", b".", b",", b"#", b"\n", b"\r\n", b"\r", b"\t", b" ", b'"', b"'",
    b'"""', b"'''", b"\\", b"\\u", b"\\U", b"\\n", b"\\\n", b"_", b"+", b"-", b":", b"0x", b"0o", b"0b", b"e", b"E",
    b"inf", b"nan", b"true", b"false", b"1979-05-27", b"T", b"07:32:00", b"Z", b"+01:00", b".5", b"\x00", b"\x7f",
    b"\xff", b"\xc3\xa9", b"\xef\xbb\xbf", b"9223372036854775807", b"a.b", b"= 1\n", b"[a]\n", b"[[a]]\n",
]


def mutate_bytes(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        operation = rng.randrange(8)
        position = rng.randint(0, len(buffer))
        if operation == 0 and buffer:
            index = rng.randrange(len(buffer))
            buffer[index] ^= 1 << rng.randrange(8)
        elif operation == 1:
            buffer[position:position] = rng.choice(TOKENS)
        elif operation == 2 and buffer:
            end = min(len(buffer), position + rng.randint(1, 8))
            del buffer[position:end]
        elif operation == 3 and buffer:
            start = rng.randrange(len(buffer))
            chunk = buffer[start:start + rng.randint(1, 32)]
            buffer[position:position] = chunk * rng.randint(1, 3)
        elif operation == 4:
            del buffer[position:]
        elif operation == 5:
            other = rng.choice(seeds)
            start = rng.randint(0, len(other))
            buffer[position:] = other[start:start + rng.randint(0, 200)]
        elif operation == 6 and buffer:
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        else:
            buffer[position:position] = bytes([rng.randrange(256)])
    return bytes(buffer)


def mutate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 3)):
        operation = rng.randrange(5)
        index = rng.randrange(len(lines))
        if operation == 0:
            lines.insert(rng.randrange(len(lines) + 1), lines[index])
        elif operation == 1 and len(lines) > 1:
            del lines[index]
        elif operation == 2:
            other = rng.randrange(len(lines))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == 3:
            lines.insert(rng.randrange(len(lines) + 1), generate_statement(rng, random_pool(rng)).encode())
        else:
            line = lines.pop(index)
            lines.insert(rng.randrange(len(lines) + 1), line)
    return b"\n".join(lines)


# The grammar-aware generator.

BARE_KEYS = ["a", "b", "c", "x", "A-b_1", "1", "true", "inf", "-", "_"]
QUOTED_KEYS = ['"a"', "'b'", '"b.c"', '""', "''", '"é"', '"\\u0061"', '"x y"', '"\\t"', "'\"'"]


def random_pool(rng: random.Random, strict: bool = False) -> list[str]:
    if strict:
        return [f"k{n}" for n in range(1000)]
    if rng.random() < 0.5:
        return rng.sample(BARE_KEYS + QUOTED_KEYS, rng.randint(2, 5))
    return [f"k{n}" for n in range(40)] + BARE_KEYS


def generate_key(rng: random.Random, pool: list[str], dotted: float = 0.3) -> str:
    count = 1 + (rng.randint(1, 3) if rng.random() < dotted else 0)
    separator = rng.choice([".", ".", " . ", ". ", " ."])
    return separator.join(rng.choice(pool) for _ in range(count))


def with_underscores(rng: random.Random, digits: str) -> str:
    if len(digits) < 2 or rng.random() < 0.6:
        return digits
    out = digits[0]
    for character in digits[1:]:
        out += ("_" if rng.random() < 0.3 else "") + character
    return out


def generate_integer(rng: random.Random, strict: bool = False) -> str:
    kind = rng.randrange(1 if strict else 0, 6)
    if kind == 0:
        return rng.choice([
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "+0",
            "-0", "0", "0x7fffffffffffffff", "0x8000000000000000", "0xDEAD_beef", "0o755", "0o8", "0b1010", "0b2",
            "1__0", "_1", "1_", "01", "0_0", "+0x1", "0x", "0X1", "0x_1", "1_000_000", "+99", "0o0", "0b0",
        ])
    if kind == 1:
        return rng.choice(["", "-", "+"]) + with_underscores(rng, str(rng.randint(0, 10**rng.randint(1, 20))))
    if kind == 2:
        return "0x" + with_underscores(rng, format(rng.getrandbits(rng.randint(1, 66)), rng.choice("xX")))
    if kind == 3:
        return "0o" + with_underscores(rng, format(rng.getrandbits(rng.randint(1, 66)), "o"))
    if kind == 4:
        return "0b" + with_underscores(rng, format(rng.getrandbits(rng.randint(1, 66)), "b"))
    return str(rng.randint(-1000, 1000))


def generate_float(rng: random.Random, strict: bool = False) -> str:
    if strict and rng.random() < 0.2:
        return rng.choice(["inf", "-inf", "+inf", "nan", "-nan", "-0.0", "+0.0", "5e-324", "1e400", "1e07", "0e0"])
    if not strict and rng.random() < 0.5:
        return rng.choice([
            "1.0", "-0.0", "+0.0", "3.14", "1e10", "1E-5", "6.626e-34", "1_000.5", "inf", "-inf", "+inf", "nan",
            "-nan", "+nan", "1e400", "-1e400", "5e-324", "2.5e-324", "1.7976931348623157e308", "0.1", "1.", ".5",
            "1e", "1.e5", "1e_5", "1.5e+3", "0e0", "00.5", "1e07", "1_e5", "1.0_", "-0e0", "1.2.3", "infinity",
            "0.0000000000000000000000000001", "123456789012345678901234567890.5", "1e99999999999999999999",
            "-1e-99999999999999999999", "4.9406564584124654e-324", "2.2250738585072011e-308", "9007199254740993.0",
        ])
    mantissa = with_underscores(rng, str(rng.randint(0, 10**rng.randint(1, 17))))
    fraction = with_underscores(rng, str(rng.randint(0, 10**rng.randint(1, 17))))
    text = rng.choice(["", "-", "+"]) + mantissa
    if rng.random() < 0.8:
        text += "." + fraction
    if rng.random() < 0.5:
        text += rng.choice("eE") + rng.choice(["", "-", "+"]) + str(rng.randint(0, 400))
    return text


STRING_PIECES = [
    "a", "hello", " ", "\t", "é", "😀", "\\n", "\\t", '\\"', "\\\\", "\\b", "\\f", "\\r", "\\u00e9", "\\U0001F600",
    "\\u0000", "\\uD800", "\\U00110000", "\\x41", "\\e", "\\ ", "\\u12", "'", '"', "#", "=", "[", "\x01", "\x7f",
]


VALID_STRING_PIECES = [piece for piece in STRING_PIECES if piece not in (
    "\\uD800", "\\U00110000", "\\x41", "\\e", "\\ ", "\\u12", "\x01", "\x7f", '"')]


def generate_string(rng: random.Random, strict: bool = False) -> str:
    kind = rng.randrange(4)
    pieces = [rng.choice(VALID_STRING_PIECES if strict else STRING_PIECES) for _ in range(rng.randint(0, 6))]
    if kind == 0:
        return '"' + "".join(pieces) + '"'
    if kind == 1:
        return "'" + "".join(p for p in pieces if "'" not in p and "\\" not in p) + "'"
    if kind == 2:
        body = "".join(rng.choice(pieces + ["\n", "\\\n  ", '""', "\r\n"]) for _ in range(rng.randint(0, 6)))
        return '"""' + rng.choice(["", "\n"]) + body + rng.choice(["", '"', '""']) + '"""'
    body = "".join(rng.choice(["a", "'", "''", "\n", "\\", "é", " "]) for _ in range(rng.randint(0, 6)))
    return "'''" + rng.choice(["", "\n"]) + body + rng.choice(["", "'", "''"]) + "'''"


def generate_datetime(rng: random.Random, strict: bool = False) -> str:
    wild = 0 if strict else 1
    year = rng.choice([1, 1979, 1900, 2000, 2024, 9999] + [0] * wild)
    month = rng.choice([1, 2, 5, 12, 0, 13] if rng.random() < 0.2 * wild else [1, 2, 4, 5, 12])
    day = rng.choice([1, 27, 28, 29, 30, 31, 0, 32] if rng.random() < 0.3 * wild else [1, 15, 28])
    date = f"{year:04}-{month:02}-{day:02}"
    hour = rng.choice([0, 7, 23] if rng.random() < 1 - 0.1 * wild else [24, 99])
    minute = rng.choice([0, 32, 59] if rng.random() < 1 - 0.1 * wild else [60])
    second = rng.choice([0, 1, 59] if rng.random() < 1 - 0.1 * wild else [60])
    clock = f"{hour:02}:{minute:02}" + (f":{second:02}" if rng.random() < 1 - 0.05 * wild else "")
    if rng.random() < 0.4:
        clock += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 12)))
    kind = rng.randrange(4)
    if kind == 0:
        return date
    if kind == 1:
        return clock
    separator = rng.choice(["T", "t", " ", "T"] + ["_"] * wild)
    if kind == 2:
        return date + separator + clock
    return date + separator + clock + rng.choice(["Z", "z", "+05:30", "-00:00", "-07:00"] + ["+24:00", "+5:00", "+05"] * wild)


def generate_value(rng: random.Random, depth: int = 0, strict: bool = False) -> str:
    kind = rng.randrange(10 if depth < 4 else 7)
    if kind == 0:
        return generate_integer(rng, strict)
    if kind == 1:
        return generate_float(rng, strict)
    if kind in (2, 3):
        return generate_string(rng, strict)
    if kind == 4:
        return rng.choice(["true", "false"] + ([] if strict else ["tru", "True"]))
    if kind == 5:
        return generate_datetime(rng, strict)
    if kind == 6:
        return generate_integer(rng, strict)
    if kind in (7, 8):
        elements = [generate_value(rng, depth + 1, strict) for _ in range(rng.randint(0, 4))]
        gaps = [" ", "", "\n", " # c\n", "\n\n  "]
        text = "[" + rng.choice(gaps)
        text += ("," + rng.choice(gaps)).join(elements)
        if elements and rng.random() < 0.3:
            text += ","
        return text + rng.choice(gaps) + "]"
    pool = random_pool(rng, strict)
    pairs = [f"{generate_key(rng, pool)} = {generate_value(rng, depth + 1, strict)}" for _ in range(rng.randint(0, 3))]
    return "{" + rng.choice([" ", ""]) + ", ".join(pairs) + rng.choice([" ", ""] + ([] if strict else [","])) + "}"


def generate_statement(rng: random.Random, pool: list[str], strict: bool = False) -> str:
    roll = rng.random()
    if roll < 0.6:
        return f"{generate_key(rng, pool)}{rng.choice([' = ', '=', ' =  '])}{generate_value(rng, 0, strict)}" + rng.choice(
            ["", "", " # comment"])
    space = rng.choice(["", "", " ", "\t"])
    comment = rng.choice(["", "", " # header", "\t#"])
    if roll < 0.8:
        return "[" + space + generate_key(rng, pool, 0.5) + space + "]" + comment
    if roll < 0.95:
        return "[[" + space + generate_key(rng, pool, 0.4) + space + "]]" + comment
    return rng.choice(["", "# comment", "   ", "\t# x"])


def generate_document(rng: random.Random) -> bytes:
    """A document from the grammar: half of them built to be valid (distinct keys, valid values), to compare values."""
    strict = rng.random() < 0.5
    pool = random_pool(rng, strict)
    lines = [generate_statement(rng, pool, strict) for _ in range(rng.randint(1, 12))]
    return rng.choice(["\n", "\n", "\r\n"]).join(lines).encode("utf-8", "surrogatepass")


def generate_table_maze(rng: random.Random) -> bytes:
    """Headers, arrays of tables and dotted keys over two or three names: where TOML's rules on defining and extending tables
    (implicit tables, dotted-key tables, sections, arrays of tables, inline values) meet."""
    names = rng.choice(["ab", "abc"])
    lines = []
    for _ in range(rng.randint(2, 8)):
        roll = rng.random()
        key = ".".join(rng.choice(names) for _ in range(rng.randint(1 if roll < 0.6 else 2, 3)))
        if roll < 0.4:
            lines.append(f"[{key}]")
        elif roll < 0.6:
            lines.append(f"[[{key}]]")
        else:
            lines.append(f"{key} = " + rng.choice(["1", "1", "1", "{}", "[]", "{ x = 1 }", "[{}]", "{ c.d = 2 }"]))
    return "\n".join(lines).encode()


def next_input(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    roll = rng.random()
    if roll < 0.1:
        return "seed", rng.choice(seeds)
    if roll < 0.35:
        return "byte mutation", mutate_bytes(rng, rng.choice(seeds), seeds)
    if roll < 0.45:
        return "line mutation", mutate_lines(rng, rng.choice(seeds))
    if roll < 0.75:
        return "generated", generate_document(rng)
    if roll < 0.85:
        return "table maze", generate_table_maze(rng)
    if roll < 0.97:
        return "generated + mutation", mutate_bytes(rng, generate_document(rng), seeds)
    depth = rng.randint(120, 136)
    opening, closing = rng.choice([("[", "]"), ("{a=", "}"), ("[{a=", "}]")])
    return "deep nesting", ("a = " + opening * depth + "1" + closing * depth).encode()


# ----------------------------------------------------------------------------------------------------------------
# The two parsers


def reference(data: bytes):
    """tomllib's verdict: ("accept", value), ("reject", reason) or ("outside", reason)."""
    try:
        text = data.decode("utf-8")  # strict: refuses overlong forms and surrogates, as TOML requires
    except UnicodeDecodeError as error:
        return "reject", f"not UTF-8: {error}"
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return "accept", tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return "reject", str(error)
    except RecursionError:
        return "outside", "tomllib ran out of recursion"


def outside_subset(value) -> str | None:
    """Why a value tomllib accepted is outside what TOMLParsing supports, or None."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAXIMUM_DEPTH:
                return f"nested deeper than {MAXIMUM_DEPTH}"
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, int) and not isinstance(item, bool) and not INT64[0] <= item <= INT64[1]:
            return "integer outside 64 bits"
    return None


DATETIME = re.compile(
    r"^(?:(\d{4})-(\d{2})-(\d{2}))?T?(?:(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$")


def swift_datetime(text: str):
    match = DATETIME.match(text)
    if not match:
        return ("unreadable", text)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "").ljust(9, "0")[:6]) if hour else None
    if offset == "Z":
        offset_minutes = 0
    elif offset:
        offset_minutes = (1 if offset[0] == "+" else -1) * (int(offset[1:3]) * 60 + int(offset[4:6]))
    else:
        offset_minutes = None
    numbers = [int(part) if part else None for part in (year, month, day, hour, minute, second)]
    return (*numbers, micros, offset_minutes)


def python_datetime(value):
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        return (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
                None if offset is None else int(offset.total_seconds()) // 60)
    if isinstance(value, dt.date):
        return (value.year, value.month, value.day, None, None, None, None, None)
    return (None, None, None, value.hour, value.minute, value.second, value.microsecond, None)


def difference(swift, python, path="$") -> str | None:
    """Where Swift's tagged JSON differs from tomllib's value, or None."""
    if isinstance(python, dict):
        if not isinstance(swift, dict) or set(swift) != set(python):
            return f"{path}: Swift has {sorted(swift) if isinstance(swift, dict) else swift!r}, tomllib {sorted(python)}"
        for key, value in python.items():
            found = difference(swift[key], value, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(python, list):
        if not isinstance(swift, list) or len(swift) != len(python):
            return f"{path}: Swift has {swift!r}, tomllib {python!r}"
        for number, (left, right) in enumerate(zip(swift, python)):
            found = difference(left, right, f"{path}[{number}]")
            if found:
                return found
        return None
    if not isinstance(swift, dict) or set(swift) != {"type", "value"}:
        return f"{path}: Swift has {swift!r}, tomllib {python!r}"
    kind, text = swift["type"], swift["value"]
    if isinstance(python, bool):
        same = kind == "bool" and text == ("true" if python else "false")
    elif isinstance(python, int):
        same = kind == "integer" and int(text) == python
    elif isinstance(python, float):
        number = float(text) if kind == "float" else None
        same = number is not None and (
            (math.isnan(number) and math.isnan(python))
            or (number == python and math.copysign(1, number) == math.copysign(1, python)))
    elif isinstance(python, str):
        same = kind == "string" and text == python
    elif isinstance(python, (dt.datetime, dt.date, dt.time)):
        if isinstance(python, dt.datetime):
            expected_kind = "datetime" if python.tzinfo else "datetime-local"
        else:
            expected_kind = "date-local" if isinstance(python, dt.date) else "time-local"
        same = kind == expected_kind and swift_datetime(text) == python_datetime(python)
    else:
        same = False
    return None if same else f"{path}: Swift has {kind} {text!r}, tomllib {python!r}"


def has_year_zero(swift) -> bool:
    stack = [swift]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if set(item) == {"type", "value"} and isinstance(item["value"], str):
                if item["type"] in ("datetime", "datetime-local", "date-local") and item["value"].startswith("0000-"):
                    return True
            else:
                stack.extend(item.values())
    return False


def run_batch(tool: str, inputs: list[bytes]) -> tuple[list[dict], str | None, str]:
    """Swift's answers for `inputs`, in order; stops early at a crash or hang, named in the second element."""
    payload = b"".join(struct.pack("<I", len(data)) + data for data in inputs)
    timeout = 10 + len(payload) / 100_000
    try:
        process = subprocess.run([tool, "--batch"], input=payload, capture_output=True, timeout=timeout)
        stdout, stderr, failure = process.stdout, process.stderr, None
        if process.returncode != 0:
            failure = f"exit status {process.returncode}" if process.returncode > 0 else f"signal {-process.returncode}"
    except subprocess.TimeoutExpired as expired:
        stdout, stderr, failure = expired.stdout or b"", expired.stderr or b"", f"no answer within {timeout:.0f} s"
    except OSError as error:  # the tool is missing, or being rebuilt
        print(f"fuzz-toml: cannot run {tool}: {error}", file=sys.stderr)
        sys.exit(2)
    answers = [json.loads(line) for line in stdout.split(b"\n")[:-1]]
    return answers, failure, stderr.decode("utf-8", "replace")[-2000:]


def build_tool() -> str:
    binary_directory = os.environ.get("BIN")
    if binary_directory and os.access(os.path.join(binary_directory, "TOMLTaggedJSONTool"), os.X_OK):
        return os.path.join(binary_directory, "TOMLTaggedJSONTool")
    print("fuzz-toml: swift build --product TOMLTaggedJSONTool", file=sys.stderr)
    subprocess.run(["swift", "build", "--product", "TOMLTaggedJSONTool"], cwd=REPO, check=True,
                   stdout=sys.stderr)
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True, capture_output=True,
                          text=True).stdout.strip()
    return os.path.join(path, "TOMLTaggedJSONTool")


# ----------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--inputs", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tool")
    parser.add_argument("--save", default=os.path.join(REPO, ".build", "fuzz-toml"))
    parser.add_argument("--batch", type=int, default=250, help=argparse.SUPPRESS)
    options = parser.parse_args()

    tool = options.tool or build_tool()
    if not os.access(tool, os.X_OK):
        print(f"fuzz-toml: {tool} is not an executable", file=sys.stderr)
        return 2
    if tomllib is None:
        print("fuzz-toml: no tomllib (Python >= 3.11 has it): checking only that the Swift side never crashes or "
              "hangs", file=sys.stderr)

    rng = random.Random(options.seed)
    seeds = seed_inputs()
    pending = [("hostile", data) for data in hostile_inputs()]
    counts: dict[str, int] = {}
    sources: dict[str, int] = {}
    failures: list[str] = []
    os.makedirs(options.save, exist_ok=True)
    started = time.monotonic()
    total = 0

    def count(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    def fail(kind: str, data: bytes, detail: str) -> None:
        path = os.path.join(options.save, f"{kind}-{len(failures) + 1}.toml")
        with open(path, "wb") as handle:
            handle.write(data)
        shown = repr(data[:300]) + ("…" if len(data) > 300 else "")
        failures.append(f"{kind}: {detail}\n    input ({len(data)} bytes, saved as {path}): {shown}")

    while time.monotonic() - started < options.seconds and not (options.inputs and total >= options.inputs):
        while len(pending) < options.batch:
            pending.append(next_input(rng, seeds))
        if options.inputs:
            pending = pending[:max(0, options.inputs - total)]
        batch, pending = pending, []
        answers, failure, stderr = run_batch(tool, [data for _, data in batch])
        if failure is not None and len(answers) < len(batch):
            # The input after the last answer crashed or hung: confirm it alone, then go on after it.
            answered = len(answers)
            source, data = batch[answered]
            alone, alone_failure, alone_stderr = run_batch(tool, [data])
            if alone_failure is None and alone:
                answers.append(alone[0])
                batch, pending = batch[:answered + 1], batch[answered + 1:]
            else:
                total += 1
                sources[source] = sources.get(source, 0) + 1
                count("Swift crashed or hung")
                fail("crash", data, f"the Swift side failed ({alone_failure}) on a {source} input: {alone_stderr}")
                batch, pending = batch[:answered], batch[answered + 1:]
        elif failure is not None:
            count("Swift crashed or hung")
            fail("crash", b"", f"the Swift side failed ({failure}) after answering every input: {stderr}")
        for (source, data), answer in zip(batch, answers):
            total += 1
            sources[source] = sources.get(source, 0) + 1
            if tomllib is None:
                count("parsed by Swift" if "ok" in answer else "refused by Swift")
                continue
            verdict, value = reference(data)
            swift_accepts = "ok" in answer
            if verdict == "outside":
                count("outside the subset (tomllib: " + value + ")")
            elif verdict == "accept":
                why = outside_subset(value)
                if why:
                    count(f"outside the subset ({why}): refused by Swift" if not swift_accepts
                          else f"outside the subset ({why}): accepted by Swift")
                    if swift_accepts:
                        fail("disagreement", data, f"Swift accepts an input {why}: {json.dumps(answer)[:300]}")
                elif not swift_accepts:
                    count("disagreement")
                    fail("disagreement", data, f"tomllib accepts, Swift refuses: {answer['error']}")
                else:
                    found = difference(answer["ok"], value)
                    if found:
                        count("disagreement")
                        fail("disagreement", data, f"different values: {found}")
                    else:
                        count("accepted by both, same values")
            else:
                if not swift_accepts:
                    count("refused by both")
                elif has_year_zero(answer["ok"]):
                    count("tomllib limitation (year 0000)")
                else:
                    count("disagreement")
                    fail("disagreement", data, f"Swift accepts, tomllib refuses: {value}")

    elapsed = time.monotonic() - started
    print(f"fuzz-toml: seed {options.seed}: {total} inputs in {elapsed:.1f} s ({total / max(elapsed, 0.001):.0f}/s)")
    print("  by source: " + ", ".join(f"{name} {number}" for name, number in sorted(sources.items())))
    for name, number in sorted(counts.items()):
        print(f"  {number:7d}  {name}")
    for failure in failures[:20]:
        print(failure)
    if len(failures) > 20:
        print(f"... and {len(failures) - 20} more in {options.save}")
    if failures:
        print(f"fuzz-toml: FAILED: {len(failures)} input(s) disagreed, crashed or hung (saved in {options.save})")
        return 1
    print("fuzz-toml: no disagreement, crash or hang")
    return 0


if __name__ == "__main__":
    sys.exit(main())
