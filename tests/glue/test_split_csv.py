"""The split CSV/TSV read (audience_job.split_delimited): an uncompressed CSV/TSV whose lines each close
their quotes is parsed line by line across Spark tasks. It must give exactly what the one-task reader
gives (R.iter_delimited over the whole text, which the reader contract pins to the TypeScript
engine): same records, record numbers and malformed records, hence the same manifest, part files
and rejects.csv. Files it cannot reproduce (a quoted line break, invalid UTF-8, a first row beyond
the head) fall back to the one-task reader."""

from __future__ import annotations

import base64
import contextlib
import json
import random
from pathlib import Path

import pytest

import audience_job as J
import audience_records as R
import audience_transforms as T
from conftest import FIXTURES, RULES_PATH
from test_parity_with_engine import assert_same_output, run_engine

SEED = 20261201
MAX_FILE_BYTES = 65 * 5000  # several part files per type
ALPHABET = ['"', '"', ",", "\t", "a", "b", " ", "\r", "é"]


def random_line(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 12)))


@pytest.mark.parametrize("delimiter", [",", "\t"], ids=["comma", "tab"])
def test_line_closes_its_quotes_exactly_when_the_reader_ends_the_row_there(delimiter):
    # The oracle is the whole-text reader: a row that ends at the line's end leaves the next line,
    # which has no quote, as a row of its own.
    rng = random.Random(SEED)
    odd_but_closed = even_but_open = 0
    for _ in range(20_000):
        line = random_line(rng)
        rows = list(R.iter_delimited_rows(line + "\nnext", delimiter))
        closed = rows[-1] == ["next"]
        assert R.line_closes_its_quotes(line, delimiter) == closed, f"seed {SEED}: {line!r}"
        if closed:
            assert rows[:-1] == list(R.iter_delimited_rows(line, delimiter)), f"seed {SEED}: {line!r}"
        odd_but_closed += closed and line.count('"') % 2 == 1
        even_but_open += not closed and line.count('"') % 2 == 0
    # Why counting quotes would not do: a quote inside an unquoted field is text.
    assert odd_but_closed > 0 and even_but_open > 0
    assert R.line_closes_its_quotes('a"b', ",") and not R.line_closes_its_quotes('a"b,"c', ",")


def test_lines_that_close_their_quotes_are_rows_of_their_own():
    # What the split read relies on: then the whole text's rows are its lines' rows, in order.
    rng = random.Random(SEED + 1)
    checked = 0
    for _ in range(3_000):
        lines = [random_line(rng) for _ in range(rng.randrange(1, 8))]
        if not all(R.line_closes_its_quotes(line, ",") for line in lines):
            continue
        checked += 1
        text = "\n".join(lines)
        by_line = [row for line in lines for row in R.iter_delimited_rows(line, ",")]
        assert list(R.iter_delimited_rows(text, ",")) == by_line, f"seed {SEED + 1}: {text!r}"
    assert checked > 300


def test_leading_rows_from_the_head():
    assert R.leading_rows("\n \r\n\r\nemail,phone\r\nx,y", ",", whole=True) == (1, ["email", "phone"])
    assert R.leading_rows('""\nid\n1\n', ",", whole=False) == (1, ["id"])
    assert R.leading_rows("\n\nemail,pho", ",", whole=False) is None  # the head ends inside the first row
    assert R.leading_rows("\n  \n", ",", whole=True) is None  # no row at all


# ---------------------------------------------------------------------------------------------
# Through Spark


@contextlib.contextmanager
def small_partitions(spark, size: str = "64k"):
    """Spark cuts a file into splits of at most this size: several tasks even for a small file."""
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key)
    spark.conf.set(key, size)
    try:
        yield
    finally:
        spark.conf.set(key, before)


def detected(spark, rules, paths: list[Path], header: str = "auto") -> list[J.InputFile]:
    inputs = [J.detect_input(str(path), path.stat().st_size, J.LocalInputStore()) for path in paths]
    J.resolve_headers(spark, inputs, rules, header)
    return inputs


