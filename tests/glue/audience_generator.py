"""Deterministic audience files for the parity tests and the bench: every format, valid and invalid
identifiers, mixed kinds, duplicates and malformed records. `python tests/glue/audience_generator.py
<folder> --rows N` writes the big parity set; the tests call `write_folder` directly."""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import random
from pathlib import Path
from typing import Any

MAPPING = [
    {"column": "e-mail", "type": "EMAIL"},
    {"column": "phone_number", "type": "PHONE"},
    {"column": "phone_int", "type": "PHONE"},
    {"column": "mobile_advertiser_id", "type": "MAID"},
    {"column": "idfa", "type": "IDFA"},
]
COLUMNS = ["age", "e-mail", "phone_number", "phone_int", "mobile_advertiser_id", "idfa"]

_FIRST = ["jane", "john", "alice", "bob", "maria", "li", "omar", "zoe", "ana", "yuki", "émile", "søren"]
_DOMAINS = ["gmail.com", "googlemail.com", "example.com", "Example.ORG", "mail.co.uk", "outlook.com", "ünicode.de"]
_AREA_CODES = ["212", "415", "613", "646", "312", "202", "305", "206", "617", "718"]
_INTERNATIONAL = [
    "+44 7700 900{:03d}",
    "+49 151 2345{:04d}",
    "+33 6 12 34 {:04d}",
    "+91 98765 4{:04d}",
    "+374 93 82{:04d}",
    "0044 20 7946 0{:03d}",
    "011 49 30 1234{:04d}",
]
_INVISIBLE = ["\u200b", "\u200d", "\u2060", "\ufeff"]
_EDGE_SPACE = [" ", "\t", "\u00a0", "\u3000", "\u2003", "\u0085"]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


class _Pools:
    def __init__(self, rng: random.Random, size: int):
        self.rng = rng
        self.emails = [
            f"{rng.choice(_FIRST)}.{rng.randrange(10**6)}{rng.choice(['', '.x', '_y'])}@{rng.choice(_DOMAINS)}"
            for _ in range(size)
        ]
        self.phones = [
            f"{rng.choice(_AREA_CODES)}{rng.randrange(2, 10)}{rng.randrange(10**6):06d}" for _ in range(size)
        ]
        self.devices = ["%032x" % rng.getrandbits(128) for _ in range(size)]


def _email(pools: _Pools) -> Any:
    rng = pools.rng
    roll = rng.random()
    base = rng.choice(pools.emails)
    if roll < 0.45:
        return base
    if roll < 0.55:
        return base.upper()
    if roll < 0.62:
        local, domain = base.split("@")
        return f"{local}+tag{rng.randrange(100)}@{domain}"
    if roll < 0.67:
        return rng.choice(_EDGE_SPACE) + base + rng.choice(_EDGE_SPACE)
    if roll < 0.70:
        return _fullwidth(base)
    if roll < 0.72:
        i = rng.randrange(len(base))
        return base[:i] + rng.choice(_INVISIBLE) + base[i:]
    if roll < 0.75:
        digest = hashlib.sha256(base.encode()).hexdigest()
        return digest.upper() if rng.random() < 0.5 else digest
    if roll < 0.82:
        return rng.choice(
            [
                "not-an-email",
                "a..b@example.com",
                "x@y",
                "@example.com",
                "a@b.c",
                ".a@example.com",
                "a.@example.com",
                "a b@exa mple.com",
                "+tag@example.com",
            ]
        )
    if roll < 0.88:
        return rng.choice([None, "", "   ", "\u200b"])
    if roll < 0.90:
        return rng.choice([12345, True, 1.5, {"a": 1}, ["x@y.com"]])
    return base.replace("@", "@@") if rng.random() < 0.3 else base


