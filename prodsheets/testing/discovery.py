"""Check Sheets API requests against Google's own discovery document.

The local Sheets server must reject what Google rejects, or a client that works
against it could fail against the real API. Google publishes the shape of every
method, query parameter and JSON body in ``sheets.v4.json``; the copy shipped in
google-api-python-client is read here, and request query strings and bodies are
checked against it. Error messages follow the text Google's front end sends
(``Invalid JSON payload received. Unknown name "foo" at 'requests[0]': Cannot
find field.``), with field paths in the snake_case Google uses.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JSON = Any


@dataclass
class Violation(Exception):
    """A request that Google would reject with 400 INVALID_ARGUMENT."""

    message: str
    field_path: str = ""
    details: list[dict[str, JSON]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


@functools.cache
def discovery_document() -> dict[str, JSON]:
    """Google's Sheets v4 discovery document, from google-api-python-client."""
    import googleapiclient

    path = (
        Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "sheets.v4.json"
    )
    doc: dict[str, JSON] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def method(method_id: str) -> dict[str, JSON]:
    """One method of the discovery document, by dotted id (``values.get``)."""
    node: dict[str, JSON] = discovery_document()["resources"]["spreadsheets"]
    *resources, name = method_id.split(".")
    for resource in resources:
        node = node["resources"][resource]
    found: dict[str, JSON] = node["methods"][name]
    return found


