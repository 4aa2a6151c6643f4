"""Local-Spark throughput of the Glue job, for `npm run bench` (bench/run.ts runs it next to the engine).

  .venv/bin/python bench/glue_bench.py <input...> --map col=TYPE [--map ...] --out <dir> [--cores N] [--single-task-csv]

Prints ONE JSON line: {"rows": records read, "seconds": wall time of the job itself} (the SparkSession
start-up, a fixed cost that Glue pays once per job, is left out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "amplify" / "custom" / "glue-transform" / "job"))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import audience_job  # noqa: E402
import audience_transforms  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--map", action="append", required=True, help="column=TYPE (repeatable)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rules-path", default=str(ROOT / "src" / "core" / "identifiers" / "rules.json"))
    parser.add_argument("--single-task-csv", action="store_true", help="read each CSV/TSV in one task (no split read)")
    arguments = parser.parse_args()
    mapping = []
    for entry in arguments.map:
        column, separator, identifier_type = entry.rpartition("=")
        if not separator or not column:
            parser.error(f"--map {entry!r}: expected column=TYPE")
        mapping.append({"column": column, "type": identifier_type})

    spark = audience_job.local_spark("glue-bench", cores=arguments.cores)
    spark.sparkContext.setLogLevel("ERROR")
    audience_job.ship_job_modules(spark)
    config = audience_job.JobConfig(
        inputs=arguments.inputs,
        mapping=mapping,
        options={},
        max_file_bytes=audience_job.DEFAULT_MAX_FILE_BYTES,
        rules=audience_transforms.load_rules(arguments.rules_path),
        split_csv=not arguments.single_task_csv,
    )
    started = time.perf_counter()
    manifest = audience_job.run_transform(
        spark, config, audience_job.LocalInputStore(), audience_job.LocalOutputStore(arguments.out)
    )
    seconds = time.perf_counter() - started
    spark.stop()
    print(json.dumps({"rows": manifest["recordsRead"], "seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
