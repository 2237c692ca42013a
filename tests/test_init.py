"""``dslp-tui init`` writes no control characters into the files and labels it makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dslp_tui.config import CONFIG_NAME, Config, ConfigError
from dslp_tui.init import TEMPLATE_DIR, plan_config, run_init
from dslp_tui.process import LABELS

HOSTILE = "Exp\x1b]2;pwned\x07eriment\x9b2J"


def controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


class RecordingTracker:
    """Stands in for the tracker's label step: records the labels init asks for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def ensure_labels(self, specs, dry_run: bool) -> list[str]:
        self.names = [spec.name for spec in specs]
        return []


def test_label_names_with_escapes_do_not_reach_templates_or_labels(tmp_path: Path) -> None:
    # Config() built directly skips dslp.toml's validation: init must still write clean text.
    labels = {spec.key: spec.name for spec in LABELS} | {"experiment": HOSTILE}
    tracker = RecordingTracker()
    run_init(tmp_path, Config(labels=labels), "local", "", tracker, dry_run=False)
    template = (tmp_path / TEMPLATE_DIR / "experiment.md").read_text(encoding="utf-8")
    assert controls(template) == []
    assert 'labels: "Experiment"' in template
    assert "Experiment" in tracker.names and all(controls(name) == [] for name in tracker.names)


def test_a_repository_argument_with_escapes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="control characters") as info:
        plan_config(tmp_path, "github", "acme/\x1b[2Jchurn")
    assert controls(str(info.value)) == []
    assert not (tmp_path / CONFIG_NAME).exists()
