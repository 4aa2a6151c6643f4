"""Shared fixtures of the Glue job's tests: one local SparkSession for the whole run, the rules file,
and a helper that runs the job the way main.py does. Tests never read /work/shared."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JOB_DIR = REPO / "amplify" / "custom" / "glue-transform" / "job"
RULES_PATH = REPO / "src" / "core" / "identifiers" / "rules.json"
FIXTURES = REPO / "tests" / "fixtures"

if str(JOB_DIR) not in sys.path:
    sys.path.insert(0, str(JOB_DIR))
# Spark's Python workers must run this interpreter (the .venv with the pinned packages).
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

import audience_job  # noqa: E402
import audience_transforms  # noqa: E402


@pytest.fixture(scope="session")
def spark():
    session = audience_job.local_spark("glue-tests", cores=2)
    session.sparkContext.setLogLevel("ERROR")
    audience_job.ship_job_modules(session)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def rules() -> dict:
    return audience_transforms.load_rules(str(RULES_PATH))


def run_job(
    spark, inputs, mapping, out, options=None, max_file_bytes=audience_job.DEFAULT_MAX_FILE_BYTES, header="auto"
) -> dict:
    """Runs the transform on local paths; returns the manifest as read back from manifest.json."""
    config = audience_job.JobConfig(
        inputs=[str(path) for path in inputs],
        mapping=mapping,
        options=options or {},
        max_file_bytes=max_file_bytes,
        rules=audience_transforms.load_rules(str(RULES_PATH)),
        header=header,
    )
    audience_job.run_transform(spark, config, audience_job.LocalInputStore(), audience_job.LocalOutputStore(str(out)))
    return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))


def read_digests(out: Path, manifest: dict, identifier_type: str) -> list[str]:
    """Every digest line of a type's part files, in file order."""
    lines: list[str] = []
    for entry in manifest["types"][identifier_type]["files"]:
        lines.extend((Path(out) / entry["path"]).read_text(encoding="ascii").splitlines())
    return lines


def load_vectors() -> list[dict]:
    vectors = []
    for path in sorted(FIXTURES.glob("normalization-vectors*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if line.strip():
                vector = json.loads(line)
                vector.setdefault("id", f"{path.stem}:{number}")
                vectors.append(vector)
    return vectors
