"""The architecture, checked: imports run one way (cli -> commands -> services -> core).

Every import in `src/atlas_cli` (function-level ones included) is read from the source.
A package may import its own modules, the layers below it, and, for a command family,
only the other families listed in `FAMILY_USES`. Outside libraries that stand for a
boundary (the CLI framework, the HTTP clients) are imported in one place only.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "atlas_cli"

CORE, SERVICES, FAMILY, CLI, ENTRY = 0, 1, 2, 3, 4
LAYER = {
    "core": CORE,
    "services": SERVICES,
    "add": FAMILY,
    "lint": FAMILY,
    "cite": FAMILY,
    "curate": FAMILY,
    "site": FAMILY,
    "init": FAMILY,
    "criteria": FAMILY,
    "discover": FAMILY,
    "cli": CLI,
    "__main__": ENTRY,
    "__init__": CORE,  # the version number
}
# Command families that build on another one (and nothing else may, so no cycle can form).
FAMILY_USES = {
    "curate": {"cite", "lint", "add"},  # show prints citations and lint problems; list --lint;
    # verify compares a PMID-only record with the record atlas add would draft from PubMed's summary
    "site": {"cite", "lint"},  # pages carry the citation blocks
    "lint": {"criteria"},  # the atlas's own criteria-cues.yaml is checked as atlas criteria reads it;
    # lint --criteria reads each record's stored text with it
    "discover": {"add"},  # tells new papers from records as atlas add does (RecordIndex); --add adds them
    "add": {"criteria"},  # a draft carries the PEM badge atlas criteria proposes from the paper's text
}
# Outside libraries that mark a boundary -> the only packages (or modules) allowed to import them.
BOUNDARIES = {
    "typer": {"cli"},
    "rich": {"cli", "lint/report.py"},  # the lint formatter styles text; it never prints
    "habanero": {"services"},
    "httpx2": {"services"},
}


def top_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in PATH, resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports"
            if node.module == "atlas_cli":
                # `from atlas_cli import cite` names a package; `import __version__` the package itself
                found += [
                    (node.lineno, "atlas_cli" if alias.name.startswith("__") else f"atlas_cli.{alias.name}")
                    for alias in node.names
                ]
            else:
                found.append((node.lineno, node.module))
    return found


def sources(package: Path) -> list[Path]:
    return sorted(package.rglob("*.py"))


def test_every_package_has_a_layer():
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in sources(PACKAGE)}
    assert tops <= set(LAYER), f"place these in LAYER: {sorted(tops - set(LAYER))}"


def violations(package: Path) -> list[str]:
    found = []
    for path in sources(package):
        relative = path.relative_to(package)
        here = relative.parts[0].removesuffix(".py")
        for line, module in imports(path):
            where = f"{relative}:{line}"
            root = module.split(".")[0]
            if root in BOUNDARIES:
                allowed = BOUNDARIES[root]
                if here not in allowed and relative.as_posix() not in allowed:
                    found.append(f"{where}: {module} is imported only in {', '.join(sorted(allowed))}")
            if root != "atlas_cli":
                continue
            there = top_of(module if module.count(".") else module + ".__init__")
            if there == here or there == "__init__":
                continue
            if LAYER[there] < LAYER[here]:
                continue
            if LAYER[here] == FAMILY == LAYER[there] and there in FAMILY_USES.get(here, set()):
                continue
            found.append(f"{where}: {here} must not import {module} ({there} is not below it)")
    return found


def test_imports_run_one_way():
    assert violations(PACKAGE) == []


def test_wrong_way_imports_are_found(tmp_path: Path):
    """The check itself: a fake package with one import of each kind."""
    files = {
        "core/doi.py": "from atlas_cli.services import crossref\n",  # core reaching up
        "services/crossref.py": "from atlas_cli.core import doi\nimport habanero\n",  # fine
        "lint/engine.py": "def f():\n    from atlas_cli.cite import bibtex\n",  # undeclared family use
        "site/build.py": "from atlas_cli.cite import render\nfrom atlas_cli.lint import engine\n",  # declared
        "cite/export.py": "import httpx2\n",  # a boundary library outside services
        "add/batch.py": "from atlas_cli.cli.app import run\n",  # a family reaching into the CLI
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert violations(tmp_path) == [
        "add/batch.py:1: add must not import atlas_cli.cli.app (cli is not below it)",
        "cite/export.py:1: httpx2 is imported only in services",
        "core/doi.py:1: core must not import atlas_cli.services (services is not below it)",
        "lint/engine.py:2: lint must not import atlas_cli.cite (cite is not below it)",
    ]


def test_the_walker_sees_imports_inside_functions(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from atlas_cli.cli.app import run\n    import habanero\n")
    assert imports(module) == [(2, "atlas_cli.cli.app"), (3, "habanero")]
