"""The record readers (plain Python, no Spark) against the engine's readers on tricky inputs.
Expected records were produced by the TypeScript readers (src/core/readers/read-delimited-text.ts,
read-json-array.ts, read-json-lines.ts) on the same text; None is a malformed record."""

from __future__ import annotations

import io
import json

import pytest

import audience_records as R

# (format, text, records the engine reads); "Infinity" stands for JSON.parse's Infinity.
ENGINE_CASES = [
    ('csv', 'a,b\r\n1,2\r\n"x\ny",3\n', [{'a': '1', 'b': '2'}, {'a': 'x\ny', 'b': '3'}]),
    ('csv', 'a,b\n"q""uote"tail,2\n"unterminated,3\n', [{'a': 'q"uotetail', 'b': '2'}, None]),
    ('csv', 'a,b\n1\r2,3\n\n  \n4,5', [{'a': '1\r2', 'b': '3'}, None, {'a': '4', 'b': '5'}]),
    ('csv', ' a , ,a\n1,2,3\n', [{'a': '1', 'column_2': '2', 'a_2': '3'}]),
    ('csv', 'a;b\n"1;2";3\n', [{'a': '1;2', 'b': '3'}]),
    ('arr', '[{"a":1},{"a":"x"},2,{"a":[1]}]', [{'a': 1}, {'a': 'x'}, None, {'a': [1]}]),
    ('arr', '[{"a":1},]', [{'a': 1}]),
    ('arr', '[,]', [None]),
    ('arr', '  {"a":1}', [None]),
    ('arr', '[{"a":"\\"]"},{"b":2}', [{'a': '"]'}, None]),
    ('arr', '[]', []),
    ('arr', '[{"a":1}, {"a":', [{'a': 1}, None]),
    (
        'jl',
        '{"a":1}\r\n\n \xa0\n[1]\n{"a":"\\u2028"}\n{bad\n"s"\n{"a":NaN}\n{"a":1e400}',
        [{'a': 1}, None, {'a': '\u2028'}, None, None, None, {'a': 'Infinity'}],
    ),
]


def read(kind: str, text: str) -> list:
    if kind == "csv":
        return list(R.iter_delimited(text, ";" if text.startswith("a;") else ","))
    if kind == "arr":
        return list(R.iter_json_array(text))
    return list(R.iter_json_lines(text))


@pytest.mark.parametrize("kind,text,expected", ENGINE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ENGINE_CASES)])
def test_reads_records_like_the_engine(kind, text, expected):
    got = json.loads(json.dumps(read(kind, text)).replace("Infinity", '"Infinity"'))
    assert got == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (None, (None, R.KIND_NULL)),
        ("x", ("x", R.KIND_TEXT)),
        (6135550123, ("6135550123", R.KIND_TEXT)),
        (6135550123.0, ("6135550123", R.KIND_TEXT)),
        (-0.0, ("0", R.KIND_TEXT)),
        (1e21, ("1000000000000000000000", R.KIND_TEXT)),
        # JSON.parse reads 2**53 + 1 as the double 2**53; BigInt(2**53).toString() is 9007199254740992.
        (2**53 + 1, ("9007199254740992", R.KIND_TEXT)),
        (1.5, (None, R.KIND_NOT_TEXT)),
        (float("inf"), (None, R.KIND_NOT_TEXT)),
        (True, (None, R.KIND_NOT_TEXT)),
        ({"a": 1}, (None, R.KIND_NOT_TEXT)),
        (["a"], (None, R.KIND_NOT_TEXT)),
        ("\uff2a\u200bane", ("Jane", R.KIND_TEXT)),  # NFKC folds full-width, invisible removed
        ("\ud800x", ("\ufffdx", R.KIND_TEXT)),  # a lone surrogate is written as U+FFFD (as Node encodes it)
    ],
)
def test_cell_kinds(value, expected, rules):
    assert R.cell_kind(value, rules["invisibleClass"]) == expected


def test_parquet_int64_is_exact(rules):
    # hyparquet gives INT64 as a bigint: no rounding through a double.
    assert R.cell_kind(2**53 + 1, rules["invisibleClass"], exact_integers=True) == ("9007199254740993", R.KIND_TEXT)


@pytest.mark.parametrize(
    "header,fallback,expected",
    [
        ("a,b;c;d", ",", ";"),
        ("a\tb", ",", "\t"),
        ('"x;y;z",b', ",", ","),
        ("a|b|c,d", ",", "|"),
        ("single", "\t", "\t"),
        ("a;b,c", ",", ","),
    ],
)
def test_delimiter_detection(header, fallback, expected):
    assert R.detect_delimiter(header + "\n1;2;3;4", fallback) == expected


@pytest.mark.parametrize("kind,text,expected", [case for case in ENGINE_CASES if case[0] == "jl"])
def test_streamed_json_lines_match_the_engine_too(kind, text, expected):
    got = list(R.iter_json_lines_stream(io.BytesIO(("\ufeff" + text).encode("utf-8"))))
    assert json.loads(json.dumps(got).replace("Infinity", '"Infinity"')) == expected
