"""Render the atlas as a static site, deterministically and atomically.

The site (all links relative, so it works from file:// and any static host):

    index.html                    published studies, filterable and searchable
    evidence/<slug>/index.html    one evidence page per record
    topics/index.html             the topic vocabulary, with study counts
    topics/<id>/index.html        the studies of one topic
    criteria/index.html           the case definitions, with study counts
    criteria/<id>/index.html      the studies that used one case definition
    assets/atlas.css, atlas.js    the stylesheet and the copy / filter script

Same records, same bytes: nothing depends on the time, the machine or the order
files are listed in. Pages are rendered into a fresh folder beside the output;
a page whose bytes did not change is hard-linked from the previous build (not
rewritten), and the new folder then replaces the old one, so a failed build
leaves the previous site as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from atlas_cli.config import Settings
from atlas_cli.errors import AtlasError, UsageError, WriteError
from atlas_cli.pem import BADGES, LABELS
from atlas_cli.records import SLUG_RE, iter_record_paths, read_document
from atlas_cli.registries import Registries, load_registries
from atlas_cli.site.model import PEM_NOTE, Entry, entry_from_record, index_row

PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
ASSETS = PACKAGE / "assets"
MARKER = ".atlas-site"  # marks a folder as an atlas build, so a rebuild may replace it
MARKER_TEXT = "This folder is built by `atlas build`; it is replaced on every build.\n"
CITATION_FORMATS = (  # (format of `atlas cite`, heading, copy button's name)
    ("primary", "Primary citation", "primary citation"),
    ("bibtex", "BibTeX", "BibTeX entry"),
    ("snapshot", "Atlas snapshot reference", "atlas snapshot reference"),
)


@dataclass(frozen=True)
class Skipped:
    """A record file left out of the site, and why."""

    path: Path
    reason: str


@dataclass
class BuildResult:
    output: Path
    pages: int = 0
    evidence_pages: int = 0
    written: int = 0  # files whose bytes changed (or are new)
    unchanged: int = 0  # files kept from the previous build as they were
    removed: int = 0  # files of the previous build that are gone
    drafts: int = 0  # drafts in the site (with include_drafts) or left out (without)
    skipped: list[Skipped] = field(default_factory=list)


# --- reading the records -----------------------------------------------------------------

PARALLEL_FROM = 2  # records; with fewer, worker processes cannot help


@dataclass
class _Job:
    """What each record's work needs (inherited by worker processes)."""

    settings: Settings
    registries: Registries
    include_drafts: bool
    renderer: "Renderer | None" = None


_job: _Job | None = None


def _start_worker(job: _Job) -> None:
    global _job
    _job = job


def read_entry(path: Path, job: _Job) -> tuple[str, Any]:
    """One record file -> ("entry", (Entry, its evidence page)), ("draft", None) or ("skip", Skipped)."""
    document = read_document(path)
    data = document.data
    if data is None:
        first = document.problems[0] if document.problems else None
        where = f"{path}:{first.line}:{first.column}: {first.message}" if first else str(path)
        return "skip", Skipped(path, f"cannot be read ({where}); run `atlas lint {path}`")
    if not isinstance(data, dict):
        return "skip", Skipped(path, "is not a record (expected a mapping of fields)")
    slug = path.stem  # records/<slug>.yaml: the file name is the slug, as for `atlas cite`
    if not SLUG_RE.match(slug):
        return "skip", Skipped(path, "its file name is not a slug (lower-case words joined by hyphens)")
    data = {**data, "slug": slug}
    draft = data.get("status") != "published"
    if draft and not job.include_drafts:
        return "draft", None
    entry = entry_from_record(data, job.registries)
    try:
        entry.citations = citations(data, job.settings)
    except AtlasError as exc:
        return "skip", Skipped(path, f"cannot be cited: {exc.message}")
    if job.renderer is None:
        job.renderer = Renderer(job.include_drafts)
    return ("draft-entry" if draft else "entry"), (entry, job.renderer.evidence(entry))


def _read_in_worker(path: Path) -> tuple[str, Any]:
    assert _job is not None
    return read_entry(path, _job)


