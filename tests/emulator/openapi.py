"""GitHub's OpenAPI description (``tests/github_api``): example payloads to build answers from, and
the response schemas every answer is validated against."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

API_DIR = Path(__file__).resolve().parent.parent / "github_api"
DOCS = "https://docs.github.com/rest"


@functools.cache
def _reference(name: str) -> Any:
    return json.loads((API_DIR / name).read_text(encoding="utf-8"))


def _spec() -> dict[str, Any]:
    return _reference("openapi.json")


def _resolve(ref: str) -> Any:
    node: Any = _spec()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _resolve(node["$ref"])
    return node


def _operation(path: str | None, method: str) -> dict[str, Any] | None:
    if path is None:
        return None
    return _spec()["paths"].get(path, {}).get(method.lower())


def _doc_url(path: str | None, method: str) -> str:
    op = _operation(path, method)
    return op.get("externalDocs", {}).get("url", DOCS) if op else DOCS


_NO_BODY = object()  # the declared response has no body (204, 304)


@functools.cache
def _validator(path: str | None, method: str, status: int) -> tuple[Any, str] | None:
    """The validator for an answer's body, with a description of the schema, or None if none applies."""
    from jsonschema.validators import extend
    from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
    from referencing import Registry

    enum = OAS30ReadValidator.VALIDATORS["enum"]

    def nullable_enum(validator: Any, enums: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        # GitHub's description pairs "nullable: true" with an enum that lacks null (issue.state_reason)
        # and GitHub answers null there: read nullable as allowing null, as OpenAPI 3.0.0-3.0.2 did.
        if instance is None and schema.get("nullable") is True:
            return
        yield from enum(validator, enums, instance, schema)

    validator_class = extend(OAS30ReadValidator, {"enum": nullable_enum})

    op = _operation(path, method)
    response = _deref(op["responses"].get(str(status))) if op else None
    where = f"{method} {path} {status}"
    if response is None:
        if status < 400:
            return None
        name = "validation-error" if status == 422 else "basic-error"
        schema: Any = {"$ref": f"#/components/schemas/{name}"}
        where = f"#/components/schemas/{name} (status {status} not declared for {method} {path})"
    else:
        content = response.get("content", {}).get("application/json")
        if content is None:
            return _NO_BODY, where
        schema = content["schema"]
    root = {**schema, "components": _spec()["components"]}
    return validator_class(root, registry=Registry(), format_checker=oas30_format_checker), where


def _declared(path: str | None, method: str, status: int) -> bool:
    op = _operation(path, method)
    return op is None or str(status) in op["responses"] or status >= 400


def validate_response(path: str | None, method: str, status: int, body: Any) -> list[str]:
    """Problems of one answer against openapi.json (empty when it conforms)."""
    if not _declared(path, method, status):
        return [f"status {status} is not declared for {method} {path}"]
    found = _validator(path, method, status)
    if found is None:
        return []
    validator, where = found
    if validator is _NO_BODY:
        return [] if body is None else [f"{where}: the declared response has no body"]
    if body is None:
        return [f"{where}: the declared response has a body"]
    problems = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))[:5]:
        problems.append(f"{where}: {error.message} at {error.json_path}")
    return problems
