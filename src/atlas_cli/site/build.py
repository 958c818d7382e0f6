"""Render the atlas as a static site, deterministically, incrementally and atomically.

The site (all links relative, so it works from file:// and any static host):

    index.html                    published studies, filterable and searchable
    evidence/<slug>/index.html    one evidence page per record
    topics/index.html             the topic vocabulary, with study counts
    topics/<id>/index.html        the studies of one topic
    criteria/index.html           the case definitions, with study counts
    criteria/<id>/index.html      the studies that used one case definition
    assets/atlas.css, atlas.js    the stylesheet and the copy / filter script
    .atlas-build.json             the manifest: what the next build may reuse

Same records, same bytes: nothing depends on the time, the machine or the order
files are listed in.

Incremental. The manifest records a digest of every record file's bytes (with
the little the list pages need from that record) and of every file of the site,
under a digest of everything else that shapes a page: the registries, the
citation settings, --include-drafts and atlas's own code, templates and assets
(`context_digest`). A record whose bytes and context are unchanged is neither
read nor rendered again: its evidence page stays as it is. The list pages
(index, topics, criteria) depend on every record, so they are rendered each
time from the manifest's summaries, which is cheap. A missing or unreadable
manifest, or another context, simply means every record is rendered again; the
files written are still only those whose bytes differ from what is on disk.

Atomic. Every page is rendered in memory first, then the changed files are
written into a staging folder beside the output (a full disk or a permission
problem shows up here, and the staging folder is then removed: the site is as
it was). Only then are they moved into the site, one rename each (a rename
needs no space and does not fail for lack of it; Ctrl-C is held back until it
is done), pages that disappeared are removed and the manifest is written last.
A first build stages the whole tree and renames it into place in one step.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.cite import PAGE_BLOCKS
from atlas_cli.core import jsonio
from atlas_cli.core.config import Settings
from atlas_cli.core.errors import AtlasError, UsageError, WriteError
from atlas_cli.core.interrupts import ctrl_c_deferred
from atlas_cli.core.paths import UnsafePath, check_replaceable, child, read_regular, resolved, safe_relative
from atlas_cli.core.pem import BADGES, LABELS, PEM_NOTE
from atlas_cli.core.records import SLUG_RE, Skipped, iter_record_paths, read_document, read_record_bytes
from atlas_cli.core.registries import Registries, load_registries
from atlas_cli.core.workers import map_chunks
from atlas_cli.core.yamlio import Document, parse_bytes
from atlas_cli.lint.config import LintPolicy
from atlas_cli.lint.problem import ERROR, Problem
from atlas_cli.site.checks import (
    Checks,
    LintBlocked,
    Verdict,
    Where,
    check_record,
    judge,
    own_notes,
    settings_errors,
    valid,
)
from atlas_cli.site.model import (
    EvidencePage,
    Listing,
    entry_from_record,
    index_row,
    listing,
)

if TYPE_CHECKING:
    from jinja2 import Environment


PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
ASSETS = PACKAGE / "assets"
MARKER = ".atlas-site"  # marks a folder as an atlas build, so a rebuild may replace it
MARKER_TEXT = "This folder is built by `atlas build`; it is replaced on every build.\n"
MANIFEST = ".atlas-build.json"
MANIFEST_FORMAT = 2  # 2: each record keeps what `atlas lint` found in it
COPY_NAMES = {"primary": "primary citation", "bibtex": "BibTeX entry", "snapshot": "atlas snapshot reference"}
# (format of `atlas cite`, heading, copy button's name), in page order
CITATION_FORMATS = tuple((fmt, heading, COPY_NAMES[fmt]) for heading, fmt in PAGE_BLOCKS)
PARALLEL_FROM = 400  # records to render; with fewer, starting worker processes costs more than it saves


@dataclass
class BuildResult:
    output: Path
    pages: int = 0
    evidence_pages: int = 0
    rendered: int = 0  # records read and rendered (the others were reused from the previous build)
    written: int = 0  # files whose bytes changed (or are new)
    unchanged: int = 0  # files kept from the previous build as they were
    removed: int = 0  # files of the previous build that are gone
    drafts: int = 0  # drafts in the site (with include_drafts) or left out (without)
    skipped: list[Skipped] = field(default_factory=list)
    marked: int = 0  # evidence pages saying lint found errors (--allow-errors, or included drafts)
    settings_errors: list[Problem] = field(default_factory=list)  # placeholders built in anyway (--allow-errors)


def digest(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


# --- the manifest ------------------------------------------------------------------------


@dataclass
class Manifest:
    """What a build made: `records` by file name, `files` (relative path -> digest) of the whole site."""

    context: str = ""
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        data = {"format": MANIFEST_FORMAT, "context": self.context, "records": self.records, "files": self.files}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


MANIFEST_MAX_BYTES = 256 * 1024 * 1024  # far above the manifest of 100,000 records


def read_manifest(output: Path) -> Manifest | None:
    """The manifest of the site in OUTPUT; None if there is none or it cannot be trusted.

    The manifest is data anyone can edit (a site committed to git, a pull request), so
    nothing in it is used as a path unless it names a place inside the site: a file
    listed as `../victim.txt` or `/etc/passwd`, or a record as `../x.yaml`, makes the
    whole manifest untrusted (a full check of the site follows, as without one).
    """
    try:
        data = jsonio.loads(read_regular(output / MANIFEST, MANIFEST_MAX_BYTES))
        if data["format"] != MANIFEST_FORMAT:
            return None
        manifest = Manifest(data["context"], data["records"], data["files"])
        if not (
            isinstance(manifest.context, str)
            and isinstance(manifest.records, dict)
            and isinstance(manifest.files, dict)
            and all(isinstance(v, str) and safe_relative(k) for k, v in manifest.files.items())
            and all(isinstance(v, dict) and _record_name(k) for k, v in manifest.records.items())
        ):
            return None
        return manifest
    except (OSError, UnsafePath, ValueError, KeyError, TypeError):  # jsonio: nesting too deep is a ValueError
        return None


def _record_name(name: str) -> bool:
    """A record file's name as the manifest keys it: `<slug>.yaml` (or .yml), nothing more."""
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and suffix in ("yaml", "yml") and SLUG_RE.match(stem) is not None


