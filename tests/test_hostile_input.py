"""Hostile input: whatever a file, a setting, a cache entry or a command line holds, atlas
answers with one clear problem (rule id, file, line) or message, never an internal error
(exit 70), a hang or a read without end; and lint's work grows with the problems and keys
of a file, not with their square (bench/lint_problems_bench.py measures it)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from helpers import GOOD, good, lint, rules_of, run_atlas, write_record

from atlas_cli.core.records import render_record

# --- lint stays linear in the problems of one file ---------------------------------------------


def test_fifty_thousand_unknown_keys_are_each_reported_at_their_own_line(atlas: Path):
    text = render_record(GOOD)
    first = text.count("\n") + 1
    keys = "yaer: 1\n" + "".join(f"k{i}: 1\n" for i in range(49_999))
    write_record(atlas, text + keys, "fluge-2019-b-lymphocyte.yaml")
    done = run_atlas("lint", "--format", "json", cwd=atlas)
    assert done.returncode == 1, done.stderr
    unknown = [p for p in json.loads(done.stdout) if p["message"].startswith("unknown key")]
    assert len(unknown) == 50_000
    assert [p["line"] for p in unknown] == list(range(first, first + 50_000))
    assert unknown[0]["message"] == "unknown key `yaer` in the record; did you mean `year`?"


def test_a_list_of_text_mixed_with_numbers_and_mappings_is_checked_item_by_item(atlas: Path):
    items = [*range(20_000), *(f"r{i}" for i in range(20_000)), {"a": 1}, "r7", {"a": 1}, True, 1]
    write_record(atlas, good(related=items))
    result = lint(atlas)
    messages = [p.message for p in result.problems if p.rule == "schema"]
    assert (
        sum(m.startswith("`related[") and "must be text" in m for m in messages) == 20_000 + 4
    )  # the numbers, the mappings, true
    twice = [m for m in messages if "twice" in m]
    assert twice == ["`related` lists 'r7' twice"]  # the first repeat named; true is not 1


def test_thousands_of_disable_comments_each_apply_to_the_next_line_with_content(atlas: Path):
    write_record(atlas, good(slug="fluge-2019-b-lymphocyte-copy", doi="10.7326/M18-1452", pmid=None, title="Erratum"))
    text = render_record(good(title="Erratum"))
    write_record(atlas, text, "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == ["duplicate-title"]
    comments = "# atlas: disable=duplicate-title\n# a comment\n" * 10_000
    write_record(atlas, text.replace("title: Erratum\n", comments + "title: Erratum\n"), "fluge-2019-b-lymphocyte.yaml")
    assert rules_of(lint(atlas)) == []


# --- numbers too long to read ----------------------------------------------------------------

LONG_NUMBER = "9" * 5_000  # Python refuses to convert an integer of more than 4,300 digits


def test_a_number_of_five_thousand_digits_is_one_problem_and_the_other_records_still_work(atlas: Path):
    write_record(atlas, GOOD)
    text = render_record(good(slug="mella-2020-other-trial", doi="10.7326/M20-0001", pmid=None, title="Other"))
    line = text.splitlines().index("year: 2019") + 1
    write_record(atlas, text.replace("year: 2019", f"year: {LONG_NUMBER}"), "mella-2020-other-trial.yaml")
    done = run_atlas("lint", "--format", "json", cwd=atlas)
    assert done.returncode == 1, done.stderr
    [problem] = json.loads(done.stdout)
    assert (problem["rule"], problem["path"], problem["line"]) == (
        "yaml-number",
        "records/mella-2020-other-trial.yaml",
        line,
    )
    assert "a number of 5,000 characters" in problem["message"]
    show = run_atlas("show", GOOD["slug"], cwd=atlas)
    assert show.returncode == 0 and GOOD["title"] in show.stdout, show.stderr
    listed = run_atlas("list", "--format", "json", cwd=atlas)
    assert listed.returncode == 0 and GOOD["slug"] in listed.stdout, listed.stderr
    stats = run_atlas("stats", cwd=atlas)
    assert stats.returncode == 0 and "2 records (1 unreadable)" in stats.stdout, stats.stderr
    export = run_atlas("export", cwd=atlas)  # 1: a record was left out, and said so
    assert export.returncode == 1 and "@article{mecfsatlas-fluge-2019-b-lymphocyte" in export.stdout
    assert "mella-2020-other-trial.yaml:" in export.stderr and "Traceback" not in export.stderr
    build = run_atlas("build", cwd=atlas)
    assert build.returncode == 1 and (atlas / "site" / "evidence" / GOOD["slug"] / "index.html").is_file()
    assert "a number of 5,000 characters" in build.stderr


def test_a_float_beyond_the_largest_is_refused_too(atlas: Path):
    write_record(atlas, render_record(GOOD).replace("year: 2019", "year: 1e999"), "fluge-2019-b-lymphocyte.yaml")
    problems = lint(atlas).problems
    assert [(p.rule, p.message) for p in problems] == [("yaml-number", "the number 1e999 is beyond the largest number")]


def test_a_number_of_five_thousand_digits_in_a_registry_names_its_file_and_line(atlas: Path):
    schemas = copy_schemas(atlas)
    text = (schemas / "criteria.yaml").read_text(encoding="utf-8")
    line = text.splitlines().index("    year: 1988") + 1
    (schemas / "criteria.yaml").write_text(text.replace("year: 1988", f"year: {LONG_NUMBER}", 1), encoding="utf-8")
    done = run_atlas("list", cwd=atlas)
    assert done.returncode == 2, done.stderr
    assert f"schemas/criteria.yaml:{line}:11: a number of 5,000 characters" in done.stderr


def copy_schemas(atlas: Path) -> Path:
    """The shipped schemas/ copied into the atlas (atlas reads the atlas's own first)."""
    from helpers import REPO

    (atlas / "schemas").mkdir()
    for source in (REPO / "schemas").iterdir():
        if source.is_file():
            (atlas / "schemas" / source.name).write_bytes(source.read_bytes())
    return atlas / "schemas"


# --- encodings a curator's editor may save, and characters pasted from a PDF ---------------------


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32"), ("utf-16-be", "UTF-16")])
def test_a_record_saved_as_utf16_or_utf32_is_named_so_not_binary(atlas: Path, encoding: str, name: str):
    raw = render_record(GOOD).encode(encoding)
    raw = b"\xfe\xff" + raw if encoding == "utf-16-be" else raw  # Python writes the mark only for the native order
    write_record(atlas, raw, "fluge-2019-b-lymphocyte.yaml")
    [problem] = lint(atlas).problems
    assert problem.rule == "yaml-encoding" and "binary" not in problem.message
    assert problem.message == f"file is {name} text (it starts with a {name} byte-order mark); records are UTF-8"


def test_a_pasted_line_separator_is_named_where_it_is(atlas: Path):
    text = render_record(GOOD)
    line = text.splitlines().index("journal: Annals of internal medicine") + 1
    write_record(atlas, text.replace("journal: Annals of", "journal: Annals\u2028of"), "fluge-2019-b-lymphocyte.yaml")
    [problem] = lint(atlas).problems
    assert (problem.rule, problem.line, problem.column) == ("yaml-syntax", line, 16)
    assert f"line {line} holds U+2028 LINE SEPARATOR at column 16" in problem.message
    assert "replace it with a space" in problem.hint


# --- JSON and TOML nested too deeply, settings that are not what they name ------------------------

DEEP_JSON = "[" * 100_000 + "]" * 100_000  # Python's parser raises RecursionError on it


def test_a_build_manifest_nested_too_deeply_is_not_trusted_and_the_site_is_checked_in_full(atlas: Path):
    write_record(atlas, GOOD)
    assert run_atlas("build", cwd=atlas).returncode == 0
    page = atlas / "site" / "evidence" / GOOD["slug"] / "index.html"
    page.write_text("tampered", encoding="utf-8")
    (atlas / "site" / ".atlas-build.json").write_text(DEEP_JSON, encoding="utf-8")
    done = run_atlas("build", cwd=atlas)
    assert done.returncode == 0, done.stderr
    assert GOOD["title"] in page.read_text(encoding="utf-8")  # the manifest was not believed: the page was checked
    assert json.loads((atlas / "site" / ".atlas-build.json").read_bytes())["format"]  # and written anew


def test_cache_entries_nested_too_deeply_or_that_are_pipes_are_misses(tmp_path: Path):
    import os

    from helpers import new_atlas, run_atlas_process

    from atlas_cli.core import jsonio

    root = new_atlas(tmp_path / "atlas")
    cache = tmp_path / "cache"
    (cache / "crossref").mkdir(parents=True)
    (cache / "crossref" / "10.1234_deep.json").write_text(
        '{"doi": "10.1234/deep", "via_redirect": false, "response": ' + DEEP_JSON + "}", encoding="utf-8"
    )
    nested = "[" * (jsonio.MAX_DEPTH + 1) + "]" * (jsonio.MAX_DEPTH + 1)  # parses, but deeper than any answer
    (cache / "crossref" / "10.1234_nested.json").write_text(
        '{"doi": "10.1234/nested", "via_redirect": false, "response": ' + nested + "}", encoding="utf-8"
    )
    os.mkfifo(cache / "crossref" / "10.1234_pipe.json")
    done = run_atlas_process(
        "add",
        "--offline",
        "--no-pubmed",
        "10.1234/deep",
        "10.1234/nested",
        "10.1234/pipe",
        cwd=root,
        cache=cache,
        timeout=60,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed")]
    assert len(failed) == 3 and all("not in the cache" in line for line in failed), done.stderr


@pytest.mark.parametrize("nested", [DEEP_JSON, "[" * 100 + "]" * 100])
def test_a_crossref_answer_nested_too_deeply_fails_the_doi_with_a_reason(tmp_path: Path, fake, nested: str):
    from fake_services import Reply
    from helpers import assert_clean_failure, service_atlas

    atlas = service_atlas(tmp_path, fake)
    fake.script("10.1234/deep", *[Reply(body='{"status": "ok", "message": ' + nested + "}")] * 5)
    done = atlas.run("add", "--no-pubmed", "10.1234/deep")
    assert done.returncode == 3, done.stderr
    assert_clean_failure(done, "10.1234/deep", "nested more than 64 levels deep")
    kept = [p for p in atlas.cache.rglob("*.json") if p.parent.name != "settings"]  # the settings file is kept
    assert atlas.record_files() == [] and not kept


@pytest.mark.parametrize(
    "value, message",
    [
        ("[" * 100_000 + "]" * 100_000, "not valid TOML: nested too deeply"),
        (LONG_NUMBER, "not valid TOML: a number longer than 4,300 digits"),
    ],
)
def test_atlas_toml_nested_too_deeply_or_with_a_huge_number_is_a_config_error(atlas: Path, value: str, message: str):
    with (atlas / "atlas.toml").open("a", encoding="utf-8") as toml:
        toml.write(f"hostile = {value}\n")
    done = run_atlas("lint", cwd=atlas)
    assert done.returncode == 2, done.stderr
    assert f"atlas.toml: {message}" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "value, message",
    [
        ("r" * 5_000, "`records_dir` is 5,000 characters long"),
        ("rec\\u0000ords", "`records_dir` 'rec\\u0000ords' is not a folder name"),
        ("../outside", "`records_dir` '../outside' is not a folder inside the atlas"),
        ("/tmp", "`records_dir` '/tmp' is not a folder inside the atlas"),
        ("records/../../outside", "is not a folder inside the atlas"),
    ],
)
def test_a_records_dir_that_is_not_a_folder_inside_the_atlas_is_a_config_error(atlas: Path, value: str, message: str):
    (atlas.parent / "outside").mkdir()
    with (atlas / "atlas.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'records_dir = "{value}"\n')
    for command in ("lint", "list", "build"):
        done = run_atlas(command, cwd=atlas)
        assert done.returncode == 2, (command, done.stderr)
        assert message in done.stderr and "atlas.toml" in done.stderr, done.stderr
    assert sorted(p.name for p in atlas.parent.iterdir()) == ["atlas", "outside"] and not any(
        (atlas.parent / "outside").iterdir()
    )


def test_a_records_dir_linked_outside_the_atlas_is_refused(atlas: Path):
    (atlas.parent / "outside").mkdir()
    (atlas / "linked").symlink_to(atlas.parent / "outside")
    with (atlas / "atlas.toml").open("a", encoding="utf-8") as toml:
        toml.write('records_dir = "linked"\n')
    done = run_atlas("list", cwd=atlas)
    assert done.returncode == 2 and "`records_dir` 'linked' leads outside the atlas" in done.stderr


def test_a_records_dir_inside_the_atlas_still_works(atlas: Path):
    (atlas / "papers" / "curated").mkdir(parents=True)
    write_record(atlas, GOOD, "../papers/curated/fluge-2019-b-lymphocyte.yaml")
    with (atlas / "atlas.toml").open("a", encoding="utf-8") as toml:
        toml.write('records_dir = "./papers/curated/"\n')
    done = run_atlas("lint", cwd=atlas)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 record checked" in done.stdout + done.stderr


# --- registries and screening decisions: shapes named, only regular files read ------------------


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        (
            "criteria.yaml",
            'aliases: ["CDC 1988", "Holmes criteria", "Holmes 1988"]',
            "aliases: 5",
            "`aliases` must be a list of text, got 5",
        ),
        ("topics.yaml", "group: immune", "group: [immune, other]", "`group` must be text, got a list"),
        ("criteria.yaml", "year: 1988", "year: [1988]", "`year` must be a year, got a list"),
        ("designs.yaml", "participants: true", "participants: 5", "participants must be true or false"),
    ],
)
def test_a_registry_value_of_the_wrong_shape_names_its_file_and_line(
    atlas: Path, file: str, old: str, new: str, message: str
):
    schemas = copy_schemas(atlas)
    text = (schemas / file).read_text(encoding="utf-8")
    line = next(number for number, content in enumerate(text.splitlines(), start=1) if old in content)
    (schemas / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    write_record(atlas, GOOD)
    for command in ("list", "build", "lint"):
        done = run_atlas(command, cwd=atlas)
        assert done.returncode in (1, 2) and "Traceback" not in done.stderr, (command, done.stderr)
        shown = done.stdout + done.stderr
        assert message in shown, (command, shown)
        assert f"schemas/{file}:{line}:" in shown, (command, shown)


def test_a_registry_or_the_screening_file_that_is_a_named_pipe_is_refused_not_waited_on(atlas: Path):
    import os

    from helpers import run_atlas_process

    write_record(atlas, GOOD)
    schemas = copy_schemas(atlas)
    (schemas / "topics.yaml").unlink()
    os.mkfifo(schemas / "topics.yaml")
    for command in ("lint", "list", "build"):
        done = run_atlas_process(command, cwd=atlas, timeout=60)
        assert done.returncode == 2, (command, done.stderr)
        assert "topics.yaml" in done.stdout + done.stderr and "is a named pipe" in done.stdout + done.stderr
    (schemas / "topics.yaml").unlink()
    (schemas / "topics.yaml").write_bytes((Path(__file__).parent.parent / "schemas" / "topics.yaml").read_bytes())
    os.mkfifo(atlas / "screening.yaml")
    done = run_atlas_process("lint", "--format", "json", cwd=atlas, timeout=60)
    assert done.returncode == 2, done.stderr
    [problem] = json.loads(done.stdout)
    assert (problem["path"], problem["rule"]) == ("screening.yaml", "file-unreadable")
    assert "named pipe" in problem["message"] and "screening decisions are plain files" in problem["hint"]


# --- the command line ----------------------------------------------------------------------------


def test_lint_of_an_empty_path_is_a_usage_error_not_the_whole_atlas(atlas: Path):
    write_record(atlas, good(title=""))  # the atlas has a problem: an empty path must not hide it as "ok"
    for args in ([""], ["records", ""], ["--", ""], ["--strict", "records", "--", "records", ""]):
        done = run_atlas("lint", *args, cwd=atlas)
        assert done.returncode == 2 and "an empty path" in done.stderr, done.stderr
        assert done.stdout == ""
    assert "(argument 2)" in run_atlas("lint", "records", "", cwd=atlas).stderr


@pytest.mark.parametrize("command", [["lint"], ["lint", "records/fluge-2019-b-lymphocyte.yaml"], ["build"]])
@pytest.mark.parametrize("jobs", ["9" * 5_000, "99999999999999999999", "100000", "0"])
def test_jobs_out_of_bounds_is_refused_before_any_worker_starts(atlas: Path, command: list[str], jobs: str):
    from atlas_cli.core.workers import MAX_JOBS

    write_record(atlas, GOOD)
    done = run_atlas(*command, "--jobs", jobs, cwd=atlas)
    assert done.returncode == 2 and "--jobs" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert str(MAX_JOBS) in done.stderr or jobs == "0" or len(jobs) > 4_300  # (the parser: "exceeded maximum size")
    assert not (atlas / "site").exists()


def test_workers_are_never_more_than_the_chunks_of_work(monkeypatch):
    from atlas_cli.core import workers

    started: list[int] = []

    class Pool:
        def __init__(self, count: int, **_: object) -> None:
            started.append(count)
            raise RuntimeError("stop here")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", Pool)
    with pytest.raises(RuntimeError):
        workers.map_chunks(lambda items: items, list(range(500)), jobs=10**6, min_items=400)
    assert started == [min(workers.MAX_JOBS, 500 // 16 + 1)]


def test_random_bytes_on_add_from_stdin_are_a_usage_error(atlas: Path):
    import random
    import subprocess

    from helpers import atlas_command, clean_env

    noise = random.Random(15).randbytes(4096)
    assert b"\xff" in noise
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run(
            atlas_command("add", "--offline", "--from", "-"),
            cwd=atlas,
            env={**clean_env(None, cache), "PYTHONIOENCODING": "utf-8"},
            input=noise,
            capture_output=True,
            timeout=60,
        )
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, stderr
    assert "--from -: not a UTF-8 text file (the byte at offset" in stderr and "Traceback" not in stderr


def test_a_record_file_name_that_is_not_utf8_is_reported_and_shown_escaped(atlas: Path):
    import os

    write_record(atlas, GOOD)
    name = os.fsdecode(b"fluge-\xff\xfe.yaml")
    write_record(atlas, good(slug="mella-2020-other-trial", doi="10.7326/M20-0001", pmid=None), name)
    for args in (["lint"], ["lint", "--format", "json"], ["lint", "--format", "sarif"], ["lint", "--format", "github"]):
        done = run_atlas(*args, cwd=atlas)
        assert done.returncode == 1 and "Traceback" not in done.stderr, (args, done.stderr)
        assert "\udcff" not in done.stdout
    sarif = json.loads(run_atlas("lint", "--format", "sarif", cwd=atlas).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "records/fluge-%FF%FE.yaml" in uris
    text = run_atlas("lint", cwd=atlas).stdout
    assert "records/fluge-\\udcff\\udcfe.yaml" in text
    for command in (["list"], ["stats"], ["export"], ["build"]):
        done = run_atlas(*command, cwd=atlas)
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, (command, done.stderr)
        assert "\udcff" not in done.stdout + done.stderr
    assert (atlas / "site" / "evidence" / GOOD["slug"] / "index.html").is_file()


# --- atlas add never writes what atlas lint refuses for its size --------------------------------


def test_add_keeps_the_first_authors_of_forty_thousand_and_says_so(tmp_path: Path, fake):
    from fake_services import work
    from helpers import service_atlas

    from atlas_cli.add.draft import DRAFT_MAX_BYTES, KEPT_AUTHORS
    from atlas_cli.core.yamlio import MAX_BYTES

    atlas = service_atlas(tmp_path, fake)
    authors = [{"given": "Ann", "family": f"Author{i}", "sequence": "additional"} for i in range(40_000)]
    fake.add_work(work("10.5555/consortium", "A study by everyone", author=authors))
    done = atlas.run("add", "--no-pubmed", "10.5555/consortium")
    assert done.returncode == 0, done.stderr
    assert f"Crossref lists 40,000 authors; the first {KEPT_AUTHORS} are kept (et al.)" in done.stderr
    [path] = atlas.record_files()
    assert path.stat().st_size <= DRAFT_MAX_BYTES < MAX_BYTES
    record = atlas.load(path.stem)
    assert [a["family"] for a in record["authors"]] == [f"Author{i}" for i in range(KEPT_AUTHORS)]
    assert record["notes"] == f"Crossref lists 40,000 authors; the first {KEPT_AUTHORS} are kept (et al.)."
    assert record["flags"] == ["authors-truncated"]
    assert [p for p in lint(atlas.root).problems if p.severity == "error"] == []
    bibtex = atlas.run("cite", "--format", "bibtex", path.stem).stdout
    assert f"Author{KEPT_AUTHORS - 1}, Ann and others}}," in bibtex  # BibTeX's "et al." closes the list


def test_add_keeps_every_author_of_a_record_that_fits(tmp_path: Path, fake):
    from fake_services import work
    from helpers import service_atlas

    atlas = service_atlas(tmp_path, fake)
    authors = [{"given": "Ann", "family": f"Author{i}", "sequence": "additional"} for i in range(2_000)]
    fake.add_work(work("10.5555/big-team", "A study by a big team", author=authors))
    done = atlas.run("add", "--no-pubmed", "10.5555/big-team")
    assert done.returncode == 0, done.stderr
    [path] = atlas.record_files()
    record = atlas.load(path.stem)
    assert len(record["authors"]) == 2_000 and "notes" not in record and "et al." not in done.stderr


def test_add_fails_a_doi_whose_title_is_a_megabyte_and_writes_nothing(tmp_path: Path, fake):
    from fake_services import work
    from helpers import assert_clean_failure, service_atlas

    atlas = service_atlas(tmp_path, fake)
    fake.add_work(work("10.5555/huge-title", "Words " * 190_000))  # 1.1 MB
    fake.add_work(work("10.5555/fine", "A fine study"))
    done = atlas.run("add", "--no-pubmed", "10.5555/huge-title", "10.5555/fine")
    assert done.returncode == 1, done.stderr
    line = assert_clean_failure(done, "10.5555/huge-title", "too large for a record", "`title` (1,139,999 characters)")
    assert "at most 1 MB" in line
    assert [p.name for p in atlas.record_files()] == ["smith-2020-fine-study.yaml"]


def test_add_by_pmid_keeps_the_first_authors_too(tmp_path: Path, fake):
    from helpers import service_atlas

    from atlas_cli.add.draft import KEPT_AUTHORS

    atlas = service_atlas(tmp_path, fake)
    fake.add_pubmed_record("41000001", title="A study by everyone.", authors=[f"Author{i} A" for i in range(40_000)])
    done = atlas.run("add", "41000001")
    assert done.returncode == 0, done.stderr
    assert f"PubMed lists 40,000 authors; the first {KEPT_AUTHORS} are kept (et al.)" in done.stderr
    [path] = atlas.record_files()
    record = atlas.load(path.stem)
    assert len(record["authors"]) == KEPT_AUTHORS and record["notes"].endswith("are kept (et al.).")
