"""The DOI syntax, and the form two DOIs are compared in (pure, no I/O).

Apart from `core.doi` (which reads identifiers as people paste them, and compiles many
patterns) so that what every citation checks costs next to nothing to import: `atlas
cite` starts about as fast as Python imports its CLI framework.
"""

from __future__ import annotations

import re

# Characters that are invisible in a browser but travel with a copy-paste: zero-width
# spaces and joiners, the soft hyphen, the byte-order mark, and the bidirectional marks,
# embeddings, overrides and isolates. None is part of a DOI.
INVISIBLE_CHARS = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE_CHARS}]")
# The DOI syntax (ISO 26324, the DOI Handbook): `10.`, a registrant code (4-9 digits, as
# Crossref and DataCite assign them), `/`, and a suffix of visible characters. Old SICI
# DOIs have `<>#;()[]` in their suffix, so those are kept; left out are white space,
# control characters, the invisible characters above, and `{`, `}` and `\`, which no
# citation format can carry verbatim (BibTeX counts every brace, a backslash starts a
# command). The record schema's `doi` pattern is the same (a test checks they agree).
DOI_SUFFIX_CHAR = f"[^\\s{{}}\\\\\x00-\x1f\x7f-\x9f{INVISIBLE_CHARS}]"
DOI_RE = re.compile(f"^10\\.[0-9]{{4,9}}/{DOI_SUFFIX_CHAR}+$")


def is_doi(text: str) -> bool:
    """Whether TEXT is a DOI as a record writes it: the DOI syntax, nothing around it."""
    return DOI_RE.fullmatch(text) is not None


def without_invisible(text: str) -> str:
    """TEXT without the invisible characters a copy-paste carries along."""
    return _INVISIBLE_RE.sub("", text)


def doi_key(doi: str) -> str:
    """The form two DOIs are compared in: invisible characters dropped (a DOI differing from
    another only by a zero-width space is the same DOI), case ignored (DOIs are case-insensitive)."""
    return without_invisible(doi).strip().lower()
