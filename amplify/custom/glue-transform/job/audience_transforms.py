"""Pure functions of the Glue transform: cell kinds, record parsing and identifier normalization.

The contract is docs/normalization.md (tiktok profile v1) and the shared rules file
(src/core/identifiers/rules.json), read through a path and never copied here. The TypeScript
engine (src/core/identifiers/normalize-identifier.ts) is the reference implementation: this module
must agree with it byte for byte.

Nothing here touches storage or awsglue: DataFrame in, DataFrame out, plus the plain-Python record
parsers that run inside Spark tasks.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import unicodedata
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd
import phonenumbers
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType, IntegerType

# Cell kinds: what a raw cell was before normalization (normalization.md, shared step 2).
KIND_TEXT = "t"  # a string, or an integer written in plain decimal
KIND_NULL = "n"  # null / missing value
KIND_ABSENT = "a"  # the key is not in this (JSON) record: counted as empty, used to find missing columns
KIND_NOT_TEXT = "x"  # a float with a fraction, a boolean, an object or an array

STATUS_OK = "ok"
STATUS_PREHASHED = "prehashed"
STATUS_EMPTY = "empty"
STATUS_REJECTED = "rejected"

MALFORMED_RECORD = "malformed_record"

# JS numbers are doubles: integers beyond 2**53 are rounded the way JSON.parse rounds them.
_MAX_SAFE_INTEGER = 2**53
_SURROGATE = re.compile("[\ud800-\udfff]")
# JSON's own white space: a line holding only these is blank, not a record.
_JSON_WHITE_SPACE = " \t\r\n"

# Python's default cap on int→str digits would reject long digit strings that JS reads fine.
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)
csv.field_size_limit(sys.maxsize)


# ---------------------------------------------------------------------------------------------
# Rules and options


def load_rules(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class UsageError(Exception):
    """A person's mistake (bad argument, missing column): the message names the cause and the fix."""


def resolve_options(options: dict | None, rules: dict) -> dict:
    """Defaults and validation of the per-job options, in the engine's key order."""
    options = dict(options or {})
    known = rules["options"]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise UsageError(f"Unknown option(s) {', '.join(unknown)}. Use only: {', '.join(known)}.")
    region = options.get("phoneRegion", known["phoneRegion"]["default"])
    if not isinstance(region, str) or not re.fullmatch(r"[A-Za-z]{2}", region):
        raise UsageError("phoneRegion must be an ISO 3166 alpha-2 code such as US or GB.")
    resolved = {"phoneRegion": region.upper()}
    for name in ("phoneFormat", "emailDots", "prehashed"):
        value = options.get(name, known[name]["default"])
        if value not in known[name]["values"]:
            raise UsageError(f"{name} must be one of {', '.join(known[name]['values'])} (got {value!r}).")
        resolved[name] = value
    return resolved


def validate_mapping(mapping: Any, rules: dict) -> list[dict]:
    if not isinstance(mapping, list) or not mapping:
        raise UsageError('The mapping must be a non-empty JSON list such as [{"column":"e-mail","type":"EMAIL"}].')
    types = rules["identifierTypes"]
    result = []
    for entry in mapping:
        if not isinstance(entry, dict) or not isinstance(entry.get("column"), str) or not entry["column"]:
            raise UsageError('Each mapping entry needs a column name, e.g. {"column":"e-mail","type":"EMAIL"}.')
        if entry.get("type") not in types:
            raise UsageError(f"Unknown identifier type {entry.get('type')!r} for column {entry['column']!r}. Use one of {', '.join(types)}.")
        result.append({"column": entry["column"], "type": entry["type"]})
    return result


# ---------------------------------------------------------------------------------------------
# Cell kinds (shared step 2) — runs in Spark tasks on parsed records


def _well_formed_text(text: str) -> str:
    # A lone surrogate (JSON "\ud800") cannot be UTF-8 encoded; Node's encoder writes U+FFFD for it.
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def integer_text(number: int) -> str:
    """An integer as the engine writes it: JS reads JSON numbers as doubles, then BigInt(n).toString()."""
    if -_MAX_SAFE_INTEGER <= number <= _MAX_SAFE_INTEGER:
        return str(number)
    return str(int(float(number)))


