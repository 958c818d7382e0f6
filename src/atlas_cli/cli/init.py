"""`atlas init`: the Typer layer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from atlas_cli.cli.app import handle_errors

    @app.command("init")
    @handle_errors
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder for the new atlas (created if missing).")],
        site_url: Annotated[
            str, typer.Option("--site-url", help="Public URL of the atlas.")
        ] = "https://www.mecfsatlas.com",
        mailto: Annotated[
            str | None, typer.Option("--mailto", help="Contact email sent to Crossref (polite pool).")
        ] = None,
    ) -> int:
        """Create a new, empty atlas: atlas.toml, records/, a CI workflow and a pre-commit hook.

        Never overwrites an existing file. Exit codes: 0 created; 2 the folder already
        holds an atlas; 4 a file cannot be written.
        """
        from atlas_cli.init.create import create_atlas

        created = create_atlas(directory, site_url=site_url, mailto=mailto)
        for path in created:
            print(f"created {path}")
        print(f"\nNext: cd {directory} && atlas add <doi> && atlas lint")
        return 0
