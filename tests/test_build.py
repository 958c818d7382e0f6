"""`atlas build`: the static preview site, end to end through the CLI and unit by unit."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import (
    HOSTILE,
    SITE_RECORDS,
    atlas_command,
    clean_env,
    run_atlas,
    run_atlas_process,
    site_atlas,
    tree_bytes,
    write_site_record,
)

from atlas_cli.core.config import load_settings
from atlas_cli.core.errors import UsageError, WriteError
from atlas_cli.core.registries import load_registries
from atlas_cli.site import model
from atlas_cli.site.build import (
    MANIFEST,
    MARKER,
    BuildResult,
    build,
    json_for_script,
    write_site,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return site_atlas(tmp_path / "atlas")


@pytest.fixture
def built(root: Path) -> Path:
    result = run_atlas("build", "--output", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "out"


def registries(root: Path):
    return load_registries(load_settings(root).schemas_dir)


def page(site: Path, slug: str) -> str:
    return (site / "evidence" / slug / "index.html").read_text(encoding="utf-8")


class Collect(HTMLParser):
    """Text by element id, every tag with its attributes, and the text outside script data."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str | None] = []
        self.text_by_id: dict[str, str] = {}
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("meta", "link", "br", "input"):
            return
        self.stack.append(attrs.get("id"))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)
        for element_id in self.stack:
            if element_id:
                self.text_by_id[element_id] = self.text_by_id.get(element_id, "") + data


def parse(html: str) -> Collect:
    parser = Collect()
    parser.feed(html)
    return parser


# --- the site, through the CLI ------------------------------------------------------------


def test_builds_one_page_per_published_record_and_the_index_pages(root: Path, built: Path):
    published = sorted(s for s, r in SITE_RECORDS.items() if r["status"] == "published")
    assert sorted(p.name for p in (built / "evidence").iterdir()) == published
    for rel in (
        "index.html",
        "topics/index.html",
        "criteria/index.html",
        "assets/atlas.css",
        "assets/atlas.js",
        "topics/pem/index.html",
        "criteria/ccc-2003/index.html",
        MARKER,
    ):
        assert (built / rel).is_file(), rel
    # one page per topic of the vocabulary and per case definition, used or not
    assert len(list((built / "topics").glob("*/index.html"))) == len(registries(root).topics)
    assert len(list((built / "criteria").glob("*/index.html"))) == len(registries(root).criteria)


