"""Slugs for new records (pure): `<first author family>-<year>-<word1>-<word2>`.

The rule of the public atlas, with one fix: non-ASCII letters are transliterated
(`Ramírez` -> `ramirez`, `Øie` -> `oie`) instead of dropped.

- family name: lower-cased, each run of non-alphanumerics becomes `-`
  (`van Campen` -> `van-campen`); an organisation uses its first word; no
  authors -> `unknown`.
- words: the title split on every non-alphanumeric character; tokens shorter
  than 3 characters and the stopwords the/and/for/with dropped; the first two kept.
- a slug already taken gets `-2`, then `-3`, ...
- a slug stays within the schema's 120 characters: a title word too long is cut.

>>> base_slug([{"family": "Ramírez-Morales", "given": "A"}], 2020, "ME/CFS and Post-Exertional Malaise")
'ramirez-morales-2020-cfs-post'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

STOPWORDS = frozenset({"the", "and", "for", "with"})
MAX_FAMILY = 40
MAX_BASE = 110  # the schema allows 120 characters; room is left for a `-NNN` collision suffix


def ascii_lower(text: str) -> str:
    from anyascii import anyascii

    return anyascii(text).lower()


def _hyphenate(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_lower(text)).strip("-")


def author_part(authors: list[dict[str, Any]]) -> str:
    for author in authors:
        if not isinstance(author, dict):
            continue
        if author.get("family"):
            part = _hyphenate(author["family"])
        elif author.get("literal"):
            words = [w for w in re.split(r"[^a-z0-9]+", ascii_lower(author["literal"])) if w]
            part = words[0] if words else ""
        elif author.get("given"):
            part = _hyphenate(author["given"])
        else:
            part = ""
        if part:
            return part[:MAX_FAMILY].strip("-")
        return "unknown"
    return "unknown"


def title_words(title: str, count: int = 2) -> list[str]:
    tokens = re.split(r"[^a-z0-9]+", ascii_lower(title or ""))
    return [t for t in tokens if len(t) >= 3 and t not in STOPWORDS][:count]


def base_slug(authors: list[dict[str, Any]], year: int | None, title: str) -> str:
    parts = [author_part(authors or [])]
    if year:
        parts.append(str(year))
    for word in title_words(title):
        room = MAX_BASE - len("-".join(parts)) - 1
        if room < 3:
            break
        parts.append(word[:room])
    return "-".join(parts)


def unique_slug(base: str, taken: Iterable[str]) -> str:
    """BASE, or BASE-2, BASE-3, ... whichever is not in TAKEN."""
    taken = set(taken)
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