def _phone(pools: _Pools) -> Any:
    rng = pools.rng
    roll = rng.random()
    n = rng.choice(pools.phones)
    if roll < 0.30:
        return n
    if roll < 0.40:
        return f"({n[:3]}) {n[3:6]}-{n[6:]}"
    if roll < 0.48:
        return f"+1 {n[:3]}.{n[3:6]}.{n[6:]}"
    if roll < 0.54:
        return f"1{n}"
    if roll < 0.66:
        return rng.choice(_INTERNATIONAL).format(rng.randrange(1000))
    if roll < 0.72:
        return int(n) if rng.random() < 0.7 else float(n)
    if roll < 0.80:
        return rng.choice(
            [
                "12",
                "555-0199",
                "+1 (000) 000-0000",
                "61+35550123",
                "call me",
                "++16135550123",
                "0016135550123",
                "01161355501239",
            ]
        )
    if roll < 0.86:
        return rng.choice([None, "", " "])
    if roll < 0.88:
        return rng.choice([False, 16.5, [1], {"n": 1}])
    return _fullwidth(n)


def _device(pools: _Pools) -> Any:
    rng = pools.rng
    roll = rng.random()
    d = rng.choice(pools.devices)
    hyphenated = f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:]}"
    if roll < 0.45:
        return hyphenated
    if roll < 0.60:
        return hyphenated.upper()
    if roll < 0.70:
        return d
    if roll < 0.75:
        return f" {hyphenated.upper()} "
    if roll < 0.80:
        return "00000000-0000-0000-0000-000000000000"
    if roll < 0.86:
        return rng.choice(["not-a-uuid", hyphenated[:-1], hyphenated + "0", "g" * 32, hyphenated.replace("-", "_")])
    if roll < 0.93:
        return rng.choice([None, ""])
    return hashlib.sha256(d.encode()).hexdigest()


