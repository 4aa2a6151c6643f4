"""The S3 stores of main.py (used on Glue) against an in-memory stand-in for boto3's S3 client:
prefix listing with the engine's skip rules, ranged reads, part-file uploads and deletes."""

from __future__ import annotations

import hashlib
import sys
import types

import pytest

import audience_job
import main as job_main


class FakeS3:
    def __init__(self, objects: dict[tuple[str, str], bytes]):
        self.objects = dict(objects)
        self.puts: list[str] = []

    def get_paginator(self, name: str):
        assert name == "list_objects_v2"
        fake = self

        class Paginator:
            def paginate(self, Bucket: str, Prefix: str):
                keys = sorted(key for bucket, key in fake.objects if bucket == Bucket and key.startswith(Prefix))
                for start in range(0, len(keys), 2):  # several pages
                    yield {
                        "Contents": [
                            {"Key": key, "Size": len(fake.objects[(Bucket, key)])} for key in keys[start : start + 2]
                        ]
                    }

        return Paginator()

    def get_object(self, Bucket: str, Key: str, Range: str):
        first, last = (int(part) for part in Range.removeprefix("bytes=").split("-"))
        body = self.objects[(Bucket, Key)][first : last + 1]
        return {"Body": types.SimpleNamespace(read=lambda: body)}

    def put_object(self, Bucket: str, Key: str, Body: bytes):
        self.objects[(Bucket, Key)] = bytes(Body)
        self.puts.append(Key)

    def delete_object(self, Bucket: str, Key: str):
        self.objects.pop((Bucket, Key), None)


@pytest.fixture
def fake_s3(monkeypatch):
    s3 = FakeS3(
        {
            ("b", "in/part-00000.csv"): b"email\na@example.com\n",
            ("b", "in/part-00001.csv"): b"email\nb@example.com\n",
            ("b", "in/_SUCCESS"): b"",
            ("b", "in/part-00000.csv.crc"): b"x",
            ("b", "in/.hidden"): b"x",
            ("b", "in/_temporary/0/part-9.csv"): b"x",
            ("b", "in/sub/part-00002.jsonl"): b"{}\n",
            ("b", "in/manifest.json"): b"{}",
            ("b", "inbox/other.csv"): b"x",
        }
    )
    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=lambda name: s3))
    return s3


def test_prefix_listing_skips_markers_and_sibling_prefixes(fake_s3):
    store = job_main.S3InputStore()
    expected = [
        ("s3://b/in/part-00000.csv", 20),
        ("s3://b/in/part-00001.csv", 20),
        ("s3://b/in/sub/part-00002.jsonl", 3),
    ]
    assert store.list_files("s3://b/in") == expected
    assert store.list_files("s3://b/in/") == expected
    assert store.list_files("s3://b/in/part-00001.csv") == [("s3://b/in/part-00001.csv", 20)]
    assert store.list_files("s3://b/nothing") == []


def test_ranged_read_and_format_detection(fake_s3):
    store = job_main.S3InputStore()
    assert store.read_head("s3://b/in/part-00000.csv", 5) == b"email"
    detected = audience_job.detect_input("s3://b/in/part-00000.csv", 20, store)
    assert (detected.format, detected.compression, detected.delimiter) == ("csv", "none", ",")
    assert store.spark_path("s3://b/in/a[1].csv") == "s3://b/in/a\\[1\\].csv"


def test_output_store_uploads_parts_and_manifest(fake_s3):
    output = job_main.S3OutputStore("s3://b/out/run-1/")
    first = ("0" * 64 + "\n" + "1" * 64 + "\n").encode()
    entry = audience_job.write_part_chunks("email_sha256/part-00000.csv", [(first[:65], 1), (first[65:], 1)], output)
    audience_job.write_part_chunks("email_sha256/part-00001.csv", [(("2" * 64 + "\n").encode(), 1)], output)
    assert entry == {
        "path": "email_sha256/part-00000.csv",
        "rows": 2,
        "bytes": 130,
        "md5": hashlib.md5(first).hexdigest(),
    }
    assert fake_s3.objects[("b", "out/run-1/email_sha256/part-00000.csv")] == first
    assert output.list("email_sha256") == ["email_sha256/part-00000.csv", "email_sha256/part-00001.csv"]
    output.write_atomically("manifest.json", b"{}\n")
    assert fake_s3.puts[-1] == "out/run-1/manifest.json"
    audience_job.prepare_output(output, {"identifierTypes": {"EMAIL": {"outputFolder": "email_sha256"}}})
    assert [key for _bucket, key in fake_s3.objects if key.startswith("out/")] == []
