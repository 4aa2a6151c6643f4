"""Record parsing for the Glue job, in plain Python (runs inside Spark tasks and on the driver).

Each reader follows the TypeScript engine's reader of the same format (src/core/readers/*), so a
file gives the same records, record numbers and malformed records on both sides:
- JSON Lines: lines end at "\\n"; a blank line is not a record; a line that does not parse, or is
  not an object, is a malformed record.
- JSON array: top-level elements; a non-object element is malformed; an unfinished array's last
  element is malformed; a file that is not an array is one malformed record; several arrays one
  after the other are read in turn (text that is not an array after one is one malformed record).
- CSV/TSV: RFC 4180 with a header row, or without one (columns column_1, column_2, …; the first
  row is then a record, see first_row_looks_like_data); a row with another number of fields than
  the first is malformed; blank lines are not records, white-space-only lines before the first row
  are skipped. Header names are trimmed, blanks named column_<n>, repeats suffixed _2, _3.
The reader contract (tests/fixtures/reader-contract.jsonl, produced by the TypeScript readers)
checks both sides on the same inputs.
Then each record's mapped cells become (text, kind) pairs: the cell-kind rule of normalization.md.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
import unicodedata
from typing import Any, Iterable, Iterator, Sequence

# Cell kinds: what a raw cell was before normalization (normalization.md, shared step 2).
KIND_TEXT = "t"  # a string, or an integer written in plain decimal
KIND_NULL = "n"  # null
KIND_ABSENT = "a"  # the key is not in the record (counted as empty, like null)
KIND_NOT_TEXT = "x"  # a float with a fraction, a boolean, an object or an array

# JavaScript's String.prototype.trim() set (White_Space without U+0085, plus the BOM).
JS_TRIM_CHARACTERS = "\t\n\u000b\u000c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

# JSON numbers are doubles in JS: integers beyond 2**53 come out as JSON.parse rounds them.
_MAX_SAFE_INTEGER = 2**53
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_ARRAY_SPECIAL = re.compile(r'["{}\[\],]')

# Python caps int→str digits by default; JS reads long digit strings fine.
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)


def js_trim(text: str) -> str:
    return text.strip(JS_TRIM_CHARACTERS)


# ---------------------------------------------------------------------------------------------
# Cell kinds


_NEEDS_UNICODE_WORK = re.compile(r"[^\x20-\x7e]")


@functools.lru_cache(maxsize=4)
def _invisible_pattern(invisible_class: str) -> re.Pattern:
    return re.compile(invisible_class)


def unicode_clean(text: str, invisible_class: str) -> str:
    """Step 3 before the edge trim: NFKC, then the invisible characters of rules.json removed anywhere.
    Spark has no NFKC, so this runs in the Python task that parses the record. Like the engine,
    printable ASCII skips it (NFKC is the identity there). A lone surrogate (JSON "\\ud800") cannot be
    UTF-8 encoded; Node's encoder writes U+FFFD for it, so it becomes U+FFFD here."""
    if _NEEDS_UNICODE_WORK.search(text) is None:
        return text
    if _SURROGATE.search(text) is not None:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _invisible_pattern(invisible_class).sub("", unicodedata.normalize("NFKC", text))


def cell_kind(value: Any, invisible_class: str, exact_integers: bool = False) -> tuple[str | None, str]:
    """(text, kind) of one parsed cell, the text already through unicode_clean. JSON integers are
    doubles in the engine (exact_integers=False); Parquet INT64 arrives there as a bigint (True)."""
    if value is None:
        return None, KIND_NULL
    if isinstance(value, str):
        return unicode_clean(value, invisible_class), KIND_TEXT
    if isinstance(value, bool):
        return None, KIND_NOT_TEXT
    if isinstance(value, int):
        if exact_integers or -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            return str(value), KIND_TEXT
        try:
            return str(int(float(value))), KIND_TEXT
        except OverflowError:  # beyond a double: JSON.parse gives Infinity, which is not text
            return None, KIND_NOT_TEXT
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value)), KIND_TEXT
        return None, KIND_NOT_TEXT
    if isinstance(value, (bytes, bytearray)):  # Parquet BYTE_ARRAY without a UTF8 annotation: hyparquet reads text
        return cell_kind(value.decode("utf-8", "replace"), invisible_class)
    if type(value).__name__ == "Decimal":  # Parquet DECIMAL reaches the engine as a JS number
        return cell_kind(float(value), invisible_class)
    return None, KIND_NOT_TEXT  # bytes, dates, rows, lists, maps


