"""Bad inputs give the engine's rejects or its clear errors: malformed JSON lines and CSV rows,
mixed kinds in one column, an empty file, a missing mapped column, bad arguments."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest

import audience_transforms
import main as job_main
from conftest import RULES_PATH, read_digests, run_job


def rejects_of(out):
    with (out / "rejects.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def bad_files_job(spark, tmp_path_factory):
    """One run over three bad files (record numbers restart per file)."""
    folder = tmp_path_factory.mktemp("bad") / "input"
    folder.mkdir()
    (folder / "1-lines.jsonl").write_text(
        '{"email":"a@example.com","phone":null}\n'
        '{"email": "b@example.com"\n'  # does not parse
        "[1,2]\n"  # not an object
        "\n"  # blank: not a record
        '"just text"\n'
        '{"email":"c@example.com"}\n',
        encoding="utf-8",
    )
    (folder / "2-rows.csv").write_text(
        "email,phone\r\n"
        '"multi\nline@example.com",6135550123\r\n'  # a quoted line break stays in the field
        "d@example.com\r\n"  # too few fields
        "e@example.com,1,extra\r\n"  # too many
        "\r\n"
        "f@example.com,+37493828222\r\n",
        encoding="utf-8",
    )
    (folder / "3-kinds.jsonl").write_text(
        "\n".join(
            [
                '{"email":"g@example.com","phone":6135550123}',  # integer → "6135550123"
                '{"phone":"6135550123"}',
                '{"phone":6135550123.0}',  # a float without fraction is an integer (JSON.parse cannot tell)
                '{"phone":1.5}',
                '{"phone":true}',
                '{"phone":{"n":1}}',
                '{"phone":[6135550123]}',
                '{"phone":1e400}',  # Infinity in JS
                '{"phone":14155552671}',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = folder.parent / "out"
    manifest = run_job(
        spark, [folder], [{"column": "email", "type": "EMAIL"}, {"column": "phone", "type": "PHONE"}], out
    )
    return folder, out, manifest


def test_malformed_records_are_counted_and_reported(bad_files_job):
    folder, out, manifest = bad_files_job
    assert manifest["recordsRead"] == 5 + 4 + 9
    assert manifest["malformedRecords"] == 3 + 2
    malformed = [row for row in rejects_of(out) if row[4] == "malformed_record"]
    assert malformed == [
        ["2", f"{folder}/1-lines.jsonl", "", "", "malformed_record"],
        ["3", f"{folder}/1-lines.jsonl", "", "", "malformed_record"],
        ["4", f"{folder}/1-lines.jsonl", "", "", "malformed_record"],
        ["2", f"{folder}/2-rows.csv", "", "", "malformed_record"],
        ["3", f"{folder}/2-rows.csv", "", "", "malformed_record"],
    ]


def test_mixed_kinds_in_one_column(bad_files_job):
    folder, out, manifest = bad_files_job
    phone = manifest["types"]["PHONE"]
    assert phone["rejected"] == {"not_text": 5}
    assert phone["valid"] == 2 + 4  # CSV: two phones; kinds file: three forms of one number and another
    assert read_digests(out, manifest, "PHONE") == sorted({sha("16135550123"), sha("37493828222"), sha("14155552671")})
    not_text = [row for row in rejects_of(out) if row[4] == "not_text"]
    assert [row[0] for row in not_text] == ["4", "5", "6", "7", "8"]
    assert all(row[1:4] == [f"{folder}/3-kinds.jsonl", "phone", "PHONE"] for row in not_text)


def test_emails_across_bad_files(bad_files_job):
    _folder, out, manifest = bad_files_job
    emails = ["a@example.com", "c@example.com", "multiline@example.com", "f@example.com", "g@example.com"]
    assert read_digests(out, manifest, "EMAIL") == sorted(sha(e) for e in emails)
    # Readable records without an email: 3-kinds.jsonl lines 2–9 (missing key) count as empty.
    assert manifest["types"]["EMAIL"]["empty"] == 8


def test_empty_file_gives_an_empty_result_like_the_engine(spark, tmp_path):
    source = tmp_path / "empty.jsonl"
    source.write_bytes(b"")
    manifest = run_job(spark, [source], [{"column": "email", "type": "EMAIL"}], tmp_path / "out")
    assert manifest["recordsRead"] == 0
    assert manifest["inputs"] == [{"path": str(source), "format": "jsonl", "compression": "none", "bytes": 0}]
    assert manifest["types"]["EMAIL"] == {
        "calculateType": "EMAIL_SHA256",
        "columns": ["email"],
        "valid": 0,
        "prehashed": 0,
        "empty": 0,
        "rejected": {},
        "duplicates": 0,
        "unique": 0,
        "files": [],
    }
    assert (tmp_path / "out" / "rejects.csv").read_text() == "record_number,source,column,identifier_type,reason\n"


def test_missing_mapped_column_names_the_real_columns(spark, tmp_path):
    source = tmp_path / "x.jsonl"
    source.write_text('{"a":1,"b":2}\n{"c":3}\n', encoding="utf-8")
    with pytest.raises(audience_transforms.UsageError) as error:
        run_job(spark, [source], [{"column": "email", "type": "EMAIL"}], tmp_path / "out")
    assert '"email" is not in the input. Its columns are: "a", "b", "c".' in str(error.value)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_missing_csv_column(spark, tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("E-Mail,phone\nsecret@example.com,1\n", encoding="utf-8")
    with pytest.raises(audience_transforms.UsageError) as error:
        run_job(spark, [source], [{"column": "e-mail", "type": "EMAIL"}], tmp_path / "out")
    message = str(error.value)
    assert '"e-mail" is not in the input. Its columns are: "E-Mail", "phone".' in message
    assert "secret" not in message  # never a raw value


def test_main_reports_usage_errors_with_exit_code_2(spark, tmp_path, capsys):
    source = tmp_path / "x.jsonl"
    source.write_text('{"mail":"a@example.com"}\n', encoding="utf-8")
    base = ["--input", str(source), "--output", str(tmp_path / "out"), "--rules-path", str(RULES_PATH)]
    assert job_main.main(base + ["--mapping", '[{"column":"email","type":"EMAIL"}]']) == 2
    assert '"email" is not in the input. Its columns are: "mail".' in capsys.readouterr().err
    assert job_main.main(base + ["--mapping", "not json"]) == 2
    assert "--mapping is not valid JSON" in capsys.readouterr().err
    assert job_main.main(base + ["--mapping", '[{"column":"mail","type":"FAX"}]']) == 2
    assert "Unknown identifier type 'FAX'" in capsys.readouterr().err
    assert (
        job_main.main(base + ["--mapping", '[{"column":"mail","type":"EMAIL"}]', "--options", '{"phoneRegion":"USA"}'])
        == 2
    )
    assert "phoneRegion must be an ISO 3166 alpha-2 code" in capsys.readouterr().err
    assert job_main.main(base + ["--mapping", '[{"column":"mail","type":"EMAIL"}]', "--header", "maybe"]) == 2
    assert "--header must be one of auto, present, absent (got 'maybe')" in capsys.readouterr().err


def test_main_header_option_reads_a_csv_of_bare_emails_either_way(spark, tmp_path, capsys):
    source = tmp_path / "emails.csv"
    source.write_text("alice@example.com\nbob@example.org\n", encoding="utf-8")
    base = ["--input", str(source), "--rules-path", str(RULES_PATH)]
    mapping = ["--mapping", '[{"column":"column_1","type":"EMAIL"}]']
    assert job_main.main(base + ["--output", str(tmp_path / "auto"), *mapping]) == 0
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["recordsRead"] == 2  # the first email is a record, not a column name
    assert read_digests(tmp_path / "auto", manifest, "EMAIL") == sorted(
        [sha("alice@example.com"), sha("bob@example.org")]
    )
    capsys.readouterr()
    assert job_main.main(base + ["--output", str(tmp_path / "present"), *mapping, "--header", "present"]) == 2
    error = capsys.readouterr().err
    assert '"column_1" is not in the input. Its columns are: "a***@e***.com".' in error
    assert "alice@example.com" not in error


def test_main_runs_the_job_and_prints_a_summary(spark, tmp_path, capsys):
    source = tmp_path / "x.jsonl"
    source.write_text('{"mail":"A@Example.com"}\n{"mail":"a@example.com"}\n', encoding="utf-8")
    code = job_main.main(
        [
            "--input",
            str(source),
            "--output",
            str(tmp_path / "out"),
            "--rules-path",
            str(RULES_PATH),
            "--mapping",
            '[{"column":"mail","type":"EMAIL"}]',
            "--options",
            '{"emailDots":"strip-all"}',
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary == {"recordsRead": 2, "malformedRecords": 0, "types": {"EMAIL": {"unique": 1, "rejected": 0}}}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["options"]["emailDots"] == "strip-all"
    assert read_digests(tmp_path / "out", manifest, "EMAIL") == [sha("a@example.com")]


def test_record_numbers_stay_in_file_order_across_split_partitions(spark, tmp_path):
    # Big JSON Lines files are split across tasks: force small splits and check the numbering.
    lines = []
    for number in range(1, 6001):
        lines.append("{broken" if number % 7 == 0 else json.dumps({"email": f"user{number}@example.com"}))
        if number % 500 == 0:
            lines.append("")  # blank lines are not records and take no number
    source = tmp_path / "big.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(16 * 1024))
    try:
        assert spark.read.text(str(source)).rdd.getNumPartitions() > 4
        manifest = run_job(spark, [source], [{"column": "email", "type": "EMAIL"}], tmp_path / "out")
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert manifest["recordsRead"] == 6000
    assert [int(row[0]) for row in rejects_of(tmp_path / "out")] == list(range(7, 6001, 7))
    assert manifest["types"]["EMAIL"]["unique"] == 6000 - 6000 // 7