def collect(settings: Settings, registries: Registries, include_drafts: bool,
            workers: int = 1) -> tuple[list[tuple[Entry, bytes]], list[Skipped], int]:
    """(entry, evidence page) of each record to publish (sorted by slug), the files skipped, drafts.

    Records are independent, so WORKERS > 1 spreads the work over that many
    processes (worth it only where the CPUs really run in parallel); results come
    back in file order either way, so the output does not depend on it.
    """
    paths = list(iter_record_paths(settings.records_dir))
    job = _Job(settings, registries, include_drafts)
    if workers > 1 and len(paths) >= PARALLEL_FROM:
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing

        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(job,)) as pool:
            results = list(pool.map(_read_in_worker, paths, chunksize=max(1, min(64, len(paths) // (workers * 4)))))
    else:
        results = [read_entry(path, job) for path in paths]
    pages: dict[str, tuple[Entry, bytes]] = {}
    skipped: list[Skipped] = []
    drafts = 0
    for path, (kind, value) in zip(paths, results):
        if kind == "skip":
            skipped.append(value)
            continue
        if kind.startswith("draft"):
            drafts += 1
        if value is None:
            continue
        if value[0].slug in pages:
            skipped.append(Skipped(path, f"repeats the slug {value[0].slug} of another record file"))
            continue
        pages[value[0].slug] = value
    return [pages[s] for s in sorted(pages)], skipped, drafts


def citations(record: dict[str, Any], settings: Settings) -> dict[str, str]:
    """The three citation blocks, exactly as `atlas cite` prints them."""
    from atlas_cli.cite import render

    return {fmt: render(record, fmt, settings) for fmt, _, _ in CITATION_FORMATS}


def listing_order(entries: Iterable[Entry]) -> list[Entry]:
    """Newest first, then by title and slug (a total order, so the output is stable)."""
    return sorted(entries, key=lambda e: (-(e.year or 0), e.title.casefold(), e.slug))


# --- rendering ---------------------------------------------------------------------------


def _environment():
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
    """The templates, loaded once, and the values every page shares."""

    def __init__(self, include_drafts: bool) -> None:
        self.env = _environment()
        self.common = {
            "pem_labels": LABELS,
            "pem_note": PEM_NOTE,
            "include_drafts": include_drafts,
            "citation_formats": CITATION_FORMATS,
        }

    def page(self, name: str, root: str, **values) -> bytes:
        return self.env.get_template(name).render(root=root, **self.common, **values).encode("utf-8")

    def evidence(self, entry: Entry) -> bytes:
        return self.page("evidence.html", "../../", entry=entry)


def render_site(pages: list[tuple[Entry, bytes]], registries: Registries,
                include_drafts: bool) -> Iterator[tuple[str, bytes]]:
    """Every file of the site as (relative path, bytes), in a fixed order."""
    from markupsafe import Markup

    renderer = Renderer(include_drafts)
    page = renderer.page
    entries = [entry for entry, _ in pages]
    listed = listing_order(entries)

    by_topic: dict[str, list[Entry]] = {}
    by_criterion: dict[str, list[Entry]] = {}
    for entry in listed:
        for tid in {t.id for t in entry.topics if t.id}:
            by_topic.setdefault(tid, []).append(entry)
        for cid in {c.id for c in entry.criteria if c.id}:
            by_criterion.setdefault(cid, []).append(entry)

    topics = [(t.id, t.label, t.definition, t.group) for t in registries.topics.values()]
    topics += [(tid, tid, None, None) for tid in sorted(set(by_topic) - set(registries.topics))]
    topic_labels = {tid: label for tid, label, _, _ in topics}
    designs = {e.design.id: e.design.label for e in entries if e.design and e.design.id}

    filters = {
        "pem": [(b, LABELS[b]) for b in BADGES if any(e.pem == b for e in entries)],
        "topics": sorted(((tid, topic_labels[tid]) for tid in by_topic), key=lambda t: (t[1].casefold(), t[0])),
        "designs": sorted(designs.items(), key=lambda d: (d[1].casefold(), d[0])),
        "years": sorted({e.year for e in entries if e.year}, reverse=True),
    }
    index_json = Markup(json_for_script([index_row(e) for e in listed]))
    yield "index.html", page("index.html", "", entries=listed, filters=filters, index_json=index_json)

    for entry, html in pages:
        yield f"evidence/{entry.slug}/index.html", html

    groups: dict[str, list] = {}
    for tid, label, definition, group in topics:
        groups.setdefault(group or "other", []).append((tid, label, definition, len(by_topic.get(tid, []))))
    yield "topics/index.html", page("topics.html", "../", groups=groups)
    for tid, label, definition, _ in topics:
        yield f"topics/{tid}/index.html", page("topic.html", "../../", label=label, definition=definition,
                                               entries=by_topic.get(tid, []))

    criteria = list(registries.criteria.values())
    yield "criteria/index.html", page("criteria.html", "../",
                                      criteria=[(c, len(by_criterion.get(c.id, []))) for c in criteria])
    for criterion in criteria:
        yield f"criteria/{criterion.id}/index.html", page("criterion.html", "../../", criterion=criterion,
                                                          entries=by_criterion.get(criterion.id, []))

    for asset in sorted(ASSETS.iterdir()):
        if asset.is_file():
            yield f"assets/{asset.name}", asset.read_bytes()
    yield MARKER, MARKER_TEXT.encode()


# --- writing -----------------------------------------------------------------------------


def check_output(output: Path, settings: Settings) -> Path:
    """The folder to build into, refusing any folder that is not ours to replace."""
    target = output.resolve()
    protected = {settings.root.resolve(), settings.records_dir.resolve(), settings.schemas_dir.resolve()}
    if target in protected or any(p.is_relative_to(target) for p in protected):
        raise UsageError(f"cannot build into {output}: it holds the atlas itself",
                         hint="choose a separate folder with --output, e.g. --output site")
    if target.exists() and not target.is_dir():
        raise UsageError(f"cannot build into {output}: it is a file", hint="choose a folder with --output")
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise UsageError(f"refusing to replace {output}: it is not empty and was not built by atlas",
                         hint="choose a new or empty folder with --output, or remove this one first")
    return target


def _same_bytes(path: Path, content: bytes) -> bool:
    try:
        if path.stat().st_size != len(content):
            return False
        return path.read_bytes() == content
    except OSError:
        return False


WRITE_THREADS = 4
REMOVE_THREADS = 8


def _put(fresh: Path, previous: Path | None, rel: str, content: bytes) -> bool:
    """Place one file in the new site: linked from the previous build if unchanged. True if written."""
    target = fresh / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    old = previous / rel if previous is not None else None
    if old is not None and _same_bytes(old, content):
        try:
            os.link(old, target)  # unchanged: keep the very same file
        except OSError:
            shutil.copy2(old, target)  # no hard links here: copy, keeping its time
        return False
    target.write_bytes(content)
    return True


def write_site(files: Iterable[tuple[str, bytes]], output: Path, result: BuildResult) -> None:
    """Write FILES into a new folder beside OUTPUT, then put it in OUTPUT's place."""
    parent = output.parent
    previous = output if (output / MARKER).is_file() else None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise WriteError(f"cannot create a folder in {parent}: {exc.strerror}",
                         hint="check the folder exists and is writable") from exc
    try:
        umask = os.umask(0)
        os.umask(umask)
        fresh.chmod(0o777 & ~umask)  # mkdtemp makes it private; a site is meant to be read
        names: set[str] = set()

        def named(items):
            for rel, content in items:
                names.add(rel)
                yield rel, content

        from concurrent.futures import ThreadPoolExecutor

        # File system calls wait on the disk, not the CPU: a few threads overlap them.
        with ThreadPoolExecutor(WRITE_THREADS) as pool:
            outcomes = list(pool.map(lambda item: _put(fresh, previous, *item), named(files)))
        result.written += sum(outcomes)
        result.unchanged += len(outcomes) - sum(outcomes)
        result.pages = sum(1 for n in names if n.endswith(".html"))
        if previous is not None:
            result.removed = sum(
                1 for p in previous.rglob("*") if p.is_file() and p.relative_to(previous).as_posix() not in names
            )
        _swap(fresh, output)
    except OSError as exc:
        remove_tree(fresh)
        raise WriteError(f"cannot write the site into {output}: {exc.strerror or exc}",
                         hint="check free disk space and permissions; the previous site is unchanged") from exc
    except BaseException:
        remove_tree(fresh)
        raise


def _swap(fresh: Path, output: Path) -> None:
    if not output.exists():
        os.rename(fresh, output)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".old", dir=output.parent))
    os.rename(output, retired / "site")
    try:
        os.rename(fresh, output)
    except OSError:
        os.rename(retired / "site", output)
        raise
    remove_tree(retired)


def remove_tree(path: Path) -> None:
    """Delete a folder tree, overlapping the file system calls.

    Removing thousands of folders one by one is slow on some disks (each rmdir
    can wait for the device); a few threads per level of the tree overlap them.
    """
    from concurrent.futures import ThreadPoolExecutor

    files: list[str] = []
    levels: dict[int, list[str]] = {}
    for folder, subfolders, names in os.walk(path):
        files += [os.path.join(folder, n) for n in names]
        files += [os.path.join(folder, d) for d in subfolders if os.path.islink(os.path.join(folder, d))]
        levels.setdefault(folder.count(os.sep), []).append(folder)

    def quietly(call, target):
        try:
            call(target)
        except OSError:
            pass

    with ThreadPoolExecutor(REMOVE_THREADS) as pool:
        list(pool.map(lambda f: quietly(os.unlink, f), files))
        for depth in sorted(levels, reverse=True):
            list(pool.map(lambda d: quietly(os.rmdir, d), levels[depth]))
    shutil.rmtree(path, ignore_errors=True)  # anything left (a file added meanwhile)


def build(settings: Settings, output: Path | None = None, include_drafts: bool = False,
          workers: int = 1) -> BuildResult:
    """Build the site of the atlas into OUTPUT (default: `site/` in the atlas root).

    WORKERS: processes reading and rendering records (1: in this process); the
    output is the same whatever it is.
    """
    target = check_output(output if output is not None else settings.root / "site", settings)
    registries = load_registries(settings.schemas_dir)
    pages, skipped, drafts = collect(settings, registries, include_drafts, workers)
    result = BuildResult(output=target, evidence_pages=len(pages), drafts=drafts, skipped=skipped)
    write_site(render_site(pages, registries, include_drafts), target, result)
    return result
