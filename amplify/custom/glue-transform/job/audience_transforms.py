"""Pure DataFrame functions of the Glue transform: identifier normalization and its tallies.

The contract is docs/normalization.md (tiktok profile v1) and the shared rules file
(src/core/identifiers/rules.json), read through a path and never copied here. The TypeScript
engine (src/core/identifiers/normalize-identifier.ts) is the reference implementation: this module
must agree with it byte for byte.

Nothing here touches storage or awsglue: DataFrame in, DataFrame out. Record parsing (plain
Python inside Spark tasks) is in audience_records.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Sequence

import pandas as pd
import phonenumbers
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import BooleanType, IntegerType, LongType, StringType, StructField, StructType

from audience_records import KIND_ABSENT, KIND_NOT_TEXT, KIND_NULL

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
            raise UsageError(
                f"Unknown identifier type {entry.get('type')!r} for column {entry['column']!r}. Use one of {', '.join(types)}."
            )
        if any(seen["column"] == entry["column"] and seen["type"] == entry["type"] for seen in result):
            raise UsageError(
                f'Column "{entry["column"]}" is mapped to {entry["type"]} more than once. Map each column to a type only once.'
            )
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
            # A "+" number carries its country: no default region, so libphonenumber's retry
            # (a "+" with an unknown calling code re-read as a national number) cannot happen —
            # libphonenumber-js rejects such numbers.
            number = phonenumbers.parse(digits, None if digits.startswith("+") else region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        formatted = phonenumbers.format_number(number, e164)
        return formatted if keep_plus else formatted[1:]

    return normalize


@pandas_udf(StringType())
def unicode_lower_udf(texts: pd.Series) -> pd.Series:
    """Python's str.lower() is the full Unicode mapping with the Final_Sigma rule, as in JavaScript."""
    return texts.map(lambda text: None if text is None else text.lower())


_PHONE_NORMALIZERS: dict[tuple[str, str], Any] = {}


def cached_phone_normalizer(region: str, phone_format: str):
    """Audiences repeat numbers: each Python worker remembers recent answers instead of re-parsing."""
    key = (region, phone_format)
    if key not in _PHONE_NORMALIZERS:
        _PHONE_NORMALIZERS[key] = functools.lru_cache(maxsize=1 << 16)(phone_normalizer(region, phone_format))
    return _PHONE_NORMALIZERS[key]


def phone_udf(region: str, phone_format: str):
    """Vectorized phone step with the pinned `phonenumbers` (libphonenumber's full metadata)."""

    @pandas_udf(StringType())
    def normalize_phones(texts: pd.Series) -> pd.Series:
        return texts.map(cached_phone_normalizer(region, phone_format))

    return normalize_phones


DEVICE_TYPES = ("IDFA", "GAID", "MAID")


