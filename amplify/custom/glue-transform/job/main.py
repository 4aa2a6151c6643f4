"""Glue job entry: arguments → read → transform → write. The work is in audience_job / audience_transforms.

Local run (repository root):
  .venv/bin/python amplify/custom/glue-transform/job/main.py --input data.jsonl --output out \\
    --mapping '[{"column":"e-mail","type":"EMAIL"}]' --rules-path src/core/identifiers/rules.json

On AWS Glue 5.0 (Spark 3.5, Python 3.11): upload main.py as the script, audience_transforms.py and
audience_job.py with --extra-py-files, rules.json with --extra-files (then --rules-path rules.json),
and pass --additional-python-modules phonenumbers==<the pin in requirements.txt>. s3:// inputs and
outputs go through boto3 (imported only here, only for s3:// paths; not exercised by the local tests).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from typing import BinaryIO

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import audience_job as job  # noqa: E402
import audience_transforms as transforms  # noqa: E402

try:  # Only inside AWS Glue.
    from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
except ImportError:
    getResolvedOptions = None

REQUIRED = ["input", "output", "mapping"]


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Normalize and SHA-256-hash audience identifiers (the engine's output layout)."
    )
    parser.add_argument("--input", action="append", help="input file or folder/prefix of part files (repeatable)")
    parser.add_argument("--output", help="output folder (local path or s3://bucket/prefix)")
    parser.add_argument("--mapping", help='JSON list: [{"column":"e-mail","type":"EMAIL"}]')
    parser.add_argument(
        "--options",
        default="{}",
        help='JSON: {"phoneRegion":"US","phoneFormat":"digits","emailDots":"keep","prehashed":"accept"}',
    )
    parser.add_argument("--max-file-bytes", type=int, default=job.DEFAULT_MAX_FILE_BYTES)
    parser.add_argument(
        "--header",
        default="auto",
        help="CSV/TSV first row: auto (a row that looks like data is a record; columns column_1, …), present or absent",
    )
    parser.add_argument("--rules-path", default=None, help="the shared rules.json (default: next to this script)")
    arguments, _glue_extras = parser.parse_known_args(argv)  # Glue adds --JOB_NAME, --TempDir, …
    if getResolvedOptions is not None and not all(getattr(arguments, name) for name in REQUIRED):
        resolved = getResolvedOptions(["main.py", *argv], REQUIRED)  # it skips argv[0], like sys.argv
        arguments.input = arguments.input or [resolved["input"]]
        arguments.output = arguments.output or resolved["output"]
        arguments.mapping = arguments.mapping or resolved["mapping"]
    missing = [f"--{name}" for name in REQUIRED if not getattr(arguments, name)]
    if missing:
        raise transforms.UsageError(f"Missing argument(s) {', '.join(missing)}. Run with --help for the usage.")
    return arguments


def parse_json_argument(name: str, text: str):
    try:
        return json.loads(text)
    except ValueError as error:
        raise transforms.UsageError(f"--{name} is not valid JSON ({error.msg}). Example: {_EXAMPLES[name]}") from error


_EXAMPLES = {"mapping": '[{"column":"e-mail","type":"EMAIL"}]', "options": '{"phoneRegion":"GB"}'}


def rules_path(argument: str | None) -> str:
    candidates = (
        [argument]
        if argument
        else [
            os.path.join(HERE, "rules.json"),
            os.path.join(HERE, "..", "..", "..", "..", "src", "core", "identifiers", "rules.json"),
        ]
    )
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return candidate
    raise transforms.UsageError(
        f"Rules file not found ({', '.join(c for c in candidates if c)}). Pass --rules-path to the shared rules.json."
    )


# ---------------------------------------------------------------------------------------------
# S3 (Glue) stores — boto3 only here. Spark reads s3:// through Glue's Hadoop file system.


def _split_s3(url: str) -> tuple[str, str]:
    bucket, _, key = url[len("s3://") :].partition("/")
    return bucket, key


class S3InputStore:
    def __init__(self):
        import boto3  # type: ignore[import-not-found]

        self.s3 = boto3.client("s3")

    def list_files(self, path: str) -> list[tuple[str, int]]:
        bucket, key = _split_s3(path)
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            for item in page.get("Contents", []):
                name = item["Key"]
                if name == key:  # the input is one object
                    return [(f"s3://{bucket}/{name}", item["Size"])]
                if key and not key.endswith("/") and name[len(key)] != "/":
                    continue  # "data/a" must not pick up "data/ab/…"
                relative = name[len(key) :].strip("/")
                if all(job.is_data_file_name(part) for part in relative.split("/")):
                    found.append((f"s3://{bucket}/{name}", item["Size"]))
        return sorted(found)

    def read_head(self, path: str, size: int) -> bytes:
        bucket, key = _split_s3(path)
        return self.s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{size - 1}")["Body"].read()

    def spark_path(self, path: str) -> str:
        return job.hadoop_literal_path(path)


class _S3Upload(io.BytesIO):
    """Part files are at most max-file-bytes (50 MiB): buffered, then one PUT on close."""

    def __init__(self, s3, bucket: str, key: str):
        super().__init__()
        self.s3, self.bucket, self.key = s3, bucket, key

    def close(self) -> None:
        if not self.closed:
            self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=self.getvalue())
        super().close()


class S3OutputStore:
    def __init__(self, url: str):
        import boto3  # type: ignore[import-not-found]

        self.s3 = boto3.client("s3")
        self.bucket, prefix = _split_s3(url)
        self.prefix = prefix.rstrip("/")

    # The executors write the part files: the store travels to them without its client, which each
    # process makes anew (a boto3 client cannot be pickled).
    def __getstate__(self) -> dict:
        return {"bucket": self.bucket, "prefix": self.prefix}

    def __setstate__(self, state: dict) -> None:
        import boto3  # type: ignore[import-not-found]

        self.bucket, self.prefix = state["bucket"], state["prefix"]
        self.s3 = boto3.client("s3")

    def _key(self, relative_path: str) -> str:
        return f"{self.prefix}/{relative_path}" if self.prefix else relative_path

    def open_write(self, relative_path: str) -> BinaryIO:
        return _S3Upload(self.s3, self.bucket, self._key(relative_path))

    def write_atomically(self, relative_path: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self._key(relative_path), Body=data)  # a PUT is atomic

    def remove(self, relative_path: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self._key(relative_path))

    def list(self, relative_folder: str) -> list[str]:
        prefix = self._key(relative_folder) + "/"
        names = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            names.extend(f"{relative_folder}/{item['Key'][len(prefix) :]}" for item in page.get("Contents", []))
        return sorted(names)


# ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    try:
        arguments = parse_arguments(argv)
        config = job.JobConfig(
            inputs=arguments.input,
            mapping=parse_json_argument("mapping", arguments.mapping),
            options=parse_json_argument("options", arguments.options),
            max_file_bytes=arguments.max_file_bytes,
            rules=transforms.load_rules(rules_path(arguments.rules_path)),
            header=arguments.header,
        )
        if config.header not in job.HEADER_MODES:
            raise transforms.UsageError(
                f"--header must be one of {', '.join(job.HEADER_MODES)} (got {config.header!r}). Use present when the "
                "first row names the columns, absent when it is already data."
            )
        # Argument mistakes are reported before Spark starts.
        transforms.validate_mapping(config.mapping, config.rules)
        transforms.resolve_options(config.options, config.rules)
        input_store = (
            S3InputStore() if any(path.startswith("s3://") for path in config.inputs) else job.LocalInputStore()
        )
        output = (
            S3OutputStore(arguments.output)
            if arguments.output.startswith("s3://")
            else job.LocalOutputStore(arguments.output)
        )
        if getResolvedOptions is not None:
            from pyspark.sql import SparkSession

            spark = SparkSession.builder.getOrCreate()
        else:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            spark = job.local_spark()
        job.ship_job_modules(spark)
        manifest = job.run_transform(spark, config, input_store, output)
    except transforms.UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary = {
        t: {"unique": c["unique"], "rejected": sum(c["rejected"].values())} for t, c in manifest["types"].items()
    }
    print(
        json.dumps(
            {"recordsRead": manifest["recordsRead"], "malformedRecords": manifest["malformedRecords"], "types": summary}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
