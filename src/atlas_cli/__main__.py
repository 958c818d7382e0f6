"""Entry point of `atlas` and `python -m atlas_cli`.

`atlas cite SLUG...` and `atlas criteria --text FILE` are answered without loading
the CLI framework (see `cli.fastpath` and `cli.criteria`); everything else goes to the
Typer application in `cli`.
"""

import sys


def main() -> None:
    argv = sys.argv[1:]
    from atlas_cli.cli.fastpath import fast_cite

    code = fast_cite(argv)
    if code is None and "criteria" in argv:
        from atlas_cli.cli.criteria import fast_criteria

        code = fast_criteria(argv)
    if code is not None:
        sys.exit(code)
    from atlas_cli.cli.app import run

    run(argv)


if __name__ == "__main__":
    main()