def test_evidence_page_has_the_blocks_in_page_order(built: Path):
    html = page(built, "smith-2021-exercise-capacity")
    order = [
        'class="badges"',
        "<h1>",
        'id="byline"',
        'id="summary"',
        'id="why-it-matters"',
        'id="does-not-show"',
        'id="pem-note"',
        'id="criteria"',
        'id="cite-primary"',
        'id="cite-bibtex"',
        'id="cite-snapshot"',
        'class="doi-link"',
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    # the badge row: evidence level, confidence, the PEM badge, study type, peer review
    badges = re.findall(r'class="badge[^"]*"[^>]*>([^<]+)<', html.split('class="badges"')[1].split("</ul>")[0])
    assert badges == ["E2 Moderate", "Moderate confidence", "PEM required", "Exercise Challenge", "Peer-reviewed"]


def test_header_line_shows_three_authors_then_et_al_and_links_the_doi(built: Path):
    doc = parse(page(built, "smith-2021-exercise-capacity"))
    assert doc.text_by_id["byline"] == (
        "Smith, Anna, Jones, Bo, Okafor, Chidi et al. · Journal of Exertion Studies · 2021 · DOI"
    )
    assert ("a", {"href": "https://doi.org/10.1234/jes.2021.001"}) in doc.tags
    # no authors: the line starts with the journal; no DOI: no DOI part
    assert parse(page(built, "unknown-2018-immune-markers")).text_by_id["byline"] == "Immunology Letters Preview · 2018"


def test_pem_note_is_verbatim_and_criteria_and_topics_use_registry_names(built: Path):
    html = page(built, "smith-2021-exercise-capacity")
    assert (
        "\u201cPEM required\u201d means post-exertional malaise was an explicit required diagnostic criterion "
        "for participant inclusion in this study \u2014 not that PEM was studied, observed, or discussed. "
        "Studies using criteria that do not require PEM (e.g. Fukuda, Oxford) are tagged "
        "\u201cPEM not required\u201d."
    ) in html
    assert '<a href="../../criteria/ccc-2003/index.html">Canadian Consensus Criteria' in html
    assert '<a href="../../topics/exercise-physiology/index.html">' in html
    assert "Every participant met every listed definition." in html


def test_citation_blocks_equal_atlas_cite(root: Path, built: Path):
    for slug in ("smith-2021-exercise-capacity", "unknown-2018-immune-markers", "hostile-2023-markup-test"):
        doc = parse(page(built, slug))
        for fmt in ("primary", "bibtex", "snapshot"):
            cited = run_atlas("cite", slug, "--format", fmt, cwd=root)
            assert cited.returncode == 0, cited.stderr
            # a browser drops the newline right after <pre>; this parser keeps it
            assert doc.text_by_id[f"cite-{fmt}"].removeprefix("\n") == cited.stdout.rstrip("\n"), (slug, fmt)


def test_retraction_banner_only_on_retracted_records(built: Path):
    html = page(built, "garcia-2017-retracted-trial")
    doc = parse(html)
    assert "Retracted." in doc.text_by_id["retraction-banner"]
    assert ("a", {"href": "https://doi.org/10.8888/tif.2018.1"}) in doc.tags
    assert html.index('id="retraction-banner"') < html.index("<h1>")
    assert 'id="retraction-banner"' not in page(built, "smith-2021-exercise-capacity")
    assert '<span class="badge retracted">Retracted</span>' in (built / "index.html").read_text()


def test_withdrawn_flag_shows_the_banner(root: Path):
    record = dict(SITE_RECORDS["lee-2019-fatigue-survey"], flags=["withdrawn"])
    write_site_record(root, "lee-2019-fatigue-survey", record)
    assert run_atlas("build", "-o", "out", cwd=root).returncode == 1  # lint: a withdrawal flag with no notice
    assert run_atlas("build", "-o", "out", "--allow-errors", cwd=root).returncode == 0
    assert "Withdrawn." in parse(page(root / "out", "lee-2019-fatigue-survey")).text_by_id["retraction-banner"]


def test_drafts_left_out_unless_included_and_then_marked(root: Path, built: Path):
    assert not (built / "evidence" / "patel-2022-draft-study").exists()
    assert "patel-2022-draft-study" not in (built / "index.html").read_text()
    assert "patel-2022-draft-study" not in (built / "topics" / "pem" / "index.html").read_text()
    result = run_atlas("build", "-o", "with-drafts", "--include-drafts", cwd=root)
    assert result.returncode == 0, result.stderr
    html = page(root / "with-drafts", "patel-2022-draft-study")
    assert 'id="draft-banner"' in html
    assert '<span class="badge draft">Draft</span>' in (root / "with-drafts" / "index.html").read_text()
    assert 'id="draft-banner"' not in page(root / "with-drafts", "smith-2021-exercise-capacity")


def test_topic_and_case_definition_pages_list_the_studies_that_use_them(built: Path):
    cytokines = (built / "topics" / "cytokines" / "index.html").read_text()
    assert "evidence/brown-2020-immune-review/index.html" in cytokines
    assert "evidence/unknown-2018-immune-markers/index.html" in cytokines
    assert "smith-2021" not in cytokines
    fukuda = (built / "criteria" / "fukuda-1994" / "index.html").read_text()
    assert "evidence/lee-2019-fatigue-survey/index.html" in fukuda
    assert "evidence/smith-2021-exercise-capacity/index.html" in fukuda
    assert "garcia" not in fukuda
    assert "No studies in the atlas use it yet." in (built / "criteria" / "nice-2021" / "index.html").read_text()


def test_every_link_is_relative_and_resolves_inside_the_site(built: Path):
    for html_path in built.rglob("*.html"):
        for _tag, attrs in parse(html_path.read_text()).tags:
            for key in ("href", "src"):
                target = attrs.get(key)
                if target is None or target.startswith("https://doi.org/") or target.startswith("#"):
                    continue
                assert "://" not in target and not target.startswith("/"), (html_path, target)
                assert (html_path.parent / target.split("#")[0]).resolve().is_file(), (html_path, target)


def test_index_json_lists_published_studies_for_the_filters(built: Path):
    doc = parse((built / "index.html").read_text())
    rows = json.loads("".join(doc.scripts))
    slugs = [r[0] for r in rows]
    assert set(slugs) == {s for s, r in SITE_RECORDS.items() if r["status"] == "published"}
    assert slugs[0] == "hostile-2023-markup-test"  # newest first
    smith = next(r for r in rows if r[0] == "smith-2021-exercise-capacity")
    assert smith == [
        "smith-2021-exercise-capacity",
        "required",
        "exercise-challenge",
        2021,
        ["pem", "exercise-physiology"],
        "exercise capacity on two consecutive days in me/cfs smith, anna jones, bo okafor, chidi muller, dana",
    ]


def test_hostile_record_text_cannot_inject_markup(built: Path):
    html = page(built, "hostile-2023-markup-test")
    doc = parse(html)
    assert [t for t, _ in doc.tags].count("script") == 1  # only the site's own script
    assert not any(t == "b" for t, _ in doc.tags)
    assert not any(any(k.startswith("on") for k in attrs) for _, attrs in doc.tags)
    assert "<script>alert" not in html and "{{ 7*7 }}" in html and "49" not in html
    assert doc.text_by_id["summary"].strip().endswith(HOSTILE)  # shown as text, exactly
    doi_links = [a["href"] for t, a in doc.tags if t == "a" and a.get("href", "").startswith("https://doi.org/10.6666")]
    assert doi_links and all('"' not in h for h in doi_links)
    index = (built / "index.html").read_text()
    assert [t for t, _ in parse(index).tags].count("script") == 2  # the JSON index and the site's script
    assert '</script> "' not in index.split('id="study-index">')[1].split("</script>")[0]


def test_same_records_give_the_same_bytes(root: Path, built: Path):
    assert run_atlas("build", "-o", "again", cwd=root).returncode == 0
    assert tree_bytes(built) == tree_bytes(root / "again")


def test_rebuild_after_one_change_rewrites_only_that_page(root: Path, built: Path):
    before = {p: p.stat().st_ino for p in built.rglob("*") if p.is_file()}
    record = dict(SITE_RECORDS["lee-2019-fatigue-survey"], summary="A new summary.")
    write_site_record(root, "lee-2019-fatigue-survey", record)
    result = run_atlas("build", "-o", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "1 file(s) written" in result.stderr and "0 removed" in result.stderr
    changed = [p.relative_to(built).as_posix() for p, ino in before.items() if p.stat().st_ino != ino]
    assert changed == [MANIFEST, "evidence/lee-2019-fatigue-survey/index.html"]  # and the build's own notes
    assert "A new summary." in page(built, "lee-2019-fatigue-survey")
    # nothing changed: nothing written
    assert "0 file(s) written" in run_atlas("build", "-o", "out", cwd=root).stderr


def test_a_removed_record_removes_its_page(root: Path, built: Path):
    (root / "records" / "lee-2019-fatigue-survey.yaml").unlink()
    result = run_atlas("build", "-o", "out", cwd=root)
    assert result.returncode == 0
    assert not (built / "evidence" / "lee-2019-fatigue-survey").exists()
    assert "lee-2019" not in (built / "index.html").read_text()
    assert re.search(r"[1-9]\d* removed", result.stderr)


def test_unreadable_record_is_skipped_with_a_warning_and_exit_1(root: Path):
    (root / "records" / "broken-2020-yaml.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = run_atlas("build", "-o", "out", cwd=root)
    assert result.returncode == 1
    assert "skipped" in result.stderr and "broken-2020-yaml.yaml" in result.stderr
    assert "Traceback" not in result.stderr
    assert (root / "out" / "evidence" / "smith-2021-exercise-capacity" / "index.html").is_file()


def test_refuses_to_replace_a_folder_it_did_not_build(root: Path):
    (root / "mine").mkdir()
    (root / "mine" / "notes.txt").write_text("keep me")
    result = run_atlas("build", "-o", "mine", cwd=root)
    assert result.returncode == 2
    assert "refusing to replace" in result.stderr and "hint:" in result.stderr
    assert (root / "mine" / "notes.txt").read_text() == "keep me"
    for folder in (".", "records"):
        result = run_atlas("build", "-o", folder, cwd=root)
        assert result.returncode == 2 and "holds the atlas" in result.stderr
    assert len(list((root / "records").glob("*.yaml"))) == len(SITE_RECORDS)


def test_default_output_is_site_in_the_atlas(root: Path):
    result = run_atlas("build", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "site" / "index.html").is_file()


def test_serve_serves_the_site_on_localhost_until_interrupted(root: Path):
    proc = subprocess.Popen(
        atlas_command("build", "-o", "out", "--serve", "--port", "0", ctrl_c=True),
        cwd=root,
        env=clean_env(cache=root / ".cache"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.match(r"Serving (http://127\.0\.0\.1:\d+/) ", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        with urllib.request.urlopen(match.group(1) + "evidence/lee-2019-fatigue-survey/index.html", timeout=10) as r:
            assert b"A fatigue survey in primary care" in r.read()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_on_a_taken_port_is_a_usage_error(root: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_atlas_process("build", "-o", "out", "--serve", "--port", str(port), cwd=root, timeout=30)
    assert result.returncode == 2
    assert "already in use" in result.stderr and "--port" in result.stderr


def test_help_documents_the_options(root: Path):
    result = run_atlas("build", "--help", cwd=root)
    for option in ("--output", "--include-drafts", "--serve", "--port", "--jobs"):
        assert option in result.stdout


# --- writing: atomic swap -----------------------------------------------------------------


def test_a_failing_build_leaves_the_previous_site_untouched(root: Path, built: Path, tmp_path: Path):
    before = tree_bytes(built)

    def files():
        yield "index.html", b"new index"
        yield "evidence/x/index.html", b"half"
        raise RuntimeError("a template failed")

    with pytest.raises(RuntimeError):
        write_site(files(), built, BuildResult(output=built))
    assert tree_bytes(built) == before
    assert sorted(p.name for p in built.parent.iterdir() if p.name.startswith(".out")) == []


def test_a_write_error_is_reported_and_leaves_the_previous_site(built: Path):
    before = tree_bytes(built)
    files = [("index.html", b"x"), ("index.html/inside", b"y")]  # a file where a folder must go
    with pytest.raises(WriteError) as caught:
        write_site(iter(files), built, BuildResult(output=built))
    assert "previous site is unchanged" in caught.value.hint
    assert tree_bytes(built) == before


def test_worker_processes_give_the_same_site(root: Path, tmp_path: Path):
    settings = load_settings(root)
    (root / "records" / "bad-2020-record.yaml").write_text("- a list\n", encoding="utf-8")
    one = build(settings, tmp_path / "one", include_drafts=True, workers=1)
    two = build(settings, tmp_path / "two", include_drafts=True, workers=2)
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")
    assert one.skipped == two.skipped and len(one.skipped) == 1 and one.drafts == two.drafts == 1
    cli = run_atlas("build", "-o", "cli-two", "--include-drafts", "--jobs", "2", cwd=root)
    assert cli.returncode == 1 and tree_bytes(root / "cli-two") == tree_bytes(tmp_path / "one")


def test_build_core_counts_and_output_checks(root: Path, tmp_path: Path):
    settings = load_settings(root)
    result = build(settings, tmp_path / "core-out")
    assert result.evidence_pages == 6 and result.drafts == 1 and result.written > 0 and not result.skipped
    assert result.pages == sum(1 for _ in (tmp_path / "core-out").rglob("*.html"))
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(UsageError):
        build(settings, tmp_path / "a-file")


# --- the page model (pure) ------------------------------------------------------------------


def test_the_banner_words_cover_exactly_the_notices_after_which_a_paper_no_longer_stands():
    from atlas_cli.core import fields

    assert set(model.RETRACTION_UPDATES) == fields.RETRACTION_TYPES


def test_entry_reads_bad_fields_without_failing(root: Path):
    entry = model.entry_from_record(
        {
            "slug": "x-2020-y",
            "title": ["not", "text"],
            "authors": "nobody",
            "year": "2020",
            "pem": "required",
            "topics": "pem",
            "summary": 5,
            "updates": [{"type": "correction"}],
            "flags": ["preprint"],
        },
        registries(root),
    )
    assert entry.title == "x-2020-y" and entry.authors == [] and entry.year is None
    assert entry.pem == "unclear" and entry.pem_label == "PEM unclear"
    assert entry.topics == [] and entry.summary == [] and entry.retraction is None


def test_retraction_from_updates_or_flags(root: Path):
    reg = registries(root)
    base = {"slug": "x-2020-y", "title": "T"}
    partial = model.entry_from_record({**base, "updates": [{"type": "partial-retraction"}]}, reg)
    assert partial.retraction.label == "Partially retracted"
    assert model.entry_from_record({**base, "flags": ["retracted"]}, reg).retraction.label == "Retracted"
    assert model.entry_from_record({**base, "flags": ["expression-of-concern"]}, reg).retraction is None


def test_criteria_aliases_map_to_the_registry(root: Path):
    entry = model.entry_from_record(
        {"slug": "x-2020-y", "title": "T", "pem": {"badge": "required", "criteria": ["CCC", "made-up rule"]}},
        registries(root),
    )
    assert [(c.id, c.label) for c in entry.criteria][1] == (None, "made-up rule")
    assert entry.criteria[0].id == "ccc-2003"


def test_json_for_script_cannot_end_the_script_element():
    text = json_for_script({"t": "</script><!-- & >"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & >"}


# --- incremental builds: the manifest --------------------------------------------------------


def fresh_build(root: Path, name: str, **options) -> dict[str, bytes]:
    """The tree of a first build of ROOT's records into a new folder NAME beside the atlas."""
    build(load_settings(root), root.parent / name, **options)
    return tree_bytes(root.parent / name)


def test_a_changed_record_is_the_only_one_rendered_and_the_site_equals_a_fresh_build(root: Path, tmp_path: Path):
    settings = load_settings(root)
    out = tmp_path / "site"
    first = build(settings, out)
    assert first.rendered == len(SITE_RECORDS) and (out / MANIFEST).is_file()
    record = dict(SITE_RECORDS["lee-2019-fatigue-survey"], title="A renamed fatigue survey", topics=["pem"])
    write_site_record(root, "lee-2019-fatigue-survey", record)
    again = build(settings, out)
    assert again.rendered == 1
    # its page and the lists it appears in (index, old and new topic pages) follow, from the manifest's listings
    assert "A renamed fatigue survey" in (out / "index.html").read_text()
    assert "lee-2019" in (out / "topics" / "pem" / "index.html").read_text()
    assert "lee-2019" not in (out / "topics" / "epidemiology" / "index.html").read_text()
    assert tree_bytes(out) == fresh_build(root, "fresh")  # manifest included: same records, same bytes
    assert build(settings, out).rendered == 0


def test_nothing_changed_renders_and_writes_nothing(root: Path, built: Path):
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.rglob("*")}
    result = run_atlas("build", "-o", "out", cwd=root)
    assert "0 file(s) written" in result.stderr and "0 record(s) read and rendered" in result.stderr
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.rglob("*")} == before


def test_a_changed_registry_renders_every_record_again(root: Path, tmp_path: Path):
    settings = load_settings(root)
    out = tmp_path / "site"
    build(settings, out)
    import shutil

    shutil.copytree(settings.schemas_dir, root / "schemas")  # the atlas's own registries
    topics = root / "schemas" / "topics.yaml"
    topics.write_text(topics.read_text().replace("label: Cytokines", "label: Cytokine signalling"))
    result = build(load_settings(root), out)
    assert result.rendered == len(SITE_RECORDS)
    assert "Cytokine signalling" in page(out, "unknown-2018-immune-markers")
    assert tree_bytes(out) == fresh_build(root, "fresh")


def test_another_context_renders_every_record_again_but_writes_only_what_differs(root: Path, built: Path):
    # A new atlas version (other templates or code) leaves another context digest in the manifest.
    manifest = json.loads((built / MANIFEST).read_text())
    manifest["context"] = "built-by-another-version"
    (built / MANIFEST).write_text(json.dumps(manifest))
    result = build(load_settings(root), built)
    assert result.rendered == len(SITE_RECORDS) and result.written == 0
    assert json.loads((built / MANIFEST).read_text())["context"] != "built-by-another-version"


def test_the_context_covers_what_shapes_a_page(root: Path):
    from atlas_cli.site.build import PACKAGE, PAGE_CODE, TEMPLATES, context_digest

    settings = load_settings(root)
    base = context_digest(settings, False)
    assert base == context_digest(settings, False)
    assert context_digest(settings, True) != base
    assert context_digest(settings.replace(site_url="https://other.example"), False) != base
    assert context_digest(settings.replace(bibtex_prefix="other"), False) != base
    # templates, assets, the page model and the citation code are all part of it
    for path in [
        *TEMPLATES.iterdir(),
        PACKAGE / "assets" / "atlas.css",
        PACKAGE / "model.py",
        PACKAGE.parent / "cite" / "__init__.py",
    ]:
        assert any(path.is_relative_to(PACKAGE.parent / part) for part in PAGE_CODE), path


def test_a_removed_record_leaves_the_manifest_and_its_folder(root: Path, built: Path):
    (root / "records" / "lee-2019-fatigue-survey.yaml").unlink()
    result = build(load_settings(root), built)
    assert result.rendered == 0 and result.removed == 1
    assert not (built / "evidence" / "lee-2019-fatigue-survey").exists()
    manifest = json.loads((built / MANIFEST).read_text())
    assert "lee-2019-fatigue-survey.yaml" not in manifest["records"]
    assert "evidence/lee-2019-fatigue-survey/index.html" not in manifest["files"]
    assert tree_bytes(built) == fresh_build(root, "fresh")


@pytest.mark.parametrize("damage", ["missing", "truncated", "not-json", "wrong-shape", "bad-record"])
def test_a_missing_or_corrupt_manifest_means_a_full_check(root: Path, built: Path, damage: str):
    manifest_path = built / MANIFEST
    text = manifest_path.read_text()
    if damage == "missing":
        manifest_path.unlink()
    elif damage == "truncated":
        manifest_path.write_text(text[: len(text) // 2])
    elif damage == "not-json":
        manifest_path.write_bytes(b"\xff\xfe not json")
    elif damage == "wrong-shape":
        manifest_path.write_text(json.dumps({"format": 1, "context": 7, "records": [], "files": {}}))
    else:
        manifest = json.loads(text)
        manifest["records"]["lee-2019-fatigue-survey.yaml"]["listing"] = {"slug": "lee-2019-fatigue-survey"}
        manifest_path.write_text(json.dumps(manifest))
    if damage != "bad-record":  # with no manifest to trust, a page edited by hand is noticed too
        (built / "evidence" / "smith-2021-exercise-capacity" / "index.html").write_text("edited")
    result = build(load_settings(root), built)
    if damage == "bad-record":
        assert result.rendered == 1 and result.written == 0  # that record read again; its page was right
    else:
        assert result.rendered == len(SITE_RECORDS) and result.written == 1  # the edited page; the rest is as it was
    assert tree_bytes(built) == fresh_build(root, "fresh")


def test_a_build_that_stopped_while_renaming_is_repaired_by_the_next(root: Path, built: Path):
    # What a crash between the renames leaves: no manifest, some pages new, one missing, one stale.
    (built / MANIFEST).unlink()
    (built / "evidence" / "lee-2019-fatigue-survey" / "index.html").unlink()
    (built / "topics" / "pem" / "index.html").write_text("stale")
    result = run_atlas("build", "-o", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "2 file(s) written" in result.stderr
    assert tree_bytes(built) == fresh_build(root, "fresh")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_build_leaves_the_previous_site_intact(root: Path, built: Path, stop):
    before = tree_bytes(built)

    def files():
        yield "evidence/new-2024-study/index.html", b"a new page"
        yield "index.html", b"new index"
        raise stop()

    with pytest.raises(stop):
        write_site(files(), built, BuildResult(output=built))
    assert tree_bytes(built) == before
    assert not (built / "evidence" / "new-2024-study").exists()
    assert [p.name for p in built.parent.iterdir() if p.name.startswith(".out")] == []


def test_a_write_error_while_staging_removes_the_folders_it_made(built: Path):
    before = tree_bytes(built)
    files = [("evidence/new-2024-study/index.html", b"new"), ("index.html/inside", b"y")]
    with pytest.raises(WriteError):
        write_site(iter(files), built, BuildResult(output=built))
    assert tree_bytes(built) == before and not (built / "evidence" / "new-2024-study").exists()
    assert [p.name for p in built.parent.iterdir() if p.name.startswith(".out")] == []


def test_many_records_render_the_same_in_worker_processes(tmp_path: Path):
    from atlas_cli.site.build import PARALLEL_FROM

    base = SITE_RECORDS["smith-2021-exercise-capacity"]
    records = {
        f"smith-{2000 + i // 100}-study-{i}": dict(
            base, title=f"Study {i}", year=2000 + i // 100, doi=f"10.1234/jes.{i}", pmid=str(30000000 + i)
        )
        for i in range(PARALLEL_FROM + 10)
    }
    root = site_atlas(tmp_path / "big", records)
    settings = load_settings(root)
    one = build(settings, tmp_path / "one", workers=1)
    two = build(settings, tmp_path / "two", workers=2)
    assert one.rendered == two.rendered == len(records)
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_a_first_build_fills_an_existing_empty_folder_readable_by_all(root: Path, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    build(load_settings(root), tmp_path / "empty")
    assert (tmp_path / "empty" / "index.html").is_file() and (tmp_path / "empty" / MANIFEST).is_file()
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "empty").stat().st_mode & 0o777 == 0o777 & ~umask  # not a temp folder's private mode


def test_the_page_code_includes_every_atlas_module_it_imports():
    import ast

    from atlas_cli.site.build import PACKAGE, PAGE_CODE

    package = PACKAGE.parent
    covered = [package / part for part in PAGE_CODE]
    sources = [p for top in covered for p in ([top] if top.is_file() else sorted(top.rglob("*.py")))]
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if not name.startswith("atlas_cli.") or name == "atlas_cli.core.errors":
                    continue
                module = package.joinpath(*name.split(".")[1:])
                assert any(module == c.with_suffix("") or module.is_relative_to(c) for c in covered), (source, name)


def test_unreadable_files_are_not_counted_as_rendered(tmp_path: Path):
    # An atlas with only broken files: nothing was rendered, and the summary says so.
    root = site_atlas(tmp_path / "atlas", {})
    (root / "records" / "broken-2020-file.yaml").write_text("slug: [\n", encoding="utf-8")
    (root / "records" / "empty-2020-file.yaml").write_text("", encoding="utf-8")
    result = run_atlas("build", "-o", "out", cwd=root)
    assert result.returncode == 1
    assert result.stderr.count("warning: skipped") == 2
    assert "0 evidence pages" in result.stderr and "0 record(s) read and rendered" in result.stderr
    assert (root / "out" / "index.html").is_file()


# --- what lint rejects is never published unnoticed ------------------------------------------------


def break_badge(root: Path, slug: str = "smith-2021-exercise-capacity") -> None:
    """A published record whose badge contradicts its criteria (a lint error patients would read)."""
    record = dict(SITE_RECORDS[slug], pem=dict(SITE_RECORDS[slug]["pem"], badge="not-required"))
    write_site_record(root, slug, record)


def test_a_published_record_with_lint_errors_stops_the_build(root: Path, built: Path):
    before = tree_bytes(built)
    break_badge(root)
    result = run_atlas("build", "--output", "out", cwd=root)
    assert result.returncode == 1
    assert "records/smith-2021-exercise-capacity.yaml:" in result.stderr and "error pem-badge" in result.stderr
    assert "1 published record has lint errors: the site was not built" in result.stderr
    assert "--allow-errors" in result.stderr and "Traceback" not in result.stderr
    assert tree_bytes(built) == before  # the previous site stands
    fresh = run_atlas("build", "--output", "fresh", cwd=root)
    assert fresh.returncode == 1 and not (root / "fresh").exists()


def test_allow_errors_builds_and_marks_the_page(root: Path):
    break_badge(root)
    result = run_atlas("build", "--output", "out", "--allow-errors", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "1 evidence page(s) show records that atlas lint rejects" in result.stderr
    marked = parse(page(root / "out", "smith-2021-exercise-capacity"))
    assert "atlas lint rejects this record" in marked.text_by_id["lint-banner"]
    assert (
        "contradicts the criteria" in marked.text_by_id["lint-banner"]
        and "(pem-badge)" in marked.text_by_id["lint-banner"]
    )
    assert "lint-banner" not in parse(page(root / "out", "lee-2019-fatigue-survey")).text_by_id
    # nothing changed, but without --allow-errors: still refused, with the problems
    refused = run_atlas("build", "--output", "out", cwd=root)
    assert refused.returncode == 1 and "error pem-badge" in refused.stderr
    assert run_atlas("build", "--output", "out", "--allow-errors", cwd=root).returncode == 0
    # mended: the mark goes with the next build, which renders only that record
    write_site_record(root, "smith-2021-exercise-capacity", SITE_RECORDS["smith-2021-exercise-capacity"])
    again = run_atlas("build", "--output", "out", cwd=root)
    assert again.returncode == 0 and "1 record(s) read and rendered, the rest unchanged" in again.stderr
    assert "lint-banner" not in parse(page(root / "out", "smith-2021-exercise-capacity")).text_by_id
    first = run_atlas("build", "--output", "fresh", cwd=root)
    assert "record(s) read and rendered." in first.stderr and "the rest unchanged" not in first.stderr


def test_a_draft_with_lint_errors_is_marked_not_blocking(root: Path):
    draft = dict(SITE_RECORDS["patel-2022-draft-study"], design="no-such-design")
    write_site_record(root, "patel-2022-draft-study", draft)
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0  # left out of the site
    result = run_atlas("build", "--output", "with", "--include-drafts", cwd=root)
    assert result.returncode == 0, result.stderr
    text = parse(page(root / "with", "patel-2022-draft-study")).text_by_id["lint-banner"]
    assert "the preview includes drafts" in text and "(design-unknown)" in text


def test_a_new_duplicate_marks_the_page_of_an_unchanged_record(root: Path):
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0
    copy = dict(SITE_RECORDS["lee-2019-fatigue-survey"], doi=SITE_RECORDS["smith-2021-exercise-capacity"]["doi"])
    write_site_record(root, "lee-2019-fatigue-survey", copy)
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 1  # both records are published
    result = run_atlas("build", "--output", "out", "--allow-errors", cwd=root)
    assert result.returncode == 0, result.stderr
    # lint reports a duplicate on the later file: here the one that did not change, so its page is rendered again
    assert "2 record(s) read and rendered" in result.stderr
    assert "(duplicate-doi)" in parse(page(root / "out", "smith-2021-exercise-capacity")).text_by_id["lint-banner"]
    write_site_record(root, "lee-2019-fatigue-survey", SITE_RECORDS["lee-2019-fatigue-survey"])
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0
    assert "lint-banner" not in parse(page(root / "out", "smith-2021-exercise-capacity")).text_by_id


def test_the_build_follows_the_lint_settings_and_disable_comments(root: Path):
    slug = "smith-2021-exercise-capacity"
    write_site_record(root, slug, dict(SITE_RECORDS[slug], topics=["pem", "long-covid-cohort"]))
    path = root / "records" / f"{slug}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "- long-covid-cohort\n" in text
    path.write_text(text.replace("- long-covid-cohort\n", "- long-covid-cohort  # atlas: disable=topic-unknown\n"))
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0
    path.write_text(text, encoding="utf-8")
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 1
    with (root / "atlas.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[atlas.lint.per_file_warn]\n"smith-*.yaml" = ["topic-unknown"]\n')
    result = run_atlas("build", "--output", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "lint-banner" not in parse(page(root / "out", slug)).text_by_id  # a warning


def test_no_comment_lets_a_contradicted_badge_onto_the_site(root: Path):
    break_badge(root)
    path = root / "records" / "smith-2021-exercise-capacity.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  badge: not-required\n", "  badge: not-required  # atlas: disable=pem-badge\n"))
    result = run_atlas("build", "--output", "out", cwd=root)
    assert result.returncode == 1 and "pem-badge" in result.stderr and "lint-comment" in result.stderr
    assert not (root / "out").exists()


def test_an_unknown_rule_in_the_lint_settings_stops_the_build(root: Path):
    with (root / "atlas.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[atlas.lint.per_file_warn]\n"smith-*.yaml" = ["pem-bagde"]\n')
    result = run_atlas("build", "--output", "out", cwd=root)
    assert result.returncode == 2 and "unknown rule 'pem-bagde'" in result.stderr and "pem-badge" in result.stderr


def test_build_and_lint_agree(root: Path):
    """Whatever lint says of the published records, the build says the same."""
    break_badge(root)
    write_site_record(root, "brown-2020-immune-review", dict(SITE_RECORDS["brown-2020-immune-review"], design="rct"))
    lint = json.loads(run_atlas("lint", "--format", "json", cwd=root).stdout)
    built = run_atlas("build", "--output", "out", "--allow-errors", cwd=root)
    assert built.returncode == 0
    for slug in ("smith-2021-exercise-capacity", "brown-2020-immune-review"):
        banner = parse(page(root / "out", slug)).text_by_id["lint-banner"]
        expected = [p for p in lint if p["path"] == f"records/{slug}.yaml" and p["severity"] == "error"]
        assert expected and all(f"line {p['line']}: {p['message']} ({p['rule']})" in banner for p in expected)


def test_placeholder_settings_stop_the_build_as_they_fail_lint(root: Path, built: Path):
    """A new atlas's placeholder address would be in every page's citations: no site until it is set."""
    before = tree_bytes(built)
    config = root / "atlas.toml"
    named = config.read_text(encoding="utf-8")
    config.write_text(named.replace('"https://atlas.example.org"', '"https://TODO.invalid"'), encoding="utf-8")
    lint = run_atlas("lint", cwd=root)
    assert lint.returncode == 1 and "atlas.toml:2:12: error config-placeholder `site_url`" in lint.stdout
    refused = run_atlas("build", "--output", "out", cwd=root)
    assert refused.returncode == 1, refused.stderr
    assert "atlas.toml:2:12: error config-placeholder `site_url`" in refused.stderr
    assert "atlas.toml still has placeholders every page would cite: the site was not built" in refused.stderr
    assert tree_bytes(built) == before
    # with a broken record too, both are named
    break_badge(root)
    both = run_atlas("build", "--output", "out", cwd=root)
    assert both.returncode == 1 and "error pem-badge" in both.stderr and "error config-placeholder" in both.stderr
    assert "1 published record has lint errors and atlas.toml still has placeholders" in both.stderr
    write_site_record(root, "smith-2021-exercise-capacity", SITE_RECORDS["smith-2021-exercise-capacity"])
    # --allow-errors builds, and says what every page cites
    allowed = run_atlas("build", "--output", "out", "--allow-errors", cwd=root)
    assert allowed.returncode == 0, allowed.stderr
    assert "built with 1 placeholder setting(s) of atlas.toml, which every page cites" in allowed.stderr
    assert "https://TODO.invalid/evidence/smith-2021-exercise-capacity" in page(
        root / "out", "smith-2021-exercise-capacity"
    )
    # nothing changed since, but without --allow-errors: refused again
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 1
    # a team that ignores the rule builds as lint passes
    config.write_text(config.read_text(encoding="utf-8").replace('ignore = ["', 'ignore = ["config-placeholder", "'))
    assert run_atlas("lint", cwd=root).returncode == 0
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0
    config.write_text(named, encoding="utf-8")
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0
    assert "TODO" not in page(root / "out", "smith-2021-exercise-capacity")
