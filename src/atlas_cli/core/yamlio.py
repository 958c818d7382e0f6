"""Strict YAML for records: loading with positions, and a stable, readable dump.

PyYAML's safe loader reads `no` as False, `2018-05-02` as a date and `0123` as 83,
keeps the last of two duplicate keys and expands aliases. Records are read with
YAML's core types only (text, integers, decimals, true/false, null); everything
else stays text for the schema to judge. Duplicate keys, anchors, aliases and
custom tags are refused, each as a problem with a line and column, never an
exception. libyaml composes the node tree (fast, and it keeps positions); the
small walker below turns nodes into Python values.
"""

from __future__ import annotations

import re

import yaml

from atlas_cli.core.values import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see core/values.py)
if TYPE_CHECKING:
    from typing import Any

MAX_BYTES = 1024 * 1024  # a record is a few KB; anything near this is not a record
MAX_DEPTH = 32  # a record nests 3 levels; deeper structures are refused
MAX_FLOW_BRACKETS = 2000  # guards libyaml's recursive composer against [[[[...
MAX_NUMBER_CHARS = 100  # a record's numbers are years and counts; Python refuses ints over 4,300 digits

BOM = b"\xef\xbb\xbf"
# Byte-order marks of the encodings a Windows editor may save "Unicode" text in (UTF-32's first:
# its little-endian mark starts with UTF-16's).
WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"

_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
# Words YAML 1.1 tools (PyYAML included) read as booleans; kept as text here.
YAML11_BOOLS = frozenset("yes Yes YES no No NO on On ON off Off OFF y Y n N".split())


class StrictLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml loader that resolves plain scalars with YAML 1.2 core rules only."""


def _resolve(self: StrictLoader, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
    """Resolver.resolve, streamlined: no path resolvers, core-schema plain scalars only."""
    if kind is yaml.ScalarNode:
        if implicit[0]:
            for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                if regexp.match(value):
                    return tag
        return STR
    return SEQ if kind is yaml.SequenceNode else MAP


StrictLoader.resolve = _resolve
StrictLoader.descend_resolver = lambda self, parent, index: None
StrictLoader.ascend_resolver = lambda self: None
StrictLoader.yaml_implicit_resolvers = {}
StrictLoader.add_implicit_resolver(BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
StrictLoader.add_implicit_resolver(INT, _INT_RE, list("-+0123456789"))
StrictLoader.add_implicit_resolver(FLOAT, _FLOAT_RE, list("-+.0123456789"))
StrictLoader.add_implicit_resolver(NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


class YamlProblem(Value):
    """A problem found while reading a file: 1-based line and column."""

    def __init__(
        self, line: int, column: int, rule: str, message: str, hint: str | None = None, severity: str = "error"
    ) -> None:
        self.line = line
        self.column = column
        self.rule = rule
        self.message = message
        self.hint = hint
        self.severity = severity


class Document:
    """A parsed record: its data plus the node tree to locate any key or value."""

    __slots__ = ("_keys", "data", "problems", "root", "text")

    def __init__(
        self,
        data: dict[str, Any] | None,
        root: yaml.MappingNode | None = None,
        problems: list[YamlProblem] | None = None,
        text: str = "",
    ) -> None:
        self.data = data
        self.root = root
        self.problems: list[YamlProblem] = problems if problems is not None else []
        self.text = text
        # Each mapping's keys -> (key node, value node), the first of each key, built the first
        # time the mapping is walked: a problem is located in time proportional to its path,
        # never to the number of keys beside it (lint stays linear in problems and keys).
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def __repr__(self) -> str:
        return f"Document(data={self.data!r}, problems={self.problems!r})"

    def _entry(self, node: yaml.MappingNode, step: object) -> tuple[yaml.Node, yaml.Node] | None:
        """(key node, value node) of the first key STEP in the mapping NODE, if it has one."""
        index = self._keys.get(id(node))
        if index is None:
            index = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    index.setdefault(k.value, (k, v))
            self._keys[id(node)] = index
        return index.get(step) if isinstance(step, str) else None

    def _child(self, node: yaml.Node | None, step: object) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            entry = self._entry(node, step)
            return entry[1] if entry else None
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            return node.value[step]
        return None

    def locate(self, path: tuple = (), key: bool = False) -> tuple[int, int]:
        """(line, column) of the value at PATH, or of its key with key=True.

        Walks as far as the path exists, so a missing key points at its parent.
        """
        node: yaml.Node | None = self.root
        if node is None:
            return (1, 1)
        mark = node.start_mark
        for number, step in enumerate(path):
            if isinstance(node, yaml.MappingNode):
                entry = self._entry(node, step)
                if entry is None:
                    return (mark.line + 1, mark.column + 1)
                mark = entry[0].start_mark if key and number == len(path) - 1 else entry[1].start_mark
                node = entry[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
                mark = node.start_mark
            else:
                break
        return (mark.line + 1, mark.column + 1)

    def span(self, path: tuple) -> tuple[int, int] | None:
        """Character offsets (start, end) of the scalar at PATH in the text, if it is one."""
        node: yaml.Node | None = self.root
        for step in path:
            node = self._child(node, step)
            if node is None:
                return None
        if not isinstance(node, yaml.ScalarNode):
            return None
        return node.start_mark.index, node.end_mark.index


class _Refused(Exception):
    def __init__(self, node: yaml.Node, rule: str, message: str, hint: str | None = None) -> None:
        self.problem = YamlProblem(node.start_mark.line + 1, node.start_mark.column + 1, rule, message, hint)


def parse_bytes(raw: bytes, size: int | None = None) -> Document:
    """Read one record file's bytes. Never raises for bad input: problems are data.

    SIZE: the file's size, when it was too large to read (RAW is then not looked at).
    """
    problems: list[YamlProblem] = []
    size = len(raw) if size is None else size
    if size > MAX_BYTES:
        return Document(
            None,
            problems=[
                YamlProblem(
                    1,
                    1,
                    "yaml-too-large",
                    f"file is {size / 1024 / 1024:.1f} MB; a record is a small YAML file (limit {MAX_BYTES // 1024} KB)",
                    "this does not look like a record: move it out of the records folder",
                )
            ],
        )
    wide = _wide_encoding(raw)
    if wide:
        return Document(
            None,
            problems=[
                YamlProblem(
                    1,
                    1,
                    "yaml-encoding",
                    f"file is {wide} text (it starts with a {wide} byte-order mark); records are UTF-8",
                    "save it as UTF-8: in most editors, Save As with the encoding UTF-8",
                )
            ],
        )
    if b"\x00" in raw[:8192]:
        return Document(
            None,
            problems=[
                YamlProblem(
                    1,
                    1,
                    "yaml-binary",
                    "file is binary, not YAML text",
                    "records are UTF-8 YAML text files: move this file out of the records folder",
                )
            ],
        )
    if raw.startswith(BOM):
        problems.append(
            YamlProblem(
                1,
                1,
                "yaml-bom",
                "file starts with a UTF-8 byte-order mark",
                "save the file as UTF-8 without BOM (atlas lint --fix removes it)",
            )
        )
        raw = raw[len(BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(
            YamlProblem(
                line,
                column,
                "yaml-encoding",
                f"file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
                "re-save the file with UTF-8 encoding",
            )
        )
        return Document(None, problems=problems)
    return parse_text(text, problems)


def _wide_encoding(raw: bytes) -> str | None:
    """`UTF-16` or `UTF-32` when RAW starts with that encoding's byte-order mark (and decodes as it)."""
    for mark, name in WIDE_BOMS:
        if raw.startswith(mark):
            try:
                raw.decode(name.lower())
            except UnicodeDecodeError:
                return None
            return name
    return None


