"""packaging/install-desktop.sh: the launcher entry, metainfo and icons land where desktops
look for them, pass the freedesktop validators, and go away again on --uninstall."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "packaging" / "install-desktop.sh"
APP_ID = "io.github.promptstudio.PromptStudio"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SOURCE_DESKTOP = REPO / "resources" / "desktop" / f"{APP_ID}.desktop"
SOURCE_METAINFO = REPO / "resources" / "desktop" / f"{APP_ID}.metainfo.xml"
SOURCE_ICONS = REPO / "resources" / "icons" / "hicolor"


def install(data_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run(["sh", str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def installed_files(data_home: Path) -> dict[Path, Path]:
    """Where each shipped file should end up → the file it comes from."""
    files = {
        data_home / "applications" / f"{APP_ID}.desktop": SOURCE_DESKTOP,
        data_home / "metainfo" / f"{APP_ID}.metainfo.xml": SOURCE_METAINFO,
        data_home / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg":
            SOURCE_ICONS / "scalable/apps" / f"{APP_ID}.svg",
    }
    for size in SIZES:
        rel = Path(f"{size}x{size}") / "apps" / f"{APP_ID}.png"
        files[data_home / "icons/hicolor" / rel] = SOURCE_ICONS / rel
    return files


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is no PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def validator(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: desktop-file-utils / appstream)")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A system-like root: the data home is <root>/usr/share, as appstreamcli expects."""
    return tmp_path / "root"


@pytest.fixture
def data_home(tree: Path) -> Path:
    return tree / "usr" / "share"


def test_install_puts_every_file_in_the_users_data_dir(data_home: Path) -> None:
    result = install(data_home)
    assert result.returncode == 0, result.stderr
    for target, source in installed_files(data_home).items():
        assert target.is_file(), f"{target} was not installed"
        assert target.read_bytes() == source.read_bytes()
    for size in SIZES:
        png = data_home / "icons/hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(png) == (size, size)
    if shutil.which("gtk-update-icon-cache"):
        assert (data_home / "icons/hicolor/icon-theme.cache").is_file()


def test_installed_desktop_entry_passes_desktop_file_validate(data_home: Path) -> None:
    tool = validator("desktop-file-validate")
    assert install(data_home).returncode == 0
    desktop = data_home / "applications" / f"{APP_ID}.desktop"
    check = subprocess.run([tool, str(desktop)], capture_output=True, text=True, timeout=60,
                           check=False)
    assert check.returncode == 0 and check.stdout.strip() == "", check.stdout + check.stderr


def test_installed_tree_passes_appstream_validation(tree: Path, data_home: Path) -> None:
    tool = validator("appstreamcli")
    assert install(data_home).returncode == 0
    metainfo = data_home / "metainfo" / f"{APP_ID}.metainfo.xml"
    single = subprocess.run([tool, "validate", "--no-net", str(metainfo)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert single.returncode == 0, single.stdout + single.stderr
    # validate-tree also checks that the launchable desktop entry exists next to it.
    whole = subprocess.run([tool, "validate-tree", "--no-net", str(tree)], capture_output=True,
                           text=True, timeout=60, check=False)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert "Validation was successful" in whole.stdout


def test_entry_launches_the_gui_script_and_names_the_installed_icon(data_home: Path) -> None:
    assert install(data_home).returncode == 0
    entry = (data_home / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    keys = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert keys["Exec"].split()[0] in project["gui-scripts"]
    assert (data_home / "icons/hicolor/scalable/apps" / f"{keys['Icon']}.svg").is_file()


def test_exec_can_point_at_a_bundle_in_a_path_with_spaces(tmp_path: Path,
                                                          data_home: Path) -> None:
    bundle = tmp_path / "My Apps" / "prompt-studio" / "prompt-studio"
    result = install(data_home, "--exec", str(bundle))
    assert result.returncode == 0, result.stderr
    entry = (data_home / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert f'Exec="{bundle}"' in entry.splitlines()
    tool = shutil.which("desktop-file-validate")
    if tool:
        check = subprocess.run([tool, str(data_home / "applications" / f"{APP_ID}.desktop")],
                               capture_output=True, text=True, timeout=60, check=False)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout


def test_uninstall_removes_only_what_install_put_there(data_home: Path) -> None:
    assert install(data_home).returncode == 0
    neighbour = data_home / "applications" / "org.example.Other.desktop"
    neighbour.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n",
                         encoding="utf-8")
    other_icon = data_home / "icons/hicolor/48x48/apps/org.example.Other.png"
    other_icon.write_bytes(b"not ours")

    result = install(data_home, "--uninstall")
    assert result.returncode == 0, result.stderr
    for target in installed_files(data_home):
        assert not target.exists(), f"{target} was left behind"
    assert neighbour.is_file() and other_icon.is_file()
    # Uninstalling twice is harmless.
    assert install(data_home, "--uninstall").returncode == 0


def test_unknown_argument_is_a_usage_error(data_home: Path) -> None:
    result = install(data_home, "--bogus")
    assert result.returncode == 2
    assert "unknown argument: --bogus" in result.stderr
    assert not data_home.exists()


@pytest.mark.gui
def test_rendered_icons_match_the_app_icon_drawing() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    check = subprocess.run([sys.executable, str(REPO / "packaging" / "render_icons.py"),
                            "--check"], capture_output=True, text=True, env=env, timeout=120,
                           check=False)
    assert check.returncode == 0, check.stderr
