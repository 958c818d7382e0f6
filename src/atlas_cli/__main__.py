"""Entry point of `atlas` and `python -m atlas_cli`.

`run(argv)` runs one command line in this process and returns its exit code:
`atlas cite SLUG...`, `atlas add ID...`, `atlas lint [PATH...]` and `atlas criteria --text FILE` are answered
without loading the CLI framework (see `cli.fastpath` and `cli.criteria`); everything else goes to a
Typer application built for the run (`cli.app`). `main` is `atlas`: `run` on the
process's arguments, then exit.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run(argv: Sequence[str]) -> int:
    """`atlas ARGV` in this process: the exit code (output goes to sys.stdout and sys.stderr)."""
    argv = list(argv)
    from atlas_cli.cli.fastpath import fast_add, fast_cite, fast_lint

    code = fast_cite(argv)
    if code is None and "add" in argv:
        code = fast_add(argv)
    if code is None and "lint" in argv:
        code = fast_lint(argv)
    if code is None and "criteria" in argv:
        from atlas_cli.cli.criteria import fast_criteria

        code = fast_criteria(argv)
    if code is not None:
        return code
    from atlas_cli.cli.app import run_app

    return run_app(argv)


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
