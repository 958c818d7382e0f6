"""JSON atlas reads but did not just write: cache entries, the build manifest, a schema in
the atlas's `schemas/`, Crossref's and NCBI's answers. Parsed within bounds.

Python's parser raises RecursionError (not ValueError) for `[[[[...` nested a few
thousand deep, and an answer that parses at a depth of 500 still breaks whatever walks
it next (writing it to the cache, checking it). `loads` refuses both with ValueError,
like any other JSON that is not what atlas expects, so each caller's `except
ValueError` covers them: a cache miss, an untrusted manifest, an answer worth a retry.
Integers longer than Python converts (4,300 digits) are already a ValueError.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # Crossref's works nest 6 deep, NCBI's answers 5, a build manifest 4


class TooDeep(ValueError):
    """JSON nested deeper than MAX_DEPTH."""


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads(TEXT)`; ValueError (TooDeep) for JSON nested more than MAX_DEPTH levels."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise TooDeep(f"JSON nested more than {max_depth} levels deep") from None
    if too_deep(data, max_depth):
        raise TooDeep(f"JSON nested more than {max_depth} levels deep")
    return data


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether VALUE (lists and mappings) nests more than MAX_DEPTH levels (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def dumps(value: Any, **options: Any) -> str:
    """`json.dumps(VALUE, ensure_ascii=False, **OPTIONS)`, readable UTF-8, except that a lone
    surrogate (a `\\ud800` escape in an answer parses to one, and UTF-8 cannot encode it) is
    written back as its escape, so the text can always be written as UTF-8."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) if _SURROGATE.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")