# The parts of atlas that shape a page (modules, templates, assets, citation styles), with
# every atlas package they import: `lint` decides what a page says lint found, and the
# lint package reaches `criteria` (its cue file, `lint --criteria`) and the answer cache.
PAGE_CODE = ("site", "cite", "core", "lint", "criteria", "services/cache.py")


def context_digest(settings: Settings, include_drafts: bool) -> str:
    """A digest of everything besides a record's own bytes that can change its pages."""
    import sys

    import jinja2

    from atlas_cli import __version__

    h = hashlib.blake2b(digest_size=16)
    h.update(
        json.dumps(
            [
                MANIFEST_FORMAT,
                __version__,
                sys.version_info[:2],
                jinja2.__version__,
                include_drafts,
                settings.name,
                settings.site_url,
                settings.bibtex_prefix,
                settings.snapshot,
                settings.lint,
            ],
            sort_keys=True,
            default=str,
        ).encode()
    )
    package = Path(__file__).parent.parent
    sources = [(package, package / name) for name in PAGE_CODE] + [(settings.schemas_dir, settings.schemas_dir)]
    for base, top in sources:
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(base).as_posix().encode() + b"\0")
                h.update(digest(path.read_bytes()).encode())
    return h.hexdigest()


def reusable_records(manifest: Manifest, context: str) -> dict[str, dict[str, Any]]:
    """The manifest's records that may stand in for reading and rendering the record again."""
    if manifest.context != context:
        return {}
    usable = {}
    for name, known in manifest.records.items():
        try:
            if not valid(known["checks"]):
                continue
            if known["kind"] == "draft" or (
                known["kind"] in ("entry", "draft-entry")
                and isinstance(known["sha"], str)
                and Listing(**known["listing"]).slug == Path(name).stem
                and all(SLUG_RE.match(i) for i in (*known["listing"]["topics"], *known["listing"]["criteria"]))
                and evidence_path(Path(name).stem) in manifest.files
                and all(isinstance(note, str) for note in known["shown"])
            ):
                usable[name] = known
        except (KeyError, TypeError):
            pass  # damaged: read that record again
    return usable


# --- reading the records -----------------------------------------------------------------