def split_and_single_rows(spark, rules, source: J.InputFile, columns: list[str]):
    """(the split read's rows or None when it falls back, the one-task reader's rows, partitions)."""
    invisible = rules["invisibleClass"]
    single = list(J._file_rows(0, Path(source.path).read_bytes(), source, columns, invisible))
    split = J.split_delimited(spark, 0, source, J.LocalInputStore(), columns, invisible)
    if split is None:
        return None, single, 0
    return sorted(split.collect(), key=lambda row: row[1]), single, split.getNumPartitions()


def awkward_csv(rng: random.Random, rows: int, delimiter: str = ",") -> str:
    """A CSV/TSV as exports write them and worse: quoted delimiters, doubled quotes, text after a
    closing quote, quotes mid-field, blank and white-space lines, lone CRs, rows of the wrong width,
    mixed CRLF/LF — but no quoted line break."""
    cells = [
        "alice@example.com",
        " Bob.Smith+x@Gmail.com ",
        "+1 613 555 0123",
        "(415) 555-2671",
        "not an email",
        "élodie@exämple.fr",
        "😀@example.com",
        f'"a{delimiter}b"',
        '"say ""hi"""',
        '"quoted"tail',
        'mid"quote',
        '""',
        "",
        "a\rb",
        "=1+2",
    ]
    lines = [f"email{delimiter}phone{delimiter}note"]
    for _ in range(rows):
        roll = rng.random()
        if roll < 0.02:
            lines.append(rng.choice(["", " ", "\r", '""', "\t "]))
        elif roll < 0.04:
            lines.append(delimiter.join(rng.choice(cells) for _ in range(rng.choice([1, 2, 4]))))  # malformed
        else:
            lines.append(delimiter.join(rng.choice(cells) for _ in range(3)))
    return "".join(line + rng.choice(["\n", "\r\n"]) for line in lines[:-1]) + lines[-1]  # last line: no newline


CASES = {
    # name → (bytes, whether the split read can take it)
    "a-bom-crlf.csv": (
        (
            b'\xef\xbb\xbf\r\n\r\nemail,phone,note\r\nalice@example.com,+1 613 555 0123,"a,b"\r\n'
            b'\r\n"bob@example.org","(415) 555-2671","say ""hi"""\r\n  \r\nmid"quote,x,y\r\nshort\r\n'
        ),
        True,
    ),
    "b-headerless.csv": (b"alice@example.com,+1 613 555 0123\nbob@example.org,bad\n\ncarol@example.net,\n", True),
    "c-quoted-line-break.csv": (b'email,phone,note\nalice@example.com,1,"two\r\nlines"\nbob@example.org,2,x\n', False),
    "d-ids.tsv": (b'email\tphone\tnote\n"a\tb"@example.com\t+44 20 7946 0958\t"x"y\nz@example.com\t\t\n', True),
    "e-double-bom.csv": ("\ufeff\ufeffemail,phone\nx@example.com,1\n".encode(), True),
    "f-invalid-utf8.csv": (b"email,phone\nx\xff@example.com,1\n", False),
    "g-only-blank-lines.csv": (b"\n  \n\r\n", False),
}


def test_split_read_gives_the_one_task_readers_rows(spark, rules, tmp_path):
    for name, (data, splittable) in CASES.items():
        path = tmp_path / name
        path.write_bytes(data)
        [source] = detected(spark, rules, [path])
        with small_partitions(spark, "8"):  # split boundaries inside lines, BOM, CRLF
            split, single, partitions = split_and_single_rows(
                spark, rules, source, ["email", "phone", "note", "column_1"]
            )
        assert (split is not None) == splittable, name
        if split is not None:
            assert partitions > 2 and split == single, name
    # A file Spark reads in one split anyway is left to the one-task reader.
    [source] = detected(spark, rules, [tmp_path / "a-bom-crlf.csv"])
    assert split_and_single_rows(spark, rules, source, ["email"])[0] is None


