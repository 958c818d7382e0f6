"""The JSON Schema check, in plain words.

Validate fast, explain slowly: a compiled validator (jsonschema-rs) says yes or
no for every record; only records that fail are walked again with the
`jsonschema` library, whose errors carry the failing keyword and value, and each
error is translated into a sentence a curator can act on, positioned at the YAML
line of the offending key or value.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas_cli.core.yamlio import YAML11_BOOLS

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError

TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value lines)",
    "null": "empty",
}


@dataclass(frozen=True)
class SchemaFinding:
    where: tuple  # key path into the record
    key: bool  # point at the key rather than the value
    message: str
    hint: str | None


class SchemaChecker:
    def __init__(self, schema_path: Path) -> None:
        import jsonschema_rs

        from atlas_cli.core import jsonio
        from atlas_cli.core.errors import ConfigError
        from atlas_cli.core.paths import UnsafePath, read_regular
        from atlas_cli.core.yamlio import MAX_BYTES

        try:  # a schema in the atlas's own schemas/ is data a pull request can change
            self.schema = jsonio.loads(read_regular(schema_path, MAX_BYTES))
            self._fast = jsonschema_rs.Draft202012Validator(self.schema)
        except (OSError, UnsafePath, ValueError) as exc:
            raise ConfigError(
                f"{schema_path}: not a usable JSON Schema: {exc}",
                hint="restore the schema file, or remove the atlas's schemas/ folder to use the shipped one",
            ) from exc
        self._slow: jsonschema.Draft202012Validator | None = None

    def check(self, data: Any) -> list[SchemaFinding]:
        if self._fast.is_valid(data):
            return []
        if self._slow is None:
            self._slow = _explainer()(self.schema)
        findings: dict[SchemaFinding, None] = {}  # in order, each once (a set beside a list would do the same)
        for error in sorted(self._slow.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
            findings.update(dict.fromkeys(translate(error)))
        return list(findings)


def _explainer() -> type[jsonschema.Draft202012Validator]:
    """jsonschema's draft 2020-12 validator, with `uniqueItems` checked in linear time: its
    own compares every pair of items when they do not sort (mappings, or text mixed with
    numbers), minutes for a list of 50,000."""
    import jsonschema
    from jsonschema.exceptions import ValidationError

    def unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Any:
        if unique and isinstance(instance, list) and repeated(instance):
            yield ValidationError(f"{describe(instance)} has non-unique elements")

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"uniqueItems": unique_items})


def _identity(value: Any) -> Any:
    """VALUE as a hashable key, equal for values JSON Schema calls equal (1 and 1.0; never 1 and true)."""
    if isinstance(value, bool) or value is None:
        return ("constant", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, list):
        return ("list", tuple(_identity(v) for v in value))
    if isinstance(value, dict):
        return ("mapping", frozenset((k, _identity(v)) for k, v in value.items()))
    return ("text", value)


def repeated(items: list[Any]) -> list[Any]:
    """The items of ITEMS that repeat an earlier one, in order (one pass, whatever the items)."""
    seen: set[Any] = set()
    twice = []
    for item in items:
        key = _identity(item)
        if key in seen:
            twice.append(item)
        seen.add(key)
    return twice


def dotted(path: tuple) -> str:
    """('authors', 2, 'family') -> authors[2].family"""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "the record"


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


# "Did you mean" for the first unknown keys of a mapping only: a misspelling is one key or
# a few, and a file of thousands of unknown keys is not misspelt (each guess costs a
# comparison with every allowed key).
MAX_GUESSES = 100


def _closest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def translate(error: ValidationError) -> list[SchemaFinding]:
    path = tuple(error.absolute_path)
    name = f"`{dotted(path)}`"
    # An error from a validator always has these (the stubs also allow them to be unset).
    kind: Any = error.validator
    expected: Any = error.validator_value
    value: Any = error.instance
    schema: Any = error.schema
    hint = schema.get("x-hint") if isinstance(schema, dict) else None

    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        findings = []
        for number, key in enumerate(k for k in value if k not in allowed):
            guess = _closest(key, allowed) if number < MAX_GUESSES else None
            where = "the record" if not path else name
            findings.append(
                SchemaFinding(
                    path + (key,),
                    True,
                    f"unknown key `{key}` in {where}" + (f"; did you mean `{guess}`?" if guess else ""),
                    f"rename it to `{guess}`" if guess else f"remove it; allowed keys: {', '.join(allowed)}",
                )
            )
        return findings
    if kind == "required":
        missing = [k for k in expected if k not in value]
        # jsonschema reports each missing key as its own error, naming it first in the message
        named = [k for k in missing if error.message.startswith(repr(k))]
        missing = named or missing
        where = "the record" if not path else name
        return [
            SchemaFinding(
                path, bool(path), f"{where} is missing `{key}`", _describe_property(schema, key) or f"add `{key}:`"
            )
            for key in missing
        ]
    if kind == "type":
        types: list[str] = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(TYPE_WORDS.get(t, t) for t in types)
        if "boolean" in types and isinstance(value, str) and value in YAML11_BOOLS:
            hint = "write true or false (YAML 1.1 words such as yes/no are read as text here)"
        elif "string" in types and isinstance(value, (int, float, bool)):
            hint = f'put the value in quotes, e.g. "{describe(value)}"'
        elif ("integer" in types) and isinstance(value, str) and value.strip().isdigit():
            hint = "remove the quotes around the number"
        elif "array" in types and not isinstance(value, list):
            hint = "write one item per line starting with `- `, or [a, b] for a short list"
        return [SchemaFinding(path, False, f"{name} must be {wanted}, got {describe(value)}", hint)]
    if kind == "enum":
        choices = [str(c) for c in expected]
        guess = _closest(str(value).lower(), choices) if isinstance(value, (str, bool)) else None
        if value is False and "not-required" in choices:
            guess = "not-required"
        message = f"{name} must be one of {', '.join(choices)}; got {describe(value)}"
        return [
            SchemaFinding(
                path,
                False,
                message + (f"; did you mean `{guess}`?" if guess else ""),
                f"write `{guess}`" if guess else f"pick one of: {', '.join(choices)}",
            )
        ]
    if kind == "pattern":
        return [
            SchemaFinding(
                path, False, f"{name} has the wrong form: {describe(value)}", hint or f"it must match {expected}"
            )
        ]
    if kind == "minLength":
        return [SchemaFinding(path, False, f"{name} is empty", hint or "write a value or remove the key")]
    if kind in ("minimum", "maximum"):
        word = "at least" if kind == "minimum" else "at most"
        return [SchemaFinding(path, False, f"{name} must be {word} {expected}, got {describe(value)}", hint)]
    if kind == "maxLength":
        return [SchemaFinding(path, False, f"{name} is longer than {expected} characters", hint)]
    if kind == "uniqueItems":
        twice = repeated(value)
        return [
            SchemaFinding(
                path,
                False,
                f"{name} lists {describe(twice[0]) if twice else 'an item'} twice",
                "remove the repeated item",
            )
        ]
    if kind == "minProperties":
        return [SchemaFinding(path, False, f"{name} is empty", "fill it in or remove it")]
    return [SchemaFinding(path, False, f"{name}: {error.message}", hint)]


def _describe_property(schema: dict, key: str) -> str | None:
    prop = schema.get("properties", {}).get(key, {})
    description = prop.get("description") if isinstance(prop, dict) else None
    return f"add `{key}:` ({description[0].lower() + description[1:].rstrip('.')})" if description else None
