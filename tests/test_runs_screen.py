"""The runs table on the board, driven through Pilot on the demo's real MLflow runs (Experiment #5: three)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, SelectionList, Sparkline, Static

from dslp_tui.app import DslpApp, build_app
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.pickers import Picker
from dslp_tui.screens.runs import ColumnsScreen, CompareScreen, HistoryScreen, RunsScreen

from board_driver import move_to, settle

SIZE = (120, 40)
# Azure ML studio's columns; Compute target and Run type are left out when every run leaves them blank (MLflow).
STUDIO = ["Run", "Created", "Duration", "Status"]


async def open_runs(pilot, node: str = "issue-5") -> RunsScreen:
    await settle(pilot)
    move_to(pilot.app, node)
    await pilot.press("u")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    return screen


def headers(table: DataTable) -> list[str]:
    return [column.label.plain.rstrip(" ▲▼") for column in table.ordered_columns]


def cells(table: DataTable, label: str) -> list[str]:
    index = headers(table).index(label)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


def column(table: DataTable, label: str) -> list[str]:
    """A column's values; the Run column's names without their two marks."""
    return [cell[2:] if label == "Run" else cell for cell in cells(table, label)]


def marks(table: DataTable) -> list[str]:
    """Each row's two marks before the run's name: selected (●) and best (★)."""
    return [cell[:2] for cell in cells(table, "Run")]


async def test_u_opens_the_runs_table_with_studio_columns_differing_params_and_the_best_marked(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot)
        table = screen.query_one(DataTable)
        # gbm-lr0.1 / gbm-lr0.3 / gbm-depth10: "model" is gbm in all three, so it is not a column.
        assert headers(table) == [*STUDIO, "r2", "rmse", "learning_rate", "max_depth"]
        assert table.zebra_stripes and table.cursor_type == "row"
        assert sorted(column(table, "Run")) == ["gbm-depth10", "gbm-lr0.1", "gbm-lr0.3"]
        best = {name: mark.strip() for name, mark in zip(column(table, "Run"), marks(table), strict=True)}
        assert best == {"gbm-lr0.1": "★", "gbm-lr0.3": "", "gbm-depth10": ""}
        assert "best r2 0.742 (gbm-lr0.1)" in str(screen.query_one("#runs-heading", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_an_asks_table_has_all_its_childrens_runs(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot, "ask-1")
        table = screen.query_one(DataTable)
        assert table.row_count == 8  # 3 + 2 + 2 experiment runs and the model's one
        assert "FAILED" in column(table, "Status")
        assert column(table, "Run")[marks(table).index(" ★")] == "gbm-lr0.1"


async def test_sorting_by_r2_and_again_reverses(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot)
        table = screen.query_one(DataTable)
        await pilot.press("s")
        picker = app.screen
        assert isinstance(picker, Picker)
        picker.query_one("#picker").highlighted = [key for key, _ in picker.options].index("metric:r2")
        await pilot.press("enter")
        await settle(pilot)
        assert column(table, "r2") == ["0.718", "0.731", "0.742"]
        assert table.ordered_columns[4].label.plain == "r2 ▲"
        screen.sort_by("metric:r2")  # as a click on the header does
        await settle(pilot)
        assert column(table, "r2") == ["0.742", "0.731", "0.718"]
        assert table.ordered_columns[4].label.plain == "r2 ▼"


async def test_clicking_a_header_sorts_by_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot)
        table = screen.query_one(DataTable)
        await pilot.click("#runs-table", offset=(4, 0))  # the Run header
        await settle(pilot)
        assert column(table, "Run") == ["gbm-depth10", "gbm-lr0.1", "gbm-lr0.3"]
        await pilot.click("#runs-table", offset=(4, 0))
        await settle(pilot)
        assert column(table, "Run") == ["gbm-lr0.3", "gbm-lr0.1", "gbm-depth10"]


async def test_choosing_columns(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot)
        await pilot.press("c")
        chooser = app.screen
        assert isinstance(chooser, ColumnsScreen)
        columns = chooser.query_one(SelectionList)
        assert "param:model" in [columns.get_option_at_index(i).value for i in range(columns.option_count)]
        columns.select("param:model")  # the param every run shares, hidden by default
        for hidden in ("compute", "run_type", "metric:rmse"):
            columns.deselect(hidden)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one(DataTable)
        assert headers(table) == ["Run", "Created", "Duration", "Status", "r2", "learning_rate", "max_depth", "model"]
        assert column(table, "model") == ["gbm", "gbm", "gbm"]


async def test_two_selected_runs_compare_with_changed_params_marked(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot)
        table = screen.query_one(DataTable)
        await pilot.press("d")  # nothing selected: a warning, no compare
        assert app.screen is screen
        names = column(table, "Run")
        table.move_cursor(row=names.index("gbm-lr0.1"))
        await pilot.press("space")
        table.move_cursor(row=names.index("gbm-lr0.3"))
        await pilot.press("space")
        assert [m[0] for m in marks(table)].count("●") == 2
        await pilot.press("d")
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        grid = compare.query_one(DataTable)
        assert [c.label.plain for c in grid.ordered_columns][2:] == ["gbm-lr0.1", "gbm-lr0.3"]
        rows = {grid.get_row_at(i)[1].plain.split()[0]: grid.get_row_at(i) for i in range(grid.row_count)}
        assert list(rows) == ["r2", "rmse", "learning_rate", "max_depth", "model"]
        changed = {name for name, row in rows.items() if row[0].plain == "≠"}
        assert changed == {"r2", "rmse", "learning_rate"}
        assert [cell.plain for cell in rows["learning_rate"][2:]] == ["0.1", "0.3"]
        assert rows["r2"][3].plain == "0.718 (-0.024)"
        await pilot.press("escape")
        assert app.screen is screen


async def test_g_graphs_r2_over_its_ten_steps(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_runs(pilot)
        table = screen.query_one(DataTable)
        table.move_cursor(row=column(table, "Run").index("gbm-lr0.1"))
        await pilot.press("g")
        picker = app.screen
        assert isinstance(picker, Picker) and [key for key, _ in picker.options] == ["r2", "rmse"]
        await pilot.press("enter")  # r2, the primary metric, comes first
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HistoryScreen)
        line = history.query_one(Sparkline)
        assert len(line.data) == 10 and line.data[-1] == 0.742 and line.data == sorted(line.data)
        facts = str(history.query_one("#history-facts", Static).render())
        assert "10 points" in facts and "min 0.371" in facts and "max 0.742" in facts and "last 0.742" in facts
        await pilot.press("escape")
        assert app.screen is screen


async def test_runs_that_cannot_be_read_are_one_line_and_the_board_stays(demo: Path) -> None:
    (demo / "broken.db").write_text("not a database", encoding="utf-8")
    (demo / "dslp.toml").write_text('[runs]\ntracking_uri = "sqlite:///broken.db"\n')
    app: DslpApp = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and errors[-1].title == "Runs failed" and "\n" not in errors[-1].message
