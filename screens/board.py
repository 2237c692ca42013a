"""The board screen: the tree of Asks, the detail pane, the filter line and the footer.

Renders what the app hands it (``show_board``, ``show_status``, ``show_comments``) and turns
keys into calls on its :class:`~dslp_tui.screens.host.BoardHost`; no I/O happens here. The
detail pane always shows the selected issue as the latest board has it: every new board, and
every move of the cursor, repaints it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode

from dslp_tui.board import Board, Group, Row
from dslp_tui.model import Comment
from dslp_tui.present import (
    ASCII,
    UNICODE,
    Columns,
    ask_segments,
    comment_lines,
    detail_lines,
    row_columns,
    row_segments,
    row_width,
    widest,
)
from dslp_tui.process import Kind
from dslp_tui.rollup import RunSummary
from dslp_tui.screens.detail import DetailPane
from dslp_tui.screens.host import BoardHost, NodeData
from dslp_tui.screens.keyline import KeyLine
from dslp_tui.screens.render import Facts, LazyMarkdown, plain, to_text
from dslp_tui.screens.status_bar import StatusBar, StatusInfo
from dslp_tui.text import clean

NARROW = 100  # below this width the detail pane goes under the tree
TOO_SMALL = (40, 12)


__all__ = ["BOARD_ACTIONS", "BoardAction", "BoardScreen", "BoardTree", "NodeData"]


@dataclass(frozen=True)
class BoardAction:
    """A board key: its id (for ``[keys]`` remapping), default key, action and words."""

    id: str
    key: str
    action: str
    short: str  # the footer's word
    description: str  # help and the command palette
    footer: bool = False


BOARD_ACTIONS: tuple[BoardAction, ...] = (
    BoardAction("new_ask", "a", "new_issue('ask')", "Ask", "New Ask (from the Ask template)", True),
    BoardAction("new_child", "n", "pick_child", "Child", "New Data/Explore/Experiment/Model under the Ask", True),
    BoardAction("new_data", "d", "new_issue('data')", "Data", "New Data issue under the Ask"),
    BoardAction("new_explore", "e", "new_issue('explore')", "Explore", "New Explore issue under the Ask"),
    BoardAction("new_experiment", "t", "new_issue('experiment')", "Experiment", "New Experiment issue under the Ask"),
    BoardAction("new_model", "m", "new_issue('model')", "Model", "New Model issue under the Ask"),
    BoardAction("branch", "b", "start_branch", "Branch", "Create, check out and push the issue's branch", True),
    BoardAction(
        "status", "s", "set_status", "Status", "Set the status label: succeeded, failed, on hold, blocked", True
    ),
    BoardAction("comment", "w", "comment", "Comment", "Write a comment (a TL;DR) on the issue"),
    BoardAction("promote", "p", "move('promote')", "Promote", "Promote the experiment to a Model (previewed plan)"),
    BoardAction("fail", "x", "move('fail')", "Fail", "Fail the experiment: TL;DR, failed, close (previewed plan)"),
    BoardAction("close_explore", "c", "move('close')", "Close explore", "Close the exploration with its TL;DR (plan)"),
    BoardAction("open_close", "o", "open_close", "Close/reopen", "Close the issue, or reopen it"),
    BoardAction("runs", "u", "app.show_runs", "Runs", "Runs of the issue (an Ask: its children's): compare, graph"),
    BoardAction("edit", "E", "app.edit_issue", "Edit", "Edit the issue's title and body (ctrl+o in the form: $EDITOR)"),
    BoardAction("open_browser", "O", "app.open_in_browser", "Browser", "Open the issue's web page (over SSH: copy it)"),
    BoardAction("copy_link", "y", "app.copy_link", "Copy", "Copy the issue's web address (local tracker: #N)"),
    BoardAction("filter", "slash", "filter", "Filter", "Filter by text, kind:, label:, state:", True),
    BoardAction("toggle_closed", "h", "toggle_closed", "Closed", "Show or hide closed issues"),
    BoardAction("toggle_detail", "v", "toggle_detail", "Details", "Show or hide the detail pane"),
    BoardAction("refresh", "r", "refresh", "Refresh", "Reload issues, branches and runs", True),
    BoardAction("help", "question_mark", "help", "Help", "Keys, row glyphs and filter syntax", True),
    BoardAction("messages", "exclamation_mark", "messages", "Messages", "The last messages and errors, in full"),
    BoardAction("quit", "q", "quit", "Quit", "Quit dslp-tui", True),
    BoardAction("cursor_down", "j", "cursor('down')", "Down", "Move down"),
    BoardAction("cursor_up", "k", "cursor('up')", "Up", "Move up"),
)


def on_top(action: Callable[..., None]) -> Callable[..., None]:
    """A board key does nothing unless the board is the screen on top.

    Keys arrive in bursts: one meant for the board can be handled after it opened a dialog.
    """

    @functools.wraps(action)
    def guarded(self: BoardScreen, *args: object) -> None:
        if self.is_active:
            action(self, *args)

    return guarded


UNMADE = Text()  # the label of a line whose own is made when it is first drawn


class Deferred(NamedTuple):
    """A label to make when its line is first drawn: what it is made from (the same key, the
    same label), how, and its width in cells (the tree measures every line, drawn or not)."""

    key: tuple[object, ...]
    make: Callable[[], Text]
    width: int


class LazyNode(TreeNode[NodeData]):
    """A tree node whose label may be made on first use (drawn, measured, or read)."""

    deferred: Deferred | None = None
    made_from: tuple[object, ...] | None = None  # the key of the deferred label it has or will have

    def defer(self, deferred: Deferred) -> None:
        self.deferred, self.made_from = deferred, deferred.key
        self._updates += 1  # its line is drawn anew

    @property
    def _label(self) -> Text:
        deferred = self.deferred
        if deferred is not None:
            self.deferred = None
            self._made = deferred.make()
        return self._made

    @_label.setter
    def _label(self, label: Text) -> None:
        self.deferred, self.made_from = None, None
        self._made = label


class BoardTree(Tree[NodeData]):
    """The tree of Asks; re-fits its labels when its width changes."""

    BINDINGS = [
        Binding("right", "expand", "Expand", show=False, id="expand"),
        Binding("left", "collapse", "Collapse", show=False, id="collapse"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batched = 0  # inside invalidated_once(): how deep
        self._stale = False  # the lines changed inside it

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, BoardScreen) and screen.board is not None:
            screen.relabel()

    # Textual's Tree re-numbers its lines and repaints after every node added or removed (a
    # refresh per call); a redraw that adds a thousand lines needs that once. Relies on Tree's
    # private _add_node and _invalidate (textual 8.2, pinned).
    def _add_node(
        self, parent: TreeNode[NodeData] | None, label: Text, data: NodeData | None, expand: bool = False
    ) -> TreeNode[NodeData]:
        node = LazyNode(self, parent, self._new_id(), label, data, expanded=expand)
        self._tree_nodes[node._id] = node
        self._updates += 1
        return node

    def _invalidate(self) -> None:
        if self._batched:
            self._stale = True
        else:
            super()._invalidate()

    @contextmanager
    def invalidated_once(self) -> Iterator[None]:
        """Nodes added and removed inside re-number the lines once, at the end."""
        self._batched += 1
        try:
            yield
        finally:
            self._batched -= 1
            if not self._batched and self._stale:
                self._stale = False
                super()._invalidate()

    def process_label(self, label: str | Text) -> Text:
        """A one-line ``Text`` as it is (the board's labels always are): Tree splits every label
        into lines to keep the first, a copy per line added."""
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        """What ``Tree.get_label_width`` returns, without rendering the label.

        The tree measures every line after each redraw (for its width); rendering hundreds of
        labels only to count their cells is most of a filtered board's redraw, and a label not
        made yet (``LazyNode``) is as wide as it says it will be.
        """
        deferred = node.deferred if isinstance(node, LazyNode) else None
        if deferred is not None:
            width = deferred.width
        else:
            label = node.label
            width = (label if isinstance(label, Text) else self.process_label(label)).cell_len
        if node.allow_expand:
            width += cell_len(self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE)
        elif self._in_icon_column(node):
            width += cell_len(self.ICON_NODE)
        return width

    def _in_icon_column(self, node: TreeNode[NodeData]) -> bool:
        """A top-level line with nothing to expand (an Ask with no children) still lines up."""
        return not node.allow_expand and node.parent is self.root

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if self._in_icon_column(node):
            label = Text.assemble((" " * cell_len(self.ICON_NODE), base_style), label)
        return label

    def _refresh_node(self, node: TreeNode[NodeData]) -> None:
        """Repaint the node's own line only, not the lines under it as ``Tree`` does.

        ``Tree`` colours the guides under a selected top-level line; the board draws them like
        any other guides (styles.tcss), so moving off an Ask changes one line, and one line is
        what goes to the terminal (over SSH, every repainted line costs bytes).
        """
        line = node._line
        if self.scroll_offset.y <= line < self.scroll_offset.y + self.size.height:
            self._refresh_line(line)

    # A redraw puts the cursor back once the new lines are numbered (after the next refresh).
    # A key handled before then lands that first, so it moves from where the person is and is
    # not undone by it: keys come in bursts while a fresh board replaces the cached one.
    def _land_pending(self) -> None:
        screen = self.screen
        if isinstance(screen, BoardScreen):
            screen.land_pending()

    def action_cursor_down(self) -> None:
        self._land_pending()
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._land_pending()
        super().action_cursor_up()

    def action_page_down(self) -> None:
        self._land_pending()
        super().action_page_down()

    def action_page_up(self) -> None:
        self._land_pending()
        super().action_page_up()

    def action_toggle_node(self) -> None:
        self._land_pending()
        super().action_toggle_node()

    def action_select_cursor(self) -> None:
        self._land_pending()
        super().action_select_cursor()

    def action_expand(self) -> None:
        self._land_pending()
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_collapse(self) -> None:
        self._land_pending()
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.allow_expand:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)


@dataclass(frozen=True)
class Line:
    """A tree line to show: its label, what it stands for, whether it is expanded and can be."""

    label: Text | Deferred
    data: NodeData
    expand: bool = False
    allow_expand: bool = True


# The footer shows keys in binding order and cuts what does not fit: help and quit come first.
FOOTER_FIRST = ("help", "quit")


class BoardScreen(Screen[None]):
    BINDINGS = [
        Binding(a.key, a.action, a.short, show=a.footer, id=a.id, tooltip=a.description)
        for a in sorted(BOARD_ACTIONS, key=lambda a: a.id not in FOOTER_FIRST)
    ]

    def __init__(self, host: BoardHost, ascii_only: bool = False) -> None:
        super().__init__()
        self.host = host
        self.glyphs = ASCII if ascii_only else UNICODE
        self.board: Board | None = None  # as shown: filtered, closed issues hidden or not
        self.whole: Board | None = None  # the same snapshot as it is (see show_board)
        self._whole_groups: dict[str, Group] = {}  # its groups by key
        self.runs: dict[int, RunSummary] | None = None  # each issue's runs summary, once runs are read
        # Comments by issue, with the issue's (updated_at, comment count) they were read for.
        self._comments: dict[int, tuple[tuple[float | None, int], list[Comment] | str]] = {}
        self._shown: int | None = None  # the issue the detail pane shows
        self._pending: str | None = None  # the line to put the cursor on once the new tree is laid out
        self._detail_timer: Timer | None = None
        self._filter_timer: Timer | None = None
        self._groups: dict[str, Group] = {}
        self._kinds: dict[str, tuple[tuple[Row, ...], int | None]] = {}
        self._expanded: set[str] | None = None  # None: nothing drawn yet, use the defaults
        self._seen: set[str] = set()  # group keys drawn before: they keep the person's choice
        self.select_next: int | None = None  # an issue to put the cursor on at the next redraw (just filed)
        # Labels by (what, number, width...) -> (row, Text): a redraw of the same snapshot
        # (filter, show/hide closed) reuses them. Kept while the snapshot and its runs are shown:
        # a new one starts a new generation (a number, not an id(): ids of freed rows come back).
        self._labels: dict[tuple, tuple[Row, Text]] = {}
        self._labels_for: tuple[tuple[Row, ...], object] | None = None  # (the snapshot's rows, runs)
        self._generation = 0
        self._leaves: dict[tuple[int, int | None, int, bool], Line] = {}  # issue lines, by (number, Ask, width, PRs)
        self._filtered = False
        self._columns = Columns()  # the state, branch and PR columns, fitted to every row of the snapshot
        self._fitted: tuple[tuple[Row, ...], Columns] | None = None  # (the rows measured, their columns)
        self.detail_source = ""  # the Markdown the detail pane shows (cleaned of escapes)
        # What the detail pane shows: (issue, fact lines, body, comments); the same again repaints nothing.
        self._detail_key: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        with Horizontal(id="panes"):
            with Vertical(id="board-pane"):
                yield BoardTree(Text("Board"), id="board")
                yield Input(placeholder="filter: text  kind:experiment  label:failed  state:open", id="filter")
            yield DetailPane(id="detail-pane")
        yield Static(
            f"This terminal is too small; dslp-tui needs at least {TOO_SMALL[0]}×{TOO_SMALL[1]}.", id="too-small"
        )
        yield KeyLine(first=len(FOOTER_FIRST))

    def on_mount(self) -> None:
        tree = self.query_one(BoardTree)
        tree.show_root = False
        tree.guide_depth = 2
        tree.border_title = "Board"
        self.query_one("#detail-pane").border_title = "Details"
        self.query_one("#filter").display = False
        self._apply_size()
        tree.focus()

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        width, height = self.app.size
        self.set_class(width < NARROW, "narrow")
        self.set_class(width < TOO_SMALL[0] or height < TOO_SMALL[1], "too-small")

    # --- showing the board --------------------------------------------------------------------

    def show_status(self, info: StatusInfo) -> None:
        self.query_one(StatusBar).show(info)

    def show_board(
        self,
        board: Board,
        filtered: bool = False,
        runs: dict[int, RunSummary] | None = None,
        whole: Board | None = None,
    ) -> None:
        """Redraw the tree for ``board``, keeping what was expanded and where the cursor was,
        and repaint the detail pane from it (the cursor may not move: the facts still change).

        While a filter is on, every group that has matches is expanded. ``runs``: each
        issue's runs summary, once runs are read. ``whole``: the same snapshot unfiltered,
        closed issues shown: the detail pane tells an issue's facts (an Ask's children), not
        what the filter leaves of them.
        """
        tree = self.query_one(BoardTree)
        selected = self._pending or (tree.cursor_node.data.key if tree.cursor_node and tree.cursor_node.data else None)
        self._expand_new_groups(board)
        if self.select_next is not None:
            selected = self._reveal(board, self.select_next) or selected
            self.select_next = None
        self._filtered = filtered
        self.board = board
        self.whole = whole or board
        self._whole_groups = {g.key: g for g in self.whole.groups} if whole is not None else {}
        self.runs = runs
        width = self._title_width()
        self._groups = {}
        self._kinds = {}
        drawn = self._labels_for
        if drawn is None or drawn[0] is not board.everything or drawn[1] is not runs or not board.everything:
            self._labels, self._labels_for = {}, (board.everything, runs)
            self._leaves = {}
            self._generation += 1
        self._columns = self._fit_columns(board)
        cursor = tree.cursor_node
        with self.app.batch_update(), tree.invalidated_once():
            # In place: lines still shown keep their nodes (a filter or h changes only what it
            # hides or shows), so a redraw costs what changed, not the whole board.
            self._sync_groups(tree.root, board.groups, width)
        if cursor is not None and self._find(tree.root, cursor.data.key if cursor.data else "") is not cursor:
            tree.cursor_line = -1  # its line is gone: nowhere until the selection below lands
        tree.border_subtitle = f"{board.count()} of {board.total}" if board.count() != board.total else ""
        target = self._find(tree.root, selected) if selected else None
        if target is None and tree.root.children:
            target = tree.root.children[0]
        if target is not None and target.data is not None:
            # The new nodes get their line numbers on the next refresh: move the cursor then.
            # Until then the cursor is nowhere: a board drawn meanwhile keeps this selection.
            self._pending = target.data.key
            self.call_after_refresh(self._select)
        else:
            self._show_detail(None)

    def land_pending(self) -> None:
        """Put the cursor on the pending selection now, if a redraw left one (see BoardTree)."""
        if self._pending is not None:
            self._select()

    def _select(self) -> None:
        """Put the cursor on the pending selection and repaint the details from the board shown
        now: the cursor may land on the same line, which highlights nothing new."""
        key, self._pending = self._pending, None
        tree = self.query_one(BoardTree)
        node = self._find(tree.root, key) if key is not None else None
        if node is None:
            return
        # Number the lines first: a refresh need not have (the tree builds them when it next
        # draws or idles), and a kept node's line number is then still the one it had before
        # lines were added above it: the cursor would land on another issue.
        _ = tree.last_line
        tree.move_cursor(node)
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        self._show_detail(node.data)

    def _reveal(self, board: Board, number: int) -> str | None:
        """Expand the groups issue ``number`` is under; its line's key, or None when not shown."""
        assert self._expanded is not None
        for group in board.groups:
            if group.ask and group.ask.number == number:
                return group.key
            for kind, rows in group.children.items():
                if any(row.number == number for row in rows):
                    self._expanded |= {group.key, f"{group.key}/{kind}"}
                    return f"issue-{number}"
        return None

    def _expand_new_groups(self, board: Board) -> None:
        """Groups seen for the first time take the defaults: the first Ask, and on a small board
        every open one, expanded with all their kinds. Groups already seen keep the person's choice,
        so an Ask (or a kind) that appears after the first paint opens like the ones before it.
        """
        first = self._expanded is None
        expanded = self._expanded if self._expanded is not None else set()
        small = sum(len(g.rows()) for g in board.groups) < 200
        for index, group in enumerate(board.groups):
            if group.key not in self._seen:
                self._seen.add(group.key)
                if group.ask and ((first and index == 0) or (small and group.ask.issue.state == "open")):
                    expanded.add(group.key)
            for kind in group.children:
                key = f"{group.key}/{kind}"
                if key not in self._seen:
                    self._seen.add(key)
                    expanded.add(key)
        self._expanded = expanded

    def _is_expanded(self, key: str) -> bool:
        return self._filtered or key in (self._expanded or ())

    @on(Tree.NodeExpanded)
    @on(Tree.NodeCollapsed)
    def _remember_expansion(self, event: Tree.NodeExpanded[NodeData] | Tree.NodeCollapsed[NodeData]) -> None:
        """Expansion is the person's choice: remember it across refreshes (not while filtering)."""
        data = event.node.data
        if isinstance(event, Tree.NodeExpanded):
            self._fill_on_expand(event.node)
        if data is None or self._filtered or self._expanded is None:
            return
        if isinstance(event, Tree.NodeExpanded):
            self._expanded.add(data.key)
        else:
            self._expanded.discard(data.key)

    def _sync(self, parent: TreeNode[NodeData], wanted: list[Line]) -> list[TreeNode[NodeData]]:
        """Make ``parent``'s children the ``wanted`` lines, in order, reusing the node of every
        line that is still shown (its label replaced only when it reads differently)."""
        keys = {line.data.key for line in wanted}
        kept: dict[str, TreeNode[NodeData]] = {}
        for child in list(parent.children):
            key = child.data.key if child.data else ""
            if key in keys and key not in kept:
                kept[key] = child
            else:
                child.remove()
        order = [line.data.key for line in wanted if line.data.key in kept]
        if [child.data.key for child in parent.children if child.data] != order:  # sorted anew: start over
            parent.remove_children()
            kept = {}
        nodes = []
        for index, line in enumerate(wanted):
            node = kept.get(line.data.key)
            label = line.label
            if node is None:
                # Expanded as it is added, not by node.expand(): that posts a NodeExpanded message
                # per node, hundreds on a filtered board, all no-ops for _remember_expansion.
                node = parent.add(
                    UNMADE if isinstance(label, Deferred) else label,
                    line.data,
                    before=index,
                    expand=line.expand,
                    allow_expand=line.allow_expand,
                )
                if isinstance(label, Deferred) and isinstance(node, LazyNode):
                    node.defer(label)
            else:
                if isinstance(label, Deferred):
                    if isinstance(node, LazyNode) and node.made_from != label.key:
                        node.defer(label)
                        node.tree._refresh_node(node)
                elif node.label != label:
                    node.set_label(label)
                node.data = line.data
                if node.allow_expand != line.allow_expand or node.is_expanded != line.expand:
                    node.allow_expand = line.allow_expand
                    node._expanded = line.expand  # quietly, as add(expand=) does
                    node.tree._invalidate()
            nodes.append(node)
        return nodes

    def _sync_groups(self, root: TreeNode[NodeData], groups: tuple[Group, ...], width: int) -> None:
        """Each group's line; its children only once it is expanded (big boards)."""
        wanted = []
        for group in groups:
            if group.ask:
                label = self._ask_label(group, width)
                data = NodeData(group.key, group.ask.number, group.ask.number)
            else:
                label = plain(f"Not linked to an Ask ({len(group.rows())})", "dim")
                data = NodeData(group.key)
            expand = bool(group.children) and self._is_expanded(group.key)
            wanted.append(Line(label, data, expand, bool(group.children)))
        for node, group in zip(self._sync(root, wanted), groups, strict=True):
            self._groups[group.key] = group
            if node.is_expanded:
                self._fill_group(node, group, width)
            elif node.children:
                node.remove_children()  # filled again when it is expanded

    def _fill_group(self, node: TreeNode[NodeData], group: Group, width: int) -> None:
        ask = group.ask.number if group.ask else None
        wanted = [
            Line(plain(kind.value if kind else "Other", "kind"), NodeData(f"{group.key}/{kind}", None, ask), expand)
            for kind in group.children
            for expand in (self._is_expanded(f"{group.key}/{kind}"),)
        ]
        for kind_node, (kind, rows) in zip(self._sync(node, wanted), group.children.items(), strict=True):
            self._kinds[f"{group.key}/{kind}"] = (rows, ask)
            if kind_node.is_expanded:
                self._fill_kind(kind_node, rows, ask, width)
            elif kind_node.children:
                kind_node.remove_children()

    def _fill_kind(self, node: TreeNode[NodeData], rows: tuple[Row, ...], ask: int | None, width: int) -> None:
        pulls = self.board.has_pulls if self.board else False
        self._sync(node, [self._leaf(row, ask, width - 2, pulls) for row in rows])

    def _leaf(self, row: Row, ask: int | None, width: int, pulls: bool) -> Line:
        """An issue's line under its kind; the same line for every redraw of this generation
        (a filter typed over 2,000 issues builds each one once)."""
        key = (row.number, ask, width, pulls)
        line = self._leaves.get(key)
        if line is None:
            number = row.number
            line = self._leaves[key] = Line(
                self._row_label(row, width, pulls), NodeData(f"issue-{number}", number, ask), False, False
            )
        return line

    def _fit_columns(self, board: Board) -> Columns:
        """The columns every child row of the snapshot fits in, shown or not: a filter or ``h``
        keeps them where they are (nothing jumps sideways, and every row's label stays cached).
        Measured once per snapshot."""
        rows = board.everything or tuple(row for group in board.groups for row in group.rows())
        if self._fitted is None or self._fitted[0] is not rows:
            children = (row for row in rows if row.issue.kind is not Kind.ASK)
            self._fitted = (rows, widest(row_columns(row, self.glyphs) for row in children))
        return self._fitted[1]

    def _cached_label(self, key: tuple[object, ...], row: Row, make: Callable[[], Text]) -> Text:
        hit = self._labels.get(key)
        if hit is None or hit[0] is not row:
            hit = self._labels[key] = (row, make())
        return hit[1]

    def _row_label(self, row: Row, width: int, pulls: bool) -> Deferred:
        """A row's label, made when its line is first drawn (or read): a filter that shows a
        thousand rows draws a screenful of them."""
        runs, columns, glyphs = self.runs, self._columns, self.glyphs
        key = ("row", row.number, self._generation, width, pulls, columns)

        def make() -> Text:
            return self._cached_label(key, row, lambda: to_text(row_segments(row, glyphs, width, pulls, runs, columns)))

        return Deferred(key, make, row_width(row, width, pulls, runs, columns))

    def _ask_label(self, shown: Group, width: int) -> Text:
        # "N open" tells the Ask's open work: counted over the whole board, not what a filter shows.
        group = self._whole_groups.get(shown.key, shown)
        assert group.ask is not None
        runs = self.runs
        key = ("ask", group.ask.number, self._generation, width, group.open_children())
        return self._cached_label(key, group.ask, lambda: to_text(ask_segments(group, self.glyphs, width, runs)))

    def _fill_on_expand(self, node: TreeNode[NodeData]) -> None:
        """Add the children of a group the first time it is expanded."""
        if node.children or node.data is None:
            return
        key = node.data.key
        if key in self._groups:
            self._fill_group(node, self._groups[key], self._title_width())
        elif key in self._kinds:
            rows, ask = self._kinds[key]
            self._fill_kind(node, rows, ask, self._title_width())

    def _find(self, node: TreeNode[NodeData], key: str) -> TreeNode[NodeData] | None:
        for child in node.children:
            if child.data and child.data.key == key:
                return child
            found = self._find(child, key)
            if found is not None:
                return found
        return None

    def _title_width(self) -> int:
        """The width an Ask's label may take; kind and leaf labels sit two cells further in."""
        tree = self.query_one(BoardTree)
        usable = tree.scrollable_content_region.width or (self.app.size.width * 3 // 5 - 3)
        return max(30, usable - 3)

    def relabel(self) -> None:
        """Re-fit every label to the new width (rows are truncated, never wrapped)."""
        assert self.board is not None
        width = self._title_width()
        tree = self.query_one(BoardTree)
        groups = {g.key: g for g in self.board.groups}
        for node in tree.root.children:
            group = groups.get(node.data.key) if node.data else None
            if group is None:
                continue
            if group.ask is not None:
                node.set_label(self._ask_label(group, width))
            rows = {f"issue-{r.number}": r for r in group.rows()}
            for kind_node in node.children:
                for leaf in kind_node.children:
                    row = rows.get(leaf.data.key) if leaf.data else None
                    if row is not None and isinstance(leaf, LazyNode):
                        leaf.defer(self._row_label(row, width - 2, self.board.has_pulls))
        tree.refresh()

    # --- selection and details ----------------------------------------------------------------

    @property
    def selected(self) -> NodeData | None:
        node = self.query_one(BoardTree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        # Holding j should not render a Markdown body per keystroke: settle first.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        data = event.node.data
        self._detail_timer = self.set_timer(0.06, lambda: self._debounced_detail(data))

    def _debounced_detail(self, data: NodeData | None) -> None:
        self._detail_timer = None
        self._show_detail(data)

    @property
    def detail_settled(self) -> bool:
        """Whether the detail pane shows the selection in full: no move, debounce or render
        still pending (tests wait for this)."""
        return self._pending is None and self._detail_timer is None and not self.query_one(DetailPane).rendering

    def _show_detail(self, data: NodeData | None) -> None:
        pane = self.query_one(DetailPane)
        whole = self.whole
        row = whole.row(data.number) if (whole and data and data.number is not None) else None
        if row is None or whole is None:
            pane.set_title("Details")
            self.detail_source = ""
            self._shown = self._detail_key = None
            pane.show(plain(self._empty_hint(data), "dim"), Text(""), Text(""), top=True)
            return
        next_branch = self.host.branch_name_for(row.issue) if not row.branches else None
        summary = self.runs.get(row.number) if self.runs is not None else None
        lines = detail_lines(row, whole, self.glyphs, next_branch, summary)
        source = clean(row.issue.body)
        comments = self._comments_for(row)
        key = (row.number, lines, source, comments)
        if key == self._detail_key:  # the same issue showing the same facts: nothing to repaint
            return
        self._detail_key = key
        self.detail_source = source
        # Rich's Markdown renders into the pane's lines: fast even for an Ask listing hundreds
        # of children (Textual's Markdown widget builds a widget per block). No hyperlinks:
        # links in other people's text are shown, not made clickable.
        pane.set_title(f"#{row.number}")
        new_issue = self._shown != row.number
        self._shown = row.number
        pane.show(Facts(lines), LazyMarkdown(source), _comments_view(comments), top=new_issue)

    # --- comments: read lazily, for the selected issue only -----------------------------------

    def _comments_for(self, row: Row) -> list[Comment] | str | None:
        """The row's comments if they were read for the issue as it is now; else None (and ask for them)."""
        known = self._comments.get(row.number)
        if known is None or known[0] != (row.issue.updated_at, row.issue.comments):
            self.host.load_comments(row.number)
            return None
        return known[1]

    def show_comments(self, number: int, comments: list[Comment] | str) -> None:
        """Comments read for issue ``number`` (or why they could not be: one line)."""
        row = self.board.row(number) if self.board is not None else None
        if row is None:
            return
        self._comments[number] = ((row.issue.updated_at, row.issue.comments), comments)
        panes = self.query(DetailPane)  # none while the app shuts down (a read may finish then)
        if self._shown == number and self._detail_key is not None and panes:
            self._detail_key = (*self._detail_key[:3], comments)
            panes.first().show(comments=_comments_view(comments))

    def forget_comments(self, number: int) -> None:
        """Issue ``number`` has a new comment: read them again when it is shown next."""
        self._comments.pop(number, None)

    def _empty_hint(self, data: NodeData | None) -> str:
        if self.board is not None and not self.board.groups:
            if self.board.total:
                return "Nothing matches the filter. Press / to change it, or escape in the filter to clear it."
            return "No DSLP issues yet. Press a to open an Ask: every piece of work starts with an issue."
        if data is not None and data.key == "unlinked":
            return "Issues that name no Ask. Add an 'Ask Reference: #N' line to link one."
        return "Select an issue to see its details."

    # --- actions: dispatch to the app ---------------------------------------------------------

    @on_top
    def action_new_issue(self, template_id: str) -> None:
        self.host.new_issue(template_id, self.selected)

    @on_top
    def action_pick_child(self) -> None:
        self.host.pick_child(self.selected)

    @on_top
    def action_start_branch(self) -> None:
        self.host.start_branch(self.selected)

    @on_top
    def action_set_status(self) -> None:
        self.host.choose_status(self.selected)

    @on_top
    def action_comment(self) -> None:
        self.host.write_comment(self.selected)

    @on_top
    def action_move(self, move: str) -> None:
        self.host.start_move(move, self.selected)

    @on_top
    def action_open_close(self) -> None:
        self.host.open_close(self.selected)

    @on_top
    def action_refresh(self) -> None:
        self.host.reload_board()

    @on_top
    def action_help(self) -> None:
        self.host.show_help()

    @on_top
    def action_messages(self) -> None:
        self.host.show_messages()

    @on_top
    def action_quit(self) -> None:
        self.app.exit()

    @on_top
    def action_toggle_closed(self) -> None:
        self.host.toggle_closed()

    @on_top
    def action_toggle_detail(self) -> None:
        pane = self.query_one("#detail-pane")
        pane.display = not pane.display

    @on_top
    def action_cursor(self, direction: str) -> None:
        tree = self.query_one(BoardTree)
        if direction == "down":
            tree.action_cursor_down()
        else:
            tree.action_cursor_up()

    @on_top
    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Redraw once typing pauses, not per character (big boards take a moment to redraw).
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = event.value
        if value == self.host.query_text:  # already shown (escape applies "" at once): no second redraw
            return
        self._filter_timer = self.set_timer(0.15, lambda: self.host.set_filter(value))

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        # Enter applies what was typed now, not after the typing pause: keys typed after it
        # (j, k, an action) are meant for the filtered board.
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if event.value != self.host.query_text:
            self.host.set_filter(event.value)
        if not event.value.strip():
            event.input.display = False
        self.query_one(BoardTree).focus()

    @on_top
    def key_escape(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus or field.display:
            if self._filter_timer is not None:
                self._filter_timer.stop()
            field.value = ""
            field.display = False
            self.host.set_filter("")
            self.query_one(BoardTree).focus()


def _comments_view(comments: list[Comment] | str | None) -> RenderableType:
    """Each comment's author and time, then its body as Markdown (links not clickable), newest last."""
    if comments is None:
        return plain("Comments: loading…", "dim")
    if isinstance(comments, str):
        return plain(f"Comments not loaded: {comments}", "warning")
    if not comments:
        return plain("No comments yet · w writes one", "dim")
    parts: list[RenderableType] = [plain(f"Comments ({len(comments)})", "heading")]
    for header, body in comment_lines(comments):
        parts.append(Text("\n").join([Text(""), to_text(header)]))
        parts.append(LazyMarkdown(body))
    return RenderGroup(*parts)
