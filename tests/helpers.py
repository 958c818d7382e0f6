"""What the test modules share (the fixtures built on it are in conftest.py).

- Making an atlas: `new_atlas` is the one way (atlas.toml, records/, and the
  records to write); `write_record` adds or replaces one record file.
- Running atlas: `run_atlas` runs one command line in this process through
  `atlas_cli.__main__.run`, exactly what the `atlas` entry point runs, as a new
  process would see it: a clean environment (no ATLAS_* or colour settings of the
  developer's shell; the variables a call gives), its own working directory, its
  own empty cache folder unless one is given, standard input, and output captured
  the way a pipe captures it (so no terminal, no colour unless FORCE_COLOR).
  `run_atlas_process` runs the real entry point in a subprocess, for the tests
  where the process itself matters (startup, imports, signals, concurrency).
- Records the test modules build on (`GOOD`, `BASE_RECORD`, `SITE_RECORDS`), the
  fixture atlas of the citation tests and its golden files, and output helpers.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

# --- making an atlas -------------------------------------------------------------------------

ATLAS_TOML = '[atlas]\nsite_url = "https://www.mecfsatlas.com"\n'


def new_atlas(root: Path, records: dict[str, dict | str | bytes] | list[dict] = (), config: str = ATLAS_TOML) -> Path:
    """An atlas at ROOT: atlas.toml (CONFIG) and records/ holding RECORDS
    (slug -> data, or a list of records with their `slug`)."""
    (root / "records").mkdir(parents=True, exist_ok=True)
    (root / "atlas.toml").write_text(config, encoding="utf-8")
    items = records.items() if isinstance(records, dict) else ((r["slug"], r) for r in records)
    for slug, data in items:
        write_record(root, data, f"{slug}.yaml")
    return root


def write_record(root: Path, data: dict | str | bytes, name: str | None = None) -> Path:
    """records/NAME of the atlas at ROOT: a dict rendered as atlas writes records (NAME defaults to
    `<slug>.yaml`), text or bytes written as they are (NAME defaults to record.yaml)."""
    if isinstance(data, dict):
        from atlas_cli.core.records import render_record

        name = name or f"{data['slug']}.yaml"
        content: str | bytes = render_record(data)
    else:
        content = data
    path = root / "records" / (name or "record.yaml")
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def changed(base: dict, **changes) -> dict:
    """A deep copy of BASE with top-level CHANGES (a value of None removes the key)."""
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under FOLDER: relative path -> bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- running atlas ---------------------------------------------------------------------------

_LEAKY = (
    *("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "LINES", "TTY_COMPATIBLE"),
    *("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY"),  # a test suite run inside GitHub Actions
)


@dataclass
class Result:
    """What a run of atlas left: its arguments, exit code and output (the names of subprocess.CompletedProcess)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def clean_env(extra: dict[str, str] | None = None, cache: Path | str | None = None) -> dict[str, str]:
    """The environment of a run: this one without ATLAS_* and colour or terminal settings,
    ATLAS_CACHE_DIR=CACHE (when given), then EXTRA."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_") and k not in _LEAKY}
    if cache is not None:
        env["ATLAS_CACHE_DIR"] = str(cache)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def run_atlas(
    *args: str | Path,
    root: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cache: Path | None = None,
    entry: Callable[[list[str]], int] | None = None,
) -> Result:
    """`atlas [--root ROOT] ARGS`, in this process, as a new process would run it.

    CWD: the working directory (default: this one). ENV: variables set for this run
    only. STDIN: text on standard input (default: empty). CACHE: the cache folder
    (default: an empty folder of this run's own, unless ENV names one). ENTRY: what
    runs the arguments (default: `atlas_cli.__main__.run`, what `atlas` runs).
    """
    from atlas_cli.__main__ import run

    run = entry or run
    argv = [*(["--root", str(root)] if root is not None else []), *map(str, args)]
    with tempfile.TemporaryDirectory(prefix="atlas-cache-") as own_cache:
        environment = clean_env(env, cache if cache is not None else own_cache)
        with _as_a_new_process(environment, cwd, stdin or "") as (stdout, stderr):
            try:
                code = run(argv)
            except Exception:  # noqa: BLE001 (what the interpreter does with an exception nothing caught)
                import traceback

                traceback.print_exc()
                code = 1
        return Result(argv, code, _piped(stdout), _piped(stderr))


def run_atlas_process(
    *args: str | Path,
    root: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cache: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """`atlas [--root ROOT] ARGS` through the real entry point, in a new process (output captured, so piped)."""
    argv = [*(["--root", str(root)] if root is not None else []), *map(str, args)]
    with tempfile.TemporaryDirectory(prefix="atlas-cache-") as own_cache:
        return subprocess.run(
            atlas_command(*argv),
            cwd=cwd,
            env=clean_env(env, cache if cache is not None else own_cache),
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )


def atlas_command(*args: str | Path, ctrl_c: bool = False) -> list[str]:
    """The command line of the real `atlas` entry point (for subprocess.Popen).

    CTRL_C: a test that sends Ctrl-C (SIGINT) gets an atlas that Ctrl-C interrupts, as it
    interrupts atlas started from a terminal, whatever this process was started with: a
    process started with SIGINT ignored (a background job, some CI runners) passes that on,
    and Python then leaves it ignored. The child sets it itself before running `main`.
    """
    if ctrl_c:
        return [sys.executable, "-c", _CTRL_C_MAIN, *map(str, args)]
    return [sys.executable, "-m", "atlas_cli", *map(str, args)]


_CTRL_C_MAIN = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "from atlas_cli.__main__ import main; main()"
)


@contextmanager
def _as_a_new_process(env: dict[str, str], cwd: Path | None, stdin: str) -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """This process's environment, working directory and standard streams set as for a new process,
    and put back afterwards; yields the bytes written to stdout and stderr."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    stdout, stderr = io.BytesIO(), io.BytesIO()
    os.environ.clear()
    os.environ.update(env)
    _forget_caches()
    try:
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        # As Python sets up piped standard streams: UTF-8 (PYTHONIOENCODING), strict on stdout.
        sys.stdout = io.TextIOWrapper(stdout, encoding="utf-8", errors="strict", write_through=True)
        sys.stderr = io.TextIOWrapper(stderr, encoding="utf-8", errors="backslashreplace", write_through=True)
        yield stdout, stderr
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # keep the BytesIO open to read it
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _forget_caches() -> None:
    """Empty what atlas keeps for the rest of a process (a new process starts without it)."""
    registries = sys.modules.get("atlas_cli.core.registries")
    if registries is not None:
        registries.load_registries.cache_clear()
    records = sys.modules.get("atlas_cli.core.records")
    if records is not None:
        records.record_schema.cache_clear()
        records.key_orders.cache_clear()
    engine = sys.modules.get("atlas_cli.lint.engine")
    if engine is not None:
        engine._checkers.clear()
    lexicon = sys.modules.get("atlas_cli.criteria.lexicon")
    if lexicon is not None:
        lexicon.load_lexicon.cache_clear()


def _piped(output: io.BytesIO) -> str:
    """OUTPUT as subprocess.run(text=True) reads it from a pipe: decoded, with universal newlines."""
    return output.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


# --- an atlas for the network commands (add, verify) ---------------------------------------------

FAST_HTTP = {
    "ATLAS_HTTP_TIMEOUT": "2",
    "ATLAS_HTTP_RETRIES": "2",
    "ATLAS_HTTP_BACKOFF": "0.01",
    "ATLAS_HTTP_MAX_WAIT": "2",
}


@dataclass
class Atlas:
    """An atlas with its own cache folder and the variables of its runs (the fake services'
    addresses, quick HTTP knobs): what `atlas add` and `atlas verify` run against."""

    root: Path
    cache: Path
    env: dict[str, str] = field(default_factory=dict)  # ATLAS_* variables of every run

    @property
    def records(self) -> Path:
        return self.root / "records"

    def record_files(self) -> list[Path]:
        return sorted(p for p in self.records.iterdir() if not p.name.startswith("."))

    def all_files(self) -> list[Path]:
        """Everything in records/, hidden and temp files included."""
        return sorted(self.records.iterdir())

    def load(self, slug: str) -> dict:
        from atlas_cli.core.yamlio import parse_text

        document = parse_text((self.records / f"{slug}.yaml").read_text(encoding="utf-8"))
        assert not document.problems, document.problems
        return document.data

    def run(self, *args: str, stdin: str | None = None, extra_env: dict[str, str] | None = None) -> Result:
        """`atlas --root ROOT ARGS` in this process."""
        return run_atlas(*args, root=self.root, env={**self.env, **(extra_env or {})}, stdin=stdin)

    def command(self, *args: str, ctrl_c: bool = False) -> list[str]:
        """`atlas --root ROOT ARGS` as a command line for a new process (environment: `process_env`)."""
        return atlas_command("--root", self.root, *args, ctrl_c=ctrl_c)

    def process_env(self) -> dict[str, str]:
        return clean_env(self.env)


def service_atlas(tmp_path: Path, services=None, mailto: str | None = "curators@example.org") -> Atlas:
    """An empty atlas at TMP_PATH/atlas (with MAILTO) whose runs use TMP_PATH/cache and SERVICES."""
    root = new_atlas(tmp_path / "atlas", config="[atlas]\n" + (f'mailto = "{mailto}"\n' if mailto else ""))
    cache = tmp_path / "cache"
    env = {**FAST_HTTP, "ATLAS_CACHE_DIR": str(cache), **(services.env() if services is not None else {})}
    return Atlas(root, cache, env)


def assert_clean_failure(result: Result, doi: str, *words: str) -> str:
    """One readable line naming DOI and the cause; no traceback; returns that line."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if doi in line and line.startswith("failed")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


# --- records ---------------------------------------------------------------------------------

# A valid, published record (the lint tests break it one way at a time).
GOOD = {
    "slug": "fluge-2019-b-lymphocyte",
    "status": "published",
    "title": "B-Lymphocyte Depletion in Patients With Myalgic Encephalomyelitis/Chronic Fatigue Syndrome",
    "authors": [{"family": "Fluge", "given": "Øystein"}, {"family": "Mella", "given": "Olav"}],
    "journal": "Annals of internal medicine",
    "year": 2019,
    "doi": "10.7326/M18-1451",
    "pmid": "30934066",
    "publication_type": "journal-article",
    "design": "rct",
    "pem": {
        "badge": "required",
        "criteria": ["ccc-2003"],
        "rationale": "Participants had to meet the Canadian Consensus Criteria, which make PEM mandatory.",
        "source": "Methods, Participants",
    },
    "summary": "A placebo-controlled trial of rituximab found no benefit on fatigue.",
    "why_it_matters": "It tested B-cell depletion properly after promising small studies.",
    "does_not_show": "It does not show that B cells play no role in ME/CFS.",
    "topics": ["b-cell-depletion", "b-cells"],
    "snapshot_date": "2026-05-30",
}


def good(**changes) -> dict:
    """A copy of the valid record with top-level CHANGES (None deletes a key)."""
    return changed(GOOD, **changes)


def with_pem(**changes) -> dict:
    """The valid record with changes to its `pem` (None deletes a key)."""
    data = good()
    for key, value in changes.items():
        if value is None:
            data["pem"].pop(key, None)
        else:
            data["pem"][key] = value
    return data


def lint(root: Path, paths=None, cache: Path | None = None):
    """The lint result of the atlas at ROOT (the core function, in this process, one job),
    with its cache folder (the lint index) in CACHE (default: ROOT/../.cache)."""
    from atlas_cli.core.config import load_settings
    from atlas_cli.lint import lint_paths

    settings = load_settings(root).replace(cache_dir_override=cache or root.parent / ".cache")
    return lint_paths(settings, paths, jobs=1)


def rules_of(result) -> list[str]:
    return [p.rule for p in result.problems]


# The seed page's record (the curation commands show, list and count it).
BASE_RECORD = {
    "slug": "mensah-2017-chronic-fatigue",
    "status": "published",
    "title": "Chronic fatigue syndrome and the immune system: Where are we now?",
    "authors": [
        {"family": "Mensah", "given": "Fane Kojo Fosu"},
        {"family": "Bansal", "given": "Amolak Singh"},
        {"family": "Ford", "given": "Brian"},
        {"family": "Cambridge", "given": "Geraldine"},
    ],
    "journal": "Neurophysiologie clinique = Clinical neurophysiology",
    "year": 2017,
    "doi": "10.1016/j.neucli.2017.02.002",
    "pmid": "28410877",
    "publication_type": "journal-article",
    "peer_reviewed": True,
    "design": "narrative-review",
    "evidence_level": "E3",
    "pem": {"badge": "not-applicable", "rationale": "A review: it has no participants of its own."},
    "summary": "This review examines what is known about immune changes in ME/CFS.",
    "why_it_matters": "Understanding immune mechanisms may lead to targeted treatments.",
    "does_not_show": "It does not prove that immune dysfunction is the sole cause of ME/CFS.",
    "topics": ["immune-dysfunction"],
    "snapshot_date": "2026-05-30",
    "added": "2026-05-01",
}


def record(**changes) -> dict:
    """BASE_RECORD with CHANGES (a value of None removes the key)."""
    return changed(BASE_RECORD, **changes)


def run_in(root: Path, *args: str, env: dict | None = None) -> Result:
    """`atlas --root ROOT ARGS` in ROOT, with the cache beside it (ROOT/../.cache): the curation tests' runs."""
    return run_atlas(*args, root=root, cwd=root, env=env, cache=root.parent / ".cache")


# One record per case the preview site must show (each PEM badge, a retraction, a draft,
# no authors, hostile text), in an atlas with its own site URL, prefix and snapshot versions.
HOSTILE = "<script>alert(1)</script> \"quoted\" 'single' {{ 7*7 }} {% if 1 %}x{% endif %} &amp; </pre>"

SITE_RECORDS: dict[str, dict] = {
    "smith-2021-exercise-capacity": {
        "status": "published",
        "title": "Exercise capacity on two consecutive days in ME/CFS",
        "authors": [
            {"family": "Smith", "given": "Anna"},
            {"family": "Jones", "given": "Bo"},
            {"family": "Okafor", "given": "Chidi"},
            {"family": "Müller", "given": "Dana"},
        ],
        "journal": "Journal of Exertion Studies",
        "year": 2021,
        "doi": "10.1234/jes.2021.001",
        "pmid": "31234567",
        "design": "exercise-challenge",
        "evidence_level": "E2",
        "confidence": "moderate",
        "peer_reviewed": True,
        "pem": {
            "badge": "required",
            "criteria": ["ccc-2003", "fukuda-1994"],
            "combine": "all",
            "rationale": "Every participant met the Canadian Consensus Criteria.",
            "proposed": {  # confirmed: the page shows its quote beside the badge
                "by": "atlas-criteria v1",
                "badge": "required",
                "criteria": ["ccc-2003", "fukuda-1994"],
                "combine": "all",
                "quotes": [
                    {
                        "text": "All participants met both the Canadian Consensus Criteria and the Fukuda criteria.",
                        "source": "methods",
                        "supports": ["ccc-2003", "fukuda-1994"],
                    }
                ],
                "confirmed": True,
            },
        },
        "summary": "People with ME/CFS did worse on the second exercise test.\n\nHealthy people did not.",
        "why_it_matters": "It measures post-exertional malaise objectively.",
        "does_not_show": "It does not show why capacity falls.",
        "topics": ["pem", "exercise-physiology"],
        "snapshot_date": "2026-05-30",
    },
    "lee-2019-fatigue-survey": {
        "status": "published",
        "title": "A fatigue survey in primary care",
        "authors": [{"family": "Lee", "given": "Min"}],
        "journal": "Primary Care Reports",
        "year": 2019,
        "doi": "10.5555/pcr.19",
        "design": "cross-sectional",
        "pem": {"badge": "not-required", "criteria": ["fukuda-1994"]},
        "summary": "Many patients reported fatigue.",
        "why_it_matters": "It counts how common fatigue is.",
        "does_not_show": "It does not show that the patients had ME/CFS.",
        "topics": ["epidemiology", "fatigue"],
    },
    "unknown-2018-immune-markers": {
        "status": "published",
        "title": "Immune markers in fatiguing illness",
        "authors": [],
        "journal": "Immunology Letters Preview",
        "year": 2018,
        "design": "mechanistic",
        "pem": {"badge": "unclear"},
        "summary": "Some immune markers differed.",
        "why_it_matters": "It suggests markers worth checking.",
        "does_not_show": "It does not say how participants were selected.",
        "topics": ["cytokines"],
    },
    "brown-2020-immune-review": {
        "status": "published",
        "title": "The immune system in ME/CFS: a review",
        "authors": [{"family": "Brown", "given": "Cara"}, {"literal": "ME Research Consortium"}],
        "journal": "Reviews in Immunology",
        "year": 2020,
        "doi": "10.7777/rii.2020.5",
        "design": "narrative-review",
        "pem": {"badge": "not-applicable"},
        "summary": "A review of immune findings.",
        "why_it_matters": "It gathers the evidence in one place.",
        "does_not_show": "It does not add new data.",
        "topics": ["cytokines", "immune-dysfunction"],
    },
    "garcia-2017-retracted-trial": {
        "status": "published",
        "title": "A trial later retracted",
        "authors": [{"family": "Garcia", "given": "Elena"}, {"family": "Ruiz", "given": "Pablo"}],
        "journal": "Trials in Fatigue",
        "year": 2017,
        "doi": "10.8888/tif.2017.9",
        "design": "rct",
        "pem": {"badge": "not-required", "criteria": ["oxford-1991"]},
        "summary": "The trial reported an effect.",
        "why_it_matters": "It was widely cited.",
        "does_not_show": "Its data could not be verified.",
        "topics": ["treatment"],
        "updates": [{"type": "retraction", "doi": "10.8888/tif.2018.1", "date": "2018-03-01"}],
    },
    "patel-2022-draft-study": {
        "status": "draft",
        "title": "A study still being curated",
        "authors": [{"family": "Patel", "given": "Ravi"}],
        "journal": "Draft Journal",
        "year": 2022,
        "pem": {"badge": "unclear"},
        "summary": "Not written yet.",
        "why_it_matters": "",
        "does_not_show": "",
        "topics": ["pem"],
    },
    "hostile-2023-markup-test": {
        "status": "published",
        "title": "Title " + HOSTILE,
        "authors": [{"family": "Evil<b>", "given": "Eve\"'"}],
        "journal": "Journal " + HOSTILE,
        "year": 2023,
        "doi": '10.6666/x"onmouseover="alert(1)',
        "design": "observational",
        "pem": {"badge": "unclear", "rationale": HOSTILE},
        "summary": HOSTILE,
        "why_it_matters": HOSTILE,
        "does_not_show": HOSTILE,
        "topics": ["fatigue"],
    },
}

SITE_TOML = """\
[atlas]
site_url = "https://atlas.example.org"
bibtex_prefix = "exatlas"
records_dir = "records"

[atlas.snapshot]
generator = "v2"
scanner = "v1.5"
policy = "v0.2"

# `atlas build` publishes only what `atlas lint` accepts: these records leave out a
# snapshot date and rationales, and one holds markup, on purpose (what a page does without them).
[atlas.lint]
ignore = ["publish-ready", "text-placeholder"]

[atlas.lint.per_file_ignores]
"hostile-*.yaml" = ["text-markup"]
"""


def site_atlas(root: Path, records: dict[str, dict] | None = None) -> Path:
    """The preview-site tests' atlas at ROOT: SITE_RECORDS (or RECORDS, slug -> data) and SITE_TOML."""
    records = SITE_RECORDS if records is None else records
    return new_atlas(root, {slug: {"slug": slug, **data} for slug, data in records.items()}, config=SITE_TOML)


def write_site_record(root: Path, slug: str, data: dict) -> Path:
    """records/SLUG.yaml of the atlas at ROOT, with SLUG as its `slug` (the site records carry none)."""
    return write_record(root, {"slug": slug, **data})


# --- the citation tests' fixture atlas and golden files -------------------------------------------

FIXTURE_ATLAS = TESTS / "fixtures" / "cite"
GOLDEN = TESTS / "golden" / "cite"
CSL_SCHEMA = TESTS / "fixtures" / "csl-schema" / "csl-data.json"
UPDATE_GOLDEN = os.environ.get("ATLAS_UPDATE_GOLDEN") == "1"


def fixture_settings():
    from atlas_cli.core.config import load_settings

    return load_settings(FIXTURE_ATLAS)


def fixture_records() -> dict[str, dict]:
    """slug -> record data of every fixture record."""
    from atlas_cli.core.records import iter_record_paths, read_document

    records = {}
    for path in iter_record_paths(FIXTURE_ATLAS / "records"):
        document = read_document(path)
        assert document.data is not None, (path, document.problems)
        records[path.stem] = document.data
    return records


def copy_fixture_atlas(tmp_path: Path) -> Path:
    """A writable copy of the fixture atlas, at TMP_PATH/atlas."""
    root = tmp_path / "atlas"
    shutil.copytree(FIXTURE_ATLAS, root)
    return root


def check_golden(name: str, actual: str) -> None:
    """Compare ACTUAL with tests/golden/cite/NAME (ATLAS_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        if not UPDATE_GOLDEN:
            raise AssertionError(f"missing golden file {path}; run with ATLAS_UPDATE_GOLDEN=1 and read it")
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from golden file {path.name}"


# --- terminal output -----------------------------------------------------------------------------

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def has_escape(text: str) -> bool:
    return "\x1b" in text


def colour_codes(text: str) -> list[str]:
    """SGR parameters that set a colour (foreground or background), found in TEXT."""
    found = []
    for params in _SGR.findall(text):
        for part in params.split(";"):
            if part.isdigit() and (30 <= int(part) <= 49 or 90 <= int(part) <= 107):
                found.append(part)
    return found


def strip_escapes(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\]8;[^\x1b]*\x1b\\\\", "", text)
