"""The reader contract: tests/fixtures/reader-contract.jsonl holds inputs and what the TypeScript
readers make of them (scripts/generate-reader-contract.ts runs them; `npm test` fails when the
committed file and the readers disagree). The Glue job's detection and readers must give the same
format, header decision and cells (kind and text, as normalization receives them) on every input,
and show column names the same way."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

import audience_job as J
import audience_records as R
import audience_transforms as T
from conftest import FIXTURES

CONTRACT = [
    json.loads(line) for line in (FIXTURES / "reader-contract.jsonl").read_text(encoding="utf-8").split("\n") if line
]
READER_CASES = [case for case in CONTRACT if "name" in case]
DISPLAY_CASES = [case for case in CONTRACT if "text" in case]
CELL_CASES = [case for case in CONTRACT if "cell" in case]


class BytesStore:
    """An InputStore over in-memory files (paths are the case ids)."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files

    def list_files(self, path):
        return [(path, len(self.files[path]))]

    def read_head(self, path, size):
        return self.files[path][:size]

    def spark_path(self, path):
        raise AssertionError("not read through Spark here")


def cells(record: dict | None, invisible: str, exact_integers: bool):
    if record is None:
        return None
    found = {}
    for key, value in record.items():
        text, kind = R.cell_kind(value, invisible, exact_integers)
        found[key] = [kind, text]
    return found


@pytest.fixture(scope="module")
def glue_reads(spark, rules, tmp_path_factory):
    """Every case through the job's detection, header decision (one identifier check per mode) and readers."""
    invisible = rules["invisibleClass"]
    # Paths end in the case's file name: detection takes the extension as a hint, as the engine does.
    path_of = {case["id"]: f"{case['id']}/{case['name']}" for case in READER_CASES}
    files = {path_of[case["id"]]: base64.b64decode(case["base64"]) for case in READER_CASES}
    store = BytesStore(files)
    detected: dict[str, J.InputFile | str] = {}
    for case in READER_CASES:
        path = path_of[case["id"]]
        try:
            detected[case["id"]] = J.detect_input(path, len(files[path]), store)
        except T.UsageError:
            detected[case["id"]] = "unsupported_format"
    for mode in J.HEADER_MODES:
        group = [
            detected[case["id"]]
            for case in READER_CASES
            if case.get("header", "auto") == mode and isinstance(detected[case["id"]], J.InputFile)
        ]
        J.resolve_headers(spark, group, rules, mode)
    results = {}
    for case in READER_CASES:
        source = detected[case["id"]]
        if isinstance(source, str):
            results[case["id"]] = {"error": source}
            continue
        data = files[path_of[case["id"]]]
        if source.format == "parquet":
            if source.compression == "gzip":
                records = list(J._parquet_bytes_records(gzip.decompress(data)))
            else:
                path = tmp_path_factory.mktemp("contract") / case["name"]
                path.write_bytes(data)
                frame = J.read_parquet_frame(spark, str(path))
                records = [row.asDict() for row in frame.collect()]
            found = [cells(record, invisible, True) for record in records]
        else:
            records = R.iter_records(J._gunzip_if_needed(data), source.format, source.delimiter, source.has_header)
            found = [cells(record, invisible, False) for record in records]
        form = {"format": source.format, "compression": source.compression}
        if source.format in ("csv", "tsv"):
            form.update(delimiter=source.delimiter, hasHeader=source.has_header)
        results[case["id"]] = {"format": form, "records": found}
    return results


@pytest.mark.parametrize("case", READER_CASES, ids=[case["id"] for case in READER_CASES])
def test_reads_like_the_engine(glue_reads, case):
    got = glue_reads[case["id"]]
    if "error" in case:
        assert got == {"error": case["error"]}
        return
    assert got.get("format") == case["format"]
    assert got["records"] == case["records"]


@pytest.fixture(scope="module")
def glue_identifiers(spark, rules):
    texts = [case["text"] for case in DISPLAY_CASES]
    return J.identifier_texts(spark, texts, rules), J.display_columns(spark, texts, rules)


@pytest.mark.parametrize("case", DISPLAY_CASES, ids=[case["id"] for case in DISPLAY_CASES])
def test_masks_and_recognizes_identifiers_like_the_engine(glue_identifiers, case):
    identifiers, shown = glue_identifiers
    assert R.mask_identifier(case["text"]) == case["masked"]
    assert (case["text"] in identifiers) == case["identifier"]
    assert shown[case["text"]] == case["shown"]


@pytest.mark.parametrize("case", CELL_CASES, ids=[case["id"] for case in CELL_CASES])
def test_guards_rejects_cells_like_the_engine(case):
    assert R.spreadsheet_safe(case["cell"]) == case["safe"]
