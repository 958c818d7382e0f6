"""Settings: flags > ATLAS_* environment > config file > defaults.

An atlas is a folder whose root holds `atlas.toml` (a records repository) or a
`pyproject.toml` with a `[tool.atlas]` table (this repository). The root is found
by walking up from the working directory; `--root DIR` and `ATLAS_ROOT` override,
and are found the same way (a folder inside an atlas, such as its `records/`,
names that atlas). `atlas_of(path)` finds the atlas a given file or folder lies in.

The `lint` table (`[tool.atlas.lint]`, `[atlas.lint]`) is passed on as it is: the
lint package checks it, since only it knows the rule names.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

from atlas_cli.core.errors import ConfigError
from atlas_cli.core.paths import resolved
from atlas_cli.core.safe_text import has_unsafe, one_line
from atlas_cli.core.values import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

# The public atlas's own values: the defaults for this repository, never written into a new
# atlas (`atlas init` writes the curator's values, or placeholders `atlas lint` reports).
DEFAULT_NAME = "ME/CFS Atlas"
DEFAULT_SITE_URL = "https://www.mecfsatlas.com"
DEFAULT_BIBTEX_PREFIX = "mecfsatlas"
DEFAULT_CROSSREF_URL = "https://api.crossref.org"
DEFAULT_NCBI_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
DEFAULT_IDCONV_URL = "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles"
DEFAULT_SNAPSHOT = {"generator": "v1", "scanner": "v1.4", "policy": "v0.1"}  # the snapshot reference's versions
# What `atlas discover` searches PubMed for: ME/CFS under the names it has gone by, in titles,
# abstracts and author keywords, and the MeSH heading PubMed's indexers give it.
DEFAULT_DISCOVER_QUERY = (
    '"myalgic encephalomyelitis"[tiab] OR "myalgic encephalopathy"[tiab] OR "chronic fatigue syndrome"[tiab]'
    ' OR "ME/CFS"[tiab] OR "CFS/ME"[tiab] OR "systemic exertion intolerance disease"[tiab] OR "SEID"[tiab]'
    ' OR "Fatigue Syndrome, Chronic"[MeSH Terms]'
)
PACKAGE_SCHEMAS = Path(__file__).parents[1] / "schemas"  # inside an installed wheel
SOURCE_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"  # in a source checkout

_KNOWN_KEYS = {"name", "site_url", "bibtex_prefix", "records_dir", "mailto", "snapshot", "lint", "discover"}
_SNAPSHOT_KEYS = {"generator", "scanner", "policy"}
_DISCOVER_KEYS = {"query"}
# What `atlas init` writes for a name, site URL or BibTeX prefix not given: a value containing it
# is a placeholder (`atlas lint` reports it, `atlas build` refuses it, cite and export warn).
PLACEHOLDER = "TODO"
CITED_SETTINGS = ("name", "site_url", "bibtex_prefix")  # in every citation atlas writes
SCREENING_FILE = "screening.yaml"  # screening decisions: papers judged out of scope (core/screening.py)


class Settings(Value):
    """One atlas's settings, as `load_settings` found them."""

    def __init__(
        self,
        root: Path,
        config_file: Path | None = None,
        name: str = DEFAULT_NAME,
        site_url: str = DEFAULT_SITE_URL,
        bibtex_prefix: str = DEFAULT_BIBTEX_PREFIX,
        records_dir_name: str = "records",
        mailto: str | None = None,
        snapshot: dict[str, str] | None = None,
        crossref_url: str = DEFAULT_CROSSREF_URL,
        ncbi_url: str = DEFAULT_NCBI_URL,
        idconv_url: str = DEFAULT_IDCONV_URL,
        cache_dir_override: Path | None = None,
        lint: dict[str, Any] | None = None,
        discover_query: str = DEFAULT_DISCOVER_QUERY,
    ) -> None:
        self.root = root
        self.config_file = config_file
        self.name = name
        self.site_url = site_url
        self.bibtex_prefix = bibtex_prefix
        self.records_dir_name = records_dir_name
        self.mailto = mailto
        self.snapshot: dict[str, str] = snapshot if snapshot is not None else dict(DEFAULT_SNAPSHOT)
        self.crossref_url = crossref_url
        self.ncbi_url = ncbi_url
        self.idconv_url = idconv_url
        self.cache_dir_override = cache_dir_override
        self.lint: dict[str, Any] = (
            lint if lint is not None else {}
        )  # the [lint] table, checked by atlas_cli.lint.config
        self.discover_query = discover_query  # [discover] query

    def replace(self, **changes: Any) -> Settings:
        """These settings with CHANGES (keyword: new value)."""
        return Settings(**{**vars(self), **changes})

    @property
    def records_dir(self) -> Path:
        return self.root / self.records_dir_name

    @property
    def placeholders(self) -> list[str]:
        """The settings every citation carries that still hold a placeholder of `atlas init`."""
        return [key for key in CITED_SETTINGS if PLACEHOLDER in getattr(self, key)]

    @property
    def screening_file(self) -> Path:
        return self.root / SCREENING_FILE

    @property
    def schemas_dir(self) -> Path:
        """The atlas's own `schemas/` if it has one, else the copy shipped with atlas."""
        return find_schemas_dir(self.root)

    @property
    def cache_dir(self) -> Path:
        if self.cache_dir_override is not None:
            return self.cache_dir_override
        from atlas_cli.core.cachedir import user_cache_dir

        return user_cache_dir()

    def evidence_url(self, slug: str) -> str:
        return f"{self.site_url.rstrip('/')}/evidence/{slug}"


