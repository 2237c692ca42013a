"""``dslp.toml``: defaults, every section, and errors that name the file, the line and the key."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from dslp_tui.config import (
    CONFIG_NAME,
    KEY_DEFAULTS,
    SCHEMA,
    Config,
    ConfigError,
    MetricGoal,
    load_config,
    parse_config,
)
from dslp_tui.process import LABELS, branch_name

REPO_ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / CONFIG_NAME).write_text(text, encoding="utf-8")
    return tmp_path / CONFIG_NAME


def test_no_file_means_all_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config == Config()
    assert config.path is None
    assert config.tracker == "local"
    assert config.collaboration == ""
    assert config.remote == "origin"
    assert config.push is True
    assert config.prefixes == {
        "data": "data/",
        "explore": "explore/",
        "experiment": "experiment/",
        "model": "model/",
        "feature": "",
    }
    assert config.labels == {spec.key: spec.name for spec in LABELS}
    assert config.show_closed is True
    assert config.ascii is False
    assert config.keys == KEY_DEFAULTS


def test_empty_file_means_all_defaults_and_records_its_path(tmp_path):
    path = write(tmp_path, "# nothing set\n")
    config = load_config(tmp_path)
    assert dataclasses.replace(config, path=None) == Config()
    assert config.path == path


def test_defaults_are_not_shared_between_configs():
    first, second = Config(), Config()
    first.prefixes["data"] = "changed/"
    first.keys["quit"] = "x"
    assert second.prefixes["data"] == "data/"
    assert second.keys["quit"] == "q"


def test_every_section_parses(tmp_path):
    write(
        tmp_path,
        """
[tracker]
kind = "github"
repo = "acme/churn"
base_url = "https://ghe.example.com/api/v3"

[branches]
collaboration = "development"
remote = "upstream"
push = false

[branches.prefixes]
data = "dataset/"
explore = "exp-lore/"
experiment = "exp/"
model = "mdl/"
feature = "feature/"

[labels]
failed = "Failed ❌"
on_hold = "paused"
ask = "question"

[runs]
source = "azureml"
tracking_uri = "azureml://workspace"
primary_metric = "r2"

[board]
show_closed = false
ascii = true

