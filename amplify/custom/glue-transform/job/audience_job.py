"""The transform job on Spark: list and detect inputs, read them into records, normalize, write the
engine's output layout (hash part files, rejects.csv, manifest.json last).

Storage goes through two small ports so the same code serves local paths (tests, bench) and S3
(Glue; see main.py): an InputStore lists files and reads a file's first bytes for format detection,
an OutputStore writes the result files. Spark itself reads the data through Hadoop paths.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import posixpath
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator, Protocol, Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

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


def is_data_file_name(name: str) -> bool:
    """Part-file folders carry bookkeeping files: hidden ones, _SUCCESS and friends, *.crc."""
    return not (name.startswith(".") or name.startswith("_") or name.endswith(".crc"))


class LocalInputStore:
    def list_files(self, path: str) -> list[tuple[str, int]]:
        if os.path.isfile(path):
            return [(path, os.path.getsize(path))]
        if not os.path.isdir(path):
            raise T.UsageError(f"Input {path} does not exist. Give a file or a folder of part files.")
        found = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(name for name in subfolders if is_data_file_name(name))
            for name in names:
                if is_data_file_name(name):
                    full = os.path.join(folder, name)
                    found.append((full, os.path.getsize(full)))
        return sorted(found)

    def read_head(self, path: str, size: int) -> bytes:
        with open(path, "rb") as handle:
            return handle.read(size)

    def spark_path(self, path: str) -> str:
        return "file://" + os.path.abspath(path)


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
# Inputs


@dataclass
class InputFile:
    path: str
    bytes: int
    format: str  # jsonl | json-array | csv | tsv | parquet
    compression: str  # none | gzip
    delimiter: str | None = None
    columns: list[str] | None = None  # CSV/TSV header or Parquet schema; None for JSON (no schema)


def _decompressed_head(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, _SNIFF_BYTES)
    except zlib.error as error:
        raise T.UsageError("A .gz input is not valid gzip data.") from error


def _first_line(text: str) -> str:
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip():
            return line
    return ""


def detect_input(path: str, size: int, store: InputStore) -> InputFile:
    """Format from the name, confirmed or decided by the first bytes (gzip magic, PAR1, '[' / '{')."""
    head = store.read_head(path, _SNIFF_BYTES)
    compression = "gzip" if head[:2] == b"\x1f\x8b" else "none"
    content = _decompressed_head(head) if compression == "gzip" else head
    name = posixpath.basename(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if content[:4] == b"PAR1" or extension == "parquet":
        if compression == "gzip":
            raise T.UsageError(f"{path}: gzip-compressed Parquet is not supported. Give the .parquet file itself (Parquet compresses internally).")
        return InputFile(path, size, "parquet", "none")
    text = content.decode("utf-8", "replace")
    first_character = text.lstrip("\ufeff \t\r\n")[:1]
    if extension in ("jsonl", "ndjson") or (extension in ("json", "") and first_character == "{"):
        return InputFile(path, size, "jsonl", compression)
    if extension == "json" or first_character == "[":
        return InputFile(path, size, "json-array", compression)
    header_line = _first_line(text)
    delimiter = "\t" if extension in ("tsv", "tab") else T.detect_delimiter(header_line)
    columns = T.csv_header(text, delimiter) if header_line else []
    return InputFile(path, size, "tsv" if delimiter == "\t" else "csv", compression, delimiter, columns)


def list_inputs(paths: Sequence[str], store: InputStore) -> list[InputFile]:
    files: list[InputFile] = []
    for path in paths:
        listed = store.list_files(path)
        if not listed:
            raise T.UsageError(f"Input {path} holds no data files (hidden files, _SUCCESS and *.crc are skipped).")
        files.extend(detect_input(file_path, size, store) for file_path, size in listed)
    return files


def missing_column_error(column: str, source: str, columns: Iterable[str]) -> T.UsageError:
    real = ", ".join(f'"{name}"' for name in columns) or "(none)"
    return T.UsageError(f'Mapped column "{column}" is not in {source}. Its columns are: {real}. Map one of those columns instead.')


def _gunzip_if_needed(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def read_records(spark: SparkSession, inputs: Sequence[InputFile], mapping: Sequence[dict], store: InputStore) -> DataFrame:
    """All inputs as one records DataFrame (schema: audience_transforms.record_schema)."""
    sc = spark.sparkContext
    columns = [entry["column"] for entry in mapping]
    schema = T.record_schema(len(columns))
    rdds = []
    for source_index, source in enumerate(inputs):
        location = store.spark_path(source.path)
        if source.bytes == 0:
            continue  # an empty file holds no records
        if source.format == "parquet":
            frame = spark.read.parquet(location)
            source.columns = list(frame.columns)
            for column in columns:
                if column not in source.columns:
                    raise missing_column_error(column, source.path, source.columns)
            selected = frame.select(*[F.col(f"`{column.replace('`', '``')}`") for column in columns])
            rdds.append(selected.rdd.map(tuple).zipWithIndex().mapPartitions(lambda rows, i=source_index: T.value_rows(i, rows)))
        elif source.format in ("csv", "tsv"):
            if source.columns:
                for column in columns:
                    if column not in source.columns:
                        raise missing_column_error(column, source.path, source.columns)
            delimiter = source.delimiter or ","
            rdds.append(sc.binaryFiles(location, 1).flatMap(lambda item, i=source_index, d=delimiter: T.csv_file_rows(i, _gunzip_if_needed(item[1]), columns, d)))
        elif source.format == "json-array":
            name = source.path
            rdds.append(sc.binaryFiles(location, 1).flatMap(lambda item, i=source_index, n=name: T.json_array_file_rows(i, _gunzip_if_needed(item[1]), columns, n)))
        elif source.compression == "gzip":
            rdds.append(sc.binaryFiles(location, 1).flatMap(lambda item, i=source_index: T.json_lines_file_rows(i, _gunzip_if_needed(item[1]), columns)))
        else:
            # Uncompressed JSON Lines split across tasks; zipWithIndex numbers records in file order.
            lines = sc.textFile(location).filter(lambda line: not T.is_blank_line(line)).zipWithIndex()
            rdds.append(lines.mapPartitions(lambda rows, i=source_index: T.json_line_rows(i, rows, columns)))
    if not rdds:
        return spark.createDataFrame([], schema)
    return spark.createDataFrame(sc.union(rdds) if len(rdds) > 1 else rdds[0], schema)


def json_keys_sample(spark: SparkSession, inputs: Sequence[InputFile], store: InputStore, limit: int = 1000) -> list[str]:
    """Keys seen in the first records of the JSON inputs, for the missing-column message."""
    keys: dict[str, None] = {}
    for source in inputs:
        if source.format not in ("jsonl", "json-array") or source.bytes == 0:
            continue
        data = _gunzip_if_needed(spark.sparkContext.binaryFiles(store.spark_path(source.path), 1).first()[1])
        if source.format == "jsonl":
            records = []
            for line in T.split_lines(data):
                if len(records) >= limit:
                    break
                if not T.is_blank_line(line):
                    try:
                        records.append(T.parse_json_text(line.lstrip("\ufeff")))
                    except ValueError:
                        pass
        else:
            try:
                document = T.parse_json_text(data.decode("utf-8", "replace").lstrip("\ufeff"))
            except ValueError:
                document = []
            records = document[:limit] if isinstance(document, list) else []
        for record in records:
            if isinstance(record, dict):
                keys.update(dict.fromkeys(record))
        if keys:
            break
    return list(keys)


# ---------------------------------------------------------------------------------------------
# Outputs


def _csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(character in text for character in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_digest_parts(digests: Iterator[str], folder: str, max_file_bytes: int, output: OutputStore) -> list[dict]:
    """Sorted digests into `<folder>/part-NNNNN.csv`, each at most max_file_bytes (whole lines)."""
    rows_per_file = max(1, max_file_bytes // DIGEST_LINE_BYTES)
    files: list[dict] = []
    handle: BinaryIO | None = None
    md5 = hashlib.md5()
    rows = 0
    buffer: list[bytes] = []

    def close_current() -> None:
        nonlocal handle, rows, md5, buffer
        if handle is None:
            return
        if buffer:
            chunk = b"".join(buffer)
            handle.write(chunk)
            md5.update(chunk)
            buffer = []
        handle.close()
        files[-1].update(rows=rows, bytes=rows * DIGEST_LINE_BYTES, md5=md5.hexdigest())
        handle = None

    for digest in digests:
        if handle is None:
            path = f"{folder}/part-{len(files):05d}.csv"
            files.append({"path": path})
            handle = output.open_write(path)
            md5 = hashlib.md5()
            rows = 0
        buffer.append(digest.encode("ascii") + b"\n")
        rows += 1
        if len(buffer) >= 8192:
            chunk = b"".join(buffer)
            handle.write(chunk)
            md5.update(chunk)
            buffer = []
        if rows == rows_per_file:
            close_current()
    close_current()
    return [{"path": f["path"], "rows": f["rows"], "bytes": f["bytes"], "md5": f["md5"]} for f in files]


def write_rejects(rows: Iterator[Any], inputs: Sequence[InputFile], mapping: Sequence[dict], output: OutputStore) -> int:
    """rejects.csv: record number, source, column, type and reason — never the raw value."""
    count = 0
    with output.open_write(REJECTS_FILE) as handle:
        handle.write(REJECTS_HEADER.encode("utf-8"))
        lines: list[str] = []
        for row in rows:
            index = row["mapping_index"]
            column, identifier_type = (mapping[index]["column"], mapping[index]["type"]) if index >= 0 else ("", "")
            fields = [str(row["record_number"]), inputs[row["source_index"]].path, column, identifier_type, row["reason"]]
            lines.append(",".join(_csv_field(field) for field in fields) + "\n")
            count += 1
            if len(lines) >= 8192:
                handle.write("".join(lines).encode("utf-8"))
                lines = []
        handle.write("".join(lines).encode("utf-8"))
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
    records = read_records(spark, inputs, mapping, input_store).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        return _transform_records(spark, records, inputs, mapping, options, config, input_store, output)
    finally:
        records.unpersist()


def _transform_records(spark, records, inputs, mapping, options, config, input_store, output) -> dict:
    rules = config.rules
    *present, well_formed = T.present_columns(records, len(mapping))
    if well_formed > 0 and any(source.format in ("jsonl", "json-array") for source in inputs):
        for index, entry in enumerate(mapping):
            if present[index] == 0:
                keys = json_keys_sample(spark, inputs, input_store)
                sources = ", ".join(source.path for source in inputs if source.format in ("jsonl", "json-array"))
                raise missing_column_error(entry["column"], sources, keys)
    malformed_count = records.where(F.col("malformed")).count()
    records_read = well_formed + malformed_count

    results = T.normalize_cells(T.records_to_cells(records, mapping), rules, options).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        outcomes = T.count_outcomes(results)

        # A stale manifest must not announce a half-written output: remove it first, write it last.
        output.remove(MANIFEST_FILE)
        types: dict[str, dict] = {}
        for identifier_type, definition in rules["identifierTypes"].items():
            if not any(entry["type"] == identifier_type for entry in mapping):
                continue
            folder = definition["outputFolder"]
            for stale in output.list(folder):
                output.remove(stale)
            digests = (row["digest"] for row in T.unique_digests(results, identifier_type).toLocalIterator())
            files = write_digest_parts(digests, folder, config.max_file_bytes, output)
            counted = lambda status: sum(n for (t, s, _), n in outcomes.items() if t == identifier_type and s == status)  # noqa: E731
            rejected = {
                reason: n
                for reason in rules["rejectReasons"]
                if (n := outcomes.get((identifier_type, T.STATUS_REJECTED, reason), 0)) > 0
            }
            valid, prehashed = counted(T.STATUS_OK), counted(T.STATUS_PREHASHED)
            unique = sum(f["rows"] for f in files)
            types[identifier_type] = {
                "calculateType": definition["calculateType"],
                "columns": [entry["column"] for entry in mapping if entry["type"] == identifier_type],
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
        cell_rejects = results.where(F.col("status") == T.STATUS_REJECTED).select("source_index", "record_number", "mapping_index", "reason")
        reject_rows = malformed_rows.unionByName(cell_rejects).orderBy("source_index", "record_number", "mapping_index")
        rejects_count = write_rejects(reject_rows.toLocalIterator(), inputs, mapping, output)
    finally:
        results.unpersist()

    manifest = {
        "manifestVersion": 1,
        "rules": {"profile": rules["profile"], "version": rules["version"]},
        "inputs": [{"path": source.path, "format": source.format, "compression": source.compression, "bytes": source.bytes} for source in inputs],
        "options": {**options, "maxFileBytes": config.max_file_bytes},
        "mapping": mapping,
        "recordsRead": records_read,
        "malformedRecords": malformed_count,
        "types": types,
        "rejects": {"path": REJECTS_FILE, "rows": rejects_count},
    }
    output.write_atomically(MANIFEST_FILE, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return manifest


def local_spark(app_name: str = "audience-transform", cores: int = 2) -> SparkSession:
    """A local SparkSession for tests, the bench and local runs (Glue provides its own)."""
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.language=en -Duser.country=US")
        .config("spark.executor.extraJavaOptions", "-Duser.language=en -Duser.country=US")
        .getOrCreate()
    )


def ship_job_modules(spark: SparkSession) -> None:
    """Executors import the pure module by name: ship it with the job (Glue: --extra-py-files does the same)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for module in ("audience_transforms.py", "audience_job.py"):
        spark.sparkContext.addPyFile(os.path.join(here, module))

