"""`atlas init`: a new, empty atlas, ready for git, CI, pre-commit and GitHub Pages.

The files come from `files/` beside this module, filled in with the atlas's name, site
URL and BibTeX prefix (placeholders that `atlas lint` reports, when not given) and with
the atlas release that wrote them: `atlas-requirements.txt` pins it for CI and local
installs, and the pre-commit entry names the same tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from atlas_cli.core.config import bibtex_prefix_problem, name_problem, pyproject_table, site_url_problem
from atlas_cli.core.errors import UsageError
from atlas_cli.core.paths import resolved
from atlas_cli.core.records import write_atomic
from atlas_cli.init.source import release_tag, repository_url

FILES = Path(__file__).parent / "files"

# What a new atlas holds until the curator names it; `atlas lint` reports each (config-placeholder).
PLACEHOLDERS = {
    "name": "TODO: the atlas's name",
    "site_url": "https://TODO.invalid",
    "bibtex_prefix": "TODO",
}

ATLAS_TOML = """\
# Configuration of this atlas (read by the `atlas` command).
[atlas]
# The atlas's name, as citations and the preview site show it.
name = {name}
# The public address of the atlas: evidence pages are <site_url>/evidence/<slug>.
site_url = {site_url}
# BibTeX keys (and CSL/RIS ids) are <bibtex_prefix>-<slug>.
bibtex_prefix = {bibtex_prefix}
records_dir = "records"
{mailto_line}

# Versions shown in the atlas snapshot reference of every evidence page.
[atlas.snapshot]
generator = "v1"
scanner = "v1.4"
policy = "v0.1"
"""

IGNORED = ("site/", ".venv/")  # what a new atlas keeps out of git, at the least


@dataclass
class InitResult:
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # files that existed already and were left alone
    notes: list[str] = field(default_factory=list)  # what the curator should do by hand
    placeholders: list[str] = field(default_factory=list)  # settings left for the curator to set


def toml_string(value: str) -> str:
    """VALUE as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def check_site_url(value: str) -> str:
    if site_url_problem(value):
        raise UsageError(
            f"--site-url {value!r} is not a web address",
            hint="give the public address of the atlas, e.g. --site-url https://atlas.example.org",
        )
    return value.strip().rstrip("/")


def check_bibtex_prefix(value: str) -> str:
    if bibtex_prefix_problem(value):
        raise UsageError(
            f"--bibtex-prefix {value!r} cannot start a BibTeX key",
            hint="use a letter, then letters, digits, '-', '_', '.' or ':' (no spaces), e.g. --bibtex-prefix myatlas",
        )
    return value


def check_name(value: str) -> str:
    if name_problem(value):
        raise UsageError(
            "--name must be one line of text, without control characters", hint='e.g. --name "Long COVID Atlas"'
        )
    return value.strip()


def git_branch(directory: Path) -> str | None:
    """The branch checked out in the git repository at DIRECTORY, if it is one."""
    head = directory / ".git" / "HEAD"
    from atlas_cli.core.paths import UnsafePath, read_regular

    try:  # a regular file only: a named pipe is never waited on
        text = read_regular(head, 4096).decode("utf-8").strip()
    except (OSError, UnsafePath, UnicodeDecodeError):
        return None
    prefix = "ref: refs/heads/"
    return text[len(prefix) :] if text.startswith(prefix) else None


def git_top_level(directory: Path) -> Path | None:
    """The nearest folder at or above DIRECTORY holding `.git`."""
    directory = resolved(directory)
    for folder in (directory, *directory.parents):
        if (folder / ".git").exists():
            return folder
    return None


def pre_commit_entry(repository: str, rev: str) -> str:
    """The `repos:` item that runs atlas lint from atlas's own repository at REV."""
    return f"  - repo: {repository}\n    rev: {rev}\n    hooks:\n      - id: atlas-lint\n"


