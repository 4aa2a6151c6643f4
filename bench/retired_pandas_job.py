"""The retired AWS solution's transform, re-implemented by us for `npm run bench`, in two forms.

  .venv/bin/python bench/retired_pandas_job.py <file.jsonl|file.csv> --map col=TYPE [--map ...]
  .venv/bin/python bench/retired_pandas_job.py <file.jsonl> --map col=TYPE [...] --as-shipped --out <dir>

Default, the lower bound (issue 12's description): read the whole file into a pandas DataFrame,
NFKD-normalize and strip every cell, keep only the digits of phone numbers, lower-case mobile
advertising IDs, and SHA-256 each value with hashlib. No validation, no de-duplication, no output.

--as-shipped: the steps of the solution's published Glue job (source/glue/tiktok_transformations.py
in aws-solutions/audience-uploader-from-aws-clean-rooms; its code is not copied here), on local disk
instead of S3: JSON Lines read in chunks of 2,000 rows, each appended to the frame so far; every
string column cast to str, NFKD-normalized and stripped; phones cut to their digits without leading
zeros, IDFA/GAID lower-cased; each value hashed with hashlib; each hashed column written as a
header-less CSV to a temporary file, its size checked, then written again as the output (split in
parts when 50 MB or more) and the temporary file removed. Still no validation and no de-duplication.

Prints ONE JSON line: {"rows", "seconds" (the job itself, after `import pandas`), "cpuSeconds" (user +
system of the job itself), "maxRssMb"}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import sys
import time
import unicodedata

import pandas as pd


def clean(value: object) -> object:
    return unicodedata.normalize("NFKD", value).strip() if isinstance(value, str) else value


def sha256(value: object) -> object:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if isinstance(value, str) and value else None


SHIPPED_CHUNK_ROWS = 2000
SHIPPED_PART_BYTES = 50 * 1024**2


def lower_bound(path: str, mapping: list[tuple[str, str]]) -> int:
    if path.endswith((".csv", ".csv.gz")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_json(path, lines=True, dtype=False)
    for column in frame.columns:
        frame[column] = frame[column].map(clean)
    for column, identifier_type in mapping:
        if identifier_type == "PHONE":
            frame[column] = frame[column].str.replace(r"\D", "", regex=True)
        elif identifier_type in ("MAID", "IDFA", "GAID"):
            frame[column] = frame[column].str.lower()
        frame[f"{column}_sha256"] = frame[column].map(sha256)
    return len(frame)


def as_shipped(path: str, mapping: list[tuple[str, str]], out: str) -> int:
    if path.endswith((".csv", ".csv.gz")):
        raise SystemExit("--as-shipped: the shipped job read JSON Lines only")
    frame = pd.DataFrame()
    for chunk in pd.read_json(path, lines=True, orient="records", chunksize=SHIPPED_CHUNK_ROWS):
        frame = pd.concat([frame, chunk])
    strings = frame.select_dtypes(include=[object])
    strings = strings.apply(lambda values: values.astype(str).str.normalize("NFKD").str.strip())
    kept = []
    for column, identifier_type in mapping:
        if identifier_type == "PHONE":
            # regex=True: the shipped job ran on pandas 1.x, where a pattern was a regex by default.
            strings[column] = strings[column].str.replace(r"[^0-9]+", "", regex=True).str.lstrip("0")
        elif identifier_type in ("MAID", "IDFA", "GAID"):
            strings[column] = strings[column].str.lower()
        kept.append(column)
    strings = strings[kept]
    for column, identifier_type in mapping:
        strings[column] = strings[column].apply(lambda value: hashlib.sha256(value.encode()).hexdigest())
        strings = strings.rename(columns={column: f"{identifier_type}_SHA256"})
    os.makedirs(out, exist_ok=True)
    for column in strings.columns:
        temporary = os.path.join(out, f"tmp-{column}.csv")
        strings[column].to_csv(temporary, index=False, header=False)
        size = os.path.getsize(temporary)
        if size >= SHIPPED_PART_BYTES:
            parts = math.ceil(size / SHIPPED_PART_BYTES)
            rows_per_part = math.ceil(len(strings) / parts)
            for part in range(parts):
                values = strings[column].iloc[part * rows_per_part : (part + 1) * rows_per_part]
                values.to_csv(os.path.join(out, f"{column.lower()}-{part + 1}.csv"), index=False, header=False)
        else:
            strings[column].to_csv(os.path.join(out, f"{column.lower()}.csv"), index=False, header=False)
        os.remove(temporary)
    return len(strings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("--map", action="append", required=True, help="column=TYPE (repeatable)")
    parser.add_argument("--as-shipped", action="store_true", help="the published job's steps (see above)")
    parser.add_argument("--out", help="--as-shipped: folder for its output files")
    arguments = parser.parse_args()
    if arguments.as_shipped and not arguments.out:
        parser.error("--as-shipped needs --out")
    mapping = [entry.rpartition("=")[::2] for entry in arguments.map]

    started = time.perf_counter()
    cpu_started = time.process_time()
    if arguments.as_shipped:
        rows = as_shipped(arguments.input, mapping, arguments.out)
    else:
        rows = lower_bound(arguments.input, mapping)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": round(seconds, 3),
                "cpuSeconds": round(cpu_seconds, 3),
                "maxRssMb": round(max_rss_mb),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
