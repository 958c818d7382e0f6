"""Editing YAML that people wrote by hand, in place: comments, quoting and layout survive.

`atlas lint --fix` and `atlas verify --apply` change a few values of a record and
must leave everything else byte for byte. Both edit the text at the positions the
parser reports (never re-dump the whole file) and parse the result again to check
that nothing but the intended values changed.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import yaml

from atlas_cli.core.records import key_orders, order_record
from atlas_cli.core.yamlio import dump, parse_text


def replace_spans(text: str, replacements: list[tuple[tuple[int, int], str]]) -> str:
    """TEXT with each (start, end) character span replaced by its new text (spans must not overlap)."""
    for (start, end), value in sorted(replacements, reverse=True):
        text = text[:start] + value + text[end:]
    return text


def value_node(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of KEY in a MAPPING node, if there is one."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((v for k, v in mapping.value if k.value == key), None)


def reorder_keys(text: str, mapping: yaml.MappingNode | None, order: list[str]) -> str | None:
    """TEXT with the key blocks of a block-style MAPPING sorted by ORDER, or None if already in order."""
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style or not mapping.value:
        return None
    rank = {key: i for i, key in enumerate(order)}
    keys = [k.value for k, _ in mapping.value]
    ranked = sorted(range(len(keys)), key=lambda i: (rank.get(keys[i], len(order)), i))
    if ranked == list(range(len(keys))):
        return None
    lines = text.splitlines(keepends=True)
    starts = []
    for index, (key_node, _) in enumerate(mapping.value):
        start = key_node.start_mark.line
        floor = mapping.value[index - 1][1].end_mark.line if index else 0
        while start - 1 >= floor and start - 1 >= 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1  # comments directly above a key travel with it
        starts.append(start)
    last_value = mapping.value[-1][1]
    end = last_value.end_mark.line + (0 if last_value.end_mark.column == 0 else 1)
    end = min(max(end, starts[-1] + 1), len(lines))
    bounds = starts + [end]
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text else "\n")
    blocks = []
    for i in range(len(keys)):
        block = lines[bounds[i] : bounds[i + 1]]
        if block and block[-1].splitlines()[0] == block[-1]:  # the file's last line, without a line break
            block[-1] += newline
        blocks.append(block)
    body = [line for i in ranked for line in blocks[i]]
    return "".join(lines[: starts[0]] + body + lines[end:])


def node_at(root: yaml.Node | None, path: tuple) -> yaml.Node | None:
    """The node at PATH (keys and list indexes) under ROOT, if there is one."""
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = value_node(node, step)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            return None
    return node


def set_at(data: Any, path: tuple, value: Any) -> None:
    """Set the value at PATH (keys and list indexes) in nested DATA."""
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def scalar_in_place(written: str, node: yaml.ScalarNode, value: str) -> str:
    """What replaces the text WRITTEN of scalar NODE so it reads as VALUE.

    A one-line plain or quoted scalar stays one line (quoted only when needed); a block
    or multi-line scalar becomes one double-quoted scalar (line breaks as \\n), keeping
    the line break that ended it.
    """
    one_line = node.start_mark.line == node.end_mark.line and node.style in (None, "", "'", '"')
    new = scalar_text("x", value) if one_line else None
    if new is None:
        new = json.dumps(value, ensure_ascii=False)
    return new + written[len(written.rstrip()) :]


def scalar_text(key: str, value: Any) -> str | None:
    """VALUE as a one-line YAML scalar (quoted only when needed), or None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    line = dump({key: value})
    prefix = f"{key}: "
    if line.count("\n") == 1 and line.startswith(prefix):
        return line[len(prefix) : -1]
    return json.dumps(value, ensure_ascii=False)  # a double-quoted YAML scalar on one line


def set_top_level(text: str, data: dict[str, Any], changes: dict[str, Any]) -> str | None:
    """TEXT with the top-level CHANGES made by editing only those values, or None if unsafe.

    A plain or quoted scalar is replaced where it stands (a comment after it stays);
    a list, a mapping or a block scalar is replaced as a whole key block (comments
    after it stay); a new key is inserted before the next key in page order. The
    result is parsed again and must equal DATA with CHANGES, or None is returned.
    """
    if text.startswith("\ufeff"):
        return None
    document = parse_text(text)
    root = document.root
    if document.data != data or not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    nodes = {k.value: (k, v) for k, v in root.value}
    spans: list[tuple[int, int, str]] = []  # (start, end, replacement) in character offsets
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def block_text(key: str, value: Any) -> str:
        return dump(order_record({key: value})).replace("\n", newline)

    inserts: dict[int, list[str]] = {}
    order = key_orders()["record"]
    for key, value in changes.items():
        if key in nodes:
            key_node, value_node = nodes[key]
            scalar = scalar_text(key, value)
            if (
                isinstance(value_node, yaml.ScalarNode)
                and value_node.style in (None, "", "'", '"')
                and scalar is not None
                and value_node.start_mark.line == value_node.end_mark.line
            ):
                spans.append((value_node.start_mark.index, value_node.end_mark.index, scalar))
                continue
            if key_node.start_mark.column != 0:
                return None
            first = key_node.start_mark.line
            last = value_node.end_mark.line - (1 if value_node.end_mark.column == 0 else 0)
            last = max(last, first)
            while last > first and (not lines[last].strip() or lines[last].lstrip().startswith("#")):
                last -= 1  # comments and blank lines after the value belong to what follows
            spans.append((offsets[first], offsets[last + 1], block_text(key, value)))
        else:
            later = [nodes[k][0] for k in order[order.index(key) + 1 :] if k in nodes] if key in order else []
            if later:
                line = min(node.start_mark.line for node in later)
                while line > 0 and lines[line - 1].lstrip().startswith("#"):
                    line -= 1  # keep a comment above the next key with it
                at = offsets[line]
            else:
                at = len(text)
                if text and not text.endswith("\n"):
                    inserts.setdefault(at, []).append(newline)
            inserts.setdefault(at, []).append(block_text(key, value))
    for at, pieces in inserts.items():
        spans.append((at, at, "".join(pieces)))
    spans.sort(key=lambda span: (span[0], span[1]))
    for (_s1, e1, _r1), (s2, _e2, _r2) in itertools.pairwise(spans):
        if s2 < e1:
            return None
    text = replace_spans(text, [((start, end), replacement) for start, end, replacement in spans])
    reread = parse_text(text)
    if reread.data != {**data, **changes} or any(p.severity == "error" for p in reread.problems):
        return None
    return text
