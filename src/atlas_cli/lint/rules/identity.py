"""Identity rules for one record: its file name is its slug."""

from __future__ import annotations

from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.rules import rule


@rule("slug-filename")
def slug_matches_filename(ctx: RecordContext) -> None:
    """The file is named `<slug>.yaml`.

    Fails:   records/mensah-2017.yaml with slug: mensah-2017-chronic-fatigue
    Fails:   records/mensah-2017-chronic-fatigue.yml
    Passes:  records/mensah-2017-chronic-fatigue.yaml with that slug
    """
    slug = ctx.data.get("slug")
    stem, _, suffix = ctx.filename.rpartition(".")
    if suffix != "yaml":
        ctx.report("slug-filename", (), f"record files end in .yaml, not .{suffix}", f"rename the file to {stem}.yaml")
    if isinstance(slug, str) and slug != stem:
        ctx.report(
            "slug-filename",
            ("slug",),
            f"file name `{ctx.filename}` does not match slug `{slug}`",
            f"rename the file to {slug}.yaml, or change the slug (a published slug is a URL: never change it)",
        )
