"""The built distributions work on their own: `python -m build` makes an sdist and a wheel
that carry resources/, and the wheel, installed into a fresh virtual environment, runs the
CLI against the loopback simulator from outside the source tree."""

from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import studio
from tests.support.simulator import Simulator

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources"
NO_KEYRING = "keyring.backends.fail.Keyring"
DEFAULT_OPENAI_ANSWER = "Hello there! 😊 How can I help you today?"


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path  # built from the sdist, as `python -m build` does
    direct_wheel: Path  # built straight from the source tree, as `pip install .` does


def shipped_resources() -> dict[str, bytes]:
    return {p.relative_to(RESOURCES).as_posix(): p.read_bytes()
            for p in sorted(RESOURCES.rglob("*")) if p.is_file()}


def _build(outdir: Path, *args: str) -> None:
    if importlib.util.find_spec("build") is None:
        pytest.skip("the `build` frontend is not installed (pip install build)")
    command = [sys.executable, "-m", "build", "--outdir", str(outdir), *args]
    if importlib.util.find_spec("hatchling") is not None:
        # With the backend at hand nothing has to be fetched for an isolated build env.
        command.append("--no-isolation")
    proc = subprocess.run([*command, str(REPO)], capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    _build(out)
    _build(out / "direct", "--wheel")
    (sdist,) = out.glob("prompt_studio-*.tar.gz")
    (wheel,) = out.glob("prompt_studio-*.whl")
    (direct,) = (out / "direct").glob("prompt_studio-*.whl")
    return Dists(sdist, wheel, direct)


def _host_site_dirs() -> list[str]:
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return list(dict.fromkeys(d for d in dirs if Path(d).is_dir()))


@pytest.fixture(scope="session")
def venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed into it.

    The heavy dependencies (PySide6 with QtWebEngine is ~670 MB) are not installed again:
    that would download them, and what is under test is our wheel, not pip's resolver. The
    venv reaches the running interpreter's packages through a .pth file rather than
    `--system-site-packages`, which would expose the *base* interpreter's packages and so
    miss them when the tests themselves run from a venv (as CI does). A .pth entry is
    appended after the venv's own site-packages, so the installed `studio` still wins over
    any copy of the source tree the host environment knows about.
    """
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True,
                   timeout=120)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    Path(purelib, "_host_packages.pth").write_text("\n".join(_host_site_dirs()) + "\n",
                                                   encoding="utf-8")
    # --no-deps: see above; --no-index: installing a local file needs no index at all.
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--no-compile", str(dists.wheel)],
        capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory with no source tree in or above it."""
    work = tmp_path / "work"
    work.mkdir()
    assert not (work / "studio").exists()
    return work


def run_in_venv(venv: Path, cwd: Path, home: Path, *args: str,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and k not in {"PYTHONPATH", "PYTHONHOME",
                                                       "VIRTUAL_ENV"}}
    env.update(PROMPT_STUDIO_HOME=str(home), PYTHON_KEYRING_BACKEND=NO_KEYRING,
               PYTHONNOUSERSITE="1", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_wheel_carries_every_resource_exactly_once(dists: Dists) -> None:
    expected = shipped_resources()
    for wheel in (dists.wheel, dists.direct_wheel):
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            duplicates = [n for n, count in Counter(names).items() if count > 1]
            assert duplicates == [], f"{wheel.name}: {duplicates}"
            shipped = {n.removeprefix("studio/resources/"): zf.read(n) for n in names
                       if n.startswith("studio/resources/")}
        assert shipped == expected, f"{wheel.name} differs from resources/"
        assert not any(n.startswith("resources/") for n in names)
    for required in ("prices.json", "presets.toml", "icons/app.svg",
                     "desktop/io.github.promptstudio.PromptStudio.desktop",
                     "desktop/io.github.promptstudio.PromptStudio.metainfo.xml",
                     "icons/hicolor/256x256/apps/io.github.promptstudio.PromptStudio.png"):
        assert required in expected


def test_both_wheels_hold_the_same_files(dists: Dists) -> None:
    def names(wheel: Path) -> list[str]:
        with zipfile.ZipFile(wheel) as zf:
            return sorted(zf.namelist())

    assert names(dists.wheel) == names(dists.direct_wheel)


def test_wheel_declares_the_cli_and_the_gui_entry_points(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = zf.read(name).decode()
    assert "[console_scripts]\nprompt-studio = studio.__main__:main" in entry_points
    assert "[gui_scripts]\nprompt-studio-gui = studio.__main__:gui_main" in entry_points


def test_unpacked_sdist_reads_its_resources_in_place(dists: Dists, tmp_path: Path,
                                                     outside: Path) -> None:
    with tarfile.open(dists.sdist) as tar:
        tar.extractall(tmp_path / "sdist", filter="data")
    (tree,) = (tmp_path / "sdist").iterdir()
    assert (tree / "resources" / "prices.json").is_file()
    code = ("import studio.core.resources as r, studio\n"
            "print(studio.__file__)\nprint(r.read_text('prices.json'))\n")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=outside, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    where, prices = proc.stdout.split("\n", 1)
    assert Path(where).is_relative_to(tree)
    assert prices.rstrip("\n") == (RESOURCES / "prices.json").read_text(
        encoding="utf-8").rstrip("\n")


def test_installed_cli_reports_its_version(venv: Path, outside: Path, tmp_path: Path) -> None:
    proc = run_in_venv(venv, outside, tmp_path / "home", str(venv / "bin" / "prompt-studio"),
                       "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"prompt-studio {studio.__version__}"
    gui_script = venv / "bin" / "prompt-studio-gui"
    assert os.access(gui_script, os.X_OK)
    assert "from studio.__main__ import gui_main" in gui_script.read_text(encoding="utf-8")


def test_installed_package_is_used_and_reads_resources_from_the_wheel(
        venv: Path, outside: Path, tmp_path: Path) -> None:
    code = (
        "import json, studio\n"
        "from studio.core.resources import resource, read_text\n"
        "print(json.dumps({'module': studio.__file__, 'prices': str(resource('prices.json')),"
        " 'text': read_text('prices.json'),"
        " 'icon': resource('icons', 'hicolor', '48x48', 'apps',"
        " 'io.github.promptstudio.PromptStudio.png').is_file()}))\n")
    proc = run_in_venv(venv, outside, tmp_path / "home", str(venv / "bin" / "python"),
                       "-c", code)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert Path(seen["module"]).resolve().is_relative_to(venv.resolve())
    assert Path(seen["prices"]).resolve().is_relative_to(venv.resolve())
    assert not Path(seen["prices"]).is_symlink()
    assert seen["text"] == (RESOURCES / "prices.json").read_text(encoding="utf-8")
    assert seen["icon"] is True


def test_installed_cli_runs_against_the_simulator(venv: Path, outside: Path,
                                                   tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli = str(venv / "bin" / "prompt-studio")
    with Simulator() as sim:
        added = run_in_venv(venv, outside, home, cli, "providers", "add", "sim", "--kind",
                            "openai", "--base-url", sim.url("openai"), "--no-key")
        assert added.returncode == 0, added.stderr
        ran = run_in_venv(venv, outside, home, cli, "run", "-m", "sim:any-model",
                          "-m", "sim:deepseek_reasoner_stream", "-p", "Say hello", "--json")
        assert ran.returncode == 0, ran.stderr
        assert sim.errors == []
        assert len(sim.requests_for("any-model")) == 1
    results = json.loads(ran.stdout)["results"]
    assert [r["model"] for r in results] == ["sim:any-model", "sim:deepseek_reasoner_stream"]
    for result in results:
        assert result["error"] is None
        assert result["text"] == DEFAULT_OPENAI_ANSWER
        assert result["usage"] == {"input_tokens": 6, "output_tokens": 212,
                                   "cached_input_tokens": 0, "cache_write_tokens": None}
    assert (home / "config" / "providers.json").is_file()