def record_cells(record: dict, columns: Sequence[str], invisible_class: str, exact_integers: bool = False) -> tuple:
    """(text, kind) per mapped column, flattened."""
    cells: list = []
    for column in columns:
        if column in record:
            cells.extend(cell_kind(record[column], invisible_class, exact_integers))
        else:
            cells.extend((None, KIND_ABSENT))
    return tuple(cells)


def numbered_rows(
    source_index: int,
    records: Iterable[dict | None],
    columns: Sequence[str],
    invisible_class: str,
    exact_integers: bool = False,
) -> Iterator[tuple]:
    """Rows of the records schema (see audience_transforms.record_schema); None is a malformed record."""
    malformed_cells = (None, None) * len(columns)
    for offset, record in enumerate(records):
        number = 1 + offset
        if record is None:
            yield (source_index, number, True) + malformed_cells
        else:
            yield (source_index, number, False) + record_cells(record, columns, invisible_class, exact_integers)


# ---------------------------------------------------------------------------------------------
# JSON


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """JSON.parse semantics: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=_reject_constant)


def as_record(value: Any) -> dict | None:
    return value if isinstance(value, dict) else None


def json_line_record(line: str) -> dict | None:
    try:
        return as_record(parse_json(line))
    except (ValueError, RecursionError):
        return None


def is_blank_line(line: str) -> bool:
    """A line the engine skips: JSON.parse fails on it and it trims to nothing."""
    return js_trim(line) == ""


def decode_text(data: bytes) -> str:
    """TextDecoder semantics: UTF-8, invalid bytes replaced, a leading BOM dropped."""
    text = data.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def iter_json_lines(text: str) -> Iterator[dict | None]:
    for line in text.split("\n"):
        if not is_blank_line(line):
            yield json_line_record(line)


def iter_json_lines_stream(stream: Iterable[bytes]) -> Iterator[dict | None]:
    """JSON Lines from a binary stream split at b"\\n" (e.g. a GzipFile): the decompressed file is
    never held in memory whole. Same records as iter_json_lines(decode_text(all bytes))."""
    first = True
    for raw in stream:
        line = raw.decode("utf-8", "replace")
        if line.endswith("\n"):
            line = line[:-1]
        if first:
            first = False
            if line.startswith("\ufeff"):
                line = line[1:]
        if not is_blank_line(line):
            yield json_line_record(line)


def _is_escaped(text: str, at: int) -> bool:
    backslashes = 0
    index = at - 1
    while index >= 0 and text[index] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


def _json_array_element(text: str, ended_by_comma: bool) -> tuple[bool, dict | None]:
    """(is a record at all, the record or None when malformed) — `[]` and a trailing comma give nothing."""
    try:
        return True, as_record(parse_json(text))
    except (ValueError, RecursionError):
        if js_trim(text) == "" and not ended_by_comma:
            return False, None
        return True, None


def iter_json_array(text: str) -> Iterator[dict | None]:
    """Top-level elements of a JSON array (or of several, one after the other), scanned like the
    engine's streaming reader."""
    index = 0
    while True:
        index = yield from _iter_one_json_array(text, index)
        if index < 0:
            return


def _iter_one_json_array(text: str, index: int):
    """The elements of the array starting at or after `index`; returns where the text after it
    starts, or -1 when the text is done (or the rest was one malformed record)."""
    length = len(text)
    while index < length and (ord(text[index]) <= 32 or text[index] == "\ufeff"):
        index += 1
    if index >= length:
        return -1
    if text[index] != "[":
        yield None  # not an array: the whole rest is one malformed record
        return -1
    index += 1
    element_start = index
    depth = 0
    while True:
        match = _JSON_ARRAY_SPECIAL.search(text, index)
        if match is None:
            break
        at = match.start()
        character = text[at]
        if character == '"':
            quote = text.find('"', at + 1)
            while quote != -1 and _is_escaped(text, quote):
                quote = text.find('"', quote + 1)
            if quote == -1:
                index = length
                break
            index = quote + 1
            continue
        if character in "{[":
            depth += 1
        elif character == "}" or (character == "]" and depth > 0):
            depth -= 1
        elif character == "]":
            present, record = _json_array_element(text[element_start:at], False)
            if present:
                yield record
            return at + 1  # another array may follow (some exporters write one per batch)
        elif character == "," and depth == 0:
            present, record = _json_array_element(text[element_start:at], True)
            if present:
                yield record
            element_start = at + 1
        index = at + 1
    # An array cut short: whatever element was left unfinished is malformed.
    if js_trim(text[element_start:]) != "":
        yield None
    return -1


