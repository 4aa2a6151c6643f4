"""A full job run (read → normalize → write) over a JSON Lines file built from the public vectors:
counts, sorted unique digests, part-file checksums and the rejects report, all derived from the
vectors' expectations and hashlib — not from the job's own output."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import load_vectors, read_digests, run_job

COLUMNS = {"EMAIL": "email", "PHONE": "phone", "IDFA": "idfa", "GAID": "gaid", "MAID": "maid"}
MAPPING = [{"column": column, "type": identifier_type} for identifier_type, column in COLUMNS.items()]
# The job runs with default options: vectors with their own options are covered by the vector test.
DEFAULT_VECTORS = [vector for vector in load_vectors() if not vector["options"]]


@pytest.fixture(scope="module")
def vector_job(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("vector-job")
    source = folder / "vectors.jsonl"
    # One record per vector, its raw value under its type's column (json.dumps escapes U+2028 & co.).
    source.write_text(
        "".join(json.dumps({COLUMNS[v["type"]]: v["raw"]}) + "\n" for v in DEFAULT_VECTORS), encoding="utf-8"
    )
    out = folder / "out"
    manifest = run_job(spark, [source], MAPPING, out)
    return source, out, manifest


def test_records_and_inputs(vector_job):
    source, _out, manifest = vector_job
    assert manifest["recordsRead"] == len(DEFAULT_VECTORS)
    assert manifest["malformedRecords"] == 0
    assert manifest["inputs"] == [
        {"path": str(source), "format": "jsonl", "compression": "none", "bytes": source.stat().st_size}
    ]
    assert manifest["mapping"] == MAPPING
    assert manifest["options"] == {
        "phoneRegion": "US",
        "phoneFormat": "digits",
        "emailDots": "keep",
        "prehashed": "accept",
        "maxFileBytes": 50 * 1024 * 1024,
    }
    assert list(manifest["types"]) == list(COLUMNS)  # first-mapped order


@pytest.mark.parametrize("identifier_type", list(COLUMNS))
def test_type_counts_and_digests(vector_job, identifier_type):
    _source, out, manifest = vector_job
    mine = [v for v in DEFAULT_VECTORS if v["type"] == identifier_type]
    statuses = Counter(v["expect"]["status"] for v in mine)
    reasons = Counter(v["expect"]["reason"] for v in mine if v["expect"]["status"] == "rejected")
    expected_digests = sorted({v["expect"]["hash"] for v in mine if v["expect"]["status"] in ("ok", "prehashed")})
    counts = manifest["types"][identifier_type]
    assert counts["valid"] == statuses["ok"]
    assert counts["prehashed"] == statuses["prehashed"]
    # Records of the other types do not have this column: their cells are missing, so empty.
    assert counts["empty"] == statuses["empty"] + len(DEFAULT_VECTORS) - len(mine)
    assert counts["rejected"] == dict(reasons)
    assert counts["unique"] == len(expected_digests)
    assert counts["duplicates"] == statuses["ok"] + statuses["prehashed"] - len(expected_digests)
    assert read_digests(out, manifest, identifier_type) == expected_digests
    for entry in counts["files"]:
        data = (out / entry["path"]).read_bytes()
        assert entry["md5"] == hashlib.md5(data).hexdigest()
        assert entry["bytes"] == len(data) == 65 * entry["rows"]


def test_rejects_report_names_record_column_and_reason_never_the_value(vector_job):
    source, out, manifest = vector_job
    with (out / "rejects.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["record_number", "source", "column", "identifier_type", "reason"]
    expected = [
        [str(number), str(source), COLUMNS[v["type"]], v["type"], v["expect"]["reason"]]
        for number, v in enumerate(DEFAULT_VECTORS, start=1)
        if v["expect"]["status"] == "rejected"
    ]
    assert rows[1:] == expected
    assert manifest["rejects"] == {"path": "rejects.csv", "rows": len(expected)}


def test_manifest_invariant(vector_job):
    _source, _out, manifest = vector_job
    for counts in manifest["types"].values():
        total = counts["valid"] + counts["prehashed"] + counts["empty"] + sum(counts["rejected"].values())
        assert total == (manifest["recordsRead"] - manifest["malformedRecords"]) * len(counts["columns"])


def test_small_max_file_bytes_splits_sorted_digests_into_parts(spark, tmp_path):
    emails = [f"person{n}@example.com" for n in range(7)]
    source = tmp_path / "emails.jsonl"
    source.write_text("".join(json.dumps({"email": e}) + "\n" for e in emails), encoding="utf-8")
    manifest = run_job(
        spark, [source], [{"column": "email", "type": "EMAIL"}], tmp_path / "out", max_file_bytes=65 * 3 + 64
    )
    files = manifest["types"]["EMAIL"]["files"]
    assert [f["path"] for f in files] == [
        "email_sha256/part-00000.csv",
        "email_sha256/part-00001.csv",
        "email_sha256/part-00002.csv",
    ]
    assert [f["rows"] for f in files] == [3, 3, 1]
    expected = sorted(hashlib.sha256(e.encode()).hexdigest() for e in emails)
    assert read_digests(tmp_path / "out", manifest, "EMAIL") == expected
    assert all(Path(tmp_path / "out" / f["path"]).stat().st_size <= 65 * 3 + 64 for f in files)