def find_schemas_dir(root: Path | None = None) -> Path:
    candidates = [root / "schemas"] if root is not None else []
    candidates += [PACKAGE_SCHEMAS, SOURCE_SCHEMAS]
    for candidate in candidates:
        if (candidate / "record.schema.json").is_file():
            return candidate
    raise ConfigError(
        "cannot find the atlas schemas (record.schema.json)",
        hint="reinstall atlas-cli; the schemas ship inside the package",
    )


def _config_in(directory: Path) -> tuple[Path, dict] | None:
    """The atlas table in DIRECTORY's atlas.toml or pyproject.toml, if any."""
    atlas_toml = directory / "atlas.toml"
    if atlas_toml.is_file():
        data = _read_toml(atlas_toml)
        table = data.get("atlas", data)
        if not isinstance(table, dict):
            raise ConfigError(
                f"{atlas_toml}: `atlas` must be a table, got {table!r}",
                hint='write the settings under an [atlas] heading, e.g. site_url = "https://..."',
            )
        if pyproject_table(directory) is not None:  # read neither silently: one place for the settings
            raise ConfigError(
                f"{directory} holds atlas settings twice: in atlas.toml and in pyproject.toml ([tool.atlas])",
                hint="move what [tool.atlas] says into atlas.toml ([tool.atlas.lint] becomes [atlas.lint]) "
                "and remove it from pyproject.toml",
            )
        return atlas_toml, table
    table = pyproject_table(directory)
    return (directory / "pyproject.toml", table) if table is not None else None


def pyproject_table(directory: Path) -> dict | None:
    """The `[tool.atlas]` table of DIRECTORY's pyproject.toml, if any."""
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return None
    data = _read_toml(pyproject)
    tool = data.get("tool", {})
    table = tool.get("atlas") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(
            f"{pyproject}: `tool.atlas` must be a table, got {table!r}",
            hint="write the settings under a [tool.atlas] heading",
        )
    return table


SETTINGS_MAX_BYTES = 1024 * 1024  # atlas.toml is a few lines; a pyproject.toml a few KB


