"""The runs of one issue: a sortable table with chosen columns, compare, and a metric's history.

What to show comes from ``dslp_tui.runtable`` (the same table ``dslp-tui runs N`` prints); these
screens only draw it and dispatch keys. Run names, params and metric names are outside text:
every cell and heading is a ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, SelectionList, Sparkline, Static
from textual.widgets.selection_list import Selection

from dslp_tui.bugs import describe
from dslp_tui.config import MetricGoal
from dslp_tui.model import MetricPoint, Run
from dslp_tui.runtable import (
    FIXED,
    Column,
    all_columns,
    build_table,
    compare,
    default_columns,
    format_number,
    metric_names,
    run_label,
)
from dslp_tui.screens.modal import Modal
from dslp_tui.screens.pickers import Picker
from dslp_tui.screens.render import STYLES
from dslp_tui.text import one_line

History = Callable[[str, str], list[MetricPoint]]  # (run id, metric) -> its values over steps

_FRAME_CSS = """
    width: 95%;
    height: 90%;
    border: thick $primary;
    background: $surface;
    padding: 0 1;
"""


def _plain(text: str, style: str = "") -> Text:
    return Text(one_line(text), STYLES[style] if style else "", no_wrap=True, overflow="ellipsis", end="")


class RunsScreen(Modal[None]):
    """The runs table: s or a header click sorts (again: reverses), c columns, space selects, d compares, g graphs."""

    DEFAULT_CSS = (
        "#runs { width: 100%; height: 100%; border: thick $primary; background: $surface; padding: 0; }"
        " #runs DataTable { height: 1fr; } #runs-heading { height: auto; padding: 0 1; }"
    )
    FOOTER_IN_LAYOUT = True  # the table fills the screen above its keys
    BINDINGS = [
        Binding("escape", "close", "Close", id="runs_close"),
        Binding("s", "sort", "Sort", id="runs_sort"),
        Binding("c", "columns", "Columns", id="runs_columns"),
        Binding("space", "select", "Select", id="runs_select"),
        Binding("d", "compare", "Compare", id="runs_compare"),
        Binding("g", "graph", "Graph", id="runs_graph"),
    ]

    def __init__(
        self, title: str, runs: Sequence[Run], goal: MetricGoal, history: History, ascii_only: bool = False
    ) -> None:
        super().__init__()
        self.title_text = title
        self.runs = tuple(runs)
        self.goal = goal
        self.history = history
        self.best_glyph, self.selected_glyph = ("*", "x") if ascii_only else ("★", "●")
        self.columns: list[Column] = default_columns(self.runs, goal)
        self.sort_column: Column | None = None
        self.reverse = False
        self.selected: list[str] = []  # run ids, in the order they were selected
        self.built = build_table(self.runs, goal, self.columns)

    def compose(self) -> ComposeResult:
        with Vertical(id="runs") as frame:
            frame.border_title = _plain(self.title_text)
            frame.border_subtitle = "escape closes"
            yield Static(self._heading(), id="runs-heading")
            yield DataTable(zebra_stripes=True, cursor_type="row", id="runs-table")

    def on_mount(self) -> None:
        self._draw()
        self.query_one(DataTable).focus()

    def _heading(self) -> Text:
        count = len(self.runs)
        text = _plain(f"{count} run{'s' if count != 1 else ''}")
        best = self.built.best
        if best is not None:
            text.append(f" · {self.best_glyph} best {one_line(self.goal.metric)} ", STYLES["dim"])
            text.append(f"{format_number(best.metrics[self.goal.metric])} ({one_line(run_label(best))})")
        if not count:
            text.append(" · No runs yet: runs logged on this issue's branch show up here.")
        else:
            text.append(" · space selects · d compares · g graphs · s sorts · c columns", STYLES["dim"])
        return text

    # --- drawing ------------------------------------------------------------------------------

    def _draw(self) -> None:
        """(Re)build the table for the chosen columns and order, keeping the cursor on its run."""
        table = self.query_one(DataTable)
        current = self.highlighted
        self.built = build_table(self.runs, self.goal, self.columns, self.sort_column, self.reverse)
        table.clear(columns=True)
        for column in self.built.columns:
            label = _plain(column.label, "" if column.kind == "fixed" else "dim")
            if column == self.sort_column:
                label.append(" ▼" if self.reverse else " ▲")
            table.add_column(label, key=column.id)
        named = [i for i, column in enumerate(self.built.columns) if column.id == "run"]
        for line in self.built.rows:
            cells = [_plain(cell, "number" if line.best else "") for cell in line.cells]
            for index in named:
                cells[index] = self._run_cell(line.run, line.best)
            table.add_row(*cells, key=line.run.id)
        if current is not None:
            table.move_cursor(row=table.get_row_index(current.id))

    def _run_cell(self, run: Run, best: bool) -> Text:
        """The run's name after two marks: selected (space) and best."""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(self.selected_glyph if run.id in self.selected else " ", STYLES["key"])
        text.append(self.best_glyph if best else " ", STYLES["status.succeeded"])
        text.append(one_line(run_label(run)), STYLES["number"] if best else "")
        return text

    @property
    def highlighted(self) -> Run | None:
        table = self.query_one(DataTable)
        if not table.row_count or not self.built.rows:
            return None
        row = min(max(table.cursor_row, 0), len(self.built.rows) - 1)
        return self.built.rows[row].run

    # --- sorting and columns ------------------------------------------------------------------

    def sort_by(self, column_id: str) -> None:
        """Sort by a column; the same column again reverses."""
        column = next((c for c in self.built.columns if c.id == column_id), None)
        if column is None:
            return
        self.reverse = not self.reverse if column == self.sort_column else False
        self.sort_column = column
        self._draw()

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        if self.on_top:
            self.sort_by(str(event.column_key.value))

    def action_sort(self) -> None:
        if not self.on_top:
            return
        options = [(c.id, c.label) for c in self.built.columns]

        def chosen(column_id: str | None) -> None:
            if column_id:
                self.sort_by(column_id)

        self.app.push_screen(Picker("Sort by (the same column again reverses)", options), chosen)

    def action_columns(self) -> None:
        if not self.on_top:
            return
        choices = [c for c in all_columns(self.runs, self.goal) if c.id != "run"]

        def chosen(ids: list[str] | None) -> None:
            if ids is None:
                return
            wanted = set(ids)
            self.columns = [FIXED[0], *(c for c in choices if c.id in wanted)]  # the run's name always stays
            if self.sort_column is not None and self.sort_column not in self.columns:
                self.sort_column, self.reverse = None, False
            self._draw()

        self.app.push_screen(ColumnsScreen(choices, [c.id for c in self.columns]), chosen)

    # --- selecting, comparing, graphs ---------------------------------------------------------

    def action_select(self) -> None:
        run = self.highlighted if self.on_top else None
        if run is None:
            return
        if run.id in self.selected:
            self.selected.remove(run.id)
        else:
            self.selected.append(run.id)
        table = self.query_one(DataTable)
        best = self.built.best is not None and self.built.best.id == run.id
        table.update_cell(run.id, "run", self._run_cell(run, best))

    def action_compare(self) -> None:
        if not self.on_top:
            return
        if len(self.selected) < 2:
            self.notify("Select two or more runs with space first.", severity="warning")
            return
        by_id = {run.id: run for run in self.runs}
        self.app.push_screen(CompareScreen([by_id[i] for i in self.selected], self.goal))

    def action_graph(self) -> None:
        run = self.highlighted if self.on_top else None
        if run is None:
            return
        metrics = metric_names([run], self.goal)
        if not metrics:
            self.notify(f"{one_line(run_label(run))} logged no metrics.", severity="warning")
            return

        def chosen(metric: str | None) -> None:
            if metric:
                self.app.push_screen(HistoryScreen(run, metric, self.history))

        if len(metrics) == 1:
            chosen(metrics[0])
        else:
            self.app.push_screen(Picker(f"Graph a metric of {run_label(run)}", [(m, m) for m in metrics]), chosen)

    def action_close(self) -> None:
        self.close(None)


