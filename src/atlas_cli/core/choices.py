"""One way to refuse a value atlas does not know: a badge, status, topic, format, sort key...

Every command checks its option values with `check_choice` (the selection of
`atlas list` and `atlas export`, every `--format`, `--sort`, `--drafts`): an
unknown value is a usage error (exit 2) naming the closest known values, never an
empty result or a silent default.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from atlas_cli.core.errors import UsageError

_LISTED = 10  # known values named in a hint; a longer list is cut with "..."


def unknown_choice(what: str, value: str, known: Iterable[str]) -> UsageError:
    """The usage error for VALUE, which is not one of the KNOWN values of WHAT ("badge", "format")."""
    options = list(dict.fromkeys(known))
    close = difflib.get_close_matches(value, options, n=3, cutoff=0.75)  # a typo: the one value meant
    close = close or difflib.get_close_matches(value, options, n=3, cutoff=0.5)
    if not close:  # a prefix or a different case: `pub`, `JSON`
        close = [o for o in options if o.lower().startswith(value.lower()) or o.lower() == value.lower()][:3]
    listed = ", ".join(options[:_LISTED]) + (", ..." if len(options) > _LISTED else "")
    hint = f"did you mean: {', '.join(close)}? (one of: {listed})" if close else f"use one of: {listed}"
    return UsageError(f"unknown {what} {value!r}", hint=hint)


def check_choice(what: str, value: str, known: Iterable[str]) -> str:
    """VALUE when it is one of KNOWN; otherwise `unknown_choice`."""
    known = list(known)
    if value not in known:
        raise unknown_choice(what, value, known)
    return value
