"""Paths atlas reads and writes: resolved, kept inside their place, regular files only.

Every file a setting, a manifest, a record or a command line names goes through
here, so one rule holds for every command:

- **Links are followed, and where they lead must pass the same checks** as a file
  in their place. A record that is a link to a file in the records folder is read
  (and `lint --fix` edits that file, keeping the link); one that leads outside the
  records folder is refused (`lint` reports it as `file-symlink`; `build`, `cite`,
  `export`, `show`, `list` leave it out the same way). An output file given as a
  link (`export -o`) is written where the link leads, and the link stays.
- **Only regular files are read or replaced.** A named pipe would wait forever, a
  device never ends or is not ours to replace (`export -o /dev/stdout`, as root,
  would otherwise replace the device with a file): they are refused with a message.
- **A name from data stays inside its folder.** A relative path read from a file
  (the build manifest's `../victim.txt`, an absolute path, a topic id `../../x`)
  is refused unless it names a place inside the folder it belongs to, once every
  link on the way is followed.

Functions raise `UnsafePath` (with a sentence for a person); each caller turns it
into its own kind of answer (a lint problem, a skipped record, exit 2 or 4).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UnsafePath(Exception):
    """A path atlas refuses to read or write, and why (a sentence for a person)."""

    def __init__(self, message: str, *, size: int | None = None, folder: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.size = size  # set when the file was refused for its size
        self.folder = folder  # a folder where a file was expected


def kind(mode: int) -> str:
    """What a file of MODE is, for a message: `a folder`, `a named pipe`, ..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def resolved(path: Path) -> Path:
    """PATH absolute, with every link on the way followed (a missing end is kept as named)."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, folder: Path) -> bool:
    """Whether PATH, its links followed, is FOLDER or lies inside it (FOLDER's links followed too)."""
    return resolved(path).is_relative_to(resolved(folder))


def link_leaves(path: Path, folder: Path) -> bool:
    """Whether PATH is a link that leads outside FOLDER (a plain file is where it is named)."""
    return os.path.islink(path) and not is_inside(path, folder)


def safe_relative(name: str) -> bool:
    """Whether NAME (a `/`-separated path read from data) names a place inside any folder:
    relative, not empty, no `..`, `.` or empty parts, no backslash or NUL."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def child(folder: Path, name: str) -> Path:
    """FOLDER/NAME, for NAME read from data; UnsafePath when it would lie outside FOLDER
    (an absolute path, `..`, or a folder on the way that is a link leading elsewhere)."""
    if not safe_relative(name):
        raise UnsafePath(f"{name!r} is not a path inside {folder}")
    path = folder.joinpath(*name.split("/"))
    if not is_inside(path.parent, folder):
        raise UnsafePath(f"{path.parent} leads outside {folder} (a symlink?)")
    return path


def check_replaceable(path: Path) -> None:
    """UnsafePath unless PATH is missing or a regular file (never followed: a link is refused too)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # nothing there to replace (writing it may still fail, and say why)
    except OSError as exc:
        raise UnsafePath(f"{path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"{path} is {kind(info.st_mode)}, not a file atlas wrote")


def output_file(path: Path) -> Path:
    """The file to replace when writing PATH: PATH itself, or where its link leads.

    UnsafePath when what is there is not a regular file (a folder, a named pipe, a
    device, a socket, a link loop).
    """
    try:
        info = os.stat(path)  # follows links: /dev/stdout is the pipe or terminal behind it
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UnsafePath(f"cannot write {path}: {exc.strerror}") from exc
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"refusing to write {path}: it is {kind(info.st_mode)}, and atlas replaces only regular files")
    return resolved(path) if os.path.islink(path) else path


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file PATH (links followed), at most LIMIT of them.

    UnsafePath for anything else (a folder, a pipe, a device: opened without waiting,
    so a pipe with no writer cannot hang the reader) or a file over LIMIT bytes (its
    `size` set). OSError when the file cannot be opened or read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError as exc:
        raise UnsafePath("is a folder, not a file", folder=True) from exc
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a pipe opened for writing only
            raise UnsafePath("is not a regular file (a pipe, socket or device); not read") from exc
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnsafePath("is a folder, not a file", folder=True)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"is {kind(info.st_mode)}, not a regular file; not read")
        if info.st_size > limit:
            raise UnsafePath(f"is {info.st_size} bytes, more than the {limit} read", size=info.st_size)
        # A regular file ignores O_NONBLOCK. Read the size it has, and on to the end (it may
        # have grown since) until more than LIMIT bytes show it is too large.
        parts, got, want = [], 0, min(info.st_size, limit) + 1
        while got <= limit:
            chunk = os.read(fd, want - got if got < want else 1 << 16)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        data = b"".join(parts)
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise UnsafePath(f"is more than the {limit} bytes read", size=len(data))
    return data
