"""Plays the Glue service for the cloud tests: one local Spark session, started once per test run, that
runs the real job script (amplify/custom/glue-transform/job/main.py) against moto's S3.

Spark reads `s3://` through hadoop-aws (S3A, mapped to the s3 scheme as EMRFS is on Glue) pointed at moto,
path-style, fake credentials; main.py's S3 stores use boto3, which takes moto's address from
AWS_ENDPOINT_URL. hadoop-aws 3.3.4 (PySpark 3.5's Hadoop line) and its aws-java-sdk-bundle come from
Maven Central through spark.jars.packages, cached under .venv/ivy2.

Serves HTTP on 127.0.0.1 and a free port (printed as {"port": N} on the first line of stdout):
  POST /runs {"argv": [...], "cwd": "..."} → {"exitCode", "errorMessage", "stdout", "stderr", "s3Calls"}
(s3Calls: the driver's boto3 calls; part files written by executor tasks use their own clients.)
Runs are serialized (one Spark session). Ends when standard input closes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
JOB_DIR = REPO / "amplify" / "custom" / "glue-transform" / "job"
IVY_SETTINGS = Path(__file__).resolve().parent / "ivysettings.xml"
HADOOP_AWS = "org.apache.hadoop:hadoop-aws:3.3.4"  # must match pyspark's hadoop-client jars (3.3.4)

sys.path.insert(0, str(JOB_DIR))
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable


def start_spark(endpoint: str):
    import audience_job

    from pyspark.sql import SparkSession

    s3a = {
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.endpoint.region": os.environ.get("AWS_REGION", "us-east-1"),
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.access.key": os.environ["AWS_ACCESS_KEY_ID"],
        "fs.s3a.secret.key": os.environ["AWS_SECRET_ACCESS_KEY"],
        "fs.s3a.attempts.maximum": "1",
        "fs.s3a.retry.limit": "1",
    }
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("cloud-tests-glue")
        .config("spark.jars.packages", HADOOP_AWS)
        .config("spark.jars.ivySettings", str(IVY_SETTINGS))
        .config("spark.jars.ivy", str(REPO / ".venv" / "ivy2"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
    )
    for key, value in s3a.items():
        builder = builder.config(f"spark.hadoop.{key}", value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    audience_job.ship_job_modules(spark)
    return spark


class S3CallRecorder:
    """Every S3 call boto3 makes in this process (main.py's stores), in order: operation, bucket, key/prefix, range."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, params, model, **_kwargs):
        call = {"operation": model.name, "bucket": params.get("Bucket")}
        for name in ("Key", "Prefix", "Range"):
            if name in params:
                call[name.lower()] = params[name]
        self.calls.append(call)


def main() -> int:
    import boto3

    endpoint = os.environ["AWS_ENDPOINT_URL"]
    spark = start_spark(endpoint)

    boto3.setup_default_session()
    recorder = S3CallRecorder()
    boto3.DEFAULT_SESSION.events.register("provide-client-params.s3", recorder)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):  # quiet
            pass

        def _reply(self, status: int, body: dict):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._reply(200, {"ok": True, "spark": spark.version})

        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["content-length"])))
            with lock:
                self._reply(200, run(request))

    def run(request: dict) -> dict:
        recorder.calls = []
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        error_message = None
        previous = os.getcwd()
        os.chdir(request.get("cwd") or previous)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    # As Glue runs it: the script as __main__ (so what it ships to executors is pickled by value).
                    sys.argv = [str(JOB_DIR / "main.py"), *request["argv"]]
                    try:
                        runpy.run_path(str(JOB_DIR / "main.py"), run_name="__main__")
                        exit_code = 0
                    except SystemExit as exited:
                        exit_code = exited.code if isinstance(exited.code, int) else (0 if exited.code is None else 1)
                except Exception as error:  # what Glue reports for a script that raised
                    exit_code = 1
                    error_message = f"{type(error).__name__}: {error}"
                    traceback.print_exc()
        finally:
            os.chdir(previous)
        return {
            "exitCode": exit_code,
            "errorMessage": error_message,
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
            "s3Calls": recorder.calls,
            "seconds": round(time.monotonic() - started, 3),
        }

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdin.read()
    server.shutdown()
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
