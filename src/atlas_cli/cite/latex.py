"""Text as LaTeX commands, for BibTeX files that pdflatex and classic bibtex read (`--latex`).

pdflatex with `\\usepackage[utf8]{inputenc}` knows Latin letters but not Greek,
mathematical signs or most symbols, so a title with `δ` or `≥` stops the run.
`to_latex()` writes every character outside ASCII as LaTeX: accented letters as
BibTeX special characters (`{\\"u}`, `{\\c{c}}`, `{\\'\\i}`), other letters by their
command (`{\\o}`, `{\\ss}`), Greek and mathematical signs in math mode (`{$\\delta$}`,
`{$\\geq$}`), punctuation by its TeX spelling (`--`, ```` `` ````), and anything
else transliterated (`anyascii`). The result is ASCII; it compiles with
`\\usepackage[T1]{fontenc}` (needed for a few letters such as ą or đ) and no other
package. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata

# Combining accents -> the LaTeX accent command (symbol commands need no space or braces).
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0323": "d",
    "\u0326": "c",  # a comma below (Romanian ș, ț) is printed as a cedilla
    "\u0327": "c",
    "\u0328": "k",
    "\u0331": "b",
}
_ABOVE = frozenset("\u0300\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u030a\u030b\u030c")  # over an i: dotless
_LETTERS = {
    "ø": r"\o",
    "Ø": r"\O",
    "æ": r"\ae",
    "Æ": r"\AE",
    "œ": r"\oe",
    "Œ": r"\OE",
    "ß": r"\ss",
    "ł": r"\l",
    "Ł": r"\L",
    "đ": r"\dj",
    "Đ": r"\DJ",
    "ð": r"\dh",
    "Ð": r"\DH",
    "þ": r"\th",
    "Þ": r"\TH",
    "ı": r"\i",
    "ȷ": r"\j",
    "ŋ": r"\ng",
    "Ŋ": r"\NG",
    "å": r"\aa",
    "Å": r"\AA",
}
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ϵ": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ϑ": "vartheta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "µ": "mu",  # the micro sign
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ϖ": "varpi",
    "ρ": "rho",
    "ϱ": "varrho",
    "σ": "sigma",
    "ς": "varsigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "varphi",
    "ϕ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Γ": "Gamma",
    "Δ": "Delta",
    "∆": "Delta",  # the increment sign
    "Θ": "Theta",
    "Λ": "Lambda",
    "Ξ": "Xi",
    "Π": "Pi",
    "Σ": "Sigma",
    "Υ": "Upsilon",
    "Φ": "Phi",
    "Ψ": "Psi",
    "Ω": "Omega",
    "\u2126": "Omega",  # the ohm sign
}
# Greek capitals that look like Latin ones have no command of their own.
_GREEK_LATIN = {"Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N"}
_GREEK_LATIN |= {"Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "ο": "o"}
_MATH = {
    "±": r"\pm",
    "∓": r"\mp",
    "×": r"\times",
    "÷": r"\div",
    "−": "-",
    "≤": r"\leq",
    "≥": r"\geq",
    "≦": r"\leq",
    "≧": r"\geq",
    "≈": r"\approx",
    "≃": r"\simeq",
    "≅": r"\cong",
    "≠": r"\neq",
    "≡": r"\equiv",
    "∼": r"\sim",
    "∝": r"\propto",
    "→": r"\rightarrow",
    "←": r"\leftarrow",
    "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow",
    "⇔": r"\Leftrightarrow",
    "↑": r"\uparrow",
    "↓": r"\downarrow",
    "∞": r"\infty",
    "√": r"\surd",
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "∂": r"\partial",
    "∇": r"\nabla",
    "∈": r"\in",
    "∉": r"\notin",
    "∩": r"\cap",
    "∪": r"\cup",
    "⊂": r"\subset",
    "⊆": r"\subseteq",
    "∧": r"\wedge",
    "∨": r"\vee",
    "¬": r"\neg",
    "∀": r"\forall",
    "∃": r"\exists",
    "∅": r"\emptyset",
    "⋅": r"\cdot",
    "∙": r"\cdot",
    "∘": r"\circ",
    "′": "'",
    "″": "''",
    "‴": "'''",
    "⁺": "^{+}",
    "⁻": "^{-}",
    "₊": "_{+}",
    "₋": "_{-}",
}
_TEXT = {
    "\u2013": "--",
    "\u2014": "---",
    "\u2015": "---",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2018": "`",
    "\u2019": "'",
    "\u201a": r"{\quotesinglbase}",
    "\u201c": "``",
    "\u201d": "''",
    "\u201e": r"{\quotedblbase}",
    "«": r"{\guillemotleft}",
    "»": r"{\guillemotright}",
    "‹": r"{\guilsinglleft}",
    "›": r"{\guilsinglright}",
    "…": r"{\ldots}",
    "\u00a0": "~",
    "\u2009": r"\,",
    "\u202f": r"\,",
    "\u200a": r"\,",
    "°": r"{\textdegree}",
    "‰": r"{\textperthousand}",
    "©": r"{\textcopyright}",
    "®": r"{\textregistered}",
    "™": r"{\texttrademark}",
    "§": r"{\S}",
    "¶": r"{\P}",
    "€": r"{\texteuro}",
    "£": r"{\pounds}",
    "¥": r"{\textyen}",
    "¢": r"{\textcent}",
    "•": r"{\textbullet}",
    "·": r"{\textperiodcentered}",
    "†": r"{\dag}",
    "‡": r"{\ddag}",
    "¡": r"{\textexclamdown}",
    "¿": r"{\textquestiondown}",
    "ª": r"{\textordfeminine}",
    "º": r"{\textordmasculine}",
    "¼": r"{\textonequarter}",
    "½": r"{\textonehalf}",
    "¾": r"{\textthreequarters}",
    "¹": r"{\textsuperscript{1}}",
    "²": r"{\textsuperscript{2}}",
    "³": r"{\textsuperscript{3}}",
}
_DROPPED = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}  # soft hyphen, zero-width marks
_SUPERSCRIPTS = dict(zip("⁰⁴⁵⁶⁷⁸⁹", "0456789", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))


def _letter_with_accents(char: str) -> str | None:
    """`é` -> `{\\'e}`, `ç` -> `{\\c{c}}`, `í` -> `{\\'\\i}`, `ǘ` -> `{\\'{\\"u}}`; None if not such a letter."""
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isascii() or not all(m in _ACCENTS for m in marks):
        return None
    text = {"i": r"\i", "j": r"\j"}.get(base, base) if marks[0] in _ABOVE else base
    for mark in marks:
        command = _ACCENTS[mark]
        text = f"\\{command}{text}" if not command.isalpha() and len(text) == 1 else f"\\{command}{{{text}}}"
    return "{" + text + "}"


def char_to_latex(char: str) -> str:
    """One character that is not ASCII, as LaTeX (ASCII characters are returned unchanged)."""
    if char.isascii():
        return char
    if char in _DROPPED:
        return ""
    if char in _LETTERS:
        return "{" + _LETTERS[char] + "}"
    accented = _letter_with_accents(char)
    if accented:
        return accented
    if char in _GREEK:
        return "{$\\" + _GREEK[char] + "$}"
    if char in _GREEK_LATIN:
        return _GREEK_LATIN[char]
    if char in _MATH:
        return "{$" + _MATH[char] + "$}"
    if char in _TEXT:
        return _TEXT[char]
    if char in _SUPERSCRIPTS:
        return "{\\textsuperscript{" + _SUPERSCRIPTS[char] + "}}"
    if char in _SUBSCRIPTS:
        return "{\\textsubscript{" + _SUBSCRIPTS[char] + "}}"
    if unicodedata.category(char).startswith("Z"):
        return " "
    if unicodedata.combining(char):
        return ""  # a mark left over that no letter took
    from anyascii import anyascii

    spelled = re.sub(r"[^A-Za-z0-9 .,;:'()/-]", "", anyascii(char))  # nothing LaTeX reads specially
    return spelled if char.isupper() else spelled.lower()  # 中 -> zhong: no capital for sentence case to lower


def to_latex(text: str) -> str:
    """TEXT with every character outside ASCII written as LaTeX (ASCII left as it is)."""
    if text.isascii():
        return text
    return "".join(char_to_latex(c) for c in unicodedata.normalize("NFC", text))