def _read_toml(path: Path) -> dict:
    """The TOML of PATH: a regular file of at most SETTINGS_MAX_BYTES (a named pipe is never waited
    on), within bounds: nesting too deep or an integer too long is a ConfigError, never a crash."""
    from atlas_cli.core import settings_cache
    from atlas_cli.core.paths import UnsafePath, read_regular

    try:
        text = read_regular(path, SETTINGS_MAX_BYTES).decode("utf-8")
    except UnsafePath as exc:
        raise ConfigError(f"{path} {exc.message}", hint="atlas settings are a small TOML text file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text: byte 0x{exc.object[exc.start]:02x} cannot be decoded",
            hint="re-save the file with UTF-8 encoding",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    table = settings_cache.kept_table(path, text)
    if table is None:
        table = _parse_toml(path, text)
        settings_cache.keep_table(path, text, table)
    return table


def _parse_toml(path: Path, text: str) -> dict:
    import tomllib  # here: most runs use the table kept by core.settings_cache

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", hint="fix the syntax of the file") from exc
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply", hint="fix the syntax of the file") from None
    except ValueError:  # tomllib's int() of more than 4,300 digits (its other errors are TOMLDecodeError)
        raise ConfigError(
            f"{path}: not valid TOML: a number longer than 4,300 digits", hint="no atlas setting is a number that long"
        ) from None


# --- the values citations are made of ------------------------------------------------------
# `name`, `site_url` and `bibtex_prefix` go verbatim into every citation (the snapshot
# reference, BibTeX keys and url fields, RIS and CSL ids), so a value that could break
# out of one is refused as configuration. `atlas init` checks its options with the same.

BIBTEX_PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")
# Characters a URL never carries as they are (RFC 3986), besides spaces and controls.
_NOT_IN_URL = set('"<>\\^`{|}')


def bibtex_prefix_problem(value: str) -> str | None:
    """Why VALUE cannot start a BibTeX key, or None."""
    if BIBTEX_PREFIX_RE.fullmatch(value):
        return None
    return f"'{one_line(value)}' cannot start a BibTeX key"


def site_url_problem(value: str) -> str | None:
    """Why VALUE is not the web address of an atlas, or None."""
    from urllib.parse import urlsplit

    text = value.strip()
    bad = any(c.isspace() or c in _NOT_IN_URL or has_unsafe(c) or not c.isprintable() for c in text)
    try:
        parts = urlsplit(text)
    except ValueError:
        return f"'{one_line(value)}' is not a web address"
    if bad or parts.scheme not in ("http", "https") or not parts.netloc:
        return f"'{one_line(value)}' is not a web address"
    return None


def name_problem(value: str) -> str | None:
    """Why VALUE cannot be the atlas's name (one line of text), or None."""
    if not value.strip() or any(c in value for c in "\r\n") or has_unsafe(value):
        return f"'{one_line(value)}' is not one line of plain text"
    return None


MAX_RECORDS_DIR_CHARS = 255  # the longest name one folder may have on most file systems


def records_dir_problem(value: str, root: Path) -> str | None:
    """Why VALUE cannot be the records folder of the atlas at ROOT, or None: it must be a
    folder inside the atlas, named relative to it (links on the way followed)."""
    from atlas_cli.core.paths import is_inside, safe_relative

    shown = one_line(value if len(value) <= 60 else value[:57] + "...")
    if len(value) > MAX_RECORDS_DIR_CHARS:
        return f"is {len(value):,} characters long ('{shown}'); a folder's name has at most {MAX_RECORDS_DIR_CHARS}"
    if not value.strip() or "\0" in value or has_unsafe(value):
        return f"'{shown}' is not a folder name (it is empty or holds control characters)"
    name = posixpath.normpath(value.strip())
    if not safe_relative(name):
        return f"'{shown}' is not a folder inside the atlas (an absolute path, or one that climbs out with ..)"
    if not is_inside(root / name, root):
        return f"'{shown}' leads outside the atlas (a symlink?)"
    return None


VALUE_CHECKS = {
    "name": (name_problem, 'one line of text without control characters, e.g. name = "Long COVID Atlas"'),
    "site_url": (
        site_url_problem,
        "an http:// or https:// address without spaces, quotes, braces or backslashes, "
        'e.g. site_url = "https://atlas.example.org"',
    ),
    "bibtex_prefix": (
        bibtex_prefix_problem,
        "a letter, then letters, digits, '-', '_', '.' or ':' (no spaces, braces or quotes), "
        'e.g. bibtex_prefix = "myatlas"',
    ),
}


class NoAtlas(ConfigError):
    """No atlas configuration in a folder or any folder above it."""


def _walk_up(start: Path) -> tuple[Path, Path, dict] | None:
    for directory in (start, *start.parents):
        found = _config_in(directory)
        if found is not None:
            return directory, found[0], found[1]
    return None


def find_root(start: Path) -> tuple[Path, Path, dict]:
    """Walk up from START to the first folder with atlas configuration."""
    start = resolved(start)
    found = _walk_up(start)
    if found is None:
        raise NoAtlas(
            f"no atlas found in {start} or any parent folder",
            hint="run atlas inside an atlas (a folder with atlas.toml), pass --root DIR, "
            "or create one with `atlas init DIR`",
        )
    return found


def load_settings(root: Path | None = None, cwd: Path | None = None) -> Settings:
    """Settings for the atlas at ROOT (or ATLAS_ROOT, or found from CWD).

    ROOT may be any folder inside the atlas (its records folder, say): the atlas
    is the nearest folder at or above it with atlas configuration. A ROOT in no
    atlas at all is a configuration error, never an empty atlas.
    """
    env = os.environ
    given = "--root"
    if root is None and env.get("ATLAS_ROOT"):
        root, given = Path(env["ATLAS_ROOT"]), "ATLAS_ROOT"
    if root is None:
        return _settings_from(*find_root(cwd or Path.cwd()), env)
    if not root.is_dir():
        raise ConfigError(f"atlas root {root} is not a folder", hint=f"pass an existing folder to {given}")
    found = _walk_up(resolved(root))
    if found is None:
        hint = "pass the atlas folder (the one holding atlas.toml), or create an atlas there with `atlas init DIR`"
        if resolved(root).name == "records":
            hint = f"{root} looks like a records folder; pass the atlas folder above it, with its atlas.toml"
        raise ConfigError(f"{given} {root} is not in an atlas: no atlas.toml or [tool.atlas] there or above", hint=hint)
    return _settings_from(*found, env)


def atlas_of(path: Path) -> Settings | None:
    """The settings of the atlas PATH (a file or folder) lies in; None when it lies in none."""
    start = path.absolute()
    if not start.is_dir():
        start = start.parent
    found = _walk_up(resolved(start))
    return _settings_from(*found, os.environ) if found is not None else None


def _settings_from(root: Path, config_file: Path | None, table: dict[str, Any], env: Mapping[str, str]) -> Settings:
    where = str(config_file) if config_file else "configuration"
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown atlas setting(s): {', '.join(sorted(unknown))}",
            hint=f"known settings: {', '.join(sorted(_KNOWN_KEYS))}",
        )
    for key in ("name", "site_url", "bibtex_prefix", "records_dir", "mailto"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{where}: `{key}` must be a string, got {table[key]!r}")
    for key, (check, expected) in VALUE_CHECKS.items():
        problem = check(table[key]) if key in table else None
        if problem:
            raise ConfigError(f"{where}: `{key}` {problem}", hint=f"`{key}` is {expected}")
    problem = records_dir_problem(table["records_dir"], root) if "records_dir" in table else None
    if problem:
        raise ConfigError(
            f"{where}: `records_dir` {problem}",
            hint='`records_dir` is a folder inside the atlas, named from the atlas folder, e.g. records_dir = "records"',
        )
    snapshot = dict(DEFAULT_SNAPSHOT)
    raw_snapshot = table.get("snapshot", {})
    if not isinstance(raw_snapshot, dict) or set(raw_snapshot) - _SNAPSHOT_KEYS:
        raise ConfigError(
            f"{where}: [snapshot] takes only {', '.join(sorted(_SNAPSHOT_KEYS))}",
            hint='e.g. [tool.atlas.snapshot] generator = "v1"',
        )
    lint = table.get("lint", {})
    if not isinstance(lint, dict):
        raise ConfigError(
            f"{where}: `lint` must be a table, got {lint!r}", hint='e.g. [atlas.lint] ignore = ["duplicate-title"]'
        )
    for key, value in raw_snapshot.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(
                f"{where}: snapshot `{key}` must be a version string, got {value!r}",
                hint=f'e.g. {key} = "{snapshot[key]}"',
            )
    snapshot.update({k: str(v) for k, v in raw_snapshot.items()})
    raw_discover = table.get("discover", {})
    if not isinstance(raw_discover, dict) or set(raw_discover) - _DISCOVER_KEYS:
        raise ConfigError(
            f"{where}: [discover] takes only {', '.join(sorted(_DISCOVER_KEYS))}",
            hint="e.g. [atlas.discover] query = '\"chronic fatigue syndrome\"[tiab]'",
        )
    query = raw_discover.get("query", DEFAULT_DISCOVER_QUERY)
    if not isinstance(query, str) or not query.strip():
        raise ConfigError(
            f"{where}: discover `query` must be a PubMed search, got {query!r}",
            hint="e.g. query = '\"myalgic encephalomyelitis\"[tiab]', or leave it out for the default",
        )
    cache_dir = env.get("ATLAS_CACHE_DIR")
    return Settings(
        root=root,
        config_file=config_file,
        name=table.get("name", DEFAULT_NAME),
        site_url=table.get("site_url", DEFAULT_SITE_URL),
        bibtex_prefix=table.get("bibtex_prefix", DEFAULT_BIBTEX_PREFIX),
        records_dir_name=posixpath.normpath(table["records_dir"].strip()) if "records_dir" in table else "records",
        mailto=env.get("ATLAS_MAILTO") or table.get("mailto"),
        snapshot=snapshot,
        crossref_url=env.get("ATLAS_CROSSREF_URL") or DEFAULT_CROSSREF_URL,
        ncbi_url=env.get("ATLAS_NCBI_URL") or DEFAULT_NCBI_URL,
        idconv_url=env.get("ATLAS_IDCONV_URL") or DEFAULT_IDCONV_URL,
        cache_dir_override=Path(cache_dir) if cache_dir else None,
        lint=lint,
        discover_query=query.strip(),
    )
