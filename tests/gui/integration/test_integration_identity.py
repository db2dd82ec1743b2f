"""App identity: the names set on QApplication put Qt's per-app folders where platformdirs
puts the studio's own, and give the window the WM_CLASS the .desktop file names."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest
from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

import studio
from studio.app import configure_application
from studio.core.paths import studio_paths

pytestmark = [pytest.mark.gui]

REPO = Path(__file__).resolve().parents[3]
DESKTOP_FILE = REPO / "resources" / "desktop" / f"{studio.APP_ID}.desktop"
Location = QStandardPaths.StandardLocation


@pytest.fixture
def configured_app(qapp: QApplication) -> Iterator[QApplication]:
    """The test application named as the studio names itself, then named back."""
    saved = (QCoreApplication.applicationName(), QCoreApplication.organizationName(),
             QGuiApplication.applicationDisplayName(), QCoreApplication.applicationVersion(),
             QGuiApplication.desktopFileName())
    configure_application(qapp)
    yield qapp
    name, organization, display, version, desktop = saved
    QCoreApplication.setApplicationName(name)
    QCoreApplication.setOrganizationName(organization)
    QGuiApplication.setApplicationDisplayName(display)
    QCoreApplication.setApplicationVersion(version)
    QGuiApplication.setDesktopFileName(desktop)


def test_qt_and_platformdirs_agree_on_the_app_folders(
        configured_app: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMPT_STUDIO_HOME", raising=False)
    for variable, folder in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                             ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    config = QStandardPaths.writableLocation(Location.AppConfigLocation)
    assert config == platformdirs.user_config_dir("prompt-studio")
    assert config == str(tmp_path / "config" / "prompt-studio")
    assert QStandardPaths.writableLocation(Location.AppDataLocation) == \
        platformdirs.user_data_dir("prompt-studio")
    assert QStandardPaths.writableLocation(Location.CacheLocation) == \
        platformdirs.user_cache_dir("prompt-studio")
    # The studio's own folders are those very folders.
    paths = studio_paths()
    assert (str(paths.config), str(paths.data), str(paths.cache)) == (
        QStandardPaths.writableLocation(Location.AppConfigLocation),
        QStandardPaths.writableLocation(Location.AppDataLocation),
        QStandardPaths.writableLocation(Location.CacheLocation))


def test_names_version_and_desktop_identity(configured_app: QApplication) -> None:
    assert QCoreApplication.applicationName() == studio.APP_SLUG == "prompt-studio"
    assert QCoreApplication.organizationName() == ""
    assert QGuiApplication.applicationDisplayName() == studio.APP_NAME
    assert QCoreApplication.applicationVersion() == studio.__version__
    assert QGuiApplication.desktopFileName() == studio.APP_ID
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(DESKTOP_FILE, encoding="utf-8")
    assert entry["Desktop Entry"]["StartupWMClass"] == QCoreApplication.applicationName()


_SHOW_WINDOW = """
import subprocess, sys
from PySide6.QtWidgets import QApplication, QMainWindow
from studio.app import configure_application
app = QApplication([sys.argv[0]])
configure_application(app)
window = QMainWindow()
window.show()
app.processEvents()
print(subprocess.run(["xprop", "-id", str(int(window.winId())), "WM_CLASS"],
                     capture_output=True, text=True, check=True).stdout.strip())
"""


@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="WM_CLASS exists on an X server only (run under xvfb-run)")
@pytest.mark.skipif(shutil.which("xprop") is None, reason="xprop is not installed")
def test_the_window_class_is_the_desktop_files_startup_wm_class() -> None:
    # A fresh process: Qt reads the class once, when its first window is made.
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    result = subprocess.run([sys.executable, "-c", _SHOW_WINDOW], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("WM_CLASS(STRING) = ")
    classes = [part.strip().strip('"') for part in line.split("=", 1)[1].split(",")]
    assert classes[-1] == "prompt-studio"


def test_the_app_icon_offers_every_rendered_size(qapp: QApplication) -> None:
    from studio.ui.app_icon import SIZES, app_icon

    icon = app_icon()
    assert sorted(size.width() for size in icon.availableSizes()) == sorted(SIZES)
    image = icon.pixmap(48, 48).toImage()
    assert image.width() == 48
    assert any(image.pixelColor(x, 24).alpha() > 0 for x in range(48))  # drawn, not blank
