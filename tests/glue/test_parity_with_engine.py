"""Parity: the same input files through the TypeScript engine (`npx tsx src/cli/main.ts transform`)
and through the Spark job give identical sets of hashes per type and identical manifest counts
(in fact identical bytes: part files, rejects.csv, manifest.json). A difference fails naming the
identifier type of the first differing value.

Inputs: the Clean Rooms sample; a small folder with every format (and gzip of each), invalid values,
mixed kinds, duplicates and malformed records; a generated 200,000-record folder (JSONL, CSV, Parquet)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audience_generator import MAPPING as GENERATED_MAPPING
from audience_generator import fuzz_records, write_folder
from conftest import FIXTURES, REPO, read_digests, run_job

SAMPLE_MAPPING = [
    {"column": "e-mail", "type": "EMAIL"},
    {"column": "phone_number", "type": "PHONE"},
    {"column": "mobile_advertiser_id", "type": "MAID"},
]
COUNT_KEYS = ["calculateType", "columns", "valid", "prehashed", "empty", "rejected", "duplicates", "unique"]


def run_engine(
    inputs: list[Path],
    mapping: list[dict],
    out: Path,
    options: dict | None = None,
    header: str = "auto",
    max_file_bytes: int | None = None,
) -> dict:
    """The TypeScript engine's CLI on the same files; its manifest."""
    arguments = ["npx", "tsx", "src/cli/main.ts", "transform", *[str(path) for path in inputs]]
    for entry in mapping:
        arguments += ["--map", f"{entry['column']}={entry['type']}"]
    flags = {
        "phoneRegion": "--phone-region",
        "phoneFormat": "--phone-format",
        "emailDots": "--email-dots",
        "prehashed": "--prehashed",
    }
    for name, value in (options or {}).items():
        arguments += [flags[name], value]
    if max_file_bytes is not None:
        arguments += ["--max-file-bytes", str(max_file_bytes)]
    arguments += ["--header", header, "--out", str(out)]
    result = subprocess.run(arguments, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"the TypeScript engine failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def assert_same_output(engine_out: Path, engine: dict, glue_out: Path, glue: dict) -> None:
    types = list(dict.fromkeys([*engine["types"], *glue["types"]]))
    for identifier_type in types:
        assert identifier_type in engine["types"], f"{identifier_type}: only the Glue job wrote this type"
        assert identifier_type in glue["types"], f"{identifier_type}: only the engine wrote this type"
        engine_digests = read_digests(engine_out, engine, identifier_type)
        glue_digests = read_digests(glue_out, glue, identifier_type)
        if set(engine_digests) != set(glue_digests):
            first = sorted(set(engine_digests) ^ set(glue_digests))[0]
            side = "engine" if first in engine_digests else "Glue job"
            pytest.fail(
                f"{identifier_type}: hash sets differ ({len(engine_digests)} vs {len(glue_digests)}); first differing digest {first} is only in the {side}'s output"
            )
        for key in COUNT_KEYS:
            assert glue["types"][identifier_type][key] == engine["types"][identifier_type][key], (
                f"{identifier_type}: {key} differs"
            )
    for key in ("recordsRead", "malformedRecords", "inputs", "options", "mapping", "rejects"):
        assert glue[key] == engine[key], f"manifest {key} differs"
    # Same sorted part files and checksums, same rejects report, same manifest bytes.
    assert glue == engine
    assert (glue_out / "manifest.json").read_bytes() == (engine_out / "manifest.json").read_bytes()
    assert (glue_out / "rejects.csv").read_bytes() == (engine_out / "rejects.csv").read_bytes()
    for counts in engine["types"].values():
        for entry in counts["files"]:
            assert (glue_out / entry["path"]).read_bytes() == (engine_out / entry["path"]).read_bytes(), entry["path"]


def both(
    spark,
    inputs: list[Path],
    mapping: list[dict],
    folder: Path,
    options: dict | None = None,
    header: str = "auto",
    max_file_bytes: int | None = None,
) -> None:
    engine = run_engine(inputs, mapping, folder / "engine", options, header, max_file_bytes)
    sizes = {} if max_file_bytes is None else {"max_file_bytes": max_file_bytes}
    glue = run_job(spark, inputs, mapping, folder / "glue", options, header=header, **sizes)
    assert engine["recordsRead"] > 0
    assert_same_output(folder / "engine", engine, folder / "glue", glue)


def test_clean_rooms_sample(spark, tmp_path):
    # Relative path, as a person would type it: both engines name the input the same way.
    both(spark, [FIXTURES.relative_to(REPO) / "clean-rooms-sample.jsonl"], SAMPLE_MAPPING, tmp_path)


def test_one_column_to_several_types_and_integer_cells(spark, tmp_path):
    mapping = [*SAMPLE_MAPPING, {"column": "mobile_advertiser_id", "type": "GAID"}, {"column": "age", "type": "PHONE"}]
    both(spark, [FIXTURES / "clean-rooms-sample.jsonl"], mapping, tmp_path)


def test_reader_fixtures(spark, tmp_path):
    # The engine's own reader fixtures: an Excel-style `;` CSV with BOM, CRLF and quoted line breaks;
    # a pretty-printed JSON array with nested objects and a non-object element.
    readers = FIXTURES.relative_to(REPO) / "readers"
    both(
        spark,
        [readers / "excel-semicolon-bom-crlf.csv"],
        [{"column": "E-mail", "type": "EMAIL"}, {"column": "Phone", "type": "PHONE"}],
        tmp_path / "csv",
    )
    both(
        spark,
        [readers / "pretty-array.json"],
        [{"column": "email", "type": "EMAIL"}, {"column": "profile", "type": "PHONE"}],
        tmp_path / "json",
    )


def test_headerless_files_concatenated_arrays_and_prototype_columns(spark, tmp_path):
    # Issue 11's divergences in one folder: CSV/TSV without a header row (by an identifier, by shape),
    # a leading blank line, two concatenated JSON arrays, columns named like Object.prototype members.
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "a-emails.csv").write_text("alice@example.com,+1 613 555 0123\nbob@example.org,bad\n", encoding="utf-8")
    (folder / "b-ids.tsv").write_text("\n1\tcarol@example.net\t613 555 0124\n2\tnope\t\n", encoding="utf-8")
    (folder / "c-arrays.json").write_text(
        '[{"column_1":"dave@example.com","constructor":"x"}]\n[{"column_2":"+44 20 7946 0958"},{"toString":"y@z.co"}]\n',
        encoding="utf-8",
    )
    (folder / "=d.jsonl").write_text('{"__proto__":"eve@example.com","column_1":"bad@"}\n{"x":1}\n', encoding="utf-8")
    # A key that is itself an email: a column name never echoed unmasked.
    (folder / "e-keys.jsonl").write_text('{"frank@example.com":"not-an-email"}\n', encoding="utf-8")
    mapping = [
        {"column": "column_1", "type": "EMAIL"},
        {"column": "column_2", "type": "PHONE"},
        {"column": "column_3", "type": "PHONE"},
        {"column": "constructor", "type": "EMAIL"},
        {"column": "toString", "type": "EMAIL"},
        {"column": "__proto__", "type": "EMAIL"},
        {"column": "frank@example.com", "type": "EMAIL"},
    ]
    both(spark, [folder], mapping, tmp_path)
    manifest = json.loads((tmp_path / "glue" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["recordsRead"] == 10  # every first row is a record
    assert manifest["types"]["EMAIL"]["unique"] == 5  # alice, bob, dave, y@z.co, eve
    rejects = (tmp_path / "glue" / "rejects.csv").read_text(encoding="utf-8")
    for text in (rejects, json.dumps(manifest)):
        assert "frank@example.com" not in text and "f***@e***.com" in text


def test_every_format_with_bad_values(spark, tmp_path):
    formats = ["jsonl", "json", "csv", "tsv", "parquet", "jsonl.gz", "json.gz", "csv.gz", "tsv.gz", "parquet.gz"]
    folder = tmp_path / "input"
    write_folder(folder, rows=6000, seed=7, formats=formats)
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / "part-99.jsonl.crc").write_bytes(b"\x00")
    both(spark, [folder], GENERATED_MAPPING, tmp_path)


def test_options_change_both_engines_alike(spark, tmp_path):
    folder = tmp_path / "input"
    write_folder(folder, rows=3000, seed=11, formats=["jsonl", "csv"])
    options = {"phoneRegion": "GB", "phoneFormat": "e164", "emailDots": "strip-gmail", "prehashed": "reject"}
    both(spark, [folder], GENERATED_MAPPING, tmp_path, options)


@pytest.mark.parametrize(
    "options", [{}, {"phoneRegion": "ES", "emailDots": "strip-all"}], ids=["defaults", "es-strip-all"]
)
def test_awkward_unicode_values(spark, tmp_path, options):
    source = tmp_path / "fuzz.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in fuzz_records(20_000, seed=5)), encoding="utf-8")
    mapping = [{"column": "e", "type": "EMAIL"}, {"column": "p", "type": "PHONE"}, {"column": "d", "type": "MAID"}]
    both(spark, [source], mapping, tmp_path, options)


def test_many_part_files_written_by_the_executors(spark, tmp_path):
    # Several part files per type, each written by its own Spark task: the same files as the engine's.
    folder = tmp_path / "input"
    write_folder(folder, rows=30_000, seed=20261201, formats=["jsonl"])
    both(spark, [folder], GENERATED_MAPPING, tmp_path, max_file_bytes=65 * 4000 + 10)
    engine = json.loads((tmp_path / "engine" / "manifest.json").read_text(encoding="utf-8"))
    assert max(len(counts["files"]) for counts in engine["types"].values()) >= 3
    shutil.rmtree(tmp_path)


def test_generated_200000_records(spark, tmp_path):
    folder = tmp_path / "input"
    write_folder(folder, rows=200_000, seed=20261129, formats=["jsonl", "csv", "parquet"])
    both(spark, [folder], GENERATED_MAPPING, tmp_path)
    shutil.rmtree(tmp_path)