@dataclass
class _Job:
    """What each record's work needs (handed to each worker process when it starts)."""

    settings: Settings
    registries: Registries
    include_drafts: bool
    policy: LintPolicy
    where: Where  # how records are named in lint's problems
    renderer: Renderer | None = None
    schemas_dir: Path = field(init=False)  # settings.schemas_dir looks at the disk: asked once

    def __post_init__(self) -> None:
        self.schemas_dir = self.settings.schemas_dir

    def __getstate__(self) -> dict[str, Any]:
        # Sent to a spawned worker without the compiled templates: it compiles its own on
        # first use. Forked workers are not sent anything: they inherit the parent's.
        return {**self.__dict__, "renderer": None}


def read_entry(path: Path, raw: bytes | None, job: _Job, notes: list[str] | None = None) -> tuple[str, Any, Checks]:
    """One record file (and its bytes, None if they could not be read) -> (kind, value, what lint found in it):
    ("entry" or "draft-entry", (its Listing as JSON data, its evidence page, the lint notes the page shows)),
    ("draft", None) or ("skip", Skipped). NOTES: what the page says lint found (default: the record's own errors)."""
    document = parse_bytes(raw) if raw is not None else read_document(path)
    data = document.data
    draft = not isinstance(data, dict) or data.get("status") != "published"
    display = job.where.display(path.name)
    checks = check_record(path, document, display, job.schemas_dir, full=not draft or job.include_drafts)
    if data is None:
        first = document.problems[0] if document.problems else None
        where = f"{path}:{first.line}:{first.column}: {first.message}" if first else str(path)
        return "skip", Skipped(path, f"cannot be read ({where}); run `atlas lint {path}`"), checks
    if not isinstance(data, dict):
        return "skip", Skipped(path, "is not a record (expected a mapping of fields)"), checks
    slug = path.stem  # records/<slug>.yaml: the file name is the slug, as for `atlas cite`
    if not SLUG_RE.match(slug):
        return "skip", Skipped(path, "its file name is not a slug (lower-case words joined by hyphens)"), checks
    data = {**data, "slug": slug}
    if draft and not job.include_drafts:
        return "draft", None, checks
    entry = entry_from_record(data, job.registries)
    try:
        entry.citations = citations(data, job.settings)
    except AtlasError as exc:
        return "skip", Skipped(path, f"cannot be cited: {exc.message}"), checks
    if notes is None:
        notes = own_notes(checks, display, job.where.relative + path.name, job.policy)
    entry.lint_notes = notes
    if job.renderer is None:
        job.renderer = Renderer(job.include_drafts, job.settings.name)
    return (
        ("draft-entry" if draft else "entry"),
        (listing(entry).to_json(), job.renderer.evidence(entry), notes),
        checks,
    )


def _read_chunk(chunk: list[tuple[Path, bytes | None]], job: _Job) -> list[tuple[str, Any, Checks]]:
    return [read_entry(path, raw, job) for path, raw in chunk]


def render_records(todo: list[tuple[Path, bytes | None]], job: _Job, workers: int) -> list[tuple[str, Any, Checks]]:
    """`read_entry` of each of TODO, in order; spread over WORKERS processes when there are many."""
    job.renderer = job.renderer or Renderer(job.include_drafts, job.settings.name)  # compiled once, before any fork
    if todo:  # the lint rules and the compiled record schema, loaded once here: forked workers inherit them
        from atlas_cli.lint.engine import preload

        preload(job.schemas_dir)
    return map_chunks(_read_chunk, todo, workers, min_items=PARALLEL_FROM, shared=(job,))


def _read_bytes(path: Path) -> bytes | None:
    raw = read_record_bytes(path)  # a link out of the records folder, a pipe, a device: not read
    return None if isinstance(raw, Document) else raw  # read_entry reports why


@dataclass
class Collected:
    pages: list[tuple[Listing, bytes | None]]  # sorted by slug; None: the page of the previous build stands
    skipped: list[Skipped]
    drafts: int
    records: dict[str, dict[str, Any]]  # the manifest's records
    rendered: int
    checked: list[tuple[str, Checks]]  # every record file's name and what lint found in it
    published: set[str]  # file names of the published records in the site
    sources: dict[str, tuple[Path, bytes | None]]  # slug -> its file and bytes (to render it again)
    fresh: int  # records read again (the rest came from the manifest)


