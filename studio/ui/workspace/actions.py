"""The main window's actions, menus and toolbar: shortcuts live in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QToolBar

from studio.ui.style import icon
from studio.ui.workspace.layouts import LayoutMode


@dataclass(slots=True)
class WindowActions:
    new: QAction
    export_report: QAction
    providers: QAction
    import_: QAction
    export: QAction
    export_runs: QAction
    quit: QAction
    undo_stack: QUndoStack
    undo: QAction
    redo: QAction
    send: QAction
    follow_up: QAction
    add_models: QAction
    stop_all: QAction
    retry: QAction
    retry_failed: QAction
    models: QAction
    layouts: dict[LayoutMode, QAction]
    layout_group: QActionGroup
    focus: QAction
    next_pane: QAction
    previous_pane: QAction
    diff: QAction
    previews: QAction
    library: QAction
    go_prompt: QAction
    go_search: QAction
    go_library: QAction
    go_history: QAction
    sync_scroll: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_reset: QAction
    about: QAction


def _action(window: QMainWindow, text: str, shortcuts: list[QKeySequence | str] | None = None,
            icon_name: str | None = None, tip: str | None = None,
            checkable: bool = False) -> QAction:
    action = QAction(text, window)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcuts:
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    clean = text.replace("&", "").rstrip("…")
    action.setToolTip(tip or clean)
    action.setStatusTip(tip or clean)
    action.setCheckable(checkable)
    window.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def create_actions(window: QMainWindow) -> WindowActions:
    k = QKeySequence.StandardKey
    layouts = {
        LayoutMode.COLUMNS: _action(window, "&Columns", ["Ctrl+1"], "layout-columns",
                                    "Answers side by side in columns", checkable=True),
        LayoutMode.GRID: _action(window, "&Grid", ["Ctrl+2"], "layout-grid",
                                 "Answers in a grid", checkable=True),
        LayoutMode.TABS: _action(window, "&Tabs", ["Ctrl+3"], "layout-tabs",
                                 "One answer per tab", checkable=True),
    }
    group = QActionGroup(window)
    group.setExclusive(True)
    for action in layouts.values():
        group.addAction(action)
    # One undo history for the window: the library's deletions and the workspace's changes
    # (a reopened run, a loaded prompt, a new comparison), in the order they were made.
    # Window-wide keys: a text field with something of its own to undo claims the key first.
    stack = QUndoStack(window)
    undo = stack.createUndoAction(window, "&Undo")
    redo = stack.createRedoAction(window, "&Redo")
    for action, key, tip in (
            (undo, k.Undo, "Undo the last deletion in the library, or bring back the prompt "
                           "and models that a reopened run or a new comparison replaced"),
            (redo, k.Redo, "Redo what was undone")):
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        window.addAction(action)
    return WindowActions(
        new=_action(window, "&New comparison", [QKeySequence(k.New)], "new",
                    "Clear the answers and start a new comparison"),
        export_report=_action(window, "&Export report…", None, None,
                              "Save this comparison as an HTML report, Markdown or a PNG "
                              "contact sheet to share"),
        providers=_action(window, "&Providers and keys…", ["Ctrl+,"], "settings",
                          "Providers, endpoints and API keys"),
        import_=_action(window, "&Import collections…", None, None,
                        "Add collections, prompts, model sets and runs from a collection file "
                        "or a promptfoo config"),
        export=_action(window, "&Export collection…", None, None,
                       "Write the chosen collection (or all of them) to a file"),
        export_runs=_action(window, "Export collection with &runs…", None, None,
                            "Write the chosen collection with its saved runs to a file"),
        quit=_action(window, "&Quit", ["Ctrl+Q"]),
        undo_stack=stack,
        undo=undo,
        redo=redo,
        send=_action(window, "&Send", ["Ctrl+Return", "Ctrl+Enter"], "send",
                     "Send the prompt to every selected model (Ctrl+Enter)"),
        follow_up=_action(window, "&Follow up", ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
                          "send", "Continue the thread with the panes whose \"Follow-ups\" "
                          "box is checked (Ctrl+Shift+Enter)"),
        add_models=_action(window, "&Add models to this thread…", ["Ctrl+Shift+M"], "models",
                           "New models join the thread on screen and answer its last prompt"),
        stop_all=_action(window, "S&top all", ["Esc", "Ctrl+."], "stop",
                         "Stop every running model (Esc)"),
        retry=_action(window, "&Retry current pane", ["Ctrl+R"], "retry",
                      "Run the current pane's model again"),
        retry_failed=_action(window, "Retry &failed", ["Ctrl+Shift+R"], None,
                             "Run every failed or stopped model again"),
        models=_action(window, "Choose &models…", ["Ctrl+M"], "models",
                       "Choose the models to compare"),
        layouts=layouts,
        layout_group=group,
        focus=_action(window, "&Focus current pane", ["Ctrl+Shift+F"], "focus",
                      "Show the current pane alone, or go back to all panes", checkable=True),
        next_pane=_action(window, "&Next pane", ["Ctrl+Tab", "Ctrl+PgDown"]),
        previous_pane=_action(window, "&Previous pane", ["Ctrl+Shift+Tab", "Ctrl+PgUp"]),
        diff=_action(window, "Compare two &answers…", ["Ctrl+D"], "diff",
                     "Side-by-side differences between two answers"),
        previews=_action(window, "Pre&views of all pages", ["Ctrl+Shift+P"], "preview",
                         "Every answer's page, running side by side", checkable=True),
        library=_action(window, "&Library", ["Ctrl+Shift+L"], None,
                        "Show or hide the library: collections, search and history",
                        checkable=True),
        # Ctrl+E and Ctrl+K are line editing keys in X11 text fields, hence these.
        go_prompt=_action(window, "The &prompt editor", ["Ctrl+L"], None,
                          "Put the cursor in the prompt editor"),
        go_search=_action(window, "&Search", [QKeySequence(k.Find)], None,
                          "Search prompts, sent prompts and answers (in the library)"),
        go_library=_action(window, "The &collections", ["Ctrl+B"], None,
                           "Go to the library's collections of prompts"),
        go_history=_action(window, "The &history", ["Ctrl+H"], None,
                           "Go to the list of past runs"),
        sync_scroll=_action(window, "S&ynchronized scrolling", ["Ctrl+Shift+S"],
                            "sync-scroll", "Scroll all answers together", checkable=True),
        zoom_in=_action(window, "Zoom &in", [QKeySequence(k.ZoomIn), "Ctrl+="], "zoom-in"),
        zoom_out=_action(window, "Zoom &out", [QKeySequence(k.ZoomOut)], "zoom-out"),
        zoom_reset=_action(window, "&Reset zoom", ["Ctrl+0"]),
        about=_action(window, "&About Prompt Studio"),
    )


def build_menus(window: QMainWindow, a: WindowActions) -> QToolBar:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a.new, a.export_report, a.providers])
    file_menu.addSeparator()
    file_menu.addActions([a.import_, a.export, a.export_runs])
    file_menu.addSeparator()
    file_menu.addAction(a.quit)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([a.undo, a.redo])

    run_menu = bar.addMenu("&Run")
    run_menu.setObjectName("runMenu")
    run_menu.addActions([a.send, a.follow_up, a.stop_all])
    run_menu.addSeparator()
    run_menu.addActions([a.retry, a.retry_failed])
    run_menu.addSeparator()
    run_menu.addActions([a.models, a.add_models])

    view_menu = bar.addMenu("&View")
    view_menu.setObjectName("viewMenu")
    view_menu.addActions(list(a.layouts.values()))
    view_menu.addSeparator()
    view_menu.addActions([a.focus, a.next_pane, a.previous_pane, a.sync_scroll])
    view_menu.addSeparator()
    view_menu.addActions([a.diff, a.previews, a.library])
    go_menu = view_menu.addMenu("&Go to")
    go_menu.addActions([a.go_prompt, a.go_search, a.go_library, a.go_history])
    view_menu.addSeparator()
    view_menu.addActions([a.zoom_in, a.zoom_out, a.zoom_reset])

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.about)

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setAccessibleName("Main toolbar")
    toolbar.addActions([a.new, a.models, a.send, a.stop_all])
    toolbar.addSeparator()
    toolbar.addActions([*a.layouts.values(), a.focus, a.sync_scroll])
    toolbar.addSeparator()
    toolbar.addActions([a.diff, a.previews, a.zoom_out, a.zoom_in])
    return toolbar