class ColumnsScreen(Modal[list[str] | None]):
    """Choose the columns: space or enter toggles, escape applies."""

    DEFAULT_CSS = "#columns { width: 60; height: auto; max-height: 80%; border: thick $primary; }"
    BINDINGS = [Binding("escape", "apply", "Apply", id="columns_apply")]

    def __init__(self, columns: Sequence[Column], chosen: Sequence[str]) -> None:
        super().__init__()
        self.choices = list(columns)
        self.chosen = set(chosen)

    def compose(self) -> ComposeResult:
        kinds = {"fixed": "", "metric": "metric", "param": "param"}
        selections = []
        for column in self.choices:
            prompt = _plain(column.label)
            if kinds[column.kind]:
                prompt.append(f"  {kinds[column.kind]}", STYLES["dim"])
            selections.append(Selection(prompt, column.id, column.id in self.chosen))
        columns = SelectionList[str](*selections, id="columns")
        columns.border_title = "Columns · space toggles · escape applies"
        yield columns

    def action_apply(self) -> None:
        self.close(list(self.query_one(SelectionList).selected))


class CompareScreen(Modal[None]):
    """Runs side by side: metrics and params as rows, runs as columns; rows that differ marked."""

    DEFAULT_CSS = f"#compare {{ {_FRAME_CSS} }} #compare DataTable {{ height: 1fr; }}"
    BINDINGS = [Binding("escape", "close", "Close", id="compare_close")]
    CHANGED = "≠"

    def __init__(self, runs: Sequence[Run], goal: MetricGoal) -> None:
        super().__init__()
        self.runs = list(runs)
        self.rows = compare(self.runs, goal)

    def compose(self) -> ComposeResult:
        with Vertical(id="compare") as frame:
            frame.border_title = f"Compare {len(self.runs)} runs"
            frame.border_subtitle = "≠ marks what differs · metric changes are against the first run · escape closes"
            yield DataTable(zebra_stripes=True, cursor_type="row", id="compare-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text(""), key="changed")
        table.add_column(Text(""), key="name")
        for index, run in enumerate(self.runs):
            table.add_column(_plain(run_label(run)), key=f"run{index}")
        for row in self.rows:
            style = "warning" if row.changed else ""
            name = _plain(row.column.label, style)
            name.append(f"  {row.column.kind}", STYLES["dim"])
            cells = []
            for index, value in enumerate(row.values):
                cell = _plain(value, style)
                delta = row.deltas[index] if row.deltas else None
                if index and delta:
                    cell.append(f" ({'+' if delta > 0 else ''}{format_number(delta)})", STYLES["dim"])
                cells.append(cell)
            mark = Text(self.CHANGED if row.changed else " ", STYLES["warning"])
            table.add_row(mark, name, *cells, key=row.column.id)
        table.focus()

    def action_close(self) -> None:
        self.close(None)


class HistoryScreen(Modal[None]):
    """One metric of one run over its steps: a sparkline, and its first, min, max and last values."""

    DEFAULT_CSS = (
        "#history { width: 90%; height: auto; border: thick $primary; background: $surface; padding: 0 1; }"
        " #history Sparkline { height: 6; margin: 1 0; }"
    )
    BINDINGS = [Binding("escape", "close", "Close", id="history_close")]

    def __init__(self, run: Run, metric: str, history: History) -> None:
        super().__init__()
        self.run = run
        self.metric = metric
        self.history = history
        self.points: list[MetricPoint] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="history") as frame:
            frame.border_title = _plain(f"{self.metric} · {run_label(self.run)}")
            frame.border_subtitle = "escape closes"
            yield Sparkline([], id="history-line")
            yield Static(_plain("Reading the history…", "dim"), id="history-facts")

    def on_mount(self) -> None:
        self.run_worker(self._read, thread=True, exit_on_error=False, group="history")

    def _read(self) -> None:
        try:
            points = self.history(self.run.id, self.metric)
        except Exception as error:  # one line in the dialog; the board is untouched
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._show, points)

    def _failed(self, error: BaseException) -> None:
        message = describe(error)  # an expected error's words; a bug: where its traceback is
        self.query_one("#history-facts", Static).update(_plain(f"Could not read the history: {message}", "error"))

    def _show(self, points: list[MetricPoint]) -> None:
        self.points = sorted(points, key=lambda p: p.step)
        values = [p.value for p in self.points]
        self.query_one(Sparkline).data = values
        facts = self.query_one("#history-facts", Static)
        if not values:
            facts.update(_plain(f"No history logged for {self.metric}."))
            return
        text = _plain(f"{len(values)} point{'s' if len(values) != 1 else ''}")
        text.append(f", steps {self.points[0].step}–{self.points[-1].step}", STYLES["dim"])
        for word, value in (("first", values[0]), ("min", min(values)), ("max", max(values)), ("last", values[-1])):
            text.append(f" · {word} ", STYLES["dim"])
            text.append(format_number(value), STYLES["number"])
        facts.update(text)

    def action_close(self) -> None:
        self.close(None)
