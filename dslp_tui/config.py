"""``dslp.toml`` → a typed, frozen :class:`Config`.

Every key has a default, so a repository without the file gets a working setup. A file that
has a syntax error, an unknown key or a value of the wrong type is refused whole with one
message naming the file, the line and the key: the app never runs on a half-read config.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dslp_tui.errors import EXIT_USAGE, DslpError
from dslp_tui.process import LABELS

CONFIG_NAME = "dslp.toml"

# The schema: table → key → (type, default). The repo's own dslp.toml documents each one.
_PREFIX_DEFAULTS = {
    "data": "data/",
    "explore": "explore/",
    "experiment": "experiment/",
    "model": "model/",
    "feature": "",
}
KEY_DEFAULTS: dict[str, str] = {
    "quit": "q",
    "help": "question_mark",
    "refresh": "r",
    "filter": "slash",
    "new_ask": "a",
    "new_child": "n",
    "new_data": "d",
    "new_explore": "e",
    "new_experiment": "t",
    "new_model": "m",
    "branch": "b",
    "status": "s",
    "comment": "w",
    "open_close": "o",
    "toggle_closed": "h",
    "toggle_detail": "v",
    "cursor_down": "j",
    "cursor_up": "k",
}
SCHEMA: dict[str, dict[str, tuple[type, Any]]] = {
    "tracker": {"kind": (str, "local"), "repo": (str, ""), "base_url": (str, "")},
    "branches": {"collaboration": (str, ""), "remote": (str, "origin"), "push": (bool, True)},
    "branches.prefixes": {key: (str, value) for key, value in _PREFIX_DEFAULTS.items()},
    "labels": {spec.key: (str, spec.name) for spec in LABELS},
    "runs": {"source": (str, "mlflow"), "tracking_uri": (str, "sqlite:///mlflow.db"), "primary_metric": (str, "")},
    "board": {"show_closed": (bool, True), "ascii": (bool, False)},
    "keys": {key: (str, value) for key, value in KEY_DEFAULTS.items()},
}
_CHOICES = {("tracker", "kind"): ("local", "github"), ("runs", "source"): ("mlflow", "azureml", "none")}


class ConfigError(DslpError):
    """A ``dslp.toml`` problem, worded for the person who has to fix it."""

    exit_status = EXIT_USAGE


@dataclass(frozen=True)
class Config:
    tracker: str = "local"
    github_repo: str = ""
    github_base_url: str = ""
    collaboration: str = ""  # empty: ``main`` or the repository's default branch
    remote: str = "origin"
    push: bool = True
    prefixes: dict[str, str] = field(default_factory=lambda: dict(_PREFIX_DEFAULTS))
    labels: dict[str, str] = field(default_factory=lambda: {spec.key: spec.name for spec in LABELS})
    runs_source: str = "mlflow"  # not yet used: runs arrive with a later release
    runs_tracking_uri: str = "sqlite:///mlflow.db"  # not yet used
    primary_metric: str = ""  # not yet used
    show_closed: bool = True
    ascii: bool = False
    keys: dict[str, str] = field(default_factory=lambda: dict(KEY_DEFAULTS))
    path: Path | None = None  # the file it was read from, if any

    def label(self, key: str) -> str:
        """The team's name for a process label key (``failed``, ``on_hold``, ``experiment``...)."""
        return self.labels[key]

    def prefix(self, kind_key: str | None) -> str:
        return self.prefixes["feature" if kind_key is None else kind_key]


def load_config(repo_root: Path) -> Config:
    """Read ``dslp.toml`` at the repository root; no file means all defaults."""
    path = repo_root / CONFIG_NAME
    if not path.is_file():
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(path, text, error) from None
    values = {table: {key: default for key, (_, default) in keys.items()} for table, keys in SCHEMA.items()}
    _check(data, "", text, path, values)
    return Config(
        tracker=values["tracker"]["kind"],
        github_repo=values["tracker"]["repo"],
        github_base_url=values["tracker"]["base_url"],
        collaboration=values["branches"]["collaboration"],
        remote=values["branches"]["remote"],
        push=values["branches"]["push"],
        prefixes=values["branches.prefixes"],
        labels=values["labels"],
        runs_source=values["runs"]["source"],
        runs_tracking_uri=values["runs"]["tracking_uri"],
        primary_metric=values["runs"]["primary_metric"],
        show_closed=values["board"]["show_closed"],
        ascii=values["board"]["ascii"],
        keys=values["keys"],
        path=path,
    )


def _check(data: dict[str, Any], table: str, text: str, path: Path, values: dict[str, dict[str, Any]]) -> None:
    for key, value in data.items():
        dotted = f"{table}.{key}" if table else key
        if dotted in SCHEMA:
            if not isinstance(value, dict):
                raise _error(path, text, table, key, f"[{dotted}] must be a table")
            _check(value, dotted, text, path, values)
            continue
        spec = SCHEMA.get(table, {}).get(key)
        if spec is None:
            where = f"[{table}]" if table else "the top level"
            known = ", ".join(sorted(SCHEMA.get(table, {}) or SCHEMA)) or "none"
            raise _error(path, text, table, key, f"unknown key {dotted!r} in {where} (known: {known})")
        expected, _ = spec
        if type(value) is not expected:  # bool is an int subclass: compare exactly
            raise _error(path, text, table, key, f"{dotted} must be a {expected.__name__}, not {type(value).__name__}")
        choices = _CHOICES.get((table, key))
        if choices and value not in choices:
            raise _error(path, text, table, key, f"{dotted} must be one of {', '.join(choices)}; got {value!r}")
        if table == "branches.prefixes" and value and not _PREFIX.fullmatch(value):
            raise _error(path, text, table, key, f"{dotted} must be empty or a simple name ending in '/'")
        values[table][key] = value


# One ref-name component and a slash: git refuses components that start with '.' or '-'
# (as a branch), contain '..', or end in '.' or '.lock'.
_PREFIX = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._-]*(?<!\.)(?<!\.lock)/")


def _error(path: Path, text: str, table: str, key: str, message: str) -> ConfigError:
    line = find_line(text, table, key)
    while line is None and table:  # set inside an inline table: point at the table's own line
        table, _, key = table.rpartition(".")
        line = find_line(text, table, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: {message}")


def _syntax_error(path: Path, text: str, error: tomllib.TOMLDecodeError) -> ConfigError:
    """``file:line: not valid TOML: …`` quoting the line, so the key in question is named."""
    lines = text.splitlines()
    found = re.search(r"at line (\d+)", str(error))
    line = int(found.group(1)) if found else (len(lines) if "end of document" in str(error) else None)
    if not line:
        return ConfigError(f"{path}: not valid TOML: {error}")
    source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    quoted = f": {source!r}" if source else ""
    return ConfigError(f"{path}:{line}: not valid TOML: {error}{quoted}")


def find_line(text: str, table: str, key: str) -> int | None:
    """The 1-based line where ``key`` is set inside ``[table]`` (dotted keys and headers too)."""
    current = ""
    header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")  # [table] and [[array of tables]]
    assignment = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            name = found.group(1).replace('"', "").replace(" ", "")
            if name == (f"{table}.{key}" if table else key):
                return number
            current = name
            continue
        found = assignment.match(line)
        if not found:
            continue
        dotted = found.group(1).replace('"', "").replace(" ", "")
        full = f"{current}.{dotted}" if current else dotted
        if full == (f"{table}.{key}" if table else key) or (full.startswith(f"{table}.{key}.") if table else False):
            return number
    return None
