"""`atlas init`: the Typer layer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from atlas_cli.cli.app import handle_errors, out

    @app.command("init")
    @handle_errors
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder for the new atlas (created if missing).")],
        name: Annotated[
            str | None, typer.Option("--name", help='The atlas\'s name, as citations show it ("Long COVID Atlas").')
        ] = None,
        site_url: Annotated[
            str | None,
            typer.Option("--site-url", help="Public address of the atlas: evidence pages are <URL>/evidence/<slug>."),
        ] = None,
        bibtex_prefix: Annotated[
            str | None, typer.Option("--bibtex-prefix", help="Start of every BibTeX key: <prefix>-<slug>.")
        ] = None,
        mailto: Annotated[
            str | None, typer.Option("--mailto", help="Contact email sent to Crossref (polite pool).")
        ] = None,
    ) -> int:
        """Create a new, empty atlas: atlas.toml, records/, .gitignore, the pinned atlas
        version (atlas-requirements.txt), GitHub workflows (lint, site, weekly verify)
        and a pre-commit hook.

        A name, site URL or BibTeX prefix not given is written as a placeholder that
        `atlas lint` reports (and `atlas build` refuses) until it is set. Never overwrites an existing file.

        Exit codes: 0 created; 2 the folder already holds an atlas, or a bad option;
        4 a file cannot be written.
        """
        from atlas_cli.init.create import create_atlas

        result = create_atlas(directory, name=name, site_url=site_url, bibtex_prefix=bibtex_prefix, mailto=mailto)
        for path in result.created:
            out(f"created {path}\n")
        for path in result.kept:
            out(f"kept    {path} (it exists)\n")
        for note in result.notes:
            out(f"\nnote: {note.rstrip()}\n")
        if result.placeholders:
            options = " ".join(f"--{key.replace('_', '-')}" for key in result.placeholders)
            out(
                f"\nnote: {', '.join(result.placeholders)} are placeholders in atlas.toml: "
                f"atlas lint reports them, and atlas build refuses them, until you set them "
                f"(atlas init {options} writes them)\n"
            )
        import shlex

        here = directory.resolve() == Path.cwd().resolve()
        out(f"\nNext: {'' if here else f'cd {shlex.quote(str(directory))} && '}atlas add <doi> && atlas lint\n")
        return 0
