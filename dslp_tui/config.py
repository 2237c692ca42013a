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
from dslp_tui.keynames import FIXED_KEYS, key_name
from dslp_tui.process import LABELS
from dslp_tui.text import one_line

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
    "messages": "exclamation_mark",
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
    "runs": "u",
    "edit": "E",
    "open_browser": "O",
    "copy_link": "y",
    "promote": "p",
    "fail": "x",
    "close_explore": "c",
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
    "runs": {
        "source": (str, "mlflow"),
        "tracking_uri": (str, ""),
        "experiments": (list, []),
        "primary_metric": (str, ""),
        "direction": (str, "max"),
    },
    "runs.azureml": {"subscription_id": (str, ""), "resource_group": (str, ""), "workspace": (str, "")},
    "board": {"show_closed": (bool, True), "ascii": (bool, False)},
    "keys": {key: (str, value) for key, value in KEY_DEFAULTS.items()},
}
_CHOICES = {
    ("tracker", "kind"): ("local", "github"),
    ("runs", "source"): ("mlflow", "azureml", "none"),
    ("runs", "direction"): ("max", "min"),
}
ASK_GOALS = "runs.asks"  # [runs.asks."12"]: one Ask's own primary metric, direction and threshold
_GOAL_KEYS = {"primary_metric": str, "direction": str, "threshold": float}


class ConfigError(DslpError):
    """A ``dslp.toml`` problem, worded for the person who has to fix it."""

    exit_status = EXIT_USAGE


@dataclass(frozen=True)
class MetricGoal:
    """Which metric picks the best run, which way is better, and (optionally) what is good enough."""

    metric: str = ""  # empty: no primary metric, so no best run
    direction: str = "max"  # "max" or "min"
    threshold: float | None = None  # an Ask's success criterion on the metric


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
    runs_source: str = "mlflow"
    runs_tracking_uri: str = ""  # empty: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db at the root
    runs_experiments: tuple[str, ...] = ()  # MLflow experiment names to read; empty: all
    primary_metric: str = ""
    direction: str = "max"
    ask_goals: dict[int, MetricGoal] = field(default_factory=dict)  # per Ask, from [runs.asks."N"]
    azureml_subscription_id: str = ""  # [runs.azureml]: the workspace runs are read from
    azureml_resource_group: str = ""
    azureml_workspace: str = ""
    show_closed: bool = True
    ascii: bool = False
    keys: dict[str, str] = field(default_factory=lambda: dict(KEY_DEFAULTS))
    path: Path | None = None  # the file it was read from, if any

    def label(self, key: str) -> str:
        """The team's name for a process label key (``failed``, ``on_hold``, ``experiment``...)."""
        return self.labels[key]

    def prefix(self, kind_key: str | None) -> str:
        return self.prefixes["feature" if kind_key is None else kind_key]

    def goal(self, ask: int | None = None) -> MetricGoal:
        """The metric goal for runs under ``ask``: its own ``[runs.asks."N"]`` over the global one."""
        base = MetricGoal(self.primary_metric, self.direction)
        own = self.ask_goals.get(ask) if ask is not None else None
        if own is None:
            return base
        return MetricGoal(own.metric or base.metric, own.direction or base.direction, own.threshold)


