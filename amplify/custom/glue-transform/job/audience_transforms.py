"""Pure DataFrame functions of the Glue transform: identifier normalization and its tallies.

The contract is docs/normalization.md (tiktok profile v1) and the shared rules file
(src/core/identifiers/rules.json), read through a path and never copied here. The TypeScript
engine (src/core/identifiers/normalize-identifier.ts) is the reference implementation: this module
must agree with it byte for byte.

Nothing here touches storage or awsglue: DataFrame in, DataFrame out. Record parsing (plain
Python inside Spark tasks) is in audience_records.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

import pandas as pd
import phonenumbers
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import BooleanType, IntegerType, LongType, StringType, StructField, StructType

from audience_records import KIND_ABSENT, KIND_NOT_TEXT, KIND_NULL, KIND_TEXT

STATUS_OK = "ok"
STATUS_PREHASHED = "prehashed"
STATUS_EMPTY = "empty"
STATUS_REJECTED = "rejected"
MALFORMED_RECORD = "malformed_record"


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
        if any(seen["column"] == entry["column"] and seen["type"] == entry["type"] for seen in result):
            raise UsageError(f'Column "{entry["column"]}" is mapped to {entry["type"]} more than once. Map each column to a type only once.')
        result.append({"column": entry["column"], "type": entry["type"]})
    return result


def record_schema(column_count: int) -> StructType:
    """Parsed records: where they come from, whether they were readable, then text+kind per mapped column."""
    fields = [
        StructField("source_index", IntegerType(), False),
        StructField("record_number", LongType(), False),
        StructField("malformed", BooleanType(), False),
    ]
    for index in range(column_count):
        fields.append(StructField(f"text_{index}", StringType(), True))
        fields.append(StructField(f"kind_{index}", StringType(), True))
    return StructType(fields)


# ---------------------------------------------------------------------------------------------
# Normalization on Spark columns (normalization.md steps; mirrors normalize-identifier.ts)


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

    # Step 3: `text` arrives through audience_records.unicode_clean (NFKC and invisible characters,
    # in the Python task that parsed the record: Spark has no NFKC); the edge trim is Spark's.
    staged = cells.withColumn("cleaned", F.regexp_replace(F.col("text"), edge_white_space, ""))
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


def unique_digests(results: DataFrame) -> DataFrame:
    """Distinct (identifier_type, digest) pairs sorted by type, then digest ascending — the engine
    writes each type's digests sorted; one sort serves every type."""
    return (
        results.where(F.col("digest").isNotNull())
        .select("identifier_type", "digest")
        .distinct()
        .orderBy("identifier_type", "digest")
    )