def collect(
    settings: Settings,
    registries: Registries,
    include_drafts: bool,
    workers: int = 1,
    previous: dict[str, dict[str, Any]] | None = None,
    policy: LintPolicy | None = None,
) -> Collected:
    """Each record to publish with its evidence page (sorted by slug), reusing PREVIOUS where the bytes match.

    PREVIOUS: the previous build's manifest records (same context). Records are
    independent, so WORKERS > 1 spreads their work over processes; results come
    back in file order either way, so the output does not depend on it. Every
    record is checked as `atlas lint` checks it (POLICY: the atlas's `[lint]` settings).
    """
    from atlas_cli.lint.config import lint_policy

    previous = previous or {}
    paths = list(iter_record_paths(settings.records_dir))
    raws = [_read_bytes(path) for path in paths]
    digests = [digest(raw) if raw is not None else None for raw in raws]
    results: dict[int, tuple[str, Any, Checks]] = {}  # by index in PATHS
    todo = []
    for i, path in enumerate(paths):
        known = previous.get(path.name)
        if known is not None and digests[i] is not None and known.get("sha") == digests[i]:
            value = (known["listing"], None, known["shown"]) if "listing" in known else None
            results[i] = (known["kind"], value, known["checks"])
        else:
            todo.append(i)
    job = _Job(settings, registries, include_drafts, policy or lint_policy(settings), Where.of(settings))
    fresh = render_records([(paths[i], raws[i]) for i in todo], job, workers)
    results.update(zip(todo, fresh))

    pages: dict[str, tuple[Listing, bytes | None]] = {}
    skipped: list[Skipped] = []
    records: dict[str, dict[str, Any]] = {}
    sources: dict[str, tuple[Path, bytes | None]] = {}
    published: set[str] = set()
    drafts = 0
    for i, (path, sha) in enumerate(zip(paths, digests)):
        kind, value, checks = results[i]
        if kind == "skip":
            skipped.append(value)  # never reused: read again next time, so the warning repeats
            continue
        if kind.startswith("draft"):
            drafts += 1
        study = Listing(**value[0]) if value is not None else None
        if study is not None and study.slug in pages:
            skipped.append(Skipped(path, f"repeats the slug {study.slug} of another record file"))
            continue
        if sha is not None:
            known = {"sha": sha, "kind": kind, "checks": checks}
            records[path.name] = {**known, **({"listing": value[0], "shown": value[2]} if value else {})}
        if study is not None:
            pages[study.slug] = (study, value[1])
            sources[study.slug] = (path, raws[i])
            if kind == "entry":
                published.add(path.name)
    read = sum(1 for i in todo if results[i][0] != "skip")  # a file that cannot be read was not rendered
    checked = [(path.name, results[i][2]) for i, path in enumerate(paths)]
    pages_in_order = [pages[s] for s in sorted(pages)]
    return Collected(pages_in_order, skipped, drafts, records, read, checked, published, sources, len(todo))


def citations(record: dict[str, Any], settings: Settings) -> dict[str, str]:
    """The three citation blocks, exactly as `atlas cite` prints them."""
    from atlas_cli.cite import render

    return {fmt: render(record, fmt, settings) for fmt, _, _ in CITATION_FORMATS}


def listing_order(entries: Iterable[Listing]) -> list[Listing]:
    """Newest first, then by title and slug (a total order, so the output is stable)."""
    return sorted(entries, key=lambda e: (-(e.year or 0), e.title.casefold(), e.slug))


# --- rendering ---------------------------------------------------------------------------


