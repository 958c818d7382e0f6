"""The lint index: which records share an identity, kept between runs.

Linting a few files (what the pre-commit hook and an editor do on every save) still
compares them with every record of the atlas: the same DOI (aliases included), PMID,
or title and year, a file name differing only in case, a paper the screening file
excludes. Reading 10,000 records for that takes seconds. The index keeps, for each
record file, the keys those checks compare records by (`duplicates.duplicate_keys`,
and the screening keys where they differ; stored as short hashes, `token`), with what
the file looked like when it was read: its size, mtime, ctime and inode, and a hash of
its bytes.

A run (`other_records`):

1. walks the records folder (the files a whole-atlas lint reads) and stats each file;
2. reads again the files whose stat is not the one stored, the new ones, and the ones
   the stored stat cannot vouch for: changed less than RACY_NS before they were looked
   at (git's "racy git" rule: a second change within the same timestamp leaves the
   stat as it was). A file whose bytes hash as before keeps its keys; a file gone is
   dropped;
3. looks up the records sharing a key with the linted files (or with the screening
   file's entries, when it is linted);
4. reads those records afresh. The checks across records run on what is on disk now:
   the index narrows which records are read, never what is reported.

Where: `<cache folder>/lint-index/<hash of the resolved records folder>.json`, one per
atlas, with the records folder written inside. A run that changed anything writes the
whole index to a temp file beside it and renames it into place, so a reader sees
either the old index or the new one, never half of one. Two runs updating it at once
each write an index true of some moment (every entry holds the stat taken before its
bytes were read), and the later rename wins; an entry it lacks or got wrong is read
again by the next run. Missing, unreadable, truncated or changed (the file holds the
hash of its entries), or written by another version: rebuilt, silently. A cache folder that cannot be written: the index is built
in memory for the run. Removing the folder is always safe.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atlas_cli.core.config import Settings
    from atlas_cli.lint.engine import Identity

FORMAT = "atlas lint index 2"  # change when what an entry holds, or how keys are made, changes
RACY_NS = 3_000_000_000  # a change this recent may hide from the stat (FAT keeps mtimes to 2 s)
FOLDER = "lint-index"
MAX_BYTES = 1 << 30  # about 200 bytes a record: an index larger than this is not one

# What the walk finds: a regular file (its stat decides whether it is read again), a link
# (read every run: what it leads to can change without the link changing), or anything
# else named like a record (a folder, a pipe: never read, no identity).
REGULAR, LINK, OTHER = 0, 1, 2
Walked = tuple[str, int, str | None]  # name inside the records folder (`/`-separated), kind, stat (`stat_text`)
# An entry, one per regular record file, is one line of text: `SIZE MTIME CTIME INODE SETTLED
# DIGEST|TOKENS`: its stat (nanoseconds), taken before its bytes were read; 1 when that stat
# vouches for the bytes (the file had not changed within RACY_NS of the stat), else 0; the
# hash of the bytes (`-`: nothing could be read); the tokens of its keys (`token`), spaces
# between. Text, so that a run compares a stat with one `startswith` and finds the tokens
# it wants in all entries at once.
Entry = str
_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopqrstuv")  # a token never matches digits or a hash


@dataclass
class Others:
    """What the checks across records need of the records not being linted."""

    identities: list[Identity] = field(default_factory=list)  # read afresh, unchecked
    files: list[tuple[str, str]] = field(default_factory=list)  # (display, file name) for duplicate-filename
    read: int = 0  # record files whose bytes were read to bring the index up to date
    parsed: int = 0  # those of them whose bytes had changed (or were new), parsed for their keys


def walk(records_dir: str) -> list[Walked]:
    """Every YAML file under the records folder that a whole-atlas lint checks
    (`core.records.iter_yaml_files`: subfolders too, hidden names skipped, linked
    folders not entered, a folder named x.yaml listed), unsorted, with its stat."""
    found: list[Walked] = []
    stack = [""]
    while stack:
        prefix = stack.pop()
        try:
            entries = os.scandir(os.path.join(records_dir, prefix) if prefix else records_dir)
        except OSError:
            continue  # as os.walk: a folder that cannot be listed is left out
        with entries:
            for entry in entries:
                name = entry.name
                is_yaml = name.endswith((".yaml", ".yml"))
                if not is_yaml:
                    try:
                        if name[0] != "." and entry.is_dir(follow_symlinks=False):
                            stack.append(f"{prefix}{name}/")
                    except OSError:
                        pass
                    continue
                if name[0] == ".":
                    continue
                if entry.is_symlink():
                    found.append((prefix + name, LINK, None))
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    found.append((prefix + name, OTHER, None))
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append(
                        (prefix + name, REGULAR, f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino}")
                    )
                else:
                    found.append((prefix + name, OTHER, None))
    return found


def other_records(
    settings: Settings,
    records_root: Path,
    linted: list[tuple[str, str]],
    identities: list[Identity],
    *,
    screening: bool,
    jobs: int | None = None,
    keep: bool = True,
) -> Others:
    """The records of SETTINGS' atlas (RECORDS_ROOT: its records folder, resolved) that the
    checks across records must see beside the LINTED files ((path, display); their
    IDENTITIES read by the lint), read afresh: those sharing a key with them, or with
    the screening file's entries when SCREENING (the screening file is checked), every
    record that is a link, and the files whose names differ from another's only in case.

    KEEP: use and update the index in the cache folder (False: build it in memory for
    this run, reading every other record; so too when the linted files are most of the
    atlas)."""
    seen_ns = time.time_ns()  # before the stats: an entry's stat never predates its seen_ns
    root = str(records_root)
    walked = walk(str(settings.records_dir))
    mine = _names_within(root, linted)
    # Linting most of the atlas (`atlas list --lint`): the others cost less to read than the index
    path = index_path(settings, records_root) if keep and len(walked) - len(mine) > len(mine) else None
    # The linted files are read by the lint itself: their entries are brought up to date by
    # a later run that compares other files with them (an edited file linted again and again
    # costs no write of the index)
    others_walked = [w for w in walked if w[0] not in mine]
    wanted = {token(key) for key in _wanted_keys(identities, settings.screening_file if screening else None)}
    stored = load(path, root) if path is not None else {}
    try:
        entries, read, parsed = refresh(stored, others_walked, records_root, seen_ns, jobs)
    except (TypeError, ValueError, IndexError, AttributeError):  # an index that only looked whole: rebuilt
        stored = {}
        entries, read, parsed = refresh(stored, others_walked, records_root, seen_ns, jobs)
    names = _holders(entries, wanted)
    entries.update((name, stored[name]) for name in mine if isinstance(stored.get(name), str))
    if path is not None and (read or len(entries) != len(stored)):
        save(path, root, entries)
    names |= {name for name, kind, _ in walked if kind == LINK and name not in mine}
    others = Others(read=read, parsed=parsed)
    others.identities = _read_identities(settings.records_dir, records_root, sorted(names))
    others.files = _case_groups(settings.records_dir, walked, mine)
    return others


def _names_within(root: str, linted: list[tuple[str, str]]) -> set[str]:
    """The names inside the records folder ROOT (`/`-separated) of the LINTED files in it."""
    from atlas_cli.lint.engine import _located

    names = set()
    for path, _ in linted:
        where = str(_located(Path(path)))
        if where.startswith(root + os.sep):
            names.add(where[len(root) + 1 :].replace(os.sep, "/"))
    return names


def _holders(entries: dict[str, Entry], wanted: set[str]) -> set[str]:
    """The files whose entry holds a WANTED token: each token looked for in all entries at
    once (a token's letters occur nowhere else in an entry, so a match is that token)."""
    if not wanted or not entries:
        return set()
    names = list(entries)
    text = "\n".join(entries.values())
    found = set()
    for wanted_token in wanted:
        at = text.find(wanted_token)
        while at != -1:
            found.add(names[text.count("\n", 0, at)])
            at = text.find(wanted_token, at + 1)
    return found


def token(key: str) -> str:
    """KEY as the index stores it: a short hash (two keys sharing one only make lint read a
    record it did not need; the same key always has the same token)."""
    import hashlib

    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest().translate(_LETTERS)


def make_entry(stat_text: str, settled: bool, digest: str | None, tokens: str) -> Entry:
    """An entry (see `Entry`)."""
    return f"{stat_text} {int(settled)} {digest or '-'}|{tokens}"


def entry_parts(entry: Entry) -> tuple[str, bool, str | None, str]:
    """(stat as text, settled, digest or None, tokens) of ENTRY; ValueError when it is not one."""
    head, bar, tokens = entry.partition("|")
    size, mtime, ctime, inode, settled, digest = head.split(" ")
    if not bar or settled not in ("0", "1"):
        raise ValueError("not an index entry")
    return f"{size} {mtime} {ctime} {inode}", settled == "1", None if digest == "-" else digest, tokens


def _wanted_keys(identities: list[Identity], screening_file: Path | None) -> set[str]:
    """The keys of the linted records, and those of the screening file's entries."""
    from atlas_cli.lint.duplicates import duplicate_keys

    wanted: set[str] = set()
    for identity in identities:
        wanted |= duplicate_keys(identity)
    if screening_file is not None:
        from atlas_cli.core.screening import read_screening

        for key in read_screening(screening_file).by_identity():
            kind, _, value = key.partition(":")
            wanted |= {f"excluded {key}", f"{kind} {value}"}  # stored as the latter when they agree
    return wanted


def index_keys(identity: Identity) -> frozenset[str]:
    """What the index stores of one record: its duplicate keys, and the screening keys
    (`excluded doi:...`) that are not among them."""
    from atlas_cli.lint.duplicates import duplicate_keys
    from atlas_cli.lint.rules.screening import exclusion_keys

    keys = duplicate_keys(identity)
    for key, _ in exclusion_keys(identity):
        kind, _, value = key.partition(":")
        if f"{kind} {value}" not in keys:
            keys.add(f"excluded {key}")
    return frozenset(keys)


def _read_identities(records_dir: Path, records_root: Path, names: list[str]) -> list[Identity]:
    """The identities of the records NAMES, read now (as a whole-atlas lint reads them)."""
    from atlas_cli.core.records import read_document
    from atlas_cli.lint.engine import display_path, identity_of

    found = []
    for name in names:
        path = records_dir.joinpath(*name.split("/"))
        document = read_document(path, within=records_root)
        if document.data is not None:
            found.append(replace(identity_of(display_path(path), path.name, document), checked=False))
    return found


def _case_groups(records_dir: Path, walked: list[Walked], mine: set[str]) -> list[tuple[str, str]]:
    """(display, file name) of the files not linted (not in MINE) whose name differs from
    another's in the same folder only in case (`duplicate-filename` needs no other)."""
    from atlas_cli.lint.engine import display_path

    if len({name.casefold() for name, _, _ in walked}) == len(walked):
        return []  # no two names alike, whatever their folders
    groups: dict[tuple[str, str], list[str]] = {}
    for name, _, _ in walked:
        folder, _, base = name.rpartition("/")
        groups.setdefault((folder, base.casefold()), []).append(name)
    shown = []
    for members in groups.values():
        if len(members) > 1:
            for name in members:
                if name not in mine:
                    path = records_dir.joinpath(*name.split("/"))
                    shown.append((display_path(path), path.name))
    return shown


# --- the index on disk ----------------------------------------------------------------------


def index_path(settings: Settings, records_root: Path) -> Path:
    """Where the index of the atlas whose records folder is RECORDS_ROOT (resolved) is kept."""
    import hashlib

    digest = hashlib.sha256(os.fsencode(records_root)).hexdigest()[:24]
    return settings.cache_dir / FOLDER / f"{digest}.json"


def load(path: Path, root: str) -> dict[str, Entry]:
    """The entries of the index at PATH, or none when it is missing, unreadable, or not an
    index of ROOT in this format (it is then rebuilt: nothing in it is ever an error).

    The file is a line of JSON (the format, the records folder, the hash of the rest) and
    the entries as one JSON object: a file cut short or changed is told by the hash,
    without looking at each entry."""
    import hashlib
    import json

    from atlas_cli.core.paths import UnsafePath, read_regular

    try:
        raw = read_regular(path, MAX_BYTES)  # a pipe put in its place is not waited on
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("records") != root:
            return {}
        if header.get("hash") != hashlib.blake2b(body, digest_size=16).hexdigest():
            return {}
        files = json.loads(body)
    except (OSError, UnsafePath, ValueError, RecursionError):  # ValueError: not JSON, not UTF-8
        return {}
    return files if isinstance(files, dict) else {}


def save(path: Path, root: str, entries: dict[str, Entry]) -> bool:
    """Write the index to a temp file beside PATH and rename it into place (False: the
    cache folder cannot be written; the run goes on without it)."""
    import hashlib
    import json

    from atlas_cli.core.cachedir import write_cache_file

    body = json.dumps(entries, separators=(",", ":")).encode("ascii")  # a name undecodable on disk kept as \\udcxx
    header = {"format": FORMAT, "records": root, "hash": hashlib.blake2b(body, digest_size=16).hexdigest()}
    return write_cache_file(path, json.dumps(header).encode("ascii") + b"\n" + body)


# --- bringing it up to date -------------------------------------------------------------------


def refresh(
    stored: dict[str, Entry], walked: list[Walked], records_root: Path, seen_ns: int, jobs: int | None
) -> tuple[dict[str, Entry], int, int]:
    """The entries of the WALKED regular files, STORED where their stat vouches for them,
    else read now (the stat taken before SEEN_NS); how many files were read, and how many
    of them parsed (their bytes were not those indexed)."""
    entries: dict[str, Entry] = {}
    stale: list[tuple[str, str, Entry | None]] = []
    get = stored.get
    for name, kind, info in walked:
        if kind != REGULAR or info is None:
            continue
        entry = get(name)
        if entry is not None and entry.startswith(f"{info} 1 "):
            entries[name] = entry
        else:
            stale.append((name, info, entry))
    if not stale:
        return entries, 0, 0
    from atlas_cli.core.workers import map_chunks

    items = [(name, entry_parts(entry)[2] if entry is not None else None) for name, _, entry in stale]
    read: list[tuple[str | None, str | None]] = map_chunks(_read_chunk, items, jobs, shared=(str(records_root),))
    parsed = 0
    for (name, info, entry), (digest, tokens) in zip(stale, read, strict=True):
        if tokens is None:  # the bytes hash as those indexed: their keys stand, with the new stat
            assert entry is not None
            tokens = entry_parts(entry)[3]
        else:
            parsed += 1
        _, mtime, ctime, _ = info.split(" ")
        entries[name] = make_entry(info, max(int(mtime), int(ctime)) < seen_ns - RACY_NS, digest, tokens)
    return entries, len(stale), parsed


def _read_chunk(items: list[tuple[str, str | None]], root: str) -> list[tuple[str | None, str | None]]:
    """For each (name, hash stored): (hash of the bytes now, their tokens; None when the hash is the stored one)."""
    import hashlib

    from atlas_cli.core.records import read_record_bytes
    from atlas_cli.core.yamlio import Document, parse_bytes
    from atlas_cli.lint.engine import identity_of

    within = Path(root)
    results: list[tuple[str | None, str | None]] = []
    for name, known in items:
        path = within.joinpath(*name.split("/"))
        raw = read_record_bytes(path, within=within)
        if isinstance(raw, Document):  # not read (too large, unreadable): no identity
            results.append((None, ""))
            continue
        digest = hashlib.blake2b(raw, digest_size=12).hexdigest()
        if digest == known:
            results.append((digest, None))
            continue
        document = parse_bytes(raw)
        keys = index_keys(identity_of("", path.name, document)) if document.data is not None else frozenset()
        results.append((digest, " ".join(sorted(token(key) for key in keys))))
    return results
