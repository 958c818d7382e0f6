"""Author rules: each author is a person or an organisation."""

from __future__ import annotations

from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.rules import rule


@rule("author-name")
def author_is_person_or_organisation(ctx: RecordContext) -> None:
    """An author has `family` (a person, with `given` when known) or `literal` (an organisation), not both.

    Fails:   - given: Fane Kojo Fosu          (no family name)
    Fails:   - family: GTEx, literal: GTEx Consortium
    Passes:  - family: Mensah, given: Fane Kojo Fosu
    Passes:  - literal: GTEx Consortium
    """
    authors = ctx.data.get("authors")
    if not isinstance(authors, list):
        return
    for index, author in enumerate(authors):
        if not isinstance(author, dict) or not author:
            continue
        person = "family" in author or "given" in author
        if "literal" in author and person:
            ctx.report(
                "author-name",
                ("authors", index),
                "an author is either a person (family, given) or an organisation (literal), not both",
                "keep `literal:` for an organisation, or `family:`/`given:` for a person",
            )
        elif "literal" not in author and "family" not in author:
            ctx.report(
                "author-name",
                ("authors", index),
                "author has no family name",
                "add `family:` (for a single-name author, put the name in family)",
            )