# ---------------------------------------------------------------------------------------------
# CSV / TSV

DELIMITERS = (",", "\t", ";", "|")


def first_line_delimiter(text: str, fallback: str) -> str:
    """detect_delimiter on the line holding the first non-space character (leading blank lines skipped)."""
    stripped = len(text) - len(text.lstrip(JS_TRIM_CHARACTERS))
    return detect_delimiter(text[text.rfind("\n", 0, stripped) + 1 :], fallback)


def detect_delimiter(text: str, fallback: str) -> str:
    """The candidate occurring most often outside quotes in the first line (ties: the fallback, then order)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for character in text:
        if character == '"':
            in_quotes = not in_quotes
        elif not in_quotes and character in "\n\r":
            break
        elif not in_quotes and character in counts:
            counts[character] += 1
    best, best_count = fallback, counts.get(fallback, 0)
    for delimiter, count in counts.items():
        if count > best_count:
            best, best_count = delimiter, count
    return best


def header_names(fields: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for index, field in enumerate(fields):
        name = js_trim(field) or f"column_{index + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _find_either(text: str, start: int, delimiter: str) -> int:
    newline = text.find("\n", start)
    other = text.find(delimiter, start)
    candidates = [position for position in (newline, other) if position != -1]
    return min(candidates) if candidates else len(text)


def iter_delimited_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    """Rows of RFC 4180 text: quoted fields with doubled quotes, delimiters and line breaks inside
    quotes, CRLF or LF; stray text after a closing quote is kept; an unterminated quote keeps the rest."""
    length = len(text)
    position = 0
    quote = -1
    infinity = length + 1
    while position < length:
        newline = text.find("\n", position)
        line_end = length if newline == -1 else newline
        if quote < position:
            found = text.find('"', position)
            quote = infinity if found == -1 else found
        if quote > line_end:
            end = line_end
            if end > position and text[end - 1] == "\r":
                end -= 1
            if end > position:
                yield text[position:end].split(delimiter)
            position = line_end + 1
            continue
        fields: list[str] = []
        index = position
        while True:
            field = ""
            if index < length and text[index] == '"':
                index += 1
                while True:
                    closing = text.find('"', index)
                    if closing == -1:
                        field += text[index:]
                        index = length
                        break
                    field += text[index:closing]
                    if closing + 1 < length and text[closing + 1] == '"':
                        field += '"'
                        index = closing + 2
                    else:
                        index = closing + 1
                        break
            end = _find_either(text, index, delimiter)
            rest = text[index:end]
            if rest.endswith("\r") and (end >= length or text[end] == "\n"):
                rest = rest[:-1]
            fields.append(field + rest)
            if end < length and text[end] != "\n":
                index = end + len(delimiter)
                continue
            yield fields
            position = end + 1
            break


def is_blank_row(fields: Sequence[str]) -> bool:
    """A line of only white space (or one empty quoted field): skipped before the first row."""
    return len(fields) == 1 and js_trim(fields[0]) == ""


def delimited_header(first_row: Sequence[str], has_header: bool) -> list[str]:
    """The column names a file's first (non-blank) row gives: its cells, or column_1, column_2, …"""
    return header_names(first_row) if has_header else [f"column_{n}" for n in range(1, len(first_row) + 1)]


def delimited_record(header: Sequence[str], fields: Sequence[str]) -> dict | None:
    """A row as a record; another number of fields than the header's is malformed (None)."""
    return dict(zip(header, fields)) if len(fields) == len(header) else None


def iter_delimited(text: str, delimiter: str, has_header: bool = True) -> Iterator[dict | None]:
    header: list[str] | None = None
    for fields in iter_delimited_rows(text, delimiter):
        if header is None:
            if is_blank_row(fields):
                continue
            header = delimited_header(fields, has_header)
            if has_header:
                continue
        yield delimited_record(header, fields)