def generate_records(count: int, seed: int, distinct: int | None = None) -> list[dict]:
    """Records with the columns of COLUMNS; keys may be missing; values of mixed kinds."""
    rng = random.Random(seed)
    pools = _Pools(rng, distinct or max(10, count // 3))
    records = []
    for _ in range(count):
        record = {
            "age": rng.randrange(18, 90),
            "e-mail": _email(pools),
            "phone_number": _phone(pools),
            "mobile_advertiser_id": _device(pools),
        }
        if rng.random() < 0.3:
            record["phone_int"] = int(rng.choice(pools.phones))
        if rng.random() < 0.2:
            record["idfa"] = _device(pools)
        if rng.random() < 0.02:
            del record["e-mail"]
        records.append(record)
    return records


def _text_cell(value: Any) -> str:
    """How a CSV export writes a value: text as is, numbers in decimal, null empty, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)


def jsonl_bytes(records: list[dict], seed: int, malformed_every: int = 97) -> bytes:
    rng = random.Random(seed)
    lines = []
    for index, record in enumerate(records, start=1):
        lines.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
        if index % malformed_every == 0:
            lines.append(
                rng.choice(['{"e-mail": "broken', "[1, 2, 3]", "null", "not json at all", "{'single': 'quotes'}"])
            )
        if index % 199 == 0:
            lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8")


def json_array_bytes(records: list[dict]) -> bytes:
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def delimited_bytes(records: list[dict], delimiter: str, seed: int, malformed_every: int = 101) -> bytes:
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n" if delimiter == "\t" else "\r\n")
    writer.writerow(COLUMNS)
    for index, record in enumerate(records, start=1):
        writer.writerow([_text_cell(record.get(column)) for column in COLUMNS])
        if index % malformed_every == 0:
            writer.writerow(["x"] * rng.choice([1, 2, len(COLUMNS) + 1]))
    return buffer.getvalue().encode("utf-8")


def parquet_bytes(records: list[dict]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) or value is None else _text_cell(value)

    table = pa.table(
        {
            "age": pa.array([r["age"] for r in records], pa.int32()),
            "e-mail": pa.array([text(r.get("e-mail")) for r in records], pa.string()),
            # Phones as integers (INT64): read as text, never as floats.
            "phone_number": pa.array(
                [
                    int(r["phone_number"])
                    if isinstance(r["phone_number"], int) and not isinstance(r["phone_number"], bool)
                    else None
                    for r in records
                ],
                pa.int64(),
            ),
            "phone_int": pa.array([r.get("phone_int") for r in records], pa.int64()),
            "mobile_advertiser_id": pa.array([text(r.get("mobile_advertiser_id")) for r in records], pa.string()),
            "idfa": pa.array([text(r.get("idfa")) for r in records], pa.string()),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=max(1, len(records) // 3 or 1), compression="snappy")
    return buffer.getvalue()


# Characters where engines tend to disagree: case mapping (final sigma, ẞ, İ, Kelvin, Cherokee,
# Georgian), NFKC (full width, ligatures, Arabic-Indic digits, combining marks), white space and
# invisible characters, astral characters, line separators.
_FUZZ_ALPHABET = list("abcXYZ019@.+-_ ()#") + [
    "\u00e9",
    "\u0130",
    "\u03a3",
    "\u03c3",
    "\u1e9e",
    "\u00df",
    "\u212a",
    "\uff21",
    "\uff10",
    "\u0660",
    "\u00a0",
    "\u2003",
    "\u200b",
    "\ufeff",
    "\u0085",
    "\u2028",
    "\U0001f600",
    "\u0301",
    "\u1f88",
    "\u0149",
    "\ua7ae",
    "\u13a0",
    "\uab70",
    "\u10d0",
    "\u1c90",
    "\u0345",
    "\ufb01",
    "\u2126",
    "\u00c5",
    "A\u030a",
    "@@",
    "..",
    "\t",
    "\n",
]


def fuzz_records(count: int, seed: int) -> list[dict]:
    """Random short strings built from awkward characters, the same value under three columns."""
    rng = random.Random(seed)
    letters = _FUZZ_ALPHABET

    def value() -> str:
        roll = rng.random()
        if roll < 0.3:
            local = "".join(rng.choice(letters) for _ in range(rng.randrange(1, 12)))
            domain = "".join(rng.choice(letters[:9] + letters[18:30]) for _ in range(rng.randrange(1, 8)))
            return f"{local}@{domain}.{rng.choice(['com', 'ΑΣ', 'co', 'ÉÉ', 'x', 'ｃｏｍ'])}"
        if roll < 0.5:
            prefix = rng.choice(["", "", "+", "00", "0000", "011", "+0", "+999 ", "+80", "(0)"])
            return prefix + "".join(rng.choice("0123456789+ -()０１２٣") for _ in range(rng.randrange(1, 18)))
        if roll < 0.7:
            digits = "".join(c.upper() if rng.random() < 0.3 else c for c in "%032x" % rng.getrandbits(128))
            if rng.random() < 0.5:
                digits = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
            if rng.random() < 0.2:
                digits = digits.replace("a", "ａ")
            return rng.choice(["", " ", "\u200b"]) + digits + rng.choice(["", "\u3000", "\n"])
        return "".join(rng.choice(letters) for _ in range(rng.randrange(0, 20)))

    return [{"e": v, "p": v, "d": v} for v in (value() for _ in range(count))]


def write_folder(folder: Path, rows: int, seed: int, formats: list[str]) -> list[Path]:
    """Splits `rows` records over one file per format (jsonl, json, csv, tsv, parquet, and .gz variants)."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = rows // len(formats)
    paths = []
    for index, name in enumerate(formats):
        count = per_file if index < len(formats) - 1 else rows - per_file * (len(formats) - 1)
        records = generate_records(count, seed + index)
        kind = name.removesuffix(".gz")
        data = {
            "jsonl": lambda: jsonl_bytes(records, seed + index),
            "json": lambda: json_array_bytes(records),
            "csv": lambda: delimited_bytes(records, ",", seed + index),
            "tsv": lambda: delimited_bytes(records, "\t", seed + index),
            "parquet": lambda: parquet_bytes(records),
        }[kind]()
        if name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        path = folder / f"part-{index:02d}.{name}"
        path.write_bytes(data)
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--formats", default="jsonl,csv,parquet")
    arguments = parser.parse_args()
    for written in write_folder(arguments.folder, arguments.rows, arguments.seed, arguments.formats.split(",")):
        print(written)
