"""The lint index: linting a few files compares them with every record through an index
kept in the cache folder, updated from what changed on disk and never trusted over the files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from helpers import atlas_command, clean_env, good, run_atlas, run_atlas_process, write_record

from atlas_cli.core.config import load_settings
from atlas_cli.lint.index import FORMAT, entry_parts, index_path, load, make_entry, save, token

HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


def other(slug: str, doi: str, pmid: str, title: str) -> dict:
    return good(slug=slug, doi=doi, pmid=pmid, title=title)


def seed(atlas: Path, count: int = 5) -> list[Path]:
    """COUNT distinct records, last changed an hour ago (their stat vouches for them)."""
    paths = [
        write_record(atlas, other(f"paper-2019-n{i}", f"10.1234/n{i}", str(20000000 + i), f"Paper number {i}"))
        for i in range(count)
    ]
    for path in paths:
        os.utime(path, ns=(HOUR_AGO_NS, HOUR_AGO_NS))
    return paths


def lint_cli(atlas: Path, cache: Path, *args: str | Path):
    return run_atlas("lint", *args, root=atlas, cwd=atlas, cache=cache)


def stored(atlas: Path, cache: Path) -> dict:
    """The entries of the atlas's index in CACHE, as a run would load them."""
    root = (atlas / "records").resolve()
    return load(index_path(load_settings(atlas).replace(cache_dir_override=cache), root), str(root))


def index_file(atlas: Path, cache: Path) -> Path:
    [path] = (cache / "lint-index").glob("*.json")
    return path


def holds(entry: list, key: str) -> bool:
    return token(key) in entry_parts(entry)[3].split()


def rewrite(atlas: Path, cache: Path, change) -> None:
    """The index changed by CHANGE(entries), written back whole (as a run writes it)."""
    entries = stored(atlas, cache)
    change(entries)
    assert save(index_file(atlas, cache), str((atlas / "records").resolve()), entries)


def test_a_duplicate_of_an_indexed_record_is_found(atlas, tmp_path):
    cache = tmp_path / "cache"
    seed(atlas)
    first = write_record(atlas, other("first-2020-a", "10.1234/first", "30000001", "First"))
    assert lint_cli(atlas, cache, first).returncode == 0  # builds the index
    entries = stored(atlas, cache)
    assert "paper-2019-n3.yaml" in entries and holds(entries["paper-2019-n3.yaml"], "pmid 20000003")
    copy = write_record(atlas, other("copy-2020-b", "10.1234/copy", "20000003", "Another title"))
    result = lint_cli(atlas, cache, copy)
    assert result.returncode == 1
    assert "duplicate-pmid" in result.stdout and "paper-2019-n3.yaml" in result.stdout
    alias = write_record(
        atlas, other("alias-2020-c", "10.1234/alias", "30000002", "Third") | {"doi_aliases": ["10.1234/N4"]}
    )
    result = lint_cli(atlas, cache, alias)
    assert "duplicate-doi" in result.stdout and "paper-2019-n4.yaml" in result.stdout


def test_only_what_changed_is_read_again(atlas, tmp_path):
    from atlas_cli.lint.index import other_records

    cache = tmp_path / "cache"
    seed(atlas, 20)
    settings = load_settings(atlas).replace(cache_dir_override=cache)
    root = (atlas / "records").resolve()
    first = other_records(settings, root, [], [], screening=False, jobs=1)
    assert (first.read, first.parsed) == (20, 20)
    again = other_records(settings, root, [], [], screening=False, jobs=1)
    assert again.parsed == 0  # read again only where the stat cannot vouch (changed seconds ago), to hash
    edited = atlas / "records" / "paper-2019-n7.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("10.1234/n7", "10.1234/n77"), encoding="utf-8")
    assert other_records(settings, root, [], [], screening=False, jobs=1).parsed == 1
    assert holds(stored(atlas, cache)["paper-2019-n7.yaml"], "doi 10.1234/n77")


