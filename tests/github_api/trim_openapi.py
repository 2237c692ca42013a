"""Regenerate the GitHub API reference data the test emulator uses, from GitHub's description.

Usage::

    python tests/github_api/trim_openapi.py [SOURCE_DIR]

SOURCE_DIR (default ``$GITHUB_API_SOURCE`` or ``/work/shared/github-api``) holds
``api.github.com.openapi.json`` (GitHub's OpenAPI 3.0.3 description as published in the npm
package ``@octokit/openapi`` 23.0.2), its ``LICENSE.openapi`` and the example payloads
``<operationId>.json``. The script writes, next to itself:

* ``openapi.json``: the description trimmed to the operations in ``SERVED`` (the ones
  ``tests/github_emulator.py`` answers) and every component they reference, transitively;
  everything kept is verbatim, only the unreferenced parts are dropped;
* the example payloads in ``TEMPLATES`` (copied verbatim), which the emulator fills in;
* the example payloads in ``EXTRACTED``, taken verbatim from the ``value`` of a
  ``#/components/examples/...`` entry of the description;
* ``LICENSE.openapi``.

The output is deterministic: running it twice gives the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = Path(os.environ.get("GITHUB_API_SOURCE", "/work/shared/github-api"))

# (method, path) of every operation the emulator serves; keep in step with its route table.
SERVED: list[tuple[str, str]] = [
    ("get", "/user"),
    ("get", "/rate_limit"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/comments"),
    ("get", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("put", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/parent"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority"),
    ("get", "/repos/{owner}/{repo}/labels"),
    ("post", "/repos/{owner}/{repo}/labels"),
    ("get", "/repos/{owner}/{repo}/labels/{name}"),
    ("patch", "/repos/{owner}/{repo}/labels/{name}"),
    ("delete", "/repos/{owner}/{repo}/labels/{name}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
]

# Schemas the emulator validates error answers against when an operation does not declare the
# status (GitHub answers 401, 403 rate limit, 5xx... on every operation).
FALLBACK_SCHEMAS = ["basic-error", "validation-error"]

# Example payloads copied verbatim from SOURCE_DIR.
TEMPLATES = [
    "issues__get.json",
    "issues__create-label.json",
    "issues__create-comment.json",
    "pulls__create.json",
    "pulls__list.json",
    "repos__get.json",
]

# Example payloads with no file in SOURCE_DIR: file name -> #/components/examples/<name>.
EXTRACTED = {
    "users__get-authenticated.json": "private-user-response-with-public-and-private-profile-information",
    "rate-limit__get.json": "rate-limit-overview",
    "pulls__merge.json": "pull-request-merge-result-response-if-merge-was-successful",
}


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path in SERVED:
        item = spec["paths"][path]
        kept = paths.setdefault(path, {key: value for key, value in item.items() if key not in _METHODS})
        kept[method] = item[method]
    # keep the original order of paths and methods
    paths = {
        path: {key: value for key, value in spec["paths"][path].items() if key in paths[path]}
        for path in spec["paths"]
        if path in paths
    }

    wanted = {f"#/components/schemas/{name}" for name in FALLBACK_SCHEMAS} | _refs(paths)
    seen: set[str] = set()
    while wanted - seen:
        ref = sorted(wanted - seen)[0]
        seen.add(ref)
        wanted |= _refs(_resolve(spec, ref))

    components: dict[str, dict[str, Any]] = {}
    for kind, entries in spec["components"].items():
        kept = {name: value for name, value in entries.items() if f"#/components/{kind}/{name}" in seen}
        if kept:
            components[kind] = kept

    used_tags = {
        tag for item in paths.values() for op in item.values() if isinstance(op, dict) for tag in op.get("tags", [])
    }
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "paths":
            out[key] = paths
        elif key == "components":
            out[key] = components
        elif key == "tags":
            out[key] = [tag for tag in value if tag["name"] in used_tags]
        else:
            out[key] = value
    return out


_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    spec = json.loads((source / "api.github.com.openapi.json").read_text(encoding="utf-8"))
    trimmed = trim(spec)
    _write_json(HERE / "openapi.json", trimmed)
    for name in TEMPLATES:
        shutil.copyfile(source / name, HERE / name)
    for name, example in EXTRACTED.items():
        _write_json(HERE / name, spec["components"]["examples"][example]["value"])
    shutil.copyfile(source / "LICENSE.openapi", HERE / "LICENSE.openapi")
    operations = sum(len([m for m in item if m in _METHODS]) for item in trimmed["paths"].values())
    n_components = sum(len(entries) for entries in trimmed["components"].values())
    size = (HERE / "openapi.json").stat().st_size
    print(
        f"openapi.json: {len(trimmed['paths'])} paths, {operations} operations, {n_components} components, {size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