def cell_kind(value: Any) -> tuple[str | None, str]:
    """(text, kind) of one parsed cell: JSON values, CSV strings or Parquet values."""
    if value is None:
        return None, KIND_NULL
    if isinstance(value, str):
        return _well_formed_text(value), KIND_TEXT
    if isinstance(value, bool):
        return None, KIND_NOT_TEXT
    if isinstance(value, int):
        try:
            return integer_text(value), KIND_TEXT
        except OverflowError:  # beyond a double: JSON.parse gives Infinity, which is not text
            return None, KIND_NOT_TEXT
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value)), KIND_TEXT
        return None, KIND_NOT_TEXT
    # Parquet DECIMAL: a whole number is an integer; anything else (bytes, dates, rows, lists, maps) is not text.
    if type(value).__name__ == "Decimal":
        if value.is_finite() and value == value.to_integral_value():
            return cell_kind(float(value))
        return None, KIND_NOT_TEXT
    return None, KIND_NOT_TEXT


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_text(text: str) -> Any:
    """JSON.parse semantics: NaN/Infinity are not JSON; integers stay exact until cell_kind rounds them."""
    return json.loads(text, parse_constant=_reject_constant)


def record_cells(record: Any, columns: Sequence[str]) -> tuple | None:
    """Flattened (text, kind) per mapped column of one JSON record, or None when it is not an object."""
    if not isinstance(record, dict):
        return None
    cells: list = []
    for column in columns:
        if column in record:
            cells.extend(cell_kind(record[column]))
        else:
            cells.extend((None, KIND_ABSENT))
    return tuple(cells)


def record_schema(column_count: int) -> StructType:
    """Schema of parsed records: where they come from, whether they were readable, then text+kind per mapped column."""
    fields = [
        StructField("source_index", IntegerType(), False),
        StructField("record_number", LongType(), False),
        StructField("malformed", BooleanType(), False),
    ]
    for index in range(column_count):
        fields.append(StructField(f"text_{index}", StringType(), True))
        fields.append(StructField(f"kind_{index}", StringType(), True))
    return StructType(fields)


def _malformed_row(source_index: int, record_number: int, column_count: int) -> tuple:
    return (source_index, record_number, True) + (None, None) * column_count


def json_line_rows(source_index: int, numbered_lines: Iterable[tuple[str, int]], columns: Sequence[str]) -> Iterator[tuple]:
    """Rows from (line, zero-based record index) pairs of a JSON Lines file (blank lines already removed)."""
    for line, index in numbered_lines:
        number = index + 1
        if number == 1:
            line = line.lstrip("\ufeff")
        try:
            cells = record_cells(parse_json_text(line), columns)
        except ValueError:  # includes json.JSONDecodeError and RecursionError-free bad input
            cells = None
        except RecursionError:
            cells = None
        yield (source_index, number, False) + cells if cells is not None else _malformed_row(source_index, number, len(columns))


def is_blank_line(line: str) -> bool:
    return line.strip(_JSON_WHITE_SPACE + "\ufeff") == ""


def split_lines(data: bytes) -> Iterator[str]:
    """Lines of a decompressed file: \\n, \\r\\n or \\r ends (like Hadoop's line reader), invalid UTF-8 replaced."""
    for raw in data.splitlines():
        yield raw.decode("utf-8", "replace")


def json_lines_file_rows(source_index: int, data: bytes, columns: Sequence[str]) -> Iterator[tuple]:
    lines = (line for line in split_lines(data) if not is_blank_line(line))
    return json_line_rows(source_index, ((line, index) for index, line in enumerate(lines)), columns)


class UnreadableInputError(Exception):
    """A whole file cannot be read (e.g. a JSON array that does not parse)."""


def json_array_file_rows(source_index: int, data: bytes, columns: Sequence[str], name: str) -> Iterator[tuple]:
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    try:
        document = parse_json_text(text)
    except (ValueError, RecursionError) as error:
        raise UnreadableInputError(f"{name} is not a valid JSON array ({error.__class__.__name__}).") from error
    if not isinstance(document, list):
        raise UnreadableInputError(f"{name} is JSON but not an array of records.")
    for index, record in enumerate(document):
        cells = record_cells(record, columns)
        number = index + 1
        yield (source_index, number, False) + cells if cells is not None else _malformed_row(source_index, number, len(columns))


def detect_delimiter(header_line: str) -> str:
    """The engine's candidates `,` `\\t` `;` `|`: the one occurring most in the header line (ties: that order)."""
    best, best_count = ",", -1
    for candidate in (",", "\t", ";", "|"):
        count = header_line.count(candidate)
        if count > best_count:
            best, best_count = candidate, count
    return best


