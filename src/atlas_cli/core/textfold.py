"""Folding text for search: lower case, accents removed (Müller: muller, Øystein: oystein).

One table for `atlas list --search` and the preview site's index (whose page
script carries the same table in JavaScript).
"""

from __future__ import annotations

import re
import unicodedata

# Letters with no accent mark to strip, written as slugs write them.
PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def fold(text: str, *, compatibility: bool = False) -> str:
    """TEXT lower-cased without accents.

    compatibility=True also folds compatibility forms (ligatures, full-width
    letters) and uses full case folding, for searching in Python; the default
    matches what the site's script does in the browser (toLowerCase, NFD).
    """
    if text.isascii():
        return text.lower()  # nothing to decompose (most text)
    lowered = text.casefold() if compatibility else text.lower()
    decomposed = unicodedata.normalize("NFKD" if compatibility else "NFD", lowered.translate(PLAIN_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_MARKUP = re.compile(r"<[^>]+>")
_NON_ALNUM = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    """A title as two records of one paper share it: markup, case, punctuation and spacing ignored."""
    return _NON_ALNUM.sub(" ", _MARKUP.sub("", title).casefold()).strip()
