"""Every public vector (tests/fixtures/normalization-vectors*.jsonl) through the Spark normalization:
the raw cell's kind (audience_records.cell_kind), then audience_transforms.normalize_cells on a DataFrame."""

from __future__ import annotations

import hashlib
import json

import pytest
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

import audience_records
import audience_transforms
from conftest import load_vectors

VECTORS = load_vectors()


@pytest.fixture(scope="module")
def vector_results(spark, rules) -> dict[int, dict]:
    """All vectors in one Spark job per distinct options set: {vector index: result row}."""
    schema = StructType(
        [
            StructField("vector_index", IntegerType(), False),
            StructField("identifier_type", StringType(), False),
            StructField("text", StringType(), True),
            StructField("kind", StringType(), False),
        ]
    )
    groups: dict[str, list[tuple]] = {}
    for index, vector in enumerate(VECTORS):
        text, kind = audience_records.cell_kind(vector["raw"], rules["invisibleClass"])
        groups.setdefault(json.dumps(vector["options"], sort_keys=True), []).append((index, vector["type"], text, kind))
    results: dict[int, dict] = {}
    for options_json, rows in groups.items():
        options = audience_transforms.resolve_options(json.loads(options_json), rules)
        frame = audience_transforms.normalize_cells(spark.createDataFrame(rows, schema), rules, options)
        for row in frame.collect():
            results[row["vector_index"]] = row.asDict()
    return results


def test_vectors_are_present():
    assert len(VECTORS) >= 28


@pytest.mark.parametrize("index", range(len(VECTORS)), ids=[str(vector["id"]) for vector in VECTORS])
def test_vector(vector_results, index):
    vector = VECTORS[index]
    expect = vector["expect"]
    result = vector_results[index]
    assert result["status"] == expect["status"], f"{vector['type']} {vector.get('comment', '')}"
    if expect["status"] == "rejected":
        assert result["reason"] == expect["reason"]
        assert result["digest"] is None
    elif expect["status"] == "empty":
        assert result["reason"] is None and result["digest"] is None
    else:
        assert result["reason"] is None
        assert result["digest"] == expect["hash"]
        if "normalized" in expect:
            assert result["normalized"] == expect["normalized"]
            # The golden hash is SHA-256 of the UTF-8 normalized value (checked with hashlib, not Spark).
            assert hashlib.sha256(expect["normalized"].encode("utf-8")).hexdigest() == expect["hash"]
