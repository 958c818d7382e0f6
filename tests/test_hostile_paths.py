"""Hostile paths: the output folder, the records folder and output files cannot be turned
against the curator. One rule for links everywhere (core.paths): a link is followed, and
where it leads must pass the checks of its place; only regular files are read or replaced;
a path read from data stays inside its folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import (
    GOOD,
    changed,
    good,
    lint,
    new_atlas,
    rules_of,
    run_atlas,
    run_atlas_process,
    tree_bytes,
    write_record,
)

from atlas_cli.core.paths import UnsafePath, child, output_file, read_regular, safe_relative

MANIFEST = ".atlas-build.json"


def published(slug: str, **changes) -> dict:
    return changed(GOOD, slug=slug, **changes)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An atlas at TMP_PATH/atlas with two records, built into TMP_PATH/atlas/site; a victim file beside it."""
    root = new_atlas(tmp_path / "atlas", [published("fluge-2019-b-lymphocyte")])
    write_record(root, published("mella-2020-other-trial", doi="10.7326/M20-0001", pmid=None, title="Another trial"))
    (tmp_path / "victim.txt").write_text("keep me", encoding="utf-8")
    done = run_atlas("build", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def outside_untouched(tmp_path: Path) -> None:
    assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas", "victim.txt"], "nothing written beside the atlas"


# --- the build manifest is not trusted -----------------------------------------------------


@pytest.mark.parametrize("listed", ["../../victim.txt", "ABSOLUTE", "evidence/../../../victim.txt"])
def test_a_manifest_listing_a_file_outside_the_site_deletes_nothing_there(site: Path, tmp_path: Path, listed: str):
    manifest_path = site / "site" / MANIFEST
    manifest = json.loads(manifest_path.read_bytes())
    listed = str(tmp_path / "victim.txt") if listed == "ABSOLUTE" else listed
    manifest["files"][listed] = "0" * 32
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    before = tree_bytes(site / "site")
    done = run_atlas("build", cwd=site)
    assert done.returncode == 0, done.stderr
    outside_untouched(tmp_path)
    after = tree_bytes(site / "site")
    assert {k: v for k, v in after.items() if k != MANIFEST} == {k: v for k, v in before.items() if k != MANIFEST}
    assert listed not in json.loads(after[MANIFEST])["files"], "the untrusted manifest was replaced"


def test_a_manifest_naming_a_record_or_a_topic_as_a_path_writes_nothing_outside(site: Path, tmp_path: Path):
    manifest_path = site / "site" / MANIFEST
    manifest = json.loads(manifest_path.read_bytes())
    [name] = [n for n in manifest["records"] if n.startswith("fluge")]
    entry = manifest["records"][name]
    entry["listing"]["topics"] = ["../../../x"]  # the context still matches: the record would be reused
    manifest["records"]["../escape.yaml"] = entry
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    done = run_atlas("build", cwd=site)
    assert done.returncode == 0, done.stderr
    outside_untouched(tmp_path)
    assert not (site / "x").exists() and not list((site / "site").rglob("x"))


def test_a_topic_id_that_is_a_path_never_becomes_a_folder(tmp_path: Path):
    root = new_atlas(
        tmp_path / "atlas", [published("fluge-2019-b-lymphocyte", topics=["../../x", "/tmp/y", "b-cells"])]
    )
    (tmp_path / "victim.txt").write_text("keep me", encoding="utf-8")
    assert "schema" in rules_of(lint(root))  # lint refuses it (topics are slugs)
    assert run_atlas("build", cwd=root).returncode == 1  # and so does the build
    run_atlas("build", "--allow-errors", cwd=root)  # built anyway: still nothing outside the site
    outside_untouched(tmp_path)
    site_files = set(tree_bytes(root / "site"))
    assert "topics/b-cells/index.html" in site_files
    assert not [f for f in site_files if (f.startswith("topics/") and ".." in f) or "/tmp" in f]


def test_a_folder_of_the_site_linked_elsewhere_is_refused_not_written_through(site: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    (site / "site" / "evidence").rename(elsewhere)
    (site / "site" / "evidence").symlink_to(elsewhere, target_is_directory=True)
    before = tree_bytes(elsewhere)
    (site / "site" / MANIFEST).unlink()  # no manifest: every page is compared with the disk
    done = run_atlas("build", cwd=site)
    assert done.returncode == 2, done.stderr
    assert "cannot build into" in done.stderr and "leads outside" in done.stderr
    assert tree_bytes(elsewhere) == before


def test_only_regular_files_of_the_site_are_replaced(site: Path):
    page = site / "site" / "evidence" / "fluge-2019-b-lymphocyte" / "index.html"
    page.unlink()
    os.mkfifo(page)
    write_record(site, published("fluge-2019-b-lymphocyte", title="A new title"))  # its page must change
    done = run_atlas("build", cwd=site)
    assert done.returncode == 2, done.stderr
    assert "is a named pipe, not a file atlas wrote" in done.stderr
    assert page.is_fifo()


# --- records that are links, pipes or devices: one rule for every command --------------------


@pytest.fixture
def linked_out(tmp_path: Path) -> Path:
    """An atlas with one good record and one that is a symlink to a record outside the atlas."""
    root = new_atlas(tmp_path / "atlas", [published("fluge-2019-b-lymphocyte")])
    (tmp_path / "elsewhere" / "records").mkdir(parents=True)
    secret = published("mella-2020-secret", doi="10.7326/M20-0002", title="Secret")
    outside = write_record(tmp_path / "elsewhere", secret)
    (root / "records" / "mella-2020-secret.yaml").symlink_to(outside)
    return root


def test_a_record_linked_outside_the_records_folder_is_refused_by_every_command(linked_out: Path):
    lint_run = run_atlas("lint", cwd=linked_out)
    assert lint_run.returncode == 1 and "file-symlink" in lint_run.stdout
    build = run_atlas("build", cwd=linked_out)
    assert build.returncode == 1 and "symlink points outside the records folder" in build.stderr
    assert not (linked_out / "site" / "evidence" / "mella-2020-secret").exists()
    cite = run_atlas("cite", "mella-2020-secret", cwd=linked_out)
    assert cite.returncode == 2 and "symlink points outside the records folder" in cite.stderr and not cite.stdout
    export = run_atlas("export", cwd=linked_out)
    assert export.returncode == 1 and "Secret" not in export.stdout and "mella-2020-secret" in export.stderr
    show = run_atlas("show", "mella-2020-secret", cwd=linked_out)
    assert show.returncode == 1 and "Secret" not in show.stdout + show.stderr
    listed = run_atlas("list", "--format", "json", cwd=linked_out)
    [row] = [r for r in json.loads(listed.stdout) if r["slug"] == "mella-2020-secret"]
    assert row["title"] is None and any("file-symlink" in p for p in row["problems"])


def test_a_record_linked_inside_the_records_folder_is_read_by_every_command(atlas: Path):
    real = write_record(atlas, published("fluge-2019-b-lymphocyte"))
    (atlas / "records" / "fluge-2019-alias.yaml").symlink_to(real.name)
    assert "file-symlink" not in rules_of(lint(atlas))  # (it is a duplicate, and its slug is not its name)
    assert run_atlas("cite", "fluge-2019-alias", "-f", "primary", cwd=atlas).returncode == 0


def test_lint_fix_edits_a_linked_record_where_it_leads_and_keeps_the_link(atlas: Path):
    kept = atlas / "records" / "kept"
    kept.mkdir()
    target = write_record(atlas, good(title="B-Lymphocyte &amp;lt;i&amp;gt;Depletion&amp;lt;/i&amp;gt;"), "kept/x.yaml")
    link = atlas / "records" / "fluge-2019-b-lymphocyte.yaml"
    link.symlink_to(Path("kept") / "x.yaml")
    done = run_atlas("lint", "--fix", str(link), cwd=atlas)
    assert "fixed records/fluge-2019-b-lymphocyte.yaml: plain text in `title`" in done.stderr, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("kept") / "x.yaml")
    assert "title: B-Lymphocyte Depletion\n" in target.read_text(encoding="utf-8")


def test_a_named_pipe_among_the_records_is_reported_not_waited_on(atlas: Path):
    write_record(atlas, published("fluge-2019-b-lymphocyte"))
    os.mkfifo(atlas / "records" / "pipe-2020-record.yaml")
    build = run_atlas_process("build", cwd=atlas, timeout=60)
    assert build.returncode == 1 and "named pipe" in build.stderr
    export = run_atlas_process("export", cwd=atlas, timeout=60)
    assert export.returncode == 1 and "named pipe" in export.stderr and "@article{mecfsatlas-fluge" in export.stdout


# --- output files: regular files only, links followed --------------------------------------


def test_export_onto_a_named_pipe_refuses_and_leaves_the_pipe(atlas: Path):
    write_record(atlas, published("fluge-2019-b-lymphocyte"))
    pipe = atlas / "out.bib"
    os.mkfifo(pipe)
    done = run_atlas("export", "-o", str(pipe), cwd=atlas)
    assert done.returncode == 4, done.stderr
    assert "is a named pipe, and atlas replaces only regular files" in done.stderr
    assert pipe.is_fifo()


def test_export_onto_a_symlink_writes_where_it_leads_and_keeps_the_link(atlas: Path, tmp_path: Path):
    write_record(atlas, published("fluge-2019-b-lymphocyte"))
    target = tmp_path / "library" / "atlas.bib"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = atlas / "atlas.bib"
    link.symlink_to(target)
    done = run_atlas("export", "-o", "atlas.bib", cwd=atlas)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("@article{mecfsatlas-fluge")


def test_devices_folders_and_pipes_are_never_output_files(tmp_path: Path):
    for device in ("/dev/null", "/dev/zero"):
        if Path(device).exists():
            with pytest.raises(UnsafePath, match="character device"):
                output_file(Path(device))
    with pytest.raises(UnsafePath, match="folder"):
        output_file(tmp_path)
    assert output_file(tmp_path / "new.bib") == tmp_path / "new.bib"


def test_reading_refuses_devices_and_limits_the_size(tmp_path: Path):
    if Path("/dev/zero").exists():
        with pytest.raises(UnsafePath, match="character device"):
            read_regular(Path("/dev/zero"), 1024)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(UnsafePath) as caught:
        read_regular(big, 1024)
    assert caught.value.size == 2048
    assert read_regular(big, 4096) == b"x" * 2048


@pytest.mark.parametrize(
    "name, ok",
    [
        ("evidence/x/index.html", True),
        ("index.html", True),
        ("../victim.txt", False),
        ("/etc/passwd", False),
        ("evidence/../../x", False),
        ("a//b", False),
        ("./a", False),
        ("a\\b", False),
        ("", False),
        ("a\0b", False),
    ],
)
def test_names_read_from_data_stay_inside_their_folder(tmp_path: Path, name: str, ok: bool):
    assert safe_relative(name) is ok
    if ok:
        assert child(tmp_path, name) == tmp_path.joinpath(*name.split("/"))
    else:
        with pytest.raises(UnsafePath):
            child(tmp_path, name)


def test_a_registry_linked_from_elsewhere_is_read_as_atlas_loads_it(atlas: Path, tmp_path: Path):
    from helpers import REPO

    shared = tmp_path / "shared"
    shared.mkdir()
    (atlas / "schemas").mkdir()
    for name in ("criteria.yaml", "topics.yaml", "designs.yaml"):
        (shared / name).write_bytes((REPO / "schemas" / name).read_bytes())
        (atlas / "schemas" / name).symlink_to(shared / name)
    (atlas / "schemas" / "record.schema.json").write_bytes((REPO / "schemas" / "record.schema.json").read_bytes())
    write_record(atlas, good())
    assert lint(atlas).problems == []  # the link rule is the records folder's


def test_symlink_loops_among_the_records_or_as_a_registry_are_named_as_loops(atlas: Path):
    write_record(atlas, published("fluge-2019-b-lymphocyte"))
    records = atlas / "records"
    (records / "loop-2020-a.yaml").symlink_to("loop-2020-b.yaml")
    (records / "loop-2020-b.yaml").symlink_to("loop-2020-a.yaml")
    (records / "self").symlink_to(".")
    done = run_atlas("lint", "--format", "json", cwd=atlas)
    assert done.returncode == 2, done.stderr
    loops = [p for p in json.loads(done.stdout) if p["rule"] == "file-unreadable"]
    assert sorted(p["path"] for p in loops) == ["records/loop-2020-a.yaml", "records/loop-2020-b.yaml"]
    assert all("leads back to itself" in p["hint"] for p in loops)
    for command in ("list", "stats", "export", "build"):
        other = run_atlas(command, cwd=atlas)
        assert other.returncode in (0, 1) and "Traceback" not in other.stderr, (command, other.stderr)
    assert (atlas / "site" / "evidence" / "fluge-2019-b-lymphocyte" / "index.html").is_file()
    from helpers import REPO

    (atlas / "schemas").mkdir()
    for name in ("criteria.yaml", "designs.yaml", "record.schema.json"):
        (atlas / "schemas" / name).write_bytes((REPO / "schemas" / name).read_bytes())
    (atlas / "schemas" / "topics.yaml").symlink_to("topics.yaml")
    registry = run_atlas("list", cwd=atlas)
    assert registry.returncode == 2 and "topics.yaml" in registry.stderr and "leads back to itself" in registry.stderr