[keys]
quit = "ctrl+q"
new_ask = "A"
""",
    )
    config = load_config(tmp_path)
    assert config.tracker == "github"
    assert config.github_repo == "acme/churn"
    assert config.github_base_url == "https://ghe.example.com/api/v3"
    assert config.collaboration == "development"
    assert config.remote == "upstream"
    assert config.push is False
    assert config.prefixes == {
        "data": "dataset/",
        "explore": "exp-lore/",
        "experiment": "exp/",
        "model": "mdl/",
        "feature": "feature/",
    }
    assert config.label("failed") == "Failed ❌"
    assert config.label("on_hold") == "paused"
    assert config.label("ask") == "question"
    assert config.label("succeeded") == "succeeded"  # untouched keys keep their defaults
    assert config.runs_source == "azureml"
    assert config.runs_tracking_uri == "azureml://workspace"
    assert config.primary_metric == "r2"
    assert config.show_closed is False
    assert config.ascii is True
    assert config.keys["quit"] == "ctrl+q"
    assert config.keys["new_ask"] == "A"
    assert config.keys["refresh"] == "r"
    assert config.prefix("experiment") == "exp/"
    assert config.prefix(None) == "feature/"


def test_metric_goals_globally_and_per_ask(tmp_path):
    write(
        tmp_path,
        '[runs]\nprimary_metric = "auc"\ndirection = "max"\nexperiments = ["churn", "demand"]\n\n'
        '[runs.asks."12"]\nprimary_metric = "rmse"\ndirection = "min"\nthreshold = 4\n\n'
        '[runs.asks."13"]\nthreshold = 0.8\n',
    )
    config = load_config(tmp_path)
    assert config.runs_experiments == ("churn", "demand")
    assert config.goal() == MetricGoal("auc", "max", None)
    assert config.goal(11) == MetricGoal("auc", "max", None)
    assert config.goal(12) == MetricGoal("rmse", "min", 4.0)
    assert config.goal(13) == MetricGoal("auc", "max", 0.8)  # the global metric, the Ask's threshold


def test_dotted_keys_and_inline_tables_work_too(tmp_path):
    write(tmp_path, 'board.ascii = true\n[branches]\npush = false\nprefixes = { experiment = "x/" }\n')
    config = load_config(tmp_path)
    assert config.ascii is True
    assert config.push is False
    assert config.prefixes["experiment"] == "x/"
    assert config.prefixes["data"] == "data/"


def test_every_schema_key_reaches_the_config(tmp_path):
    # Set each key to a non-default value one at a time: a key the loader drops would be noticed.
    for table, keys in SCHEMA.items():
        for key, (kind, default) in keys.items():
            if (table, key) == ("tracker", "kind"):
                value = '"github"'
            elif (table, key) == ("runs", "source"):
                value = '"none"'
            elif (table, key) == ("runs", "direction"):
                value = '"min"'
            elif kind is list:
                value = '["churn"]'
            elif kind is bool:
                value = "false" if default else "true"
            elif table == "keys":
                value = '"f9"'  # a key nothing else uses
            else:
                value = '"custom/"'  # a valid prefix, label name, URL...
            config = parse_config(f"[{table}]\n{key} = {value}\n", tmp_path / CONFIG_NAME)
            assert dataclasses.replace(config, path=None) != Config(), (table, key)


def test_the_repositorys_own_dslp_toml_is_exactly_the_defaults():
    path = REPO_ROOT / CONFIG_NAME
    assert path.is_file(), f"{path} should document every setting with its default value"
    config = load_config(REPO_ROOT)
    assert config.path == path
    assert dataclasses.replace(config, path=None) == Config()


# --- errors -----------------------------------------------------------------------------------

ERRORS = [
    # (file text, line, words the message must contain)
    ("[tracker]\nkind = \n", 2, ["not valid TOML", "kind"]),
    ('[board]\nascii = true\nshow_closed = "yes\n', 3, ["not valid TOML", "show_closed"]),
    ('[tracker]\nkind = "local"\n[tracker]\nrepo = "x"\n', 3, ["not valid TOML", "tracker"]),
    ("\n\ncolour = true\n", 3, ["unknown key", "'colour'", "top level"]),
    ("[colours]\nask = 'blue'\n", 1, ["unknown key", "'colours'"]),
    ('[tracker]\nkind = "local"\ntoken = "abc"\n', 3, ["unknown key", "'tracker.token'", "[tracker]"]),
    ('[branches]\nremote = "origin"\ncollab = "main"\n', 3, ["unknown key", "'branches.collab'"]),
    ('[branches.prefixes]\ndata = "data/"\ndeploy = "deploy/"\n', 3, ["unknown key", "'branches.prefixes.deploy'"]),
    ('[keys]\nquit = "q"\n\nlaunch = "l"\n', 4, ["unknown key", "'keys.launch'", "[keys]"]),
    ('[labels]\nbug = "bug"\n', 2, ["unknown key", "'labels.bug'"]),
    ("[branches]\npush = 1\n", 2, ["branches.push", "must be a bool, not int"]),
    ("[branches]\npush = 0\n", 2, ["branches.push", "bool"]),
    ('[branches]\npush = "false"\n', 2, ["branches.push", "bool, not str"]),
    ("[board]\nshow_closed = 1\n", 2, ["board.show_closed", "bool, not int"]),
    ("[board]\nascii = 0.0\n", 2, ["board.ascii", "bool, not float"]),
    ("[keys]\nquit = true\n", 2, ["keys.quit", "must be a str, not bool"]),
    ("[keys]\nquit = 1\n", 2, ["keys.quit", "str, not int"]),
    ('[keys]\nquit = ["q"]\n', 2, ["keys.quit", "str, not list"]),
    ("[branches]\nremote = 5\n", 2, ["branches.remote", "str, not int"]),
    ('[branches.prefixes]\ndata = ["d/"]\n', 2, ["branches.prefixes.data", "str"]),
    ("[labels]\nfailed = false\n", 2, ["labels.failed", "str, not bool"]),
    ('[tracker]\nkind = "jira"\n', 2, ["tracker.kind", "local, github", "'jira'"]),
    ('[runs]\nsource = "wandb"\n', 2, ["runs.source", "mlflow, azureml, none", "'wandb'"]),
    ('[runs]\ndirection = "up"\n', 2, ["runs.direction", "max, min", "'up'"]),
    ('[runs]\nexperiments = "churn"\n', 2, ["runs.experiments", "list, not str"]),
    ('[runs]\nexperiments = ["a", 1]\n', 2, ["runs.experiments", "list of strings"]),
    ("[runs.asks.twelve]\nthreshold = 0.7\n", 1, ["[runs.asks] keys are Ask numbers", "'twelve'"]),
    ('[runs.asks."0"]\nthreshold = 0.7\n', 1, ["Ask numbers", "'0'"]),
    (
        '[runs.asks."12"]\nprimary_metric = "auc"\nthreshold = "high"\n',
        3,
        ["runs.asks.12.threshold", "number, not str"],
    ),
    ('[runs.asks."12"]\nthreshold = true\n', 2, ["runs.asks.12.threshold", "number, not bool"]),
    ('[runs.asks."12"]\n\ndirection = "down"\n', 3, ["runs.asks.12.direction", "max, min", "'down'"]),
    ('[runs.asks."12"]\ngoal = 1\n', 2, ["unknown key runs.asks.12.goal", "primary_metric, direction, threshold"]),
    ("[runs]\nasks = 3\n", 2, ["[runs.asks] must be a table"]),
    ('[runs.asks]\n"12" = 3\n', 2, ["[runs.asks.12] must be a table"]),
    ('tracker = "local"\n', 1, ["[tracker] must be a table"]),
    ('[branches]\nprefixes = "data/"\n', 2, ["[branches.prefixes] must be a table"]),
    ('[[keys]]\nquit = "q"\n', 1, ["[keys] must be a table"]),
    ("branches.push = 1\n", 1, ["branches.push", "bool"]),
    ('branches.prefixes.model = "../"\n', 1, ["branches.prefixes.model"]),
    ("[branches]\nprefixes = { data = 1 }\n", 2, ["branches.prefixes.data", "str, not int"]),
    ('[branches.prefixes]\ndata = "data"\n', 2, ["branches.prefixes.data", "ending in '/'"]),
    ('[branches.prefixes]\ndata = "data/sets/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "../"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "a..b/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = ".data/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "-data/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "data./"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "data.lock/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "da ta/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "da:ta/"\n', 2, ["branches.prefixes.data"]),
    ('[branches.prefixes]\ndata = "dätä/"\n', 2, ["branches.prefixes.data"]),
    ('[ "branches" . prefixes ]   # spaced header\n\nmodel = 3\n', 3, ["branches.prefixes.model", "str"]),
]


ERRORS += [
    # Control characters (written as TOML escapes: TOML itself refuses them raw), shown escaped.
    ('[labels]\nask = "Ask\\u001b]52;c;aGk=\\u0007"\n', 2, ["labels.ask", "control character \\x1b"]),
    ('\n[tracker]\nrepo = "acme/\\u009b2J"\n', 3, ["tracker.repo", "\\x9b"]),
    ('[keys]\nquit = "q\\u001b]2;pwned\\u0007"\n', 2, ["keys.quit", "\\x1b"]),
    ('[branches]\ncollaboration = "main\\u001b[2J"\n', 2, ["branches.collaboration", "\\x1b"]),
    ('[labels]\non_hold = "on\\thold"\n', 2, ["labels.on_hold", "\\x09"]),
    ('[runs]\nprimary_metric = "r2\\u007f"\n', 2, ["runs.primary_metric", "\\x7f"]),
    ('[branches]\nprefixes = { data = "d\\u0085/" }\n', 2, ["branches.prefixes.data", "\\x85"]),
    # Prefixes: every kind but feature needs one, and no two kinds share one.
    ('[branches.prefixes]\ndata = ""\n', 2, ["branches.prefixes.data is empty", "feature work", "'data/'"]),
    ('[branches.prefixes]\nfeature = "f/"\nmodel = ""\n', 3, ["branches.prefixes.model is empty"]),
    (
        '[branches.prefixes]\ndata = "data/"\nexperiment = "data/"\n',
        3,
        ["branches.prefixes.data and branches.prefixes.experiment", "same branch prefix 'data/'"],
    ),
    ('[branches.prefixes]\nfeature = "Model/"\n', 2, ["branches.prefixes.model and branches.prefixes.feature"]),
    # Labels: named, and each a different name (GitHub compares label names without case).
    ('[labels]\nask = ""\n', 2, ["labels.ask is empty"]),
    ('[labels]\nfailed = "  "\n', 2, ["labels.failed is empty"]),
    ('[labels]\nask = "X"\ndata = "X"\n', 3, ["labels.ask and labels.data", "same label name 'X'"]),
    ('[labels]\n\nfailed = "data"\n', 3, ["labels.data and labels.failed"]),
    # Keys: each one typable, and each bound to one action only.
    ('[keys]\nquit = "j"\n', 2, ["keys.quit and keys.cursor_down", "'j'"]),
    ('[keys]\nrefresh = "r"\nfilter = "?"\n', 3, ["keys.help and keys.filter", "'question_mark'"]),
    ('[keys]\nhelp = "f1"\nquit = "f1"\n', 3, ["keys.quit and keys.help", "'f1'"]),
    ('[keys]\nquit = "notakey"\n', 2, ["keys.quit", "'notakey' is not a key name"]),
    ('[keys]\nquit = "q,,x"\n', 2, ["keys.quit", "empty key name"]),
    ('[keys]\nquit = ""\n', 2, ["keys.quit", "empty key name"]),
    ('[keys]\nquit = "enter"\n', 2, ["keys.quit", "the board itself uses"]),
    ('[keys]\nhelp = "up"\n', 2, ["keys.help", "the board itself uses"]),
    ('[keys]\nnew_ask = "ctrl+i"\n', 2, ["keys.new_ask", "the board itself uses"]),  # a tab
    ('[keys]\nquit = "ctrl+p"\n', 2, ["keys.quit", "the board itself uses"]),
    ('[keys]\nquit = "shift+ctrl+x"\n', 2, ["keys.quit", "'ctrl+shift+x'"]),
    ('[keys]\nquit = "ctrl+/"\n', 2, ["keys.quit", "'ctrl+slash'"]),
    ('[keys]\nquit = "ctrl+X"\n', 2, ["keys.quit", "'ctrl+shift+x'"]),
    ('[keys]\nquit = "shift+x"\n', 2, ["keys.quit", "'X'"]),
    ('[keys]\nquit = "hyper+x"\n', 2, ["keys.quit", "not a modifier"]),
]


@pytest.mark.parametrize(("text", "line", "words"), ERRORS, ids=[repr(e[0])[:48] for e in ERRORS])
def test_errors_name_the_file_the_line_and_the_key(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    for word in words:
        assert word in message, (word, message)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in message), repr(message)


@pytest.mark.parametrize(
    "keys",
    [
        'cursor_down = "j,down"\ncursor_up = "k,up"',  # a board key for the action it already does
        'quit = "ctrl+q,q"',
        'quit = "j"\ncursor_down = "q"',  # a swap is no collision
        'new_ask = "A"\nhelp = "?,f1"\nfilter = "/"',
        'refresh = "ctrl+shift+r"\nbranch = "alt+b"\nstatus = "shift+f5"\ncomment = "comma"',
        'toggle_detail = " v , f2 "',
    ],
)
def test_keys_that_can_be_typed_and_do_one_thing_are_accepted(tmp_path, keys):
    parse_config(f"[keys]\n{keys}\n", tmp_path / CONFIG_NAME)


def test_a_path_with_control_characters_is_not_printed_raw(tmp_path):
    root = tmp_path / "repo\x1b]2;pwned\x07\x9b2J"
    root.mkdir()
    write(root, "[keys]\nquit = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    message = str(info.value)
    assert "keys.quit" in message and "/repo" in message
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in message), repr(message)


def test_a_directory_named_dslp_toml_is_refused_not_ignored(tmp_path):
    (tmp_path / CONFIG_NAME).mkdir()
    with pytest.raises(ConfigError, match="is a directory, not a file"):
        load_config(tmp_path)


def test_a_dangling_symlink_named_dslp_toml_is_refused_not_ignored(tmp_path):
    (tmp_path / CONFIG_NAME).symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError, match="symbolic link to nothing"):
        load_config(tmp_path)


def test_a_symlink_loop_named_dslp_toml_is_refused(tmp_path):
    (tmp_path / CONFIG_NAME).symlink_to(tmp_path / CONFIG_NAME)
    with pytest.raises(ConfigError, match="symbolic link to nothing"):
        load_config(tmp_path)


def test_a_fifo_named_dslp_toml_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / CONFIG_NAME)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(tmp_path)


def test_a_symlink_to_a_file_is_read(tmp_path):
    (tmp_path / "team.toml").write_text("[board]\nascii = true\n", encoding="utf-8")
    (tmp_path / CONFIG_NAME).symlink_to(tmp_path / "team.toml")
    assert load_config(tmp_path).ascii is True


def test_a_file_that_is_not_utf8_names_the_file(tmp_path):
    (tmp_path / CONFIG_NAME).write_bytes(b"[keys]\nquit = '\xff'\n")
    with pytest.raises(ConfigError, match="cannot be read") as info:
        load_config(tmp_path)
    assert str(tmp_path / CONFIG_NAME) in str(info.value)


def test_the_first_error_wins_and_nothing_is_half_read(tmp_path):
    write(tmp_path, '[branches]\npush = false\n[keys]\nquit = 3\n[board]\nascii = "x"\n')
    with pytest.raises(ConfigError, match=r":4: keys\.quit"):
        load_config(tmp_path)


@pytest.mark.parametrize("prefix", ["", "trials/", "exp/", "Team_A/", "v1.2/", "_x/", "a-b/", "x.locks/"])
def test_accepted_prefixes_give_valid_branch_names(tmp_path, prefix):
    kind = "experiment" if prefix else "feature"  # only feature work may go without a prefix
    config = parse_config(f'[branches.prefixes]\n{kind} = "{prefix}"\n', tmp_path / CONFIG_NAME)
    name = branch_name(5, "Gradient boosting", config.prefix(None if kind == "feature" else kind))
    done = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True, check=False)
    assert done.returncode == 0, name