def load_config(repo_root: Path) -> Config:
    """Read ``dslp.toml`` at the repository root; no file means all defaults.

    Something else at that name (a directory, a link to nothing) is an error, not "no file":
    the team meant to configure something, and defaults would hide it.
    """
    path = repo_root / CONFIG_NAME
    if not path.is_symlink() and not path.exists():
        return Config()
    where = one_line(str(path))
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"{where}: is a symbolic link to nothing (broken link): remove it or point it at a file")
    if path.is_dir():
        raise ConfigError(f"{where}: is a directory, not a file: remove or rename it")
    if not path.is_file():
        raise ConfigError(f"{where}: is not a regular file: replace it with a TOML file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = one_line(str(error))
        raise ConfigError(f"{where}: cannot be read ({reason}): make it a readable UTF-8 file") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(path, text, error) from None
    values = {table: {key: default for key, (_, default) in keys.items()} for table, keys in SCHEMA.items()}
    goals: dict[int, MetricGoal] = {}
    runs_table = data.get("runs")
    if isinstance(runs_table, dict) and ASK_GOALS.partition(".")[2] in runs_table:
        runs_table = dict(runs_table)
        goals = _ask_goals(runs_table.pop("asks"), text, path)
        data = {**data, "runs": runs_table}
    _check(data, "", text, path, values)
    _check_prefixes(values["branches.prefixes"], text, path)
    _check_labels(values["labels"], text, path)
    _check_keys(values["keys"], text, path)
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
        runs_experiments=tuple(values["runs"]["experiments"]),
        primary_metric=values["runs"]["primary_metric"],
        direction=values["runs"]["direction"],
        ask_goals=goals,
        azureml_subscription_id=values["runs.azureml"]["subscription_id"],
        azureml_resource_group=values["runs.azureml"]["resource_group"],
        azureml_workspace=values["runs.azureml"]["workspace"],
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
        if isinstance(value, str):
            _check_text(value, path, text, table, key)
        if isinstance(value, list):
            for item in value:
                if not isinstance(item, str):
                    raise _error(path, text, table, key, f"{dotted} must be a list of strings")
                _check_text(item, path, text, table, key)
        choices = _CHOICES.get((table, key))
        if choices and value not in choices:
            raise _error(path, text, table, key, f"{dotted} must be one of {', '.join(choices)}; got {value!r}")
        if table == "branches.prefixes" and isinstance(value, str) and value and not _PREFIX.fullmatch(value):
            raise _error(path, text, table, key, f"{dotted} must be empty or a simple name ending in '/'")
        values[table][key] = value


def _ask_goals(table: Any, text: str, path: Path) -> dict[int, MetricGoal]:
    """``[runs.asks."12"]`` tables: keys are Ask numbers, values override the metric goal."""
    if not isinstance(table, dict):
        raise _error(path, text, "runs", "asks", f"[{ASK_GOALS}] must be a table of Ask numbers")
    goals: dict[int, MetricGoal] = {}
    for number, goal in table.items():
        where = f"{ASK_GOALS}.{number}"
        if not (number.isascii() and number.isdigit() and int(number) > 0):
            message = f'[{ASK_GOALS}] keys are Ask numbers; {one_line(number)!r} is not (write [{ASK_GOALS}."12"])'
            raise _error(path, text, ASK_GOALS, number, message)
        if not isinstance(goal, dict):
            raise _error(path, text, ASK_GOALS, number, f"[{where}] must be a table")
        for key, value in goal.items():
            expected = _GOAL_KEYS.get(key)
            if expected is None:
                known = ", ".join(_GOAL_KEYS)
                raise _error(path, text, where, key, f"unknown key {where}.{key} (known: {known})")
            ok = (
                isinstance(value, (int, float)) and not isinstance(value, bool)
                if expected is float
                else type(value) is str
            )
            if not ok:
                kind = "number" if expected is float else "string"
                raise _error(path, text, where, key, f"{where}.{key} must be a {kind}, not {type(value).__name__}")
            if isinstance(value, str):
                _check_text(value, path, text, where, key)
        direction = goal.get("direction", "")
        if direction and direction not in ("max", "min"):
            raise _error(
                path, text, where, "direction", f"{where}.direction must be one of max, min; got {direction!r}"
            )
        threshold = goal.get("threshold")
        goals[int(number)] = MetricGoal(
            goal.get("primary_metric", ""), direction, float(threshold) if threshold is not None else None
        )
    return goals


def _check_text(value: str, path: Path, text: str, table: str, key: str) -> None:
    """No control characters: values reach the terminal, labels, branch names and files."""
    bad = next((char for char in value if _is_control(char)), None)
    if bad is not None:
        dotted = f"{table}.{key}"
        raise _error(path, text, table, key, f"{dotted} contains the control character \\x{ord(bad):02x}: remove it")


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F


def _check_prefixes(prefixes: dict[str, str], text: str, path: Path) -> None:
    """Each kind's branches must be told apart: a branch's prefix is how its kind is read back."""
    table = "branches.prefixes"
    for key, prefix in prefixes.items():
        if not prefix and key != "feature":
            message = (
                f"{table}.{key} is empty, but a branch without a prefix is read as feature work, "
                f"so {key} branches would be lost among them: give it a prefix like {_PREFIX_DEFAULTS[key]!r}"
            )
            raise _error(path, text, table, key, message)
    _refuse_same(prefixes, text, path, table, "branch prefix", "their branches could not be told apart")


def _check_labels(labels: dict[str, str], text: str, path: Path) -> None:
    for key, name in labels.items():
        if not name.strip():
            raise _error(path, text, "labels", key, f"labels.{key} is empty: give the label a name")
    _refuse_same(labels, text, path, "labels", "label name", "an issue's kind or status could not be told")


def _refuse_same(values: dict[str, str], text: str, path: Path, table: str, what: str, why: str) -> None:
    """Two keys with one value (ignoring case and outer spaces, as GitHub and git on macOS do)."""
    seen: dict[str, str] = {}
    for key, value in values.items():
        folded = value.strip().casefold()
        if not folded:
            continue
        first = seen.setdefault(folded, key)
        if first != key:
            message = f"{table}.{first} and {table}.{key} have the same {what} {value!r}: {why}; make them differ"
            raise _error_at(path, text, table, (key, first), message)


def _check_keys(keys: dict[str, str], text: str, path: Path) -> None:
    """Every key can be typed and does one thing: a shadowed or untypable key can leave no way out."""
    owner: dict[str, str] = {}
    for action, value in keys.items():
        dotted = f"keys.{action}"
        parts = [part.strip() for part in value.split(",")]
        if not all(parts):
            raise _error(
                path,
                text,
                "keys",
                action,
                f"{dotted} = {value!r} has an empty key name: name a key (the comma key is 'comma')",
            )
        for part in parts:
            try:
                name = key_name(part)
            except ValueError as error:
                raise _error(path, text, "keys", action, f"{dotted}: {error}") from None
            if name in FIXED_KEYS and FIXED_KEYS[name] != action:
                message = f"{dotted} = {part!r} takes a key the board itself uses: choose another key"
                raise _error(path, text, "keys", action, message)
            first = owner.setdefault(name, action)
            if first != action:
                message = f"keys.{first} and {dotted} are both bound to {name!r}: one key, one action; change one"
                raise _error_at(path, text, "keys", (action, first), message)


# One ref-name component and a slash: git refuses components that start with '.' or '-'
# (as a branch), contain '..', or end in '.' or '.lock'.
_PREFIX = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._-]*(?<!\.)(?<!\.lock)/")


def _error_at(path: Path, text: str, table: str, keys: tuple[str, ...], message: str) -> ConfigError:
    """An error about several keys, pointing at the last of them that the file sets (the clash)."""
    key = max(keys, key=lambda key: find_line(text, table, key) or 0)
    return _error(path, text, table, key, message)


def _error(path: Path, text: str, table: str, key: str, message: str) -> ConfigError:
    line = find_line(text, table, key)
    while line is None and table:  # set inside an inline table: point at the table's own line
        table, _, key = table.rpartition(".")
        line = find_line(text, table, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{one_line(where)}: {message}")


def _syntax_error(path: Path, text: str, error: tomllib.TOMLDecodeError) -> ConfigError:
    """``file:line: not valid TOML: …`` quoting the line, so the key in question is named."""
    lines = text.splitlines()
    found = re.search(r"at line (\d+)", str(error))
    line = int(found.group(1)) if found else (len(lines) if "end of document" in str(error) else None)
    where = one_line(str(path))
    if not line:
        return ConfigError(f"{where}: not valid TOML: {error}")
    source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    quoted = f": {source!r}" if source else ""
    return ConfigError(f"{where}:{line}: not valid TOML: {error}{quoted}")


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