def _template(name: str, **values: str) -> str:
    text = (FILES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _ignored(text: str, pattern: str) -> bool:
    lines = {line.strip() for line in text.splitlines()}
    bare = pattern.rstrip("/")
    return any(form in lines for form in (pattern, "/" + pattern, bare, "/" + bare))


def create_atlas(
    directory: Path,
    *,
    name: str | None = None,
    site_url: str | None = None,
    bibtex_prefix: str | None = None,
    mailto: str | None = None,
) -> InitResult:
    """Create the files of a new atlas in DIRECTORY; never overwrites anything.

    Everything that could stop it is checked before the first file is written, and
    atlas.toml comes last: a run that fails half-way can simply be run again.
    """
    values = {
        "name": check_name(name) if name is not None else None,
        "site_url": check_site_url(site_url) if site_url is not None else None,
        "bibtex_prefix": check_bibtex_prefix(bibtex_prefix) if bibtex_prefix is not None else None,
    }
    if (directory.exists() or directory.is_symlink()) and not directory.is_dir():
        raise UsageError(
            f"{directory} is a file, not a folder",
            hint="give the folder the atlas should live in (it is created if missing)",
        )
    if (directory / "atlas.toml").exists():
        raise UsageError(
            f"{directory} already holds an atlas (atlas.toml exists)",
            hint="run atlas commands inside it, or choose another folder",
        )
    if directory.is_dir() and pyproject_table(directory) is not None:
        raise UsageError(
            f"{directory} already holds an atlas ([tool.atlas] in pyproject.toml)",
            hint="run atlas commands inside it, or choose another folder",
        )
    repository = repository_url()
    if repository is None:
        raise UsageError(
            "cannot tell which atlas release to pin: atlas is not installed as a package",
            hint="install atlas with pip (pip install <atlas checkout or release>), then run atlas init again",
        )
    tag = release_tag()
    result = InitResult(placeholders=[key for key, value in values.items() if value is None])
    settings = {key: value if value is not None else PLACEHOLDERS[key] for key, value in values.items()}
    mailto_line = (
        f"mailto = {toml_string(mailto)}"
        if mailto
        else '# mailto = "you@example.org"  # contact for Crossref\'s polite pool'
    )
    branch = git_branch(directory) or "main"
    entry = pre_commit_entry(repository, tag)
    files = {
        "records/.gitkeep": "",
        ".gitignore": _template("gitignore"),
        "atlas-requirements.txt": _template(
            "atlas-requirements.txt", REQUIREMENT=f"atlas-cli @ git+{repository}@{tag}"
        ),
        ".github/workflows/atlas-lint.yml": _template("atlas-lint.yml", BRANCH=branch),
        ".github/workflows/atlas-site.yml": _template("atlas-site.yml", BRANCH=branch),
        ".github/workflows/atlas-verify.yml": _template("atlas-verify.yml"),
        ".pre-commit-config.yaml": _template("pre-commit-config.yaml", ENTRY=entry.rstrip("\n")),
        "README.md": _template(
            "README.md", NAME=values["name"] or "Evidence records", REPOSITORY=repository, BRANCH=branch
        ),
        "atlas.toml": ATLAS_TOML.format(
            name=toml_string(settings["name"]),
            site_url=toml_string(settings["site_url"]),
            bibtex_prefix=toml_string(settings["bibtex_prefix"]),
            mailto_line=mailto_line,
        ),
    }
    for relative in files:
        blocker = _in_the_way(directory, relative)
        if blocker is not None:
            raise UsageError(
                f"cannot create {directory / relative}: {blocker} is a file, not a folder",
                hint=f"move {blocker} out of the way, or choose another folder",
            )
    for relative, text in files.items():
        path = directory / relative
        if path.exists() or path.is_symlink():
            result.kept.append(path)  # an existing README, workflow or config is the curator's: keep it
            continue
        write_atomic(path, text, exclusive=True, make_parents=True)
        result.created.append(path)
    result.notes += _notes_for_kept(directory, result.kept, entry)
    top = git_top_level(directory)
    if top is not None and top != resolved(directory):
        result.notes.append(
            f"{directory} is inside the git repository {top}: GitHub reads workflows only from "
            f"{top / '.github' / 'workflows'}, so move the workflows there (and set their working folder), "
            "or keep the atlas at the top of its own repository"
        )
    return result


def _notes_for_kept(directory: Path, kept: list[Path], entry: str) -> list[str]:
    """What to add by hand to the files that existed already."""
    notes = []
    pre_commit = directory / ".pre-commit-config.yaml"
    if pre_commit in kept and "atlas-lint" not in _text(pre_commit):
        notes.append(f"{pre_commit} exists: add atlas lint to it by hand, under `repos:`\n{entry}")
    gitignore = directory / ".gitignore"
    if gitignore in kept:
        missing = [pattern for pattern in IGNORED if not _ignored(_text(gitignore), pattern)]
        if missing:
            notes.append(f"{gitignore} exists: add {' and '.join('/' + m for m in missing)} to it, to keep git clean")
    return notes


def _text(path: Path) -> str:
    from atlas_cli.core.paths import UnsafePath, read_regular

    try:  # a regular file only: a named pipe is never waited on
        return read_regular(path, 1024 * 1024).decode("utf-8", errors="replace")
    except (OSError, UnsafePath):
        return ""


def _in_the_way(directory: Path, name: str) -> Path | None:
    """A file standing where DIRECTORY/NAME needs a folder, if any."""
    path = directory
    for part in Path(name).parts[:-1]:
        path = path / part
        if (path.exists() or path.is_symlink()) and not path.is_dir():
            return path
    return None
