"""The transform job on Spark: list and detect inputs, read them into records, normalize, write the
engine's output layout (hash part files, rejects.csv, manifest.json last).

Storage goes through two small ports so the same code serves local paths (tests, bench) and S3
(Glue; see main.py): an InputStore lists files and reads a file's first bytes for format detection,
an OutputStore writes the result files. Spark itself reads the data through Hadoop paths.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import io
import itertools
import json
import os
import posixpath
import re
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator, Protocol, Sequence

from pyspark import RDD, StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType

import audience_records as R
import audience_transforms as T

MANIFEST_FILE = "manifest.json"
REJECTS_FILE = "rejects.csv"
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
REJECTS_HEADER = "record_number,source,column,identifier_type,reason\n"
DIGEST_LINE_BYTES = 65  # 64 hex characters and "\n"
_SNIFF_BYTES = 64 * 1024


# ---------------------------------------------------------------------------------------------
# Storage ports


class InputStore(Protocol):
    def list_files(self, path: str) -> list[tuple[str, int]]: ...
    def read_head(self, path: str, size: int) -> bytes: ...
    def spark_path(self, path: str) -> str: ...


class OutputStore(Protocol):
    def open_write(self, relative_path: str) -> BinaryIO: ...
    def write_atomically(self, relative_path: str, data: bytes) -> None: ...
    def remove(self, relative_path: str) -> None: ...
    def list(self, relative_folder: str) -> list[str]: ...


IGNORED_NAMES = {"_SUCCESS", "manifest.json", "rejects.csv"}


def is_data_file_name(name: str) -> bool:
    """Folder inputs skip job artefacts and Spark/Hadoop markers: hidden, `_`-prefixed, *.crc, our own outputs."""
    return not (name.startswith(".") or name.startswith("_") or name.endswith(".crc") or name in IGNORED_NAMES)


def hadoop_literal_path(path: str) -> str:
    """Spark's readers expand globs: escape glob characters so a file name is taken literally.
    (binaryFiles also splits on commas: a file name with a comma is not supported.)"""
    return re.sub(r"([\\*?\[\]{}])", r"\\\1", path)


class LocalInputStore:
    def list_files(self, path: str) -> list[tuple[str, int]]:
        if os.path.isfile(path):
            return [(path, os.path.getsize(path))]
        if not os.path.isdir(path):
            raise T.UsageError(
                f'"{path}" does not exist or cannot be read. Check the path (relative paths start from the current folder).'
            )
        relatives = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = [name for name in subfolders if is_data_file_name(name)]
            for name in names:
                full = os.path.join(folder, name)
                if is_data_file_name(name) and os.path.isfile(full):
                    relatives.append(os.path.relpath(full, path).replace(os.sep, "/"))
        # Sorted by relative path; named like the engine names them (path.join, posix separators).
        found = []
        for relative in sorted(relatives):
            full = posixpath.normpath(posixpath.join(path.replace(os.sep, "/"), relative))
            found.append((full, os.path.getsize(full)))
        return found

    def read_head(self, path: str, size: int) -> bytes:
        with open(path, "rb") as handle:
            return handle.read(size)

    def spark_path(self, path: str) -> str:
        return hadoop_literal_path("file://" + os.path.abspath(path))


class LocalOutputStore:
    def __init__(self, root: str):
        self.root = root

    def _full(self, relative_path: str) -> str:
        return os.path.join(self.root, *relative_path.split("/"))

    def open_write(self, relative_path: str) -> BinaryIO:
        full = self._full(relative_path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return open(full, "wb")

    def write_atomically(self, relative_path: str, data: bytes) -> None:
        full = self._full(relative_path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        temporary = full + ".tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, full)

    def remove(self, relative_path: str) -> None:
        try:
            os.remove(self._full(relative_path))
        except FileNotFoundError:
            pass

    def list(self, relative_folder: str) -> list[str]:
        folder = self._full(relative_folder)
        if not os.path.isdir(folder):
            return []
        return sorted(f"{relative_folder}/{name}" for name in os.listdir(folder))


# ---------------------------------------------------------------------------------------------
# Inputs (mirrors src/core/readers/detect-format.ts and src/adapters/node/local-inputs.ts)

SUPPORTED_FORMATS_TEXT = "JSON Lines (.jsonl), a JSON array (.json), CSV/TSV with or without a header row (.csv, .tsv), Parquet (.parquet), and any of them gzip-compressed (.gz)"
HEADER_MODES = ("auto", "present", "absent")
EXTENSION_FORMATS = {
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "json-array",
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "parquet": "parquet",
    "pq": "parquet",
}
SCHEMA_SAMPLE_ROWS = 1000
SCHEMA_SAMPLE_BYTES = 4 * 1024 * 1024


@dataclass
class InputFile:
    path: str
    bytes: int
    format: str  # jsonl | json-array | csv | tsv | parquet
    compression: str  # none | gzip
    delimiter: str | None = None
    has_header: bool | None = None  # CSV/TSV: whether the first row is a header (None until resolve_headers)
    sniff: list | None = None  # CSV/TSV: the first rows, for the header decision


def unsupported_format(name: str, detail: str) -> T.UsageError:
    return T.UsageError(
        f'"{name}": {detail} Supported formats: {SUPPORTED_FORMATS_TEXT}. Export the data in one of the supported formats '
        "(UTF-8 text for JSON and CSV), or remove this file from the input."
    )


def _extensions_of(name: str) -> tuple[bool, str | None, str]:
    parts = posixpath.basename(name).lower().split(".")
    gzipped = False
    if len(parts) > 1 and parts[-1] in ("gz", "gzip"):
        gzipped = True
        parts.pop()
    extension = parts[-1] if len(parts) > 1 else ""
    return gzipped, EXTENSION_FORMATS.get(extension), extension


def _gunzip_head(data: bytes, limit: int) -> bytes:
    """The first decompressed bytes of a (possibly cut) gzip stream."""
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit)


def _detect_uncompressed(
    name: str, data: bytes, extension_format: str | None, extension: str
) -> tuple[str, str | None, list | None]:
    """(format, delimiter, the first rows of a CSV/TSV for the header decision)."""
    if data[:4] == b"PAR1":
        return "parquet", None, None
    if extension_format == "parquet":
        raise unsupported_format(
            name,
            "the Parquet file is empty."
            if not data
            else "its name ends in .parquet but it is not a Parquet file (no PAR1 header).",
        )
    if data[:4] == b"PK\x03\x04":
        raise unsupported_format(name, "it is a ZIP archive (or an Excel workbook).")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise unsupported_format(name, "it is UTF-16 text; only UTF-8 is read.")
    if b"\x00" in data:
        raise unsupported_format(name, "it is a binary file, not text.")
    if extension in ("xlsx", "xls", "avro", "orc", "zip"):
        raise unsupported_format(name, f".{extension} files are not read.")
    text = R.decode_text(data)
    stripped = text.lstrip(R.JS_TRIM_CHARACTERS)
    if not stripped:  # empty: nothing to read whatever the format; keep the one the name promises
        found = extension_format or "jsonl"
        delimiter = {"csv": ",", "tsv": "\t"}.get(found)
        return found, delimiter, [] if delimiter else None
    if stripped[0] == "[":
        return "json-array", None, None
    if stripped[0] == "{":
        # A line that is just `{` starts a pretty-printed object: JSON Lines would read every line as malformed.
        line_end = stripped.find("\n")
        if line_end != -1 and stripped[:line_end].strip(R.JS_TRIM_CHARACTERS) == "{":
            raise unsupported_format(
                name,
                "it holds JSON objects spread over several lines, not JSON Lines (one object per line) or a JSON array of objects.",
            )
        return "jsonl", None, None
    delimiter = R.first_line_delimiter(text, "\t" if extension_format == "tsv" else ",")
    # The sniff may end inside a row: then its last row is left out of the header decision.
    rows = R.sniff_rows(text, delimiter, len(data) >= _SNIFF_BYTES)
    return ("tsv" if delimiter == "\t" else "csv"), delimiter, rows


def detect_input(path: str, size: int, store: InputStore) -> InputFile:
    """Format from the content, the extension as tie-breaker: gzip → look inside; PAR1 → Parquet;
    first non-space [ → JSON array, { → JSON Lines; otherwise CSV/TSV by the header's delimiter."""
    head = store.read_head(path, _SNIFF_BYTES) if size > 0 else b""
    gzipped_name, extension_format, extension = _extensions_of(path)
    if head[:2] == b"\x1f\x8b":
        if size > len(head):
            # Enough compressed bytes for _SNIFF_BYTES decompressed ones, as the engine sniffs (deflate
            # grows incompressible data by a few bytes a block; the gzip header may hold a file name).
            head = store.read_head(path, 2 * _SNIFF_BYTES)
        try:
            inner = _gunzip_head(head, _SNIFF_BYTES)
        except zlib.error as error:
            raise unsupported_format(path, "it starts like a gzip file but could not be decompressed.") from error
        found, delimiter, rows = _detect_uncompressed(path, inner, extension_format, extension)
        return InputFile(path, size, found, "gzip", delimiter, sniff=rows)
    if gzipped_name and head:
        raise unsupported_format(path, "its name ends in .gz but it is not gzip-compressed.")
    found, delimiter, rows = _detect_uncompressed(path, head, extension_format, extension)
    return InputFile(path, size, found, "none", delimiter, sniff=rows)


def list_inputs(paths: Sequence[str], store: InputStore) -> list[InputFile]:
    files: list[InputFile] = []
    for path in paths:
        listed = store.list_files(path)
        if not listed:
            raise T.UsageError(
                f'"{path}" contains no data files (hidden files, _SUCCESS, *.crc, manifest.json and rejects.csv are skipped). '
                "Point at the folder that holds the result files, or at a file directly."
            )
        files.extend(detect_input(file_path, size, store) for file_path, size in listed)
    return files


def identifier_texts(spark: SparkSession, texts: Iterable[str], rules: dict) -> set[str]:
    """The texts that normalize (ok or pre-hashed) as an email, a phone number (default region) or
    a device ID — detect-header.ts looksLikeIdentifier. The steps are the job's own: phones through
    the same phonenumbers function as the phone UDF, device IDs and digests by the rules' (ASCII)
    patterns, and emails lowercased as the job lowercases them, then matched by the rules' Java
    pattern in Spark (rlike, as normalize_cells does) — a JVM-only job, run only when a text has an @."""
    white_space = rules["whiteSpaceClass"]
    edge_white_space = re.compile(f"^{white_space}+|{white_space}+\\Z")
    any_white_space = re.compile(f"{white_space}+")
    prehashed = re.compile(rules["prehashedPattern"])
    compact_device = re.compile(rules["deviceIdCompactPattern"])
    device_pattern = re.compile(rules["deviceIdPattern"])
    defaults = T.resolve_options({}, rules)
    phone = T.cached_phone_normalizer(defaults["phoneRegion"], defaults["phoneFormat"])
    found: set[str] = set()
    emails: dict[str, list[str]] = {}
    for raw in dict.fromkeys(texts):
        text, kind = R.cell_kind(raw, rules["invisibleClass"])
        if kind != R.KIND_TEXT or text is None:
            continue
        cleaned = edge_white_space.sub("", text)
        if cleaned == "":
            continue
        device = cleaned.lower()
        if compact_device.search(device):
            device = "-".join((device[:8], device[8:12], device[12:16], device[16:20], device[20:]))
        if (
            (len(cleaned) == 64 and prehashed.search(cleaned))
            or (device_pattern.search(device) and device != rules["zeroDeviceId"])
            or phone(cleaned) is not None
        ):
            found.add(raw)
            continue
        email = any_white_space.sub("", cleaned).lower()
        if "@" in email and email.split("@", 1)[0].split("+", 1)[0] != "":
            emails.setdefault(email, []).append(raw)
    if emails:
        frame = spark.createDataFrame([(email,) for email in emails], "email string")
        for row in frame.where(F.col("email").rlike(rules["emailPattern"])).collect():
            found.update(emails[row["email"]])
    return found


def resolve_headers(spark: SparkSession, inputs: Sequence[InputFile], rules: dict, mode: str = "auto") -> None:
    """Sets has_header of every CSV/TSV input: from `mode`, or for `auto` from its first rows
    (audience_records.first_row_looks_like_data; one identifier check for all inputs)."""
    if mode not in HEADER_MODES:
        raise T.UsageError(
            f"--header must be one of {', '.join(HEADER_MODES)} (got {mode!r}). Use present when the first row names "
            "the columns, absent when it is already data."
        )
    delimited = [source for source in inputs if source.format in ("csv", "tsv")]
    if mode != "auto":
        for source in delimited:
            source.has_header = mode == "present"
        return
    first_cells = [cell for source in delimited if source.sniff for cell in source.sniff[0]]
    identifiers = identifier_texts(spark, first_cells, rules)
    for source in delimited:
        source.has_header = not R.first_row_looks_like_data(source.sniff or [], identifiers)


def display_columns(spark: SparkSession, names: Iterable[str], rules: dict) -> dict[str, str]:
    """Column name → as shown in errors, the manifest and rejects.csv: masked when it is an identifier."""
    names = list(dict.fromkeys(names))
    identifiers = identifier_texts(spark, names, rules)
    return {name: R.mask_identifier(name) if name in identifiers else name for name in names}


def _sample_records(
    spark: SparkSession, source: InputFile, store: InputStore, wanted: int, byte_budget: int
) -> tuple[list[dict | None], int]:
    """The first records of a source, like the engine's schema sample: (records, bytes used)."""
    if source.format == "parquet":
        if source.compression == "gzip":
            data = gzip.decompress(store.read_head(source.path, source.bytes))
            records = list(itertools.islice(_parquet_bytes_records(data), wanted))
        else:
            frame = read_parquet_frame(spark, store.spark_path(source.path))
            records = [row.asDict() for row in frame.limit(wanted).collect()]
        return records, 0
    served = min(source.bytes, byte_budget)
    truncated = source.bytes >= byte_budget
    raw = store.read_head(source.path, served) if served > 0 else b""
    if source.compression == "gzip":
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)
        except zlib.error:
            raw = b""
    sample = list(
        itertools.islice(R.iter_records(raw, source.format, source.delimiter, source.has_header is not False), wanted)
    )
    if truncated and len(sample) < wanted and sample:
        sample.pop()  # the record the byte limit cut through is incomplete
    return sample, served


def sample_columns(spark: SparkSession, inputs: Sequence[InputFile], store: InputStore) -> list[str]:
    """Column names in the engine's schema sample (first 1000 records, 4 MiB), in first-seen order."""
    names: dict[str, None] = {}
    taken = 0
    byte_budget = SCHEMA_SAMPLE_BYTES
    for source in inputs:
        if taken >= SCHEMA_SAMPLE_ROWS or byte_budget <= 0:
            break
        sample, served = _sample_records(spark, source, store, SCHEMA_SAMPLE_ROWS - taken, byte_budget)
        byte_budget -= served
        for record in sample[: SCHEMA_SAMPLE_ROWS - taken]:
            taken += 1
            if record is not None:
                names.update(dict.fromkeys(record))
    return list(names)


def check_columns(
    spark: SparkSession, inputs: Sequence[InputFile], mapping: Sequence[dict], store: InputStore, rules: dict
) -> None:
    """A mapped column that is in no sampled record is a mistake: say which columns exist (masked
    where a name is itself an identifier)."""
    present = sample_columns(spark, inputs, store)
    if not present:
        return  # nothing to read: every mapped cell counts as empty
    missing = list(dict.fromkeys(entry["column"] for entry in mapping if entry["column"] not in present))
    if not missing:
        return
    shown = display_columns(spark, [*missing, *present], rules)
    quoted = ", ".join(f'"{shown[column]}"' for column in missing)
    fix = (
        "A column named like an identifier means the first row is data: map column_1, column_2, …, or pass "
        "--header present if the first row really is the header."
        if any(shown[column] != column for column in missing)
        else "Fix the mapping to use one of the input's column names (they are case-sensitive)."
    )
    raise T.UsageError(
        f"{quoted} {'is' if len(missing) == 1 else 'are'} not in the input. Its columns are: {', '.join(chr(34) + shown[c] + chr(34) for c in present)}. "
        + fix
    )


def read_parquet_frame(spark: SparkSession, location: str) -> DataFrame:
    """A Parquet file as Spark reads it for the job: BYTE_ARRAY without a UTF8 annotation (Impala,
    old Hive) is text, as hyparquet reads it in the engine."""
    spark.conf.set("spark.sql.parquet.binaryAsString", "true")
    return spark.read.parquet(location)


def _parquet_bytes_records(data: bytes) -> Iterator[dict]:
    import pyarrow.parquet as pq  # only for gzip-compressed Parquet (Glue 5.0 ships pyarrow)

    parquet = pq.ParquetFile(io.BytesIO(data))
    for batch in parquet.iter_batches():
        yield from batch.to_pylist()


def _gunzip_if_needed(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _file_rows(
    source_index: int, data: bytes, source: InputFile, columns: list[str], invisible: str
) -> Iterator[tuple]:
    if source.format == "jsonl" and data[:2] == b"\x1f\x8b":
        # Decompressed as it is parsed: a big .jsonl.gz never sits in memory unpacked.
        records = R.iter_json_lines_stream(gzip.GzipFile(fileobj=io.BytesIO(data)))
        return R.numbered_rows(source_index, records, columns, invisible)
    data = _gunzip_if_needed(data)
    if source.format == "parquet":
        return R.numbered_rows(source_index, _parquet_bytes_records(data), columns, invisible, exact_integers=True)
    records = R.iter_records(data, source.format, source.delimiter, source.has_header is not False)
    return R.numbered_rows(source_index, records, columns, invisible)


def _json_line_rows(
    source_index: int, chunk: int, first_split: bool, lines: Iterable[str], columns: list[str], invisible: str
) -> Iterator[tuple]:
    """Rows of the records schema from one split of a JSON Lines file, numbered within the split
    (number_records adds the splits before it); `chunk` names the split."""
    malformed_cells = (None, None) * len(columns)
    number = 0
    for line in lines:
        if R.is_blank_line(line):
            continue
        # The file's first record (Hadoop drops a BOM at the very start; this is one after blank lines).
        if number == 0 and first_split and line.startswith("\ufeff"):
            line = line[1:]
        number += 1
        record = R.json_line_record(line)
        if record is None:
            yield (source_index, number, True) + malformed_cells + (chunk,)
        else:
            yield (source_index, number, False) + R.record_cells(record, columns, invisible) + (chunk,)


def _survey_lines(lines: Iterable[str], delimiter: str) -> tuple[int, bool]:
    """(how many lines, whether one needs the whole text: a quoted field runs past its end, or it
    holds U+FFFD — maybe an invalid UTF-8 byte, which Java and Python replace differently)."""
    count = 0
    needs_whole_text = False
    for line in lines:
        count += 1
        if not needs_whole_text and (
            "\ufffd" in line or ('"' in line and not R.line_closes_its_quotes(line, delimiter))
        ):
            needs_whole_text = True
    return count, needs_whole_text


def _delimited_line_rows(
    source_index: int,
    lines: Iterable[str],
    first_index: int,
    delimiter: str,
    header: list[str],
    skipped: int,
    columns: list[str],
    invisible: str,
) -> Iterator[tuple]:
    """Rows of the records schema from lines that hold one row each, the first of them the
    `first_index`-th of the file; the file's first `skipped` are blank rows and the header row."""
    malformed_cells = (None, None) * len(columns)
    for index, line in enumerate(lines, start=first_index):
        if index < skipped:
            continue
        record = R.delimited_record(header, next(R.iter_delimited_rows(line, delimiter)))
        number = index - skipped + 1
        if record is None:
            yield (source_index, number, True) + malformed_cells
        else:
            yield (source_index, number, False) + R.record_cells(record, columns, invisible)


def split_delimited(
    spark: SparkSession,
    source_index: int,
    source: InputFile,
    store: InputStore,
    columns: list[str],
    invisible: str,
) -> RDD | None:
    """An uncompressed CSV/TSV read line by line across tasks, with the records, record numbers and
    malformed records of the one-task reader (R.iter_delimited over the whole text) — or None when
    the file is better left to that reader. Delimiter and header mode are the ones detect_input and
    resolve_headers decided from the file's head. Lines end at "\n" only, like the reader (a lone
    "\r" is text); Hadoop's line reader drops a leading UTF-8 BOM, as decode_text does."""
    delimiter = source.delimiter or ("\t" if source.format == "tsv" else ",")
    lines = spark.read.option("lineSep", "\n").text(store.spark_path(source.path))
    # Fallback: a file Spark reads in one split anyway gains nothing from the extra pass below.
    if lines.rdd.getNumPartitions() < 2:
        return None
    # Lines that are empty (or a lone "\r") hold no row; every other line holds one, if all close their quotes.
    row_lines = lines.where(~F.col("value").isin("", "\r")).rdd.map(lambda row: row[0])
    # One pass counts each partition's lines (for record numbers, as zipWithIndex does) and finds
    # the lines that need the whole text (fallback: a quoted line break, or a possibly invalid byte).
    survey = row_lines.mapPartitions(lambda part: [_survey_lines(part, delimiter)]).collect()
    if any(needs_whole_text for _, needs_whole_text in survey):
        return None
    # Fallback: the blank rows and the header (or first) row are read from the file's head; a file
    # whose first row ends beyond it, or that has no row at all, is left to the one-task reader.
    head = store.read_head(source.path, _SNIFF_BYTES)
    leading = R.leading_rows(R.decode_text(head), delimiter, len(head) >= source.bytes)
    if leading is None:
        return None
    blank_rows, first_row = leading
    has_header = source.has_header is not False
    header = R.delimited_header(first_row, has_header)
    skipped = blank_rows + (1 if has_header else 0)
    starts = list(itertools.accumulate((count for count, _ in survey), initial=0))
    return row_lines.mapPartitionsWithIndex(
        lambda partition, part: _delimited_line_rows(
            source_index, part, starts[partition], delimiter, header, skipped, columns, invisible
        )
    )


def _parquet_rows(
    source_index: int, chunk: int, rows: Iterable[Any], present: list[str], columns: list[str], invisible: str
) -> Iterator[tuple]:
    """Rows of the records schema from one split of a Parquet file, numbered within the split (as JSON Lines)."""
    for number, row in enumerate(rows, start=1):
        record = dict(zip(present, row, strict=True))
        yield (source_index, number, False) + R.record_cells(record, columns, invisible, exact_integers=True) + (chunk,)


def read_records(
    spark: SparkSession,
    inputs: Sequence[InputFile],
    mapping: Sequence[dict],
    store: InputStore,
    rules: dict,
    split_csv: bool = True,
) -> DataFrame:
    """All inputs as one records DataFrame (audience_transforms.record_schema), record numbers 1-based
    per source. split_csv=False reads every CSV/TSV in one task (the reference the split read is compared to)."""
    sc = spark.sparkContext
    invisible = rules["invisibleClass"]
    columns = [entry["column"] for entry in mapping]
    schema = T.record_schema(len(columns)).add("chunk", IntegerType(), False)
    rdds = []
    chunks = 0  # splits of JSON Lines and Parquet files so far (the other readers number their records)

    def whole(rows: RDD) -> RDD:
        return rows.map(lambda row: row + (-1,))

    for source_index, source in enumerate(inputs):
        location = store.spark_path(source.path)
        if source.bytes == 0:
            continue  # an empty file holds no records
        if source.format == "parquet" and source.compression == "none":
            frame = read_parquet_frame(spark, location)
            present = [column for column in dict.fromkeys(columns) if column in frame.columns]
            selected = frame.select(*[F.col("`" + column.replace("`", "``") + "`") for column in present]).rdd
            rdds.append(
                selected.mapPartitionsWithIndex(
                    lambda split, rows, i=source_index, p=present, first=chunks: _parquet_rows(
                        i, first + split, rows, p, columns, invisible
                    )
                )
            )
            chunks += selected.getNumPartitions()
        elif source.format == "jsonl" and source.compression == "none":
            # Splittable: lines end at "\n" only (like the engine); each split numbers its own records
            # and number_records adds the counts of the splits before it (no counting pass of its own).
            lines = spark.read.option("lineSep", "\n").text(location).rdd
            rdds.append(
                lines.mapPartitionsWithIndex(
                    lambda split, part, i=source_index, first=chunks: _json_line_rows(
                        i, first + split, split == 0, (row[0] for row in part), columns, invisible
                    )
                )
            )
            chunks += lines.getNumPartitions()
        elif (
            split_csv
            and source.format in ("csv", "tsv")
            and source.compression == "none"
            and (rows := split_delimited(spark, source_index, source, store, columns, invisible)) is not None
        ):
            rdds.append(whole(rows))
        else:
            # gzip is not splittable and a JSON array / a CSV with quoted line breaks needs its whole text: one task per file.
            rdds.append(
                whole(
                    sc.binaryFiles(location, 1).flatMap(
                        lambda item, i=source_index, s=source: _file_rows(i, item[1], s, columns, invisible)
                    )
                )
            )
    if not rdds:
        return spark.createDataFrame([], schema)
    # Rows are built to the schema by our own parsers: skip the per-row Python type check.
    return spark.createDataFrame(sc.union(rdds) if len(rdds) > 1 else rdds[0], schema, verifySchema=False)


def number_records(records: DataFrame) -> tuple[DataFrame, int, int]:
    """(records with their record numbers in the file, records read, malformed records), from one
    aggregate over the records: the rows of a JSON Lines split (chunk ≥ 0) are numbered within it,
    and the splits before it in the same file hold the records that come first."""
    tallies = records.groupBy("source_index", "chunk", "malformed").count().collect()
    records_read = sum(row["count"] for row in tallies)
    malformed = sum(row["count"] for row in tallies if row["malformed"])
    sizes: dict[int, tuple[int, int]] = {}  # chunk → (source, records)
    for row in tallies:
        if row["chunk"] >= 0:
            source, size = sizes.get(row["chunk"], (row["source_index"], 0))
            sizes[row["chunk"]] = (source, size + row["count"])
    if not sizes:
        return records.drop("chunk"), records_read, malformed
    offsets: list[int] = []
    previous_source, total = None, 0
    for chunk in range(max(sizes) + 1):
        source, size = sizes.get(chunk, (previous_source, 0))  # an empty split adds nothing
        if source != previous_source:
            previous_source, total = source, 0
        offsets.append(total)
        total += size
    chunk = F.col("chunk")
    offset = F.element_at(F.array(*[F.lit(value) for value in offsets]), chunk + 1)
    number = F.when(chunk >= 0, F.col("record_number") + offset).otherwise(F.col("record_number"))
    return records.withColumn("record_number", number).drop("chunk"), records_read, malformed


# ---------------------------------------------------------------------------------------------
# Outputs


def _csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(character in text for character in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _batched(items: Iterable[str], size: int = 8192) -> Iterator[list[str]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def write_part_chunks(path: str, chunks: Iterable[tuple[bytes, int]], output: OutputStore) -> dict:
    """A part file from (digest lines as bytes, how many lines) chunks; its manifest entry."""
    md5 = hashlib.md5()
    rows = 0
    with output.open_write(path) as handle:
        for chunk, lines in chunks:
            handle.write(chunk)
            md5.update(chunk)
            rows += lines
    return {"path": path, "rows": rows, "bytes": rows * DIGEST_LINE_BYTES, "md5": md5.hexdigest()}


def _digest_lines(digests: Any) -> bytes:
    """A pyarrow string array of digests as their lines, "\\n"-terminated."""
    return ("\n".join(digests.to_pylist()) + "\n").encode("ascii")


def write_parts_in_parallel(
    pairs: DataFrame, rules: dict, max_file_bytes: int, output: OutputStore
) -> dict[str, list[dict]]:
    """Each type's sorted distinct digests as `<folder>/part-NNNNN.csv`, written by the executors.

    The same files as the engine's, byte for byte: `pairs` is sorted by (type, digest) — a range
    partitioning — and cached; one aggregate counts each partition's digests per type, from which
    the driver knows every digest's global number (its partition's start + its place in the
    partition) and so the part file it belongs to (at most max_file_bytes of whole lines). The
    digests are then range-partitioned by file, sorted, and each task writes its files. The manifest
    entries come back from the tasks; no digest goes through the driver or a Python row object.
    """
    rows_per_file = max(1, max_file_bytes // DIGEST_LINE_BYTES)
    pairs = pairs.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        partition = F.spark_partition_id()
        tallies = pairs.groupBy(partition.alias("partition"), "identifier_type").count().collect()
        counts: dict[str, int] = {}
        partition_sizes: dict[int, int] = {}
        for row in tallies:
            counts[row["identifier_type"]] = counts.get(row["identifier_type"], 0) + row["count"]
            partition_sizes[row["partition"]] = partition_sizes.get(row["partition"], 0) + row["count"]
        # Plan: files in (type, digest) order; per type its first global number and first file index.
        files: list[tuple[str, int]] = []
        type_bounds: dict[str, tuple[int, int]] = {}
        position = 0
        for identifier_type in sorted(counts):  # Spark's string order for these ASCII names
            type_bounds[identifier_type] = (position, len(files))
            file_count = -(-counts[identifier_type] // rows_per_file)
            files.extend((identifier_type, number) for number in range(file_count))
            position += counts[identifier_type]
        if not files:
            return {}
        partition_count = max(partition_sizes) + 1
        starts = list(itertools.accumulate((partition_sizes.get(p, 0) for p in range(partition_count)), initial=0))
        # monotonically_increasing_id is (partition << 33) + the row's place in its partition. It counts
        # the rows it is evaluated on: one projection of its own evaluates it exactly once per row.
        place = F.monotonically_increasing_id().bitwiseAND((1 << 33) - 1)
        number = F.element_at(F.array(*[F.lit(start) for start in starts[:-1]]), partition + 1) + place
        numbered = pairs.select("identifier_type", "digest", number.alias("number"))
        kinds = sorted(type_bounds)
        kind = F.create_map(*[F.lit(value) for index, t in enumerate(kinds) for value in (t, index + 1)])[
            F.col("identifier_type")
        ]
        type_start = F.element_at(F.array(*[F.lit(type_bounds[t][0]) for t in kinds]), kind)
        first_file = F.element_at(F.array(*[F.lit(type_bounds[t][1]) for t in kinds]), kind)
        # A double holds these whole numbers exactly (below 2**53).
        file_index = first_file + F.floor((F.col("number") - type_start) / F.lit(rows_per_file)).cast("int")
        folders = {t: rules["identifierTypes"][t]["outputFolder"] for t in counts}

        def write_files(batches: Iterator[Any]) -> Iterator[Any]:
            import pyarrow as pa

            current: int | None = None
            chunks: list[tuple[bytes, int]] = []

            def finish() -> Any:
                identifier_type, part = files[current]
                path = f"{folders[identifier_type]}/part-{part:05d}.csv"
                entry = write_part_chunks(path, chunks, output)
                return pa.RecordBatch.from_pylist([{"file": current, "entry": json.dumps(entry)}])

            for batch in batches:
                indexes = batch.column(0).to_pylist()
                digests = batch.column(1)
                start = 0
                while start < len(indexes):  # the batch is sorted by file: runs of one file each
                    end = bisect.bisect_right(indexes, indexes[start], lo=start)
                    if indexes[start] != current:
                        if current is not None:
                            yield finish()
                        current, chunks = indexes[start], []
                    chunks.append((_digest_lines(digests.slice(start, end - start)), end - start))
                    start = end
            if current is not None:
                yield finish()

        written = {
            row["file"]: json.loads(row["entry"])
            for row in numbered.select(file_index.alias("file"), "digest")
            .repartitionByRange(len(files), "file")
            .sortWithinPartitions("file", "digest")
            .mapInArrow(write_files, "file long, entry string")
            .collect()
        }
    finally:
        pairs.unpersist()
    by_type: dict[str, list[dict]] = {}
    for index, (identifier_type, _) in enumerate(files):
        by_type.setdefault(identifier_type, []).append(written[index])
    return by_type


def write_rejects(
    rows: DataFrame,
    inputs: Sequence[InputFile],
    mapping: Sequence[dict],
    output: OutputStore,
    shown: dict[str, str] | None = None,
) -> int:
    """rejects.csv from the reject rows (source_index, record_number, mapping_index, reason; -1: the
    whole record): record number, source, column, type and reason — never the raw value (a column
    named like an identifier is masked, `shown`); file and column names guarded against spreadsheet
    formulas. The executors format and sort the lines; the driver only appends their bytes."""
    shown = shown or {}
    sources = [F.lit("," + _csv_field(R.spreadsheet_safe(source.path)) + ",") for source in inputs]
    # Per mapping index, -1 (a malformed record: no column, no type) first.
    cells = [F.lit(",")] + [
        F.lit(
            _csv_field(R.spreadsheet_safe(shown.get(entry["column"], entry["column"])))
            + ","
            + _csv_field(entry["type"])
        )
        for entry in mapping
    ]
    line = F.concat(
        F.col("record_number").cast("string"),
        F.element_at(F.array(*sources), F.col("source_index") + 1),
        F.element_at(F.array(*cells), F.col("mapping_index") + 2),
        F.lit(","),
        F.col("reason"),  # a rules.json reason key (snake_case): nothing to quote
    )
    lines = rows.orderBy("source_index", "record_number", "mapping_index").select(line.alias("line"))

    def chunks(part: Iterator[Any]) -> Iterator[tuple[bytes, int]]:
        for batch in _batched(row[0] for row in part):
            yield ("\n".join(batch) + "\n").encode("utf-8"), len(batch)

    count = 0
    with output.open_write(REJECTS_FILE) as handle:
        handle.write(REJECTS_HEADER.encode("utf-8"))
        for chunk, size in lines.rdd.mapPartitions(chunks).toLocalIterator(prefetchPartitions=True):
            handle.write(chunk)
            count += size
    return count


# ---------------------------------------------------------------------------------------------
# The job


@dataclass
class JobConfig:
    inputs: list[str]
    mapping: list[dict]
    options: dict
    max_file_bytes: int
    rules: dict
    header: str = "auto"  # CSV/TSV first row: auto | present | absent
    split_csv: bool = True  # uncompressed CSV/TSV read across tasks when it can be (False: one task per file)


def run_transform(spark: SparkSession, config: JobConfig, input_store: InputStore, output: OutputStore) -> dict:
    """Read → normalize → write; returns the manifest (already written, last)."""
    rules = config.rules
    mapping = T.validate_mapping(config.mapping, rules)
    options = T.resolve_options(config.options, rules)
    if config.max_file_bytes < DIGEST_LINE_BYTES:
        raise T.UsageError(f"--max-file-bytes must be at least {DIGEST_LINE_BYTES} (one digest line).")
    # Column names are matched exactly, like the engine (Spark matches case-insensitively by default).
    spark.conf.set("spark.sql.caseSensitive", "true")

    inputs = list_inputs(config.inputs, input_store)
    resolve_headers(spark, inputs, rules, config.header)
    check_columns(spark, inputs, mapping, input_store, rules)
    records = read_records(spark, inputs, mapping, input_store, rules, config.split_csv).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    try:
        return _transform_records(spark, records, inputs, mapping, options, config, output)
    finally:
        records.unpersist()


def _transform_records(spark, records, inputs, mapping, options, config, output) -> dict:
    rules = config.rules
    shown = display_columns(spark, [entry["column"] for entry in mapping], rules)
    records, records_read, malformed_count = number_records(records)

    results = T.normalize_records(records, mapping, rules, options).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        outcomes = T.count_outcomes(results)
        prepare_output(output, rules)
        mapped_types = list(dict.fromkeys(entry["type"] for entry in mapping))  # first-mapped order, like the engine
        files_by_type: dict[str, list[dict]] = {identifier_type: [] for identifier_type in mapped_types}
        files_by_type.update(write_parts_in_parallel(T.unique_digests(results), rules, config.max_file_bytes, output))

        types: dict[str, dict] = {}
        for identifier_type in mapped_types:
            definition = rules["identifierTypes"][identifier_type]
            files = files_by_type[identifier_type]

            def counted(status: str, identifier_type: str = identifier_type) -> int:
                return sum(n for (t, s, _), n in outcomes.items() if t == identifier_type and s == status)

            rejected = {
                reason: n
                for reason in rules["rejectReasons"]
                if (n := outcomes.get((identifier_type, T.STATUS_REJECTED, reason), 0)) > 0
            }
            valid, prehashed = counted(T.STATUS_OK), counted(T.STATUS_PREHASHED)
            unique = sum(f["rows"] for f in files)
            types[identifier_type] = {
                "calculateType": definition["calculateType"],
                "columns": [shown[entry["column"]] for entry in mapping if entry["type"] == identifier_type],
                "valid": valid,
                "prehashed": prehashed,
                "empty": counted(T.STATUS_EMPTY),
                "rejected": rejected,
                "duplicates": valid + prehashed - unique,
                "unique": unique,
                "files": files,
            }

        malformed_rows = records.where(F.col("malformed")).select(
            "source_index", "record_number", F.lit(-1).alias("mapping_index"), F.lit(T.MALFORMED_RECORD).alias("reason")
        )
        cell_rejects = results.where(F.col("status") == T.STATUS_REJECTED).select(
            "source_index", "record_number", "mapping_index", "reason"
        )
        rejects_count = write_rejects(malformed_rows.unionByName(cell_rejects), inputs, mapping, output, shown)
    finally:
        results.unpersist()

    manifest = {
        "manifestVersion": 1,
        "rules": {"profile": rules["profile"], "version": rules["version"]},
        "inputs": [
            {"path": source.path, "format": source.format, "compression": source.compression, "bytes": source.bytes}
            for source in inputs
        ],
        "options": {**options, "maxFileBytes": config.max_file_bytes},
        "mapping": [{"column": shown[entry["column"]], "type": entry["type"]} for entry in mapping],
        "recordsRead": records_read,
        "malformedRecords": malformed_count,
        "types": types,
        "rejects": {"path": REJECTS_FILE, "rows": rejects_count},
    }
    # Written last and atomically: its appearance is the pipeline's trigger.
    output.write_atomically(MANIFEST_FILE, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return manifest


def prepare_output(output: OutputStore, rules: dict) -> None:
    """Removes what an earlier run of ours left — the manifest first, so a failing run leaves none."""
    output.remove(MANIFEST_FILE)
    output.remove(REJECTS_FILE)
    for definition in rules["identifierTypes"].values():
        for stale in output.list(definition["outputFolder"]):
            if re.fullmatch(r"part-\d{5,}\.csv", stale.rsplit("/", 1)[-1]):
                output.remove(stale)


def local_spark(app_name: str = "audience-transform", cores: int = 2) -> SparkSession:
    """A local SparkSession for tests, the bench and local runs (Glue provides its own)."""
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        # Local mode runs every task inside the driver JVM: room for a whole-file task (CSV, gzip).
        .config("spark.driver.memory", os.environ.get("GLUE_LOCAL_DRIVER_MEMORY", "2g"))
        # The throughput collector whatever the core count: left to itself the JVM picks Serial on one
        # CPU and G1 on two, whose barriers and concurrent work cost this job ≈ 15% more CPU time.
        .config("spark.driver.extraJavaOptions", "-Duser.language=en -Duser.country=US -XX:+UseParallelGC")
        .config("spark.executor.extraJavaOptions", "-Duser.language=en -Duser.country=US -XX:+UseParallelGC")
        .getOrCreate()
    )


def ship_job_modules(spark: SparkSession) -> None:
    """Executors import the pure module by name: ship it with the job (Glue: --extra-py-files does the same)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for module in ("audience_records.py", "audience_transforms.py", "audience_job.py"):
        path = os.path.join(here, module)
        if os.path.isfile(path):  # inside a Glue --extra-py-files zip they are shipped already
            spark.sparkContext.addPyFile(path)