def normalize_cells(cells: DataFrame, rules: dict, options: dict, types: Sequence[str] | None = None) -> DataFrame:
    """Adds `status`, `reason`, `normalized` and `digest` to cells (`identifier_type`, `text`, `kind`).

    Mirrors normalize-identifier.ts. `digest` is the lowercase hex SHA-256 of the UTF-8 normalized
    value (Spark's sha2), or the lowercased pre-hashed value itself (step 4); null for empty or
    rejected cells. Patterns come from rules.json (valid Java regex, used by rlike/regexp_replace).
    Each step is its own column so Spark evaluates a regex once per cell (it does not inline a
    costly expression used twice), and each type's work only runs on that type's cells. `types`:
    the identifier types the cells can hold (default all) — only their steps are planned, so a
    frame of emails never ships its cells to the phone step's Python worker.
    """
    types = set(rules["identifierTypes"] if types is None else types)
    white_space = rules["whiteSpaceClass"]
    # \\z, not $: Java's $ also matches before a final line terminator.
    edge_white_space = f"^{white_space}+|{white_space}+\\z"
    kind = F.col("kind")
    identifier_type = F.col("identifier_type")

    # Shared steps. `text` arrives through audience_records.unicode_clean (NFKC, invisible characters:
    # done in the Python task that parsed the record, Spark has no NFKC); the edge trim is Spark's.
    staged = cells.withColumn("cleaned", F.regexp_replace(F.col("text"), edge_white_space, ""))
    cleaned = F.col("cleaned")
    staged = staged.withColumn(
        "shared",
        F.when(kind == KIND_NOT_TEXT, "not_text")
        .when(kind.isin(KIND_NULL, KIND_ABSENT) | (cleaned == ""), "empty")
        .when((F.length(cleaned) == 64) & cleaned.rlike(rules["prehashedPattern"]), "prehashed"),
    )
    shared = F.col("shared")
    typed = shared.isNull()
    # Per type present: (its cells, status, reason, normalized value) once the shared steps left it typed.
    steps = []

    if "EMAIL" in types:
        # EMAIL: white space removed, then lowercased. Spark's lower() is Java's, whose final-sigma rule
        # differs from JavaScript's (Σ → ς/σ); non-ASCII addresses are lowercased by Python, as JS does.
        is_email = identifier_type == "EMAIL"
        staged = staged.withColumn(
            "email_spaced", F.when(typed & is_email, F.regexp_replace(cleaned, f"{white_space}+", ""))
        )
        spaced = F.col("email_spaced")
        staged = staged.withColumn("email_unicode", unicode_lower_udf(F.when(spaced.rlike("[^\\x00-\\x7F]"), spaced)))
        staged = staged.withColumn("email", F.coalesce(F.col("email_unicode"), F.lower(spaced)))
        staged = staged.withColumn("email_valid", F.col("email").rlike(rules["emailPattern"]))
        email = F.col("email")
        local = F.substring_index(F.substring_index(email, "@", 1), "+", 1)
        domain = F.substring_index(email, "@", -1)
        if options["emailDots"] == "strip-all":
            local = F.regexp_replace(local, r"\.", "")
        elif options["emailDots"] == "strip-gmail":
            local = F.when(domain.isin(*rules["gmailDomains"]), F.regexp_replace(local, r"\.", "")).otherwise(local)
        staged = staged.withColumn("email_local", F.when(F.col("email_valid"), local))
        email_ok = F.col("email_valid") & (F.col("email_local") != "")
        email_normalized = F.concat(F.col("email_local"), F.lit("@"), domain)
        steps.append(
            (
                is_email,
                F.when(email_ok, STATUS_OK).otherwise(STATUS_REJECTED),
                F.when(~email_ok, "invalid_email"),
                F.when(email_ok, email_normalized),
            )
        )

    if "PHONE" in types:
        # PHONE: only the cells that reach the phone step are sent to Python (vectorized, phonenumbers).
        is_phone = identifier_type == "PHONE"
        phone_input = F.when(typed & is_phone, cleaned)
        staged = staged.withColumn("phone", phone_udf(options["phoneRegion"], options["phoneFormat"])(phone_input))
        phone = F.col("phone")
        steps.append(
            (
                is_phone,
                F.when(phone.isNotNull(), STATUS_OK).otherwise(STATUS_REJECTED),
                F.when(phone.isNull(), "invalid_phone"),
                phone,
            )
        )

    if types & set(DEVICE_TYPES):
        # IDFA / GAID / MAID
        is_device = identifier_type.isin(*DEVICE_TYPES)
        staged = staged.withColumn("device_lower", F.when(typed & is_device, F.lower(cleaned)))
        device = F.col("device_lower")
        device = F.when(
            device.rlike(rules["deviceIdCompactPattern"]),
            F.concat_ws(
                "-",
                F.substring(device, 1, 8),
                F.substring(device, 9, 4),
                F.substring(device, 13, 4),
                F.substring(device, 17, 4),
                F.substring(device, 21, 12),
            ),
        ).otherwise(device)
        staged = staged.withColumn("device", device)
        device = F.col("device")
        staged = staged.withColumn(
            "device_problem",
            F.when(~device.rlike(rules["deviceIdPattern"]), "invalid_device_id").when(
                device == F.lit(rules["zeroDeviceId"]), "zero_device_id"
            ),
        )
        device_ok = F.col("device_problem").isNull()
        steps.append(
            (
                is_device,
                F.when(device_ok, STATUS_OK).otherwise(STATUS_REJECTED),
                F.col("device_problem"),
                F.when(device_ok, device),
            )
        )

    reject_prehashed = options["prehashed"] == "reject"
    status = (
        F.when(shared == "not_text", STATUS_REJECTED)
        .when(shared == "empty", STATUS_EMPTY)
        .when(shared == "prehashed", STATUS_REJECTED if reject_prehashed else STATUS_PREHASHED)
    )
    reason = (
        F.when(shared == "not_text", "not_text")
        .when(shared == "empty", F.lit(None))
        .when(shared == "prehashed", F.lit("prehashed_not_allowed") if reject_prehashed else F.lit(None))
    )
    normalized = F.when(shared.isin("not_text", "empty"), F.lit(None)).when(
        shared == "prehashed", F.lit(None) if reject_prehashed else F.lower(cleaned)
    )
    for is_type, type_status, type_reason, type_normalized in steps:
        status = status.when(is_type, type_status)
        reason = reason.when(is_type, type_reason)
        normalized = normalized.when(is_type, type_normalized)
    staged = (
        staged.withColumn("status", status)
        .withColumn("reason", reason.cast(StringType()))
        .withColumn("normalized", normalized.cast(StringType()))
    )
    digest = F.when(F.col("status") == STATUS_OK, F.sha2(F.col("normalized"), 256)).when(
        F.col("status") == STATUS_PREHASHED, F.col("normalized")
    )
    return staged.withColumn("digest", digest).drop(
        "cleaned",
        "shared",
        "email_spaced",
        "email_unicode",
        "email",
        "email_valid",
        "email_local",
        "phone",
        "device_lower",
        "device",
        "device_problem",
    )


def cell_parts(records: DataFrame, mapping: Sequence[dict]) -> list[DataFrame]:
    """Per mapped column, one row per well-formed record: the long form normalization runs on."""
    well_formed = records.where(~F.col("malformed"))
    return [
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


def normalize_records(records: DataFrame, mapping: Sequence[dict], rules: dict, options: dict) -> DataFrame:
    """normalize_cells over every mapped column, each planned with only its own type's steps."""
    parts = cell_parts(records, mapping)
    normalized = [
        normalize_cells(part, rules, options, [entry["type"]]) for part, entry in zip(parts, mapping, strict=True)
    ]
    return functools.reduce(DataFrame.unionByName, normalized)


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
