"""The preview pane's toolbar: every control, and the network and error badges.

Every control is an action, and the two menus (device, More) are actions carrying a menu:
when the toolbar is too narrow, Qt's "»" overflow lists the actions that did not fit, menus
included (a plain widget in a toolbar would be dropped from it). The same actions make the
context menu of the page (`context_menu`), so each is reachable at any width.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton, QWidget

DEVICE_WIDTHS: dict[str, int | None] = {"desktop": None, "tablet": 768, "phone": 390}
_DEVICE_LABELS = {"desktop": "Desktop", "tablet": "Tablet (768 px)", "phone": "Phone (390 px)"}


class PreviewToolbar(QToolBar):
    reloadClicked = Signal()
    stopClicked = Signal()
    networkToggled = Signal(bool)
    deviceChosen = Signal(str)
    popOutClicked = Signal()
    fullScreenClicked = Signal()
    openInBrowserClicked = Signal()
    saveHtmlClicked = Signal()
    copyScreenshotClicked = Signal()
    saveScreenshotClicked = Signal()
    consoleToggled = Signal(bool)
    editSourceClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMovable(False)
        self.setFloatable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        icon = style.standardIcon
        sp = QStyle.StandardPixmap

        self.reload_action = self._action("Reload", self.reloadClicked, icon(sp.SP_BrowserReload))
        self.reload_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.stop_action = self._action("Stop", self.stopClicked, icon(sp.SP_BrowserStop))

        self.network_action = QAction("Network: off", self)
        self.network_action.setCheckable(True)
        self.network_action.setToolTip(
            "On: the page may load public https resources (CDN libraries).\n"
            "Off: nothing leaves this machine."
        )
        self.network_action.toggled.connect(self.networkToggled)
        self.addAction(self.network_action)

        self._device_group = QActionGroup(self)
        device_menu = self.device_menu = QMenu("Page width", self)
        self.device_actions: dict[str, QAction] = {}
        for name in DEVICE_WIDTHS:
            action = device_menu.addAction(_DEVICE_LABELS[name])
            action.setCheckable(True)
            action.setData(name)
            self._device_group.addAction(action)
            self.device_actions[name] = action
        self.device_actions["desktop"].setChecked(True)
        self._device_group.triggered.connect(lambda a: self.deviceChosen.emit(str(a.data())))
        self.device_action = self._menu_action("Desktop", device_menu)
        self.device_action.setToolTip("The width the page is shown at")

        self.console_action = QAction("Console", self)
        self.console_action.setCheckable(True)
        self.console_action.toggled.connect(self.consoleToggled)
        self.addAction(self.console_action)

        # Shown only where an editor can take the page (see PreviewView.set_source_editable).
        self.edit_source_action = QAction("Edit source", self)
        self.edit_source_action.setToolTip(
            "Edit this page's source and run it here; each run is kept as a revision")
        self.edit_source_action.triggered.connect(self.editSourceClicked)
        self.edit_source_action.setVisible(False)
        self.addAction(self.edit_source_action)

        more = self.more_menu = QMenu("More", self)
        self.pop_out_action = more.addAction("Pop out into a window")
        self.pop_out_action.triggered.connect(self.popOutClicked)
        self.full_screen_action = more.addAction("Full screen")
        self.full_screen_action.triggered.connect(self.fullScreenClicked)
        more.addSeparator()
        self.open_action = more.addAction("Open in system browser (outside the sandbox)")
        self.open_action.triggered.connect(self.openInBrowserClicked)
        self.save_html_action = more.addAction("Save as .html…")
        self.save_html_action.triggered.connect(self.saveHtmlClicked)
        more.addSeparator()
        self.copy_png_action = more.addAction("Copy screenshot")
        self.copy_png_action.triggered.connect(self.copyScreenshotClicked)
        self.save_png_action = more.addAction("Save screenshot as PNG…")
        self.save_png_action.triggered.connect(self.saveScreenshotClicked)
        self.more_action = self._menu_action("More", more)
        self.more_action.setToolTip("Pop out, full screen, the system browser, save, screenshot")
        self.set_network(False, 0)

    def _action(self, text: str, signal: SignalInstance, icon: QIcon) -> QAction:
        action = QAction(icon, text, self)
        action.triggered.connect(signal)
        self.addAction(action)
        return action

    def _menu_action(self, text: str, menu: QMenu) -> QAction:
        action = QAction(text, self)
        action.setMenu(menu)
        self.addAction(action)
        button = self.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        return action

    def context_menu(self, parent: QWidget | None = None) -> QMenu:
        """Every action of the toolbar in one menu (the page's right-click menu)."""
        menu = QMenu(parent)
        menu.addActions([self.reload_action, self.stop_action])
        menu.addSeparator()
        menu.addAction(self.network_action)
        menu.addMenu(self.device_menu)
        menu.addAction(self.console_action)
        if self.edit_source_action.isVisible():
            menu.addAction(self.edit_source_action)
        menu.addSeparator()
        menu.addActions(self.more_menu.actions())
        return menu

    def set_network(self, enabled: bool, blocked: int) -> None:
        text = "Network: on" if enabled else "Network: off"
        if blocked:
            text += f" · {blocked} blocked"
        self.network_action.blockSignals(True)
        self.network_action.setChecked(enabled)
        self.network_action.blockSignals(False)
        self.network_action.setText(text)

    def set_error_count(self, errors: int) -> None:
        self.console_action.setText(f"Console ({errors})" if errors else "Console")
        button = self.widgetForAction(self.console_action)
        if button is not None:
            button.setStyleSheet("color: #d33; font-weight: bold;" if errors else "")

    def set_device(self, name: str) -> None:
        action = self.device_actions.get(name)
        if action is not None:
            action.setChecked(True)
            self.device_action.setText(name.capitalize())

    def set_console_checked(self, checked: bool) -> None:
        self.console_action.blockSignals(True)
        self.console_action.setChecked(checked)
        self.console_action.blockSignals(False)
