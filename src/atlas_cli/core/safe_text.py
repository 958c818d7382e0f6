"""Text that cannot be turned against a terminal: control and bidirectional characters.

A record, a Crossref answer or a command-line argument may hold characters a terminal
obeys instead of showing: escape sequences (`ESC ] 0 ; ... BEL` sets the window
title, `ESC [ 2 J` clears the screen, the C1 byte `U+009B` starts the same commands
without an ESC), NUL, carriage returns that overwrite a line, and the bidirectional
overrides and isolates (U+202E RIGHT-TO-LEFT OVERRIDE and its friends) that show text
in another order than it is stored. None of them belongs in a title, a name or a
citation.

- `UNSAFE`: the characters: C0 controls but tab and line feed, DEL, C1 controls, the
  bidirectional marks, embeddings, overrides and isolates, and lone surrogates (the
  bytes of a file name that is not UTF-8, as Python reads it).
- `find_unsafe(text)`: the ones TEXT holds (`atlas lint` reports them, rule
  `text-control`).
- `strip_unsafe(text)`: TEXT without them (what `atlas add` writes, what `lint --fix`
  leaves, what citations carry); a control that stands for a space (CR, VT, FF, the
  separators) becomes a space, so words do not run together.
- `for_terminal(text)`: TEXT with each of them shown as a `\\uXXXX` escape: what the
  command line prints. The escape is also valid inside a JSON string, so JSON output
  keeps its meaning.
- `one_line(text)`: `for_terminal`, with line breaks and tabs escaped too, for a value
  quoted inside a one-line message (an identifier as typed).

Pure functions, no I/O; `re` is all they import, so the fast path of `atlas cite`
pays nothing for them.
"""

from __future__ import annotations

import re

# Controls: C0 (but tab and line feed), DEL, C1. Bidirectional formatting: ALM, LRM, RLM,
# LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. Lone surrogates: not characters at all; Python
# makes one of each byte of a file name that is not UTF-8 (`\udcff`), and a `\ud800` escape in
# a JSON answer parses to one. No output encodes them (printing one stops the command).
UNSAFE_CLASS = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
UNSAFE = re.compile(UNSAFE_CLASS)
_LINE_BREAKS = re.compile("[\n\t]")

NAMES = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "backspace",
    "\x0d": "carriage return",
    "\x1b": "ESC (escape sequence)",
    "\x7f": "DEL",
    "\x9b": "C1 CSI (escape sequence)",
    "\x9d": "C1 OSC (escape sequence)",
    "\u061c": "ARABIC LETTER MARK",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}


def escape_char(char: str) -> str:
    return f"\\u{ord(char):04x}"


def describe(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`, `U+001B ESC (escape sequence)`, `U+0001 control`."""
    if "\ud800" <= char <= "\udfff":
        return f"U+{ord(char):04X} (a lone surrogate, not a character)"
    return f"U+{ord(char):04X} {NAMES.get(char, 'control character')}"


def find_unsafe(text: str) -> list[str]:
    """The unsafe characters of TEXT, each once, in order of appearance."""
    return list(dict.fromkeys(UNSAFE.findall(text)))


def has_unsafe(text: str) -> bool:
    return UNSAFE.search(text) is not None


def strip_unsafe(text: str) -> str:
    """TEXT without its unsafe characters (one that stands for a space becomes a space)."""
    if not has_unsafe(text):
        return text
    return UNSAFE.sub(lambda m: " " if m.group(0).isspace() else "", text)


def for_terminal(text: str) -> str:
    """TEXT as it may reach a terminal: each unsafe character as a visible `\\uXXXX` escape."""
    if not has_unsafe(text):
        return text
    return UNSAFE.sub(lambda m: escape_char(m.group(0)), text)


def one_line(text: str) -> str:
    """TEXT quoted inside one line of a message: `for_terminal`, line breaks and tabs escaped too."""
    return _LINE_BREAKS.sub(lambda m: escape_char(m.group(0)), for_terminal(text))