def test_reader_contract_through_the_split_read(spark, rules, tmp_path):
    # The contract's uncompressed CSV/TSV cases: what the TypeScript readers make of them.
    contract = [
        json.loads(line) for line in (FIXTURES / "reader-contract.jsonl").read_text("utf-8").split("\n") if line
    ]
    cases = [
        case
        for case in contract
        if case.get("format", {}).get("format") in ("csv", "tsv") and case["format"]["compression"] == "none"
    ]
    assert len(cases) >= 15
    invisible = rules["invisibleClass"]
    fell_back = []
    for case in cases:
        path = tmp_path / case["id"] / case["name"]
        path.parent.mkdir()
        path.write_bytes(base64.b64decode(case["base64"]))
        [source] = detected(spark, rules, [path], case.get("header", "auto"))
        columns = list(dict.fromkeys(key for record in case["records"] if record for key in record))
        with small_partitions(spark, str(max(8, path.stat().st_size // 4))):  # a few splits, inside lines
            split = J.split_delimited(spark, 0, source, J.LocalInputStore(), columns, invisible)
            rows = None if split is None else sorted(split.collect(), key=lambda row: row[1])
        if split is None:
            fell_back.append(case["id"])
            continue
        expected = []
        for number, record in enumerate(case["records"], start=1):
            cells = (None, None) * len(columns)
            if record is not None:
                cells = tuple(value for column in columns for value in reversed(record[column]))
            expected.append((0, number, record is None) + cells)
        assert rows == expected, case["id"]
    # Only the quoted line break and the unterminated quote need the whole text.
    assert fell_back == ["csv-crlf-quoted-line-break", "csv-doubled-quote-stray-text-unterminated"]


def run_both_ways(spark, inputs: list[Path], mapping: list[dict], out: Path) -> tuple[dict, dict]:
    """The job with the split read and with every CSV/TSV in one task: {relative path: bytes} of each output."""
    outputs = []
    for split in (True, False):
        folder = out / ("split" if split else "single")
        config = J.JobConfig(
            inputs=[str(path) for path in inputs],
            mapping=mapping,
            options={},
            max_file_bytes=MAX_FILE_BYTES,
            rules=T.load_rules(str(RULES_PATH)),
            split_csv=split,
        )
        J.run_transform(spark, config, J.LocalInputStore(), J.LocalOutputStore(str(folder)))
        outputs.append(
            {str(file.relative_to(folder)): file.read_bytes() for file in sorted(folder.rglob("*")) if file.is_file()}
        )
    return outputs[0], outputs[1]


def test_big_csv_and_tsv_split_across_tasks_give_the_same_output(spark, rules, tmp_path):
    rng = random.Random(SEED)
    folder = tmp_path / "input"
    folder.mkdir()
    for name, (data, _) in CASES.items():
        (folder / name).write_bytes(data)
    (folder / "x-big.csv").write_text(awkward_csv(rng, 12_000), encoding="utf-8")
    (folder / "y-big.tsv").write_text(awkward_csv(rng, 6_000, "\t"), encoding="utf-8")
    mapping = [
        {"column": "email", "type": "EMAIL"},
        {"column": "phone", "type": "PHONE"},
        {"column": "column_1", "type": "EMAIL"},
        {"column": "column_2", "type": "PHONE"},
    ]
    with small_partitions(spark):
        for path in (folder / "x-big.csv", folder / "y-big.tsv"):
            [source] = detected(spark, rules, [path])
            split, single, partitions = split_and_single_rows(spark, rules, source, ["email", "phone"])
            assert partitions > 2, f"seed {SEED}: {path.name} read in {partitions} partitions"
            assert split == single, f"seed {SEED}: {path.name}"
            assert sum(row[2] for row in split) > 100  # malformed rows were numbered too
        split_out, single_out = run_both_ways(spark, [folder], mapping, tmp_path / "out")
    assert sorted(split_out) == sorted(single_out), f"seed {SEED}"
    for relative in split_out:
        assert split_out[relative] == single_out[relative], f"seed {SEED}: {relative} differs"
    manifest = json.loads(split_out["manifest.json"])
    assert manifest["malformedRecords"] > 100 and manifest["types"]["EMAIL"]["unique"] > 0
    # And the TypeScript engine on the same folder writes the same bytes.
    engine = run_engine([folder], mapping, tmp_path / "engine", max_file_bytes=MAX_FILE_BYTES)
    assert_same_output(tmp_path / "engine", engine, tmp_path / "out" / "split", manifest)
