"""Type-check ``dslp_tui`` and ``screens/`` with mypy, each file under its installed module name.

``screens/`` is installed as ``dslp_tui.screens`` (setuptools' ``package-dir``); mypy names a
file after its path and cannot see that mapping (nor the editable install's import hook), so
``screens/board.py`` would be ``screens.board`` and every ``dslp_tui.screens`` import would be
missing. This runs mypy's build with those files renamed as ``package-dir`` says, and with
the options of ``[tool.mypy]`` in pyproject.toml. Exit status as mypy's: 0 clean, 1 errors.

    .venv/bin/python .ci/typecheck.py [extra mypy options]
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parents[1]


def renamings() -> dict[str, str]:
    """``{"screens": "dslp_tui.screens"}``: folders whose module name is not their path."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    return {
        folder.replace("/", "."): package
        for package, folder in setuptools.get("package-dir", {}).items()
        if folder.replace("/", ".") != package
    }


def installed_name(source: BuildSource, renames: dict[str, str]) -> BuildSource:
    module = source.module
    for folder, package in renames.items():
        if module == folder or module.startswith(folder + "."):
            module = package + module[len(folder) :]
            return BuildSource(source.path, module, source.text, source.base_dir, source.followed)
    return source


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    sources, options = process_options(argv)  # files and options from [tool.mypy]
    renames = renamings()
    sources = [installed_name(source, renames) for source in sources]
    try:
        result = build.build(sources, options)
    except CompileError as error:
        print("\n".join(error.messages), file=sys.stderr)
        return 2
    for line in result.errors:
        print(line)
    errors = [line for line in result.errors if ": error:" in line]
    files = {line.split(":", 1)[0] for line in errors}
    checked = len(sources)
    if errors:
        print(f"Found {len(errors)} errors in {len(files)} files (checked {checked} source files)")
        return 1
    print(f"Success: no issues found in {checked} source files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