def snake(name: str) -> str:
    """Google reports field paths in proto (snake_case) names."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _bad_request(message: str, field_path: str) -> Violation:
    return Violation(
        message,
        field_path,
        [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field_path, "description": message}],
            }
        ],
    )


def _invalid_value(path: str, type_name: str, value: JSON) -> Violation:
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f'"{value}"'
    message = f"Invalid value at '{path}' ({type_name}), {shown}"
    return _bad_request(message, path)


def check_query(method_id: str, query: dict[str, list[str]]) -> None:
    """Reject unknown query parameters, repeated singular ones, bad booleans and enums."""
    doc = discovery_document()
    params: dict[str, JSON] = dict(doc["parameters"])
    params.update(
        {
            k: v
            for k, v in method(method_id).get("parameters", {}).items()
            if v.get("location") == "query"
        }
    )
    for name, values in query.items():
        spec = params.get(name)
        if spec is None:
            message = (
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                f"parameter. Field '{name}' could not be found in request message."
            )
            raise _bad_request(message, name)
        if len(values) > 1 and not spec.get("repeated"):
            message = (
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                f"parameter. '{name}' is a message type. Parameters can only be bound to "
                "primitive types."
                if spec.get("type") == "object"
                else f"Invalid JSON payload received. Repeated values for non-repeated "
                f'field "{name}".'
            )
            raise _bad_request(message, name)
        for value in values:
            _check_query_value(name, spec, value)


def _check_query_value(name: str, spec: dict[str, JSON], value: str) -> None:
    kind = spec.get("type")
    path = snake(name)
    if "enum" in spec and value not in spec["enum"]:
        type_name = f"type.googleapis.com/google.apps.sheets.v4.{name[0].upper()}{name[1:]}"
        raise _invalid_value(path, type_name, value)
    if kind == "boolean" and value not in ("true", "false", "1", "0", "True", "False"):
        raise _invalid_value(path, "TYPE_BOOL", value)
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        raise _invalid_value(path, "TYPE_INT32", value)


def check_body(method_id: str, body: JSON, *, prefix: str = "") -> None:
    """Reject unknown fields, wrong JSON types and bad enum values, recursively.

    ``prefix`` is the request message field the body binds to (``data`` for
    values.update), so paths in messages match Google's.
    """
    request = method(method_id).get("request")
    if request is None:
        return
    _check_value(body, {"$ref": request["$ref"]}, prefix)


def _schema(ref: str) -> dict[str, JSON]:
    found: dict[str, JSON] = discovery_document()["schemas"][ref]
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_value(value: JSON, spec: dict[str, JSON], path: str, name: str = "") -> None:
    if value is None:
        return  # proto JSON reads null as "not set"
    if "$ref" in spec:
        ref = spec["$ref"]
        if not isinstance(value, dict):
            raise _invalid_value(path, f"type.googleapis.com/google.apps.sheets.v4.{ref}", value)
        _check_object(value, _schema(ref), path)
        return
    kind = spec.get("type")
    if kind == "any":
        return
    if kind == "array":
        if not isinstance(value, list):
            item = spec.get("items", {})
            if item.get("type") == "any":
                type_name = "type.googleapis.com/google.protobuf.ListValue"
                raise _invalid_value(path, type_name, value)
            # a single value where a list is expected: proto JSON takes it as one item
            _check_value(value, item, path, name)
            return
        item_spec: dict[str, JSON] = spec.get("items", {})
        for index, item_value in enumerate(value):
            _check_value(item_value, item_spec, f"{path}[{index}]", name)
        return
    if kind == "object":
        if not isinstance(value, dict):
            raise _invalid_value(path, "type.googleapis.com/google.protobuf.Struct", value)
        extra = spec.get("additionalProperties")
        if extra is not None:
            for key, item_value in value.items():
                _check_value(item_value, extra, f"{path}[{key}]", key)
        elif "properties" in spec:
            _check_object(value, spec, path)
        return
    if "enum" in spec:
        if not isinstance(value, str) or value not in spec["enum"]:
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and 0 <= value < len(spec["enum"])
            ):
                return  # proto JSON accepts an enum's number
            enum_name = name[0].upper() + name[1:] if name else "Enum"
            raise _invalid_value(
                path, f"type.googleapis.com/google.apps.sheets.v4.{enum_name}", value
            )
        return
    if kind == "string":
        fmt = spec.get("format")
        if fmt in ("int64", "uint64") and isinstance(value, int) and not isinstance(value, bool):
            return
        if not isinstance(value, str):
            raise _invalid_value(path, "TYPE_STRING", value)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid_value(path, "TYPE_BOOL", value)
        return
    if kind == "integer":
        ok = (
            (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, float) and value.is_integer())
            or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None)
        )
        if not ok:
            raise _invalid_value(path, "TYPE_INT32", value)
        return
    if kind == "number":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and _is_number_text(value)
        )
        if not ok:
            raise _invalid_value(path, "TYPE_DOUBLE", value)
        return


def _is_number_text(text: str) -> bool:
    if text in ("NaN", "Infinity", "-Infinity"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_object(value: dict[str, JSON], schema: dict[str, JSON], path: str) -> None:
    properties: dict[str, JSON] = schema.get("properties", {})
    for key, item_value in value.items():
        spec = properties.get(key)
        if spec is None:
            # proto JSON also accepts the snake_case name of a field
            camel = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)
            spec = properties.get(camel) if camel != key else None
        if spec is None:
            where = f" at '{path}'" if path else ""
            message = (
                f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.'
            )
            raise _bad_request(message, path)
        _check_value(item_value, spec, _join(path, snake(key)), key)


def check_mask(tree: dict[str, JSON], ref: str, path: str = "") -> None:
    """Reject a ``fields`` mask naming a field the message ``ref`` does not have.

    Google checks the mask of an update (``repeatCell``, ``updateSheetProperties`` ...)
    against the message it applies to, so a typo fails there rather than changing nothing."""
    if "*" in tree:
        return
    properties: dict[str, JSON] = _schema(ref).get("properties", {})
    for key, sub in tree.items():
        camel = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)
        spec = properties.get(key) or properties.get(camel)
        where = _join(path, key)
        if spec is None:
            raise Violation(f"Invalid field mask: '{where}' is not a field of {ref}.", where)
        if sub is None:
            continue
        inner = spec.get("items", spec) if spec.get("type") == "array" else spec
        if "$ref" not in inner:
            raise Violation(f"Invalid field mask: '{where}' has no fields to select.", where)
        check_mask(sub, inner["$ref"], where)
