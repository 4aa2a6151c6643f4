"""Every input format in one folder run: JSON Lines, JSON array, CSV, TSV, `;` and `|` CSV, Parquet,
and gzip of them; hidden files, _SUCCESS, *.crc and `_`-folders are skipped. The same six records
in each file give the same digests (normalized by hand from normalization.md, hashed with hashlib)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import read_digests, run_job

HEADER = ["email", "phone", "device"]
ROWS = [
    ["Jane.Doe+news@Gmail.com", "+374 93 828222", "918F1D4F-D195-4A8B-AF47-44683FE11DB9"],
    [" ALICE@example.org ", "(613) 555-0123", "3f097372f01e4b64984c395ae5828ee6"],
    ["bob@@example.com", "12", "00000000-0000-0000-0000-000000000000"],
    ["", "+1 415 555 2671", "not-a-uuid"],
    ["jane.doe@gmail.com", "0037493828222", "918f1d4f-d195-4a8b-af47-44683fe11db9"],
    ['x,y"z@example.com', "", ""],
]
MAPPING = [
    {"column": "email", "type": "EMAIL"},
    {"column": "phone", "type": "PHONE"},
    {"column": "device", "type": "MAID"},
]
NORMALIZED = {
    "EMAIL": ["jane.doe@gmail.com", "alice@example.org", 'x,y"z@example.com'],
    "PHONE": ["37493828222", "16135550123", "14155552671"],
    "MAID": ["918f1d4f-d195-4a8b-af47-44683fe11db9", "3f097372-f01e-4b64-984c-395ae5828ee6"],
}
PER_FILE = {
    "EMAIL": {"valid": 4, "empty": 1, "rejected": {"invalid_email": 1}},
    "PHONE": {"valid": 4, "empty": 1, "rejected": {"invalid_phone": 1}},
    "MAID": {"valid": 3, "empty": 1, "rejected": {"invalid_device_id": 1, "zero_device_id": 1}},
}


def delimited(delimiter: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return buffer.getvalue().encode("utf-8")


def json_lines() -> bytes:
    return "".join(json.dumps(dict(zip(HEADER, row))) + "\n" for row in ROWS).encode("utf-8")


def json_array() -> bytes:
    return json.dumps([dict(zip(HEADER, row)) for row in ROWS], indent=1).encode("utf-8")


def parquet() -> bytes:
    table = pa.table({name: [row[index] for row in ROWS] for index, name in enumerate(HEADER)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


# file name → (bytes, expected format, expected compression)
FILES = {
    "a.jsonl": (json_lines(), "jsonl", "none"),
    "b.json": (json_array(), "json-array", "none"),
    "c.csv": (delimited(","), "csv", "none"),
    "d.tsv": (delimited("\t"), "tsv", "none"),
    "e.csv": (delimited(";"), "csv", "none"),
    "f.txt": (delimited("|"), "csv", "none"),
    "g.parquet": (parquet(), "parquet", "none"),
    "h.jsonl.gz": (gzip.compress(json_lines()), "jsonl", "gzip"),
    "i.json.gz": (gzip.compress(json_array()), "json-array", "gzip"),
    "j.csv.gz": (gzip.compress(delimited(",")), "csv", "gzip"),
    "k.tsv.gz": (gzip.compress(delimited("\t")), "tsv", "gzip"),
    "l.parquet.gz": (gzip.compress(parquet()), "parquet", "gzip"),
    "nested/m.jsonl": (json_lines(), "jsonl", "none"),
    "n space [1] {x}.jsonl": (json_lines(), "jsonl", "none"),  # taken literally, not as a Hadoop glob
}
SKIPPED = {
    "_SUCCESS": b"",
    ".hidden.jsonl": b"{oops",
    "a.jsonl.crc": b"\x00\x01",
    "_temporary/x.jsonl": b"{oops",
    "manifest.json": b"{}",
}


@pytest.fixture(scope="module")
def folder_job(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats") / "input"
    for name, content in {**{n: f[0] for n, f in FILES.items()}, **SKIPPED}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    out = folder.parent / "out"
    return folder, out, run_job(spark, [folder], MAPPING, out)


def test_every_data_file_is_read_and_detected(folder_job):
    folder, _out, manifest = folder_job
    assert [(i["path"], i["format"], i["compression"], i["bytes"]) for i in manifest["inputs"]] == [
        (f"{folder}/{name}", fmt, compression, len(content))
        for name, (content, fmt, compression) in sorted(FILES.items())
    ]
    assert manifest["recordsRead"] == len(ROWS) * len(FILES)
    assert manifest["malformedRecords"] == 0


@pytest.mark.parametrize("identifier_type", list(NORMALIZED))
def test_same_digests_and_counts_from_every_format(folder_job, identifier_type):
    _folder, out, manifest = folder_job
    counts = manifest["types"][identifier_type]
    expected = sorted(hashlib.sha256(value.encode("utf-8")).hexdigest() for value in NORMALIZED[identifier_type])
    assert read_digests(out, manifest, identifier_type) == expected
    per_file = PER_FILE[identifier_type]
    assert counts["valid"] == per_file["valid"] * len(FILES)
    assert counts["empty"] == per_file["empty"] * len(FILES)
    assert counts["rejected"] == {reason: n * len(FILES) for reason, n in per_file["rejected"].items()}
    assert counts["unique"] == len(expected)
    assert counts["duplicates"] == counts["valid"] - len(expected)


def test_rejects_are_numbered_per_source_file(folder_job):
    folder, out, _manifest = folder_job
    with (out / "rejects.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    per_file = [
        ["3", "email", "EMAIL", "invalid_email"],
        ["3", "phone", "PHONE", "invalid_phone"],
        ["3", "device", "MAID", "zero_device_id"],
        ["4", "device", "MAID", "invalid_device_id"],
    ]
    expected = [[row[0], f"{folder}/{name}", *row[1:]] for name in sorted(FILES) for row in per_file]
    assert rows == expected