def parse_text(text: str, problems: list[YamlProblem] | None = None) -> Document:
    problems = problems if problems is not None else []
    tab_lines = _tab_lines(text, problems) if "\t" in text else set()
    if not text.strip() or all(_blank_line(ln) for ln in text.splitlines()):
        problems.append(YamlProblem(1, 1, "yaml-empty", "file is empty", "write a record or delete the file"))
        return Document(None, problems=problems, text=text)
    if text.count("[") + text.count("{") > MAX_FLOW_BRACKETS:
        problems.append(
            YamlProblem(
                1,
                1,
                "yaml-too-deep",
                "file has thousands of brackets; records are not nested like that",
                "this does not look like a record",
            )
        )
        return Document(None, problems=problems, text=text)
    if "&" in text or "*" in text:
        refused = _anchors_and_aliases(text)
        if refused:
            problems.extend(refused)
            return Document(None, problems=problems, text=text)
    try:
        root = yaml.compose(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if line not in tab_lines:  # a tab in the indentation is already reported
            problems.append(_syntax_problem(exc, line, column, text))
        return Document(None, problems=problems, text=text)
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        position = getattr(exc, "position", 0) or 0
        line, column = _line_column(text, position)
        character = getattr(exc, "character", None)
        if isinstance(character, int):
            character = chr(character)
        what = (
            f"control character U+{ord(character):04X} is not allowed in YAML"
            if isinstance(character, str) and len(character) == 1
            else _one_line(exc)
        )
        problems.append(
            YamlProblem(
                line, column, "yaml-syntax", f"cannot read YAML: {what}", "remove control characters from the file"
            )
        )
        return Document(None, problems=problems, text=text)
    except RecursionError:
        problems.append(
            YamlProblem(1, 1, "yaml-too-deep", "file is nested too deeply", "this does not look like a record")
        )
        return Document(None, problems=problems, text=text)
    if root is None:
        problems.append(
            YamlProblem(1, 1, "yaml-empty", "file holds no YAML document", "write a record or delete the file")
        )
        return Document(None, problems=problems, text=text)
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        problems.append(
            YamlProblem(
                root.start_mark.line + 1,
                root.start_mark.column + 1,
                "yaml-not-mapping",
                f"a record must be a mapping of keys to values, but this file is {kind}",
                "start the file with `slug: ...` and one key per line",
            )
        )
        return Document(None, problems=problems, text=text)
    walker = _Walker(problems)
    try:
        data = walker.construct(root, 0)
    except _Refused as refused:
        problems.append(refused.problem)
        return Document(None, root, problems, text)
    return Document(data, root, problems, text)


_MARKER_LINE = re.compile(r"^(---|\.\.\.)(\s+#.*)?\s*$")


def _blank_line(line: str) -> bool:
    """Nothing of a record on this line: blank, a comment, or a bare `---` / `...` marker."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or _MARKER_LINE.match(line) is not None


_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML (libyaml) counts as a line break


def _line_column(text: str, position: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset, counting line breaks as YAML does."""
    line, start = 1, 0
    for match in _BREAK.finditer(text, 0, position):
        line, start = line + 1, match.end()
    return line, position - start + 1


def _tab_lines(text: str, problems: list[YamlProblem]) -> set[int]:
    """Lines with a tab; the first tab in indentation and the first inside a value are reported."""
    lines = set()
    reported: set[bool] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if "\t" in line:
            lines.add(number)
            column = line.index("\t")
            indentation = not line[:column].strip()
            if indentation not in reported:
                reported.add(indentation)
                problems.append(
                    YamlProblem(
                        number,
                        column + 1,
                        "yaml-tab",
                        "tab character in the indentation (YAML indents with spaces only)"
                        if indentation
                        else "tab character inside a value (tabs show differently in every editor and on the page)",
                        "replace tabs with spaces",
                    )
                )
    return lines


# Characters YAML reads as line breaks that no editor shows as one: pasted from a PDF or a web page,
# they cut a line in two, and the error is then about a line the curator does not see.
ODD_BREAKS = {"\x85": "NEXT LINE (NEL)", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}


def _odd_break_near(text: str, line: int) -> tuple[str, int, int] | None:
    """(character, line, column) of the last U+2028-like line break on LINE or the three lines
    before it (as YAML counts lines), if any: one pass over the line breaks up to LINE."""
    found = None
    number, start = 1, 0
    for match in _BREAK.finditer(text):
        if number > line:
            break
        if match.group(0) in ODD_BREAKS and number >= line - 3:
            found = (match.group(0), number, match.start() - start + 1)
        number, start = number + 1, match.end()
    return found


def _syntax_problem(exc: yaml.MarkedYAMLError, line: int, column: int, text: str = "") -> YamlProblem:
    what = exc.problem or "syntax error"
    if "exceeded maximum nesting depth" in what:
        return YamlProblem(
            line, column, "yaml-too-deep", "file is nested too deeply", "this does not look like a record"
        )
    odd = _odd_break_near(text, line) if any(c in text for c in ODD_BREAKS) else None
    if odd is not None:
        char, at_line, at_column = odd
        return YamlProblem(
            at_line,
            at_column,
            "yaml-syntax",
            f"YAML syntax error: {what}: line {at_line} holds U+{ord(char):04X} {ODD_BREAKS[char]} at column "
            f"{at_column}, which YAML reads as a line break though editors show none",
            "replace it with a space (it often comes with text pasted from a PDF or a web page)",
        )
    if "expected a single document" in str(exc):
        return YamlProblem(
            line,
            column,
            "yaml-syntax",
            "file holds more than one YAML document (a second `---`)",
            "keep one record per file: remove the `---` line and what follows, or move it to its own file",
        )
    hint = "check the indentation and quoting on this line or the one before it"
    if "mapping values are not allowed" in what:
        hint = 'a value containing `: ` must be quoted, e.g. title: "Where are we now: a review"'
    elif "found character '\\t'" in what or "found character that cannot start any token" in what:
        hint = "quote values that start with @, `, % or |, and indent with spaces"
    return YamlProblem(line, column, "yaml-syntax", f"YAML syntax error: {what}", hint)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _anchors_and_aliases(text: str) -> list[YamlProblem]:
    """Anchors (&a) and aliases (*a) are refused: aliases can expand into huge documents."""
    found: list[tuple[int, int, str]] = []
    try:
        for event in yaml.parse(text, Loader=StrictLoader):
            if isinstance(event, yaml.AliasEvent):
                what = f"alias *{event.anchor}"
            elif isinstance(event, yaml.NodeEvent) and event.anchor:
                what = f"anchor &{event.anchor}"
            else:
                continue
            if event.start_mark is not None:  # always set by the parser
                found.append((event.start_mark.line + 1, event.start_mark.column + 1, what))
            if len(found) >= 3:
                break
    except yaml.YAMLError:
        return []  # the composer will report the syntax error with its position
    return [
        YamlProblem(
            line,
            column,
            "yaml-alias",
            f"{what} is not allowed in a record",
            "write the value out in full; quote text that starts with & or *",
        )
        for line, column, what in found
    ]


class _Walker:
    """Node tree -> Python values, refusing what records must not contain."""

    def __init__(self, problems: list[YamlProblem]) -> None:
        self.problems = problems

    def construct(self, node: yaml.Node, depth: int) -> Any:
        if node.__class__ is yaml.ScalarNode:
            return node.value if node.tag == STR else self.scalar(node)
        if depth > MAX_DEPTH:
            raise _Refused(node, "yaml-too-deep", "value is nested too deeply for a record")
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ:
                raise _custom_tag(node)
            return [self.construct(item, depth + 1) for item in node.value]
        if node.tag != MAP:
            raise _custom_tag(node)
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    key_node,
                    "yaml-key",
                    "a key must be a plain word, not a list or mapping",
                    "write keys as `name: value`",
                )
            key = self.scalar(key_node)
            if not isinstance(key, str):
                raise _Refused(
                    key_node,
                    "yaml-key",
                    f"key {key_node.value!r} is not text",
                    "keys are names such as `year`; quote it if it must be a number",
                )
            value = self.construct(value_node, depth + 1)
            if key in result:
                self.problems.append(
                    YamlProblem(
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        "yaml-duplicate-key",
                        f"duplicate key `{key}` (first on line {first_line[key]}); YAML would silently keep only this one",
                        "merge the two values into one key and delete the other",
                    )
                )
                continue  # keep the first value: the problem is an error either way
            result[key] = value
            first_line[key] = key_node.start_mark.line + 1
        return result

    @staticmethod
    def scalar(node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == STR:
            return value
        if tag in (INT, FLOAT) and len(value) > MAX_NUMBER_CHARS:
            raise _too_long(node)
        if tag == INT and _INT_RE.match(value):
            return int(value)
        if tag == FLOAT and _FLOAT_RE.match(value):
            number = float(value)
            if number in (float("inf"), float("-inf")):  # 1e999
                raise _too_long(node)
            return number
        if tag == BOOL and value in _BOOLS:
            return _BOOLS[value]
        if tag == NULL and value in _NULLS:
            return None
        raise _custom_tag(node)


def _too_long(node: yaml.ScalarNode) -> _Refused:
    """A number no record holds: longer than MAX_NUMBER_CHARS, or beyond the largest decimal (1e999)."""
    length = len(node.value)
    what = (
        f"a number of {length:,} characters (the numbers atlas reads have at most {MAX_NUMBER_CHARS})"
        if length > MAX_NUMBER_CHARS
        else f"the number {node.value} is beyond the largest number"
    )
    return _Refused(node, "yaml-number", what, "a year has four digits; quote the value if it is text")


def _custom_tag(node: yaml.Node) -> _Refused:
    return _Refused(
        node, "yaml-tag", f"tag {node.tag} is not allowed in a record", "remove the `!`-tag and write a plain value"
    )


# --- writing ---------------------------------------------------------------------------


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar(STR, value, style="|")
    # Quote what a YAML 1.1 reader would turn into something else (no, on, 0123, dates...).
    style = '"' if (value in YAML11_BOOLS or _looks_typed(value)) else None
    return dumper.represent_scalar(STR, value, style=style)


def _looks_typed(value: str) -> bool:
    return bool(
        _INT_RE.match(value)
        or _FLOAT_RE.match(value)
        or value in _NULLS
        or value in _BOOLS
        or re.match(r"^\d{4}-\d\d?-\d\d?", value)
        or re.match(r"^0[0-9]+$", value)
    )


_Dumper.add_representer(str, _str_presenter)


def dump(data: dict[str, Any]) -> str:
    """YAML text for a record, keys in the order given (callers order them first)."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88, default_flow_style=False, indent=2
    )