def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is text: record content can never become markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def json_for_script(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` left to end it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Renderer:
    """The templates, loaded and compiled once, and the values every page shares."""

    def __init__(self, include_drafts: bool, atlas_name: str) -> None:
        self.env = _environment()
        self.common = {
            "atlas_name": atlas_name,
            "pem_labels": LABELS,
            "pem_note": PEM_NOTE,
            "include_drafts": include_drafts,
            "citation_formats": CITATION_FORMATS,
        }

    def page(self, name: str, root: str, **values: Any) -> bytes:
        return self.env.get_template(name).render(root=root, **self.common, **values).encode("utf-8")

    def evidence(self, entry: EvidencePage) -> bytes:
        return self.page("evidence.html", "../../", entry=entry)


def render_site(
    pages: list[tuple[Listing, bytes | None]], registries: Registries, include_drafts: bool, atlas_name: str
) -> Iterator[tuple[str, bytes]]:
    """Every file of the site as (relative path, bytes), in a fixed order
    (but the evidence pages given as None: those of the previous build stand)."""
    from markupsafe import Markup

    renderer = Renderer(include_drafts, atlas_name)
    page = renderer.page
    studies = [study for study, _ in pages]
    listed = listing_order(studies)
    # Each study's list item, rendered once for the index and once for the pages two levels down.
    # (A template module's attributes are its macros, which jinja2's type hints cannot name.)
    study_item = renderer.env.get_template("macros.html").module.study_item  # type: ignore[attr-defined]
    on_index = [study_item(s, "") for s in listed]
    below = {s.slug: study_item(s, "../../") for s in listed}

    by_topic: dict[str, list[Markup]] = {}
    by_criterion: dict[str, list[Markup]] = {}
    for study in listed:
        for tid in study.topics:
            by_topic.setdefault(tid, []).append(below[study.slug])
        for cid in study.criteria:
            by_criterion.setdefault(cid, []).append(below[study.slug])

    topics: list[tuple[str, str, str | None, str | None]] = [
        (t.id, t.label, t.definition, t.group) for t in registries.topics.values()
    ]
    # a topic outside the vocabulary still gets its page, under an id that is a slug (never a path)
    topics += [(tid, tid, None, None) for tid in sorted(set(by_topic) - set(registries.topics)) if SLUG_RE.match(tid)]
    topic_labels = {tid: label for tid, label, _, _ in topics}
    designs = {s.design_id: s.design_label for s in studies if s.design_id and s.design_label is not None}

    filters = {
        "pem": [(b, LABELS[b]) for b in BADGES if any(s.pem == b for s in studies)],
        "topics": sorted(((tid, topic_labels[tid]) for tid in by_topic), key=lambda t: (t[1].casefold(), t[0])),
        "designs": sorted(designs.items(), key=lambda d: (d[1].casefold(), d[0])),
        "years": sorted({s.year for s in studies if s.year}, reverse=True),
    }
    index_json = Markup(json_for_script([index_row(s) for s in listed]))
    yield "index.html", page("index.html", "", items=on_index, filters=filters, index_json=index_json)

    for study, html in pages:
        if html is not None:
            yield evidence_path(study.slug), html

    groups: dict[str, list] = {}
    for tid, label, definition, group in topics:
        groups.setdefault(group or "other", []).append((tid, label, definition, len(by_topic.get(tid, []))))
    yield "topics/index.html", page("topics.html", "../", groups=groups)
    for tid, label, definition, _ in topics:
        yield (
            f"topics/{tid}/index.html",
            page("topic.html", "../../", label=label, definition=definition, items=by_topic.get(tid, [])),
        )

    criteria = list(registries.criteria.values())
    yield (
        "criteria/index.html",
        page("criteria.html", "../", criteria=[(c, len(by_criterion.get(c.id, []))) for c in criteria]),
    )
    for criterion in criteria:
        yield (
            f"criteria/{criterion.id}/index.html",
            page("criterion.html", "../../", criterion=criterion, items=by_criterion.get(criterion.id, [])),
        )

    for asset in sorted(ASSETS.iterdir()):
        if asset.is_file():
            yield f"assets/{asset.name}", asset.read_bytes()
    yield MARKER, MARKER_TEXT.encode()


def evidence_path(slug: str) -> str:
    return f"evidence/{slug}/index.html"


# --- writing -----------------------------------------------------------------------------


def check_output(output: Path, settings: Settings) -> Path:
    """The folder to build into, refusing any folder that is not ours to replace."""
    target = resolved(output)
    protected = {resolved(settings.root), resolved(settings.records_dir), resolved(settings.schemas_dir)}
    if target in protected or any(p.is_relative_to(target) for p in protected):
        raise UsageError(
            f"cannot build into {output}: it holds the atlas itself",
            hint="choose a separate folder with --output, e.g. --output site",
        )
    if target.exists() and not target.is_dir():
        raise UsageError(f"cannot build into {output}: it is a file", hint="choose a folder with --output")
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise UsageError(
            f"refusing to replace {output}: it is not empty and was not built by atlas",
            hint="choose a new or empty folder with --output, or remove this one first",
        )
    return target


def files_on_disk(output: Path) -> dict[str, str]:
    """Relative path -> digest of every file of a built site (used when it has no manifest to trust).

    Only regular files count (links are not followed: a site atlas built has none)."""
    return {
        p.relative_to(output).as_posix(): digest(p.read_bytes())
        for p in sorted(output.rglob("*"))
        if p.is_file() and not p.is_symlink() and p != output / MANIFEST
    }


def write_site(
    files: Iterable[tuple[str, bytes]],
    output: Path,
    result: BuildResult,
    reused: dict[str, str] | None = None,
    records: dict[str, dict[str, Any]] | None = None,
    context: str = "",
    previous: dict[str, str] | None = None,
) -> None:
    """Make OUTPUT hold exactly FILES ((relative path, bytes)) and REUSED, writing only what changed.

    REUSED: files of the previous build that stay as they are (relative path ->
    digest). PREVIOUS: the files of the site now in OUTPUT (relative path ->
    digest; default: from its manifest, else from its files). RECORDS and
    CONTEXT go into the new manifest. See the module's docstring for how a
    failure leaves the previous site as it was.
    """
    parent = output.parent
    in_place = (output / MARKER).is_file()
    if in_place and previous is None:
        manifest = read_manifest(output)
        previous = manifest.files if manifest is not None else files_on_disk(output)
    old = previous if in_place and previous is not None else {}
    new = dict(reused or {})
    changed: list[tuple[str, bytes]] = []
    for rel, content in files:  # pages are rendered here, before anything is written
        new[rel] = digest(content)
        if old.get(rel) != new[rel]:
            changed.append((rel, content))
    gone = sorted(set(old) - set(new))
    manifest_bytes = Manifest(context, records or {}, new).to_bytes()
    result.written, result.unchanged, result.removed = len(changed), len(new) - len(changed), len(gone)
    result.pages = sum(1 for rel in new if rel.endswith(".html"))
    if in_place:  # every file replaced or removed is a regular file inside the site
        try:
            for rel in [MANIFEST, *(rel for rel, _ in changed), *gone]:
                check_replaceable(child(output, rel))
        except UnsafePath as exc:
            raise UsageError(
                f"cannot build into {output}: {exc.message}",
                hint="atlas build replaces only the regular files it wrote inside the output folder: "
                "remove what is in the way, or build into a new folder",
            ) from None
    if in_place and not changed and not gone and _same_bytes(output / MANIFEST, manifest_bytes):
        return  # nothing at all to change
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise WriteError(
            f"cannot create a folder in {parent}: {exc.strerror}", hint="check the folder exists and is writable"
        ) from exc
    made: list[Path] = []  # folders made in the live site for new pages (removed again on failure)
    try:
        if not in_place:  # a first build: stage the whole tree, then rename it into place
            for rel, content in [*changed, (MANIFEST, manifest_bytes)]:
                path = child(stage, rel)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            umask = os.umask(0)
            os.umask(umask)
            stage.chmod(0o777 & ~umask)  # mkdtemp makes it private; a site is meant to be read
            os.rename(stage, output)  # replaces an empty folder
        else:
            for number, (rel, content) in enumerate([(MANIFEST, manifest_bytes), *changed]):
                for folder in reversed((output / rel).parents):
                    if folder.is_relative_to(output) and not folder.is_dir():
                        folder.mkdir()
                        made.append(folder)
                (stage / str(number)).write_bytes(content)
    except UnsafePath as exc:
        _undo(stage, made)
        raise UsageError(f"cannot build into {output}: {exc.message}") from None
    except OSError as exc:
        _undo(stage, made)
        raise WriteError(
            f"cannot write the site into {output}: {exc.strerror or exc}",
            hint="check free disk space and permissions; the previous site is unchanged",
        ) from exc
    except BaseException:
        _undo(stage, made)
        raise
    if in_place:
        _commit(stage, output, [MANIFEST] + [rel for rel, _ in changed], gone)


def _same_bytes(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def _undo(stage: Path, made: list[Path]) -> None:
    shutil.rmtree(stage, ignore_errors=True)
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            pass


def _commit(stage: Path, output: Path, names: list[str], gone: list[str]) -> None:
    """Move the staged files (numbered in the order of NAMES, the manifest first) into OUTPUT; remove GONE."""
    try:
        with ctrl_c_deferred():
            (output / MANIFEST).unlink(missing_ok=True)  # until the end: a crash here means a full check next time
            for number in range(1, len(names)):
                os.replace(stage / str(number), output / names[number])
            for rel in gone:
                (output / rel).unlink(missing_ok=True)
                for folder in (output / rel).parents:
                    if folder == output or any(folder.iterdir()):
                        break
                    folder.rmdir()
            os.replace(stage / "0", output / MANIFEST)
    except OSError as exc:
        raise WriteError(
            f"cannot finish updating the site in {output}: {exc.strerror or exc}",
            hint="fix the cause and run `atlas build` again: it rewrites whatever is missing",
        ) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def build(
    settings: Settings,
    output: Path | None = None,
    include_drafts: bool = False,
    workers: int | None = None,
    allow_errors: bool = False,
) -> BuildResult:
    """Build the site of the atlas into OUTPUT (default: `site/` in the atlas root).

    WORKERS: processes reading and rendering records (default: one per CPU,
    used only when there are many records to render); the output is the same
    whatever it is. A published record with lint errors stops the build
    (`LintBlocked`, nothing written) unless ALLOW_ERRORS: then its page says what
    lint found, as an included draft's page does.
    """
    from atlas_cli.lint.config import lint_policy

    target = check_output(output if output is not None else settings.root / "site", settings)
    policy = lint_policy(settings)
    unset = settings_errors(settings, policy)  # a placeholder name or address would be on every page
    registries = load_registries(settings.schemas_dir)
    context = context_digest(settings, include_drafts)
    manifest = read_manifest(target) if (target / MARKER).is_file() else None
    reusable = reusable_records(manifest, context) if manifest is not None else {}
    workers = workers if workers is not None else (os.cpu_count() or 1)
    found = collect(settings, registries, include_drafts, workers, reusable, policy)
    where = Where.of(settings)
    if manifest is not None and found.fresh == 0 and set(found.records) == set(manifest.records):
        # Not a byte changed since the previous build, nor its settings or atlas: its verdict
        # stands, and each page already says it (a page with notes is a record with errors).
        shown = {path.name for path, _ in found.sources.values() if found.records[path.name].get("shown")}
        pages, marked = found.pages, len(shown)
        if (shown & found.published or unset) and not allow_errors:  # built with --allow-errors last time
            verdict = judge(where, policy, found.checked)
            raise LintBlocked(
                [p for name in sorted(found.published) for p in verdict.of(name)], len(found.published), unset
            )
    else:
        verdict = judge(where, policy, found.checked)
        blocking = [p for name in sorted(found.published) for p in verdict.of(name) if p.severity == ERROR]
        if (blocking or unset) and not allow_errors:
            raise LintBlocked(blocking, len(found.published), unset)
        pages, marked = _with_final_notes(found, verdict, _Job(settings, registries, include_drafts, policy, where))
    result = BuildResult(
        output=target,
        evidence_pages=len(pages),
        rendered=found.rendered,
        drafts=found.drafts,
        skipped=found.skipped,
        marked=marked,
        settings_errors=unset,
    )
    reused = (
        {
            evidence_path(study.slug): manifest.files[evidence_path(study.slug)]
            for study, html in pages
            if html is None  # only a page of the previous build's manifest is reused
        }
        if manifest is not None
        else {}
    )
    write_site(
        render_site(pages, registries, include_drafts, settings.name),
        target,
        result,
        reused=reused,
        records=found.records,
        context=context,
        previous=manifest.files if manifest is not None else None,
    )
    return result


def _with_final_notes(found: Collected, verdict: Verdict, job: _Job) -> tuple[list[tuple[Listing, bytes | None]], int]:
    """(FOUND's pages, how many say lint found errors), each page rendered again whose notes
    changed with the checks across records (a new duplicate, say): a page always says what
    lint finds in its record now."""
    from atlas_cli.site.checks import record_notes

    pages = []
    marked = 0
    for study, html in found.pages:
        path, raw = found.sources[study.slug]
        notes = record_notes(verdict.of(path.name))
        marked += bool(notes)
        known = found.records.get(path.name)
        if known is not None and known.get("shown") != notes:
            kind, value, _ = read_entry(path, raw, job, notes=notes)
            if kind in ("entry", "draft-entry"):
                found.rendered += html is None  # a page of the previous build, read and rendered after all
                html = value[1]
                known["shown"] = notes
        pages.append((study, html))
    return pages, marked
