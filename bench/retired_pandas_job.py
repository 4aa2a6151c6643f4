"""The retired AWS solution's transform, re-implemented from its description (issue 12) for `npm run bench`.

  .venv/bin/python bench/retired_pandas_job.py <file.jsonl|file.csv> --map col=TYPE [--map ...]

What it did, per that description: read the whole file into a pandas DataFrame, NFKD-normalize and
strip every cell, keep only the digits of phone numbers, lower-case mobile advertising IDs, and
SHA-256 each value with hashlib. No validation, no de-duplication, no output files: it is the
lower bound of that design's cost, written by us (the original code is not in this repository).

Prints ONE JSON line: {"rows", "seconds" (the job itself, after `import pandas`), "cpuSeconds" (user +
system of the job itself), "maxRssMb"}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
import unicodedata

import pandas as pd


def clean(value: object) -> object:
    return unicodedata.normalize("NFKD", value).strip() if isinstance(value, str) else value


def sha256(value: object) -> object:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if isinstance(value, str) and value else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("--map", action="append", required=True, help="column=TYPE (repeatable)")
    arguments = parser.parse_args()
    mapping = [entry.rpartition("=")[::2] for entry in arguments.map]

    started = time.perf_counter()
    cpu_started = time.process_time()
    if arguments.input.endswith((".csv", ".csv.gz")):
        frame = pd.read_csv(arguments.input, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_json(arguments.input, lines=True, dtype=False)
    for column in frame.columns:
        frame[column] = frame[column].map(clean)
    for column, identifier_type in mapping:
        if identifier_type == "PHONE":
            frame[column] = frame[column].str.replace(r"\D", "", regex=True)
        elif identifier_type in ("MAID", "IDFA", "GAID"):
            frame[column] = frame[column].str.lower()
        frame[f"{column}_sha256"] = frame[column].map(sha256)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": len(frame),
                "seconds": round(seconds, 3),
                "cpuSeconds": round(cpu_seconds, 3),
                "maxRssMb": round(max_rss_mb),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
