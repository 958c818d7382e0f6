"""Records on disk: find them, read one, order its keys, save it safely.

A record is `records/<slug>.yaml`. Reading never raises for bad content (the
problems travel with the document); saving writes a temp file in the same folder
and renames it into place, so a crash never leaves a half-written record.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from atlas_cli.core.errors import NotFound, UsageError, WriteError
from atlas_cli.core.paths import UnsafePath, link_leaves, output_file, read_regular
from atlas_cli.core.values import Value
from atlas_cli.core.yamlio import MAX_BYTES, Document, YamlProblem, dump, parse_bytes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RECORD_SUFFIX = ".yaml"


def iter_record_paths(records_dir: Path) -> Iterator[Path]:
    """Every record file in the folder (sorted; hidden and temp files skipped)."""
    if not records_dir.is_dir():
        return iter(())
    return iter(
        sorted(p for p in records_dir.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
    )


def iter_yaml_files(folder: Path) -> Iterator[Path]:
    """Every YAML file under FOLDER, in subfolders too (sorted; hidden files and folders
    skipped, symlinked folders not followed; a folder named x.yaml is listed, to be
    reported). The records `atlas lint FOLDER` checks."""
    found = []
    for directory, folders, files in os.walk(folder):
        names = [*files, *(name for name in folders if name.endswith((".yaml", ".yml")))]  # a folder named x.yaml
        found += [Path(directory, name) for name in names if name.endswith((".yaml", ".yml")) and name[0] != "."]
        folders[:] = [name for name in folders if not name.startswith(".") and not name.endswith((".yaml", ".yml"))]
    return iter(sorted(found))


OUTSIDE_MESSAGE = "symlink points outside the records folder; not read"
OUTSIDE_HINT = "keep records as plain files inside the records folder"


def read_record_bytes(path: Path, within: Path | None = None) -> bytes | Document:
    """The bytes of one record file, or a Document holding why they cannot be read.

    WITHIN: the records folder (default: the folder holding PATH). A record that is a
    link is read only when it leads to a file inside it (`file-symlink` otherwise);
    only a regular file is read, and at most MAX_BYTES of it (see core.paths).
    """
    if link_leaves(path, within if within is not None else path.parent):
        return Document(None, problems=[YamlProblem(1, 1, "file-symlink", OUTSIDE_MESSAGE, OUTSIDE_HINT)])
    return read_file_bytes(path)


def read_file_bytes(path: Path, what: str = "records") -> bytes | Document:
    """The bytes of a YAML file atlas reads (a link followed wherever it leads), or a Document
    holding why they cannot be read: only a regular file, at most MAX_BYTES of it. WHAT: the
    kind of file, for the hint (`records`, `registries`, ...)."""
    try:
        return read_regular(path, MAX_BYTES)
    except UnsafePath as exc:
        if exc.size is not None:
            return parse_bytes(b"", size=exc.size)
        if exc.folder:
            problem = YamlProblem(
                1,
                1,
                "file-unreadable",
                "is a folder, not a record file",
                "rename the folder so it does not end in .yaml",
            )
        else:
            problem = YamlProblem(
                1,
                1,
                "file-unreadable",
                exc.message,
                "records are plain files: remove it from the records folder"
                if what == "records"
                else f"{what} are plain files: put the file itself in its place",
            )
        return Document(None, problems=[problem])
    except OSError as exc:
        import errno

        hint = "check the file's permissions"
        if exc.errno == errno.ELOOP:  # `records/a.yaml -> b.yaml -> a.yaml`: there is no file to give
            hint = "the file is a symlink that leads back to itself: put the file itself in its place"
        return Document(
            None, problems=[YamlProblem(1, 1, "file-unreadable", f"cannot read file: {exc.strerror}", hint)]
        )


def read_document(path: Path, within: Path | None = None) -> Document:
    """Parse one record file; an unreadable file becomes a problem, not an exception.

    WITHIN: the records folder a link must not lead out of (default: PATH's folder).
    """
    raw = read_record_bytes(path, within)
    return raw if isinstance(raw, Document) else parse_bytes(raw)


def read_yaml_file(path: Path, what: str = "registries") -> Document:
    """Parse a YAML file that is not a record (a registry): as `read_document`, without the link rule."""
    raw = read_file_bytes(path, what)
    return raw if isinstance(raw, Document) else parse_bytes(raw)


class RecordFile(Value):
    """One record file as read: its data (None when it is not a mapping of keys) and the problems found."""

    def __init__(self, path: Path, data: dict[str, Any] | None, problems: tuple[YamlProblem, ...] = ()) -> None:
        self.path = path
        self.data = data
        self.problems = problems

    @classmethod
    def read(cls, path: Path) -> RecordFile:
        document = read_document(path)
        data = document.data if isinstance(document.data, dict) else None
        return cls(path, data, tuple(document.problems))


def read_record_files(paths: Iterable[Path], jobs: int | None = None) -> list[RecordFile]:
    """Each file read (over all cores when there are many), in the order given."""
    from atlas_cli.core.workers import map_chunks

    return map_chunks(_read_chunk, [str(p) for p in paths], jobs)


def _read_chunk(names: list[str]) -> list[RecordFile]:
    return [RecordFile.read(Path(name)) for name in names]


class Skipped(Value):
    """A record file a command left out, and why (at which line, when the reason has one)."""

    def __init__(self, path: Path, message: str, line: int = 1, column: int = 1) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message} (skipped)"


def check_slug_argument(slug: str) -> str:
    """A slug given on the command line is a name, never a path."""
    if not SLUG_RE.match(slug):
        raise UsageError(
            f"'{slug}' is not a slug",
            hint="a slug is lower-case words joined by hyphens, e.g. mensah-2017-chronic-fatigue (not a path)",
        )
    return slug


def record_path(records_dir: Path, slug: str) -> Path:
    return records_dir / f"{check_slug_argument(slug)}{RECORD_SUFFIX}"


def find_record(records_dir: Path, slug: str) -> Path:
    """The file of SLUG, or NotFound naming the closest slugs."""
    path = record_path(records_dir, slug)
    if path.is_file():
        return path
    import difflib

    known = [p.stem for p in iter_record_paths(records_dir)]
    close = difflib.get_close_matches(slug, known, n=3, cutoff=0.5)
    hint = f"did you mean: {', '.join(close)}?" if close else "`atlas list` shows every slug"
    raise NotFound(f"no record '{slug}'", hint=hint)


def load_record(records_dir: Path, slug: str) -> dict[str, Any]:
    """The data of one record, for commands that read (cite, show).

    A record that cannot be read at all is a usage error pointing at `atlas lint`.
    """
    path = find_record(records_dir, slug)
    document = read_document(path)
    if document.data is None:
        first = document.problems[0]
        raise UsageError(
            f"{path}:{first.line}:{first.column}: {first.message}", hint=f"run `atlas lint {path}` and fix the record"
        )
    return document.data


# --- key order -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def record_schema() -> dict[str, Any]:
    """The shipped record schema (key order and enumerations are read from it)."""
    import json  # here, not at the top: `atlas cite` reads records and never the schema

    from atlas_cli.core.config import find_schemas_dir

    return json.loads((find_schemas_dir() / "record.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def key_orders() -> dict[str, list[str]]:
    schema = record_schema()
    defs = schema["$defs"]
    return {
        "record": list(schema["properties"]),
        "pem": list(defs["pem"]["properties"]),
        "pem_proposal": list(defs["pem_proposal"]["properties"]),
        "author": list(defs["author"]["properties"]),
        "update": list(defs["update"]["properties"]),
    }


def _ordered(mapping: dict[str, Any], order: list[str]) -> dict[str, Any]:
    known = {k: mapping[k] for k in order if k in mapping}
    known.update({k: v for k, v in mapping.items() if k not in known})  # unknown keys kept, last
    return known


def order_record(data: dict[str, Any]) -> dict[str, Any]:
    """The record with its keys in page-reading order (values untouched)."""
    orders = key_orders()
    result = _ordered(data, orders["record"])
    if isinstance(result.get("pem"), dict):
        result["pem"] = _ordered(result["pem"], orders["pem"])
        if isinstance(result["pem"].get("proposed"), dict):
            result["pem"]["proposed"] = _ordered(result["pem"]["proposed"], orders["pem_proposal"])
    for key, order in (("authors", orders["author"]), ("updates", orders["update"])):
        if isinstance(result.get(key), list):
            result[key] = [_ordered(v, order) if isinstance(v, dict) else v for v in result[key]]
    return result


def render_record(data: dict[str, Any]) -> str:
    return dump(order_record(data))


# --- saving ----------------------------------------------------------------------------


def write_atomic(path: Path, text: str, *, exclusive: bool = False, make_parents: bool = False) -> None:
    """Write TEXT to PATH via a temp file and a rename.

    exclusive=True creates PATH only if it does not exist yet (even against a
    concurrent writer): the temp file is hard-linked into place, which fails if
    the name is taken. make_parents=True creates missing folders (atlas-owned
    places only: a user's --output path with a typo must fail, not grow folders).
    A PATH that is a link is written where the link leads (the link stays); only a
    regular file is ever replaced (core.paths.output_file): a named pipe, a device or
    a folder is refused. Raises WriteError (exit 4) with the reason.
    """
    from atlas_cli.core.interrupts import ctrl_c_deferred  # imported by writers only (cite reads)

    path = Path(path)
    if not exclusive:
        try:
            path = output_file(path)
        except UnsafePath as exc:
            raise WriteError(exc.message, hint="name a regular file, or a new one") from None
    with ctrl_c_deferred():
        _write_atomic(path, text, exclusive, make_parents)


def _write_atomic(path: Path, text: str, exclusive: bool, make_parents: bool) -> None:
    import tempfile

    directory = path.parent
    try:
        if make_parents:
            directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise WriteError(
            f"cannot write {path}: {exc.strerror}", hint="check the folder exists and is writable"
        ) from exc
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp makes 0600 files; keep the file's own mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise WriteError(
                    f"{path} already exists; not overwriting it", hint="choose another slug or edit the existing record"
                ) from None
        else:
            os.replace(tmp, path)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror}", hint="check free disk space and permissions") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, or what a new file gets under the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save_new_record(records_dir: Path, data: dict[str, Any]) -> Path:
    """Create records/<slug>.yaml for a new record; never replaces an existing file."""
    path = record_path(records_dir, data["slug"])
    write_atomic(path, render_record(data), exclusive=True, make_parents=True)
    return path