def line_closes_its_quotes(line: str, delimiter: str) -> bool:
    """Whether iter_delimited_rows, starting a row at the start of this line (no "\n" in it), also
    ends the row at its end — no quoted field left open. Exact, not a count of quotes: a quote opens a
    field only at the field's start; elsewhere (mid-field, after a closing quote) it is plain text, so
    `a"b` closes everything while `a"b,"c` (an even count) leaves `"c` open."""
    length = len(line)
    index = 0
    while True:
        if index < length and line[index] == '"':
            index += 1
            while True:
                closing = line.find('"', index)
                if closing == -1:
                    return False
                if closing + 1 < length and line[closing + 1] == '"':
                    index = closing + 2
                else:
                    index = closing + 1
                    break
        delimiter_at = line.find(delimiter, index)
        if delimiter_at == -1:
            return True
        index = delimiter_at + len(delimiter)


def leading_rows(head: str, delimiter: str, whole: bool) -> tuple[int, list[str]] | None:
    """(how many blank rows come first, the first non-blank row) of a file whose lines all close their
    quotes (so each line is at most one row), from the decoded head of the file; None when the head
    ends before that row does (`whole`: the head is the entire file)."""
    lines = head.split("\n")
    if not whole:
        lines.pop()  # the head may end inside this line
    blank_rows = 0
    for line in lines:
        for fields in iter_delimited_rows(line, delimiter):
            if not is_blank_row(fields):
                return blank_rows, fields
            blank_rows += 1
    return None


# Rows of the format sniff the header decision looks at (detect-header.ts HEADER_SNIFF_ROWS).
HEADER_SNIFF_ROWS = 50
# Digits with the punctuation of numbers, phones and dates (detect-header.ts NUMBER_LIKE).
_NUMBER_LIKE = re.compile(r"[0-9 ()+\-./:]*[0-9][0-9 ()+\-./:]*")


def sniff_rows(text: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """The first rows of a format sniff: leading blank lines skipped; the last row left out when the
    sniff ends before the file does (it may be cut)."""
    rows: list[list[str]] = []
    for fields in iter_delimited_rows(text, delimiter):
        if rows or not is_blank_row(fields):
            rows.append(fields)
    if truncated and rows:
        rows.pop()
    return rows[:HEADER_SNIFF_ROWS]


def first_row_looks_like_data(rows: Sequence[Sequence[str]], identifiers: set[str] | frozenset[str]) -> bool:
    """detect-header.ts firstRowLooksLikeData: a cell that is an identifier (in `identifiers`), or
    the shape of the rows below (number-like columns with a number-like first cell, none without)."""
    if not rows:
        return False
    first, below = rows[0], rows[1:]
    if any(cell in identifiers for cell in first):
        return True
    same_shape = [row for row in below if len(row) == len(first)]
    if not same_shape:
        return False
    matching = 0
    for column, raw in enumerate(first):
        values = [js_trim(row[column]) for row in same_shape]
        values = [value for value in values if value != ""]
        if not values or not all(_NUMBER_LIKE.fullmatch(value) for value in values):
            continue
        cell = js_trim(raw)
        if cell == "":
            continue
        if not _NUMBER_LIKE.fullmatch(cell):
            return False
        matching += 1
    return matching > 0


def mask_identifier(value: str) -> str:
    """mask-identifier.ts: an email keeps the first character of its local part and of its domain
    (each of 3+ characters) and the top-level domain; anything else a quarter of its characters."""
    text = js_trim(value)
    if text == "":
        return ""
    at = text.find("@")
    if at > 0:
        domain = text[at + 1 :]
        last_dot = domain.rfind(".")
        name = domain[:last_dot] if last_dot >= 0 else domain
        tld = domain[last_dot:] if last_dot >= 0 else ""
        local = text[:at]
        return f"{local[0] if len(local) >= 3 else ''}***@{name[0] if len(name) >= 3 else ''}***{tld}"
    shown = 0 if len(text) <= 4 else min(4, len(text) // 4)
    tail = shown // 2
    head = shown - tail
    return text[:head] + "*" * min(len(text) - shown, 12) + (text[len(text) - tail :] if tail else "")


def spreadsheet_safe(value: str) -> str:
    """rejects-csv.ts spreadsheetSafe: a leading ' before = + - @ tab CR (OWASP CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def iter_records(
    data: bytes, format_name: str, delimiter: str | None = None, has_header: bool = True
) -> Iterator[dict | None]:
    """Records of one decompressed text file in the given format."""
    text = decode_text(data)
    if format_name == "jsonl":
        return iter_json_lines(text)
    if format_name == "json-array":
        return iter_json_array(text)
    if format_name in ("csv", "tsv"):
        return iter_delimited(text, delimiter or ("\t" if format_name == "tsv" else ","), has_header)
    raise ValueError(f"not a text format: {format_name}")