def test_a_change_that_keeps_size_and_mtime_is_still_seen(atlas, tmp_path):
    """A record rewritten within the same timestamp (racy: same size, mtime restored), and
    even an index whose stat matches the file's (a file system whose ctime did not move):
    the bytes' hash tells, and the duplicate is reported."""
    cache = tmp_path / "cache"
    seed(atlas)
    target = write_record(atlas, other("target-2020-a", "10.1234/aaaa", "30000001", "Target"))
    new = write_record(atlas, other("new-2020-b", "10.1234/bbbb", "30000002", "New"))
    assert lint_cli(atlas, cache, new).returncode == 0  # target indexed with its DOI 10.1234/aaaa
    before = target.stat()
    target.write_text(target.read_text(encoding="utf-8").replace("10.1234/aaaa", "10.1234/bbbb"), encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    entry = stored(atlas, cache)["target-2020-a.yaml"]
    stat_text, settled, digest, tokens = entry_parts(entry)
    assert stat_text.split()[:2] == [str(before.st_size), str(before.st_mtime_ns)]
    assert holds(entry, "doi 10.1234/aaaa") and not settled  # changed seconds before it was indexed

    def as_if_ctime_stood_still(entries):  # the stat now matches, and vouches for the old keys
        now = f"{after.st_size} {after.st_mtime_ns} {after.st_ctime_ns} {after.st_ino}"
        entries["target-2020-a.yaml"] = make_entry(now, settled, digest, tokens)

    rewrite(atlas, cache, as_if_ctime_stood_still)
    result = lint_cli(atlas, cache, new)
    assert result.returncode == 1
    assert "duplicate-doi" in result.stdout and "target-2020-a.yaml" in result.stdout
    assert holds(stored(atlas, cache)["target-2020-a.yaml"], "doi 10.1234/bbbb")


def test_a_record_edited_with_its_mtime_restored_is_read_again(atlas, tmp_path):
    """An old record (its mtime an hour back) edited to the same size, then given its mtime
    back: its ctime moved (the stat no longer matches, and is recent), so it is read again."""
    cache = tmp_path / "cache"
    [old, *_] = seed(atlas)
    new = write_record(atlas, other("new-2020-b", "10.1234/b0", "30000002", "New"))
    assert lint_cli(atlas, cache, new).returncode == 0
    size = old.stat().st_size
    old.write_text(old.read_text(encoding="utf-8").replace("10.1234/n0\n", "10.1234/b0\n"), encoding="utf-8")
    assert old.stat().st_size == size
    os.utime(old, ns=(HOUR_AGO_NS, HOUR_AGO_NS))
    result = lint_cli(atlas, cache, new)
    assert result.returncode == 1 and "duplicate-doi" in result.stdout and old.name in result.stdout


def test_a_deleted_record_no_longer_counts(atlas, tmp_path):
    cache = tmp_path / "cache"
    [gone, *_] = seed(atlas)
    copy = write_record(atlas, other("copy-2020-b", "10.1234/n0", "30000002", "Copy"))
    assert "duplicate-doi" in lint_cli(atlas, cache, copy).stdout
    gone.unlink()
    result = lint_cli(atlas, cache, copy)
    assert result.returncode == 0, result.stdout
    assert gone.name not in stored(atlas, cache)


def test_an_indexed_match_is_read_afresh_never_reported_from_the_index(atlas, tmp_path):
    """An index claiming a record shares the linted file's DOI only makes lint read that record."""
    cache = tmp_path / "cache"
    seed(atlas)
    new = write_record(atlas, other("new-2020-b", "10.1234/bbbb", "30000002", "New"))
    assert lint_cli(atlas, cache, new).returncode == 0

    def claim(entries):
        stat_text, settled, digest, _ = entry_parts(entries["paper-2019-n1.yaml"])
        entries["paper-2019-n1.yaml"] = make_entry(stat_text, settled, digest, token("doi 10.1234/bbbb"))

    rewrite(atlas, cache, claim)
    assert holds(stored(atlas, cache)["paper-2019-n1.yaml"], "doi 10.1234/bbbb")
    result = lint_cli(atlas, cache, new)
    assert result.returncode == 0 and "duplicate" not in result.stdout


CORRUPTIONS = {
    "garbage": b"\x00\xff not an index \x89PNG",
    "empty": b"",
    "not-utf8-json": b'{"format": "\xff"}',
    "another-format": None,  # the real index, its header naming another format
    "a-list": b"[1, 2, 3]",
    "changed-entry": None,  # the real index with one entry changed, its hash left as it was
    "bad-entry": None,  # the real index with one entry replaced by nonsense, written whole
    "truncated": None,  # the real index cut in half
    "deep": b"[" * 100_000,
    "deep-body": None,  # a valid header over a body too deep to read
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_broken_index_is_rebuilt_silently(atlas, tmp_path, kind):
    cache = tmp_path / "cache"
    seed(atlas)
    copy = write_record(atlas, other("copy-2020-b", "10.1234/n2", "30000002", "Copy"))
    assert lint_cli(atlas, cache, copy).returncode == 1
    path = index_file(atlas, cache)
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n")
    if kind == "truncated":
        broken = raw[: len(raw) // 2]
    elif kind == "another-format":
        broken = raw.replace(FORMAT.encode(), b"atlas lint index 0", 1)
    elif kind == "changed-entry":
        broken = head + b"\n" + body.replace(token("doi 10.1234/n2").encode(), b"000000000000")
    elif kind == "deep-body":
        body = b"[" * 100_000
        header = json.loads(head) | {"hash": hashlib.blake2b(body, digest_size=16).hexdigest()}
        broken = json.dumps(header).encode() + b"\n" + body
    else:
        broken = CORRUPTIONS[kind]
    if kind == "bad-entry":
        rewrite(atlas, cache, lambda entries: entries.update({"paper-2019-n2.yaml": ["size", None, {}]}))
    else:
        path.write_bytes(broken)
    result = lint_cli(atlas, cache, copy)
    assert result.returncode == 1 and "duplicate-doi" in result.stdout and "paper-2019-n2.yaml" in result.stdout
    assert result.stderr == ""
    assert json.loads(path.read_bytes().partition(b"\n")[0])["format"] == FORMAT
    entries = stored(atlas, cache)
    assert set(entries) == {p.name for p in (atlas / "records").iterdir()} - {copy.name}  # linted: read by lint
    assert holds(entries["paper-2019-n2.yaml"], "doi 10.1234/n2")


def test_an_index_that_cannot_be_written_is_built_for_the_run(atlas, tmp_path):
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be", encoding="utf-8")
    seed(atlas)
    copy = write_record(atlas, other("copy-2020-b", "10.1234/n2", "30000002", "Copy"))
    result = lint_cli(atlas, cache, copy)
    assert result.returncode == 1 and "duplicate-doi" in result.stdout and result.stderr == ""


def test_no_cache_reads_every_record_and_leaves_the_cache_alone(atlas, tmp_path):
    cache = tmp_path / "cache"
    seed(atlas)
    copy = write_record(atlas, other("copy-2020-b", "10.1234/n2", "30000002", "Copy"))
    result = lint_cli(atlas, cache, "--no-cache", copy)
    assert result.returncode == 1 and "duplicate-doi" in result.stdout
    assert not (cache / "lint-index").exists()


def test_concurrent_lints_leave_a_valid_index(atlas, tmp_path):
    cache = tmp_path / "cache"
    seed(atlas, 150)
    copies = [
        write_record(atlas, other(f"copy-2020-{i}", f"10.1234/n{i}", str(30000000 + i), f"C{i}")) for i in range(4)
    ]
    for round in range(2):
        if round:  # the second round also finds records changed since the first
            for i in range(10, 20):
                write_record(atlas, other(f"paper-2019-n{i}", f"10.1234/m{i}", str(20000000 + i), f"Paper {i}"))
        runs = [
            subprocess.Popen(
                atlas_command("--root", atlas, "lint", "-j", "1", copy),
                cwd=atlas,
                env=clean_env(cache=cache),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for copy in copies
        ]
        for i, run in enumerate(runs):
            out, err = run.communicate(timeout=120)
            assert run.returncode == 1 and err == ""
            assert "duplicate-doi" in out and f"paper-2019-n{i}.yaml" in out
        entries = stored(atlas, cache)
        every = {p.name for p in (atlas / "records").iterdir()}
        assert every - {copy.name for copy in copies} <= set(entries) <= every
        assert not [p for p in (cache / "lint-index").iterdir() if p.suffix != ".json"]  # no temp file left
    assert holds(stored(atlas, cache)["paper-2019-n15.yaml"], "doi 10.1234/m15")


def test_the_fast_path_leaves_a_bad_option_value_to_the_typer_command(atlas, tmp_path):
    path = write_record(atlas, good())
    result = lint_cli(atlas, tmp_path / "cache", "-j", "0", path)
    assert result.returncode == 2 and "--jobs" in result.stderr and "greater than or equal to 1" in result.stderr


def test_records_in_subfolders_and_links_count_as_in_a_whole_atlas_lint(atlas, tmp_path):
    cache = tmp_path / "cache"
    seed(atlas)
    (atlas / "records" / "2015").mkdir()
    nested = write_record(atlas, other("nested-2015-a", "10.1234/nested", "30000001", "Nested"), "2015/nested.yaml")
    (atlas / "records" / "linked-2016-b.yaml").symlink_to(atlas / "records" / "paper-2019-n1.yaml")
    copy = write_record(atlas, other("copy-2020-b", "10.1234/nested", "30000009", "Copy"))
    result = lint_cli(atlas, cache, copy)
    assert "duplicate-doi" in result.stdout and "2015/nested.yaml" in result.stdout
    nested.write_text(nested.read_text(encoding="utf-8").replace("10.1234/nested", "10.1234/moved"), encoding="utf-8")
    copy.write_text(copy.read_text(encoding="utf-8").replace("30000009", "20000001"), encoding="utf-8")
    result = lint_cli(atlas, cache, copy)
    assert "duplicate-doi" not in result.stdout
    assert "duplicate-pmid" in result.stdout and "linked-2016-b.yaml" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_in_place_of_the_index_is_not_waited_on(atlas, tmp_path):
    cache = tmp_path / "cache"
    seed(atlas)
    copy = write_record(atlas, other("copy-2020-b", "10.1234/n2", "30000002", "Copy"))
    assert lint_cli(atlas, cache, copy).returncode == 1
    path = index_file(atlas, cache)
    path.unlink()
    os.mkfifo(path)
    result = run_atlas_process("lint", copy, root=atlas, cwd=atlas, cache=cache, timeout=60)
    assert result.returncode == 1 and "duplicate-doi" in result.stdout and result.stderr == ""
    assert stored(atlas, cache)["paper-2019-n2.yaml"]  # the pipe was replaced by an index


CROSS_RECORD = {"duplicate-doi", "duplicate-pmid", "duplicate-title", "duplicate-filename", "screening-excluded"}


def test_one_file_at_a_time_finds_what_the_whole_atlas_lint_finds(atlas, tmp_path):
    """Every check across records, file by file through the index, against the whole-atlas
    lint: a file's one-file lint reports a rule exactly when the whole lint reports it on
    that file or names the file in it."""
    from helpers import lint

    seed(atlas, 30)
    title = "B-lymphocyte depletion in patients with myalgic encephalomyelitis / chronic fatigue syndrome"
    write_record(atlas, other("alias-2020-a", "10.1234/alias-a", "30000001", "A") | {"doi_aliases": ["10.1234/N3"]})
    write_record(atlas, other("pmid-2020-b", "10.1234/pmid-b", "20000007", "B"))
    write_record(atlas, other("title-2019-c", "10.1234/title-c", "30000003", title))
    write_record(atlas, other("title-2019-d", "10.1234/title-d", "30000004", title.upper()))
    write_record(atlas, other("case-2020-e", "10.1234/case-e", "30000005", "E"), "Paper-2019-N12.yaml")
    write_record(atlas, other("excluded-2020-f", "10.1234/excluded-f", "30000006", "F"))
    (atlas / "screening.yaml").write_text(
        "excluded:\n- doi: 10.1234/EXCLUDED-F\n  reason: out of scope\n  date: '2026-05-30'\n", encoding="utf-8"
    )
    whole = lint(atlas, cache=tmp_path / "none").problems
    assert {p.rule for p in whole} >= CROSS_RECORD
    cache = tmp_path / "cache"
    for path in sorted((atlas / "records").iterdir()):

        def about(problems, name=path.name):
            return {
                p.rule
                for p in problems
                if p.rule in CROSS_RECORD and (Path(p.path).name == name or f"/{name}" in p.message)
            }

        assert about(lint(atlas, [path], cache=cache).problems) == about(whole), path.name
    assert len(stored(atlas, cache)) >= 30  # the index was used, and kept