def csv_header(text_head: str, delimiter: str) -> list[str]:
    """Column names from the first record of a CSV/TSV text (handles quoted names)."""
    reader = csv.reader(io.StringIO(text_head.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    for row in reader:
        if row:
            return row
    return []


def csv_file_rows(source_index: int, data: bytes, columns: Sequence[str], delimiter: str) -> Iterator[tuple]:
    """Rows of a CSV/TSV file: the header names the columns; a row with another field count is malformed."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    positions: list[int] = []
    number = 0
    for row in reader:
        if not row:  # a blank line is not a record
            continue
        if header is None:
            header = row
            positions = [header.index(column) if column in header else -1 for column in columns]
            continue
        number += 1
        if len(row) != len(header):
            yield _malformed_row(source_index, number, len(columns))
            continue
        cells: list = []
        for position in positions:
            cells.extend(cell_kind(row[position]) if position >= 0 else (None, KIND_ABSENT))
        yield (source_index, number, False) + tuple(cells)


def value_rows(source_index: int, numbered_rows: Iterable[tuple[Sequence[Any], int]]) -> Iterator[tuple]:
    """Rows from (values of the mapped columns, zero-based index) of a typed source such as Parquet."""
    for values, index in numbered_rows:
        cells: list = []
        for value in values:
            cells.extend(cell_kind(value))
        yield (source_index, index + 1, False) + tuple(cells)


# ---------------------------------------------------------------------------------------------
# Normalization on Spark columns (normalization.md steps; mirrors normalize-identifier.ts)


def unicode_clean_udf(rules: dict):
    """NFKC, then invisible characters removed (step 3). Spark has no NFKC: a vectorized UDF.

    Like the engine, plain printable ASCII skips the pass (NFKC is the identity there).
    """
    invisible = re.compile(rules["invisibleClass"])
    needs_unicode_work = re.compile(r"[^\x20-\x7e]")

    def clean(text: Any) -> Any:
        if text is None or needs_unicode_work.search(text) is None:
            return text
        return invisible.sub("", unicodedata.normalize("NFKC", text))

    @pandas_udf(StringType())
    def unicode_clean(texts: pd.Series) -> pd.Series:
        return texts.map(clean)

    return unicode_clean


def phone_normalizer(region: str, phone_format: str):
    """The phone steps of normalization.md for one cleaned text: the normalized value, or None if invalid."""
    not_phone_character = re.compile(r"[^0-9+]")
    e164 = phonenumbers.PhoneNumberFormat.E164
    keep_plus = phone_format == "e164"

    def normalize(text: Any) -> Any:
        if text is None:
            return None
        digits = not_phone_character.sub("", text)
        if digits.rfind("+") > 0:
            return None
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if digits in ("", "+"):
            return None
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        formatted = phonenumbers.format_number(number, e164)
        return formatted if keep_plus else formatted[1:]

    return normalize


def phone_udf(region: str, phone_format: str):
    """Vectorized phone step with the pinned `phonenumbers` (libphonenumber's full metadata)."""
    normalize = phone_normalizer(region, phone_format)

    @pandas_udf(StringType())
    def normalize_phones(texts: pd.Series) -> pd.Series:
        return texts.map(normalize)

    return normalize_phones


def normalize_cells(cells: DataFrame, rules: dict, options: dict) -> DataFrame:
    """Adds `status`, `reason`, `normalized` and `digest` to cells (`identifier_type`, `text`, `kind`).

    Mirrors normalize-identifier.ts. `digest` is the lowercase hex SHA-256 of the UTF-8 normalized
    value (Spark's sha2), or the lowercased pre-hashed value itself (step 4); null for empty or
    rejected cells. Patterns come from rules.json (valid Java regex, used by rlike/regexp_replace).
    """
    white_space = rules["whiteSpaceClass"]
    # \z, not $: Java's $ also matches before a final line terminator.
    edge_white_space = f"^{white_space}+|{white_space}+\\z"
    kind = F.col("kind")
    identifier_type = F.col("identifier_type")
    is_phone = identifier_type == "PHONE"
    is_email = identifier_type == "EMAIL"

    # Step 3 in its own column so the Python UDF runs once per cell.
    staged = cells.withColumn("cleaned", F.regexp_replace(unicode_clean_udf(rules)(F.col("text")), edge_white_space, ""))
    cleaned = F.col("cleaned")
    is_not_text = kind == KIND_NOT_TEXT
    is_empty = kind.isin(KIND_NULL, KIND_ABSENT) | ((kind == KIND_TEXT) & (cleaned == ""))
    is_prehashed = (F.length(cleaned) == 64) & cleaned.rlike(rules["prehashedPattern"])
    reaches_type_step = ~is_not_text & ~is_empty & ~is_prehashed

    # PHONE: only the cells that reach the phone step are sent to Python.
    staged = staged.withColumn("phone", phone_udf(options["phoneRegion"], options["phoneFormat"])(F.when(is_phone & reaches_type_step, cleaned)))
    phone = F.col("phone")

    # EMAIL
    email = F.lower(F.regexp_replace(cleaned, f"{white_space}+", ""))
    email_valid = email.rlike(rules["emailPattern"])
    local = F.substring_index(F.substring_index(email, "@", 1), "+", 1)
    domain = F.substring_index(email, "@", -1)
    if options["emailDots"] == "strip-all":
        local = F.regexp_replace(local, r"\.", "")
    elif options["emailDots"] == "strip-gmail":
        local = F.when(domain.isin(*rules["gmailDomains"]), F.regexp_replace(local, r"\.", "")).otherwise(local)
    email_ok = email_valid & (local != "")
    email_normalized = F.concat(local, F.lit("@"), domain)

    # IDFA / GAID / MAID
    device = F.lower(cleaned)
    device = F.when(
        device.rlike(rules["deviceIdCompactPattern"]),
        F.concat_ws("-", F.substring(device, 1, 8), F.substring(device, 9, 4), F.substring(device, 13, 4), F.substring(device, 17, 4), F.substring(device, 21, 12)),
    ).otherwise(device)
    device_valid = device.rlike(rules["deviceIdPattern"])
    device_zero = device == F.lit(rules["zeroDeviceId"])
    device_ok = device_valid & ~device_zero

    reject_prehashed = options["prehashed"] == "reject"
    status = (
        F.when(is_not_text, STATUS_REJECTED)
        .when(is_empty, STATUS_EMPTY)
        .when(is_prehashed, STATUS_REJECTED if reject_prehashed else STATUS_PREHASHED)
        .when(is_email, F.when(email_ok, STATUS_OK).otherwise(STATUS_REJECTED))
        .when(is_phone, F.when(phone.isNotNull(), STATUS_OK).otherwise(STATUS_REJECTED))
        .otherwise(F.when(device_ok, STATUS_OK).otherwise(STATUS_REJECTED))
    )
    reason = (
        F.when(is_not_text, "not_text")
        .when(is_empty, F.lit(None))
        .when(is_prehashed, F.lit("prehashed_not_allowed") if reject_prehashed else F.lit(None))
        .when(is_email, F.when(~email_ok, "invalid_email"))
        .when(is_phone, F.when(phone.isNull(), "invalid_phone"))
        .otherwise(F.when(~device_valid, "invalid_device_id").when(device_zero, "zero_device_id"))
    )
    normalized = (
        F.when(is_not_text | is_empty, F.lit(None))
        .when(is_prehashed, F.lit(None) if reject_prehashed else F.lower(cleaned))
        .when(is_email, F.when(email_ok, email_normalized))
        .when(is_phone, phone)
        .otherwise(F.when(device_ok, device))
    )
    staged = staged.withColumn("status", status).withColumn("reason", reason.cast(StringType())).withColumn("normalized", normalized.cast(StringType()))
    digest = F.when(F.col("status") == STATUS_OK, F.sha2(F.col("normalized"), 256)).when(F.col("status") == STATUS_PREHASHED, F.col("normalized"))
    return staged.withColumn("digest", digest).drop("cleaned", "phone")


def records_to_cells(records: DataFrame, mapping: Sequence[dict]) -> DataFrame:
    """One row per (well-formed record, mapped column): the long form normalization runs on."""
    well_formed = records.where(~F.col("malformed"))
    parts = [
        well_formed.select(
            "source_index",
            "record_number",
            F.lit(index).alias("mapping_index"),
            F.lit(entry["type"]).alias("identifier_type"),
            F.col(f"text_{index}").alias("text"),
            F.col(f"kind_{index}").alias("kind"),
        )
        for index, entry in enumerate(mapping)
    ]
    cells = parts[0]
    for part in parts[1:]:
        cells = cells.unionByName(part)
    return cells


def count_outcomes(results: DataFrame) -> dict[tuple[str, str, str | None], int]:
    """{(identifier_type, status, reason): cells}."""
    rows = results.groupBy("identifier_type", "status", "reason").count().collect()
    return {(row["identifier_type"], row["status"], row["reason"]): row["count"] for row in rows}


def unique_digests(results: DataFrame, identifier_type: str) -> DataFrame:
    """The distinct digests of one type, sorted ascending (the engine writes them sorted)."""
    return (
        results.where((F.col("identifier_type") == identifier_type) & F.col("digest").isNotNull())
        .select("digest")
        .distinct()
        .orderBy("digest")
    )


def present_columns(records: DataFrame, column_count: int) -> list[int]:
    """Per mapped column: well-formed records where the key/column exists (0 means it is missing)."""
    well_formed = records.where(~F.col("malformed"))
    aggregates = [F.sum(F.when(F.col(f"kind_{i}") != KIND_ABSENT, 1).otherwise(0)).alias(f"present_{i}") for i in range(column_count)]
    aggregates.append(F.count(F.lit(1)).alias("records"))
    row = well_formed.agg(*aggregates).collect()[0]
    return [int(row[f"present_{i}"] or 0) for i in range(column_count)] + [int(row["records"])]
