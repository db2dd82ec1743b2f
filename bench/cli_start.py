"""Command line start-up: `--version` and a one-answer `run --json`, each a fresh process.

- `prompt-studio --version` (the installed entry point; `python -m studio` where there is
  none) against a bare interpreter start, `python -c pass`.
- `prompt-studio run -m bench:bench-0 -p … --json`: one answer of 200 chunks from the
  loopback simulator (in its own process), to a provider that needs a key; the key is in
  the provider's environment variable, and the keyring is asked first, with keyring's own
  default configuration (no `PYTHON_KEYRING_BACKEND`, no keyringrc.cfg, no D-Bus session:
  a server or a container). Against `python bench/lean_reader.py`, which sends the same
  request with the same key and prints the same JSON: httpx, `aiter_lines`, `json.loads`.
- For context: `--help` (the whole parser), the same run to a keyless provider, and, where
  `dbus-run-session` and `gnome-keyring-daemon` are installed, the same run with the key
  in a real Secret Service (a private D-Bus session with a throw-away keyring).

Commands alternate; every figure is the median of `max(3 × runs, 15)` starts. The home,
keyring and config directories are temporary, and every output is checked.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.common import (
    REPO,
    Report,
    child_env,
    delta_row,
    info_row,
    load_note,
    median,
    progress,
    ratio_row,
)
from bench.sim_server import SimProcess
from bench.workload import stream_chunks

NAME = "cli"
TITLE = "Command line: `--version` and a one-answer `run --json`"
CHUNKS = 200
MODEL = "bench-0"
PROMPT = "Say something short."
KEY = "sk-bench-cli-0123456789"
KEY_ENV = "BENCH_API_KEY"
KEYRING_PASSWORD = "prompt-studio-bench"

Timing = tuple[float, float]  # wall seconds, CPU seconds of the child


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: Sequence[str], env: Mapping[str, str], expect: str | None = None) -> Timing:
    """Run one process to its end; `expect`: the text its JSON's first result must hold."""
    started, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(list(argv), cwd=REPO, env=dict(env), capture_output=True,
                          text=True, timeout=120)
    timing = (time.perf_counter() - started, _children_cpu() - cpu)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[1:4]} exited {proc.returncode}: {proc.stderr[-2000:]}")
    if expect is not None:
        text = json.loads(proc.stdout)["results"][0]["text"]
        if text != expect:
            raise RuntimeError(f"{argv[1:4]}: wrong text ({len(text)} characters)")
    return timing


def alternate(commands: Mapping[str, tuple[Sequence[str], Mapping[str, str], str | None]],
              starts: int) -> dict[str, list[Timing]]:
    times: dict[str, list[Timing]] = {name: [] for name in commands}
    for argv, env, expect in commands.values():  # untimed: warms the disk cache
        timed(argv, env, expect)
    for _ in range(starts):
        for name, (argv, env, expect) in commands.items():
            times[name].append(timed(argv, env, expect))
    return times


def studio_command() -> list[str]:
    """The installed `prompt-studio` script when there is one (what users run)."""
    script = Path(sys.executable).parent / "prompt-studio"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "studio"]


def run_env(home: Path, *, session_bus: bool = False) -> dict[str, str]:
    """A user's environment without keyring configuration (and without a D-Bus session
    unless asked): temporary home and config directories, the key in its variable."""
    env = child_env(home)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    if not session_bus:
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        env["XDG_RUNTIME_DIR"] = str(home)  # no bus socket there either
    env["XDG_CONFIG_HOME"] = str(home / "config")  # keyring's keyringrc.cfg: none
    env[KEY_ENV] = KEY
    return env


def add_providers(base_url: str, env: Mapping[str, str]) -> None:
    studio = studio_command()
    for argv in (["providers", "add", "bench", "--kind", "openai", "--base-url", base_url,
                  "--key-env", KEY_ENV],
                 ["providers", "add", "open", "--kind", "openai", "--base-url", base_url,
                  "--no-key"]):
        done = subprocess.run([*studio, *argv], cwd=REPO, env=dict(env), capture_output=True,
                              text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"providers add failed: {done.stderr}")


def run_commands(base_url: str, env: Mapping[str, str], expected: str
                 ) -> dict[str, tuple[list[str], Mapping[str, str], str | None]]:
    studio = studio_command()
    lean = [sys.executable, str(REPO / "bench" / "lean_reader.py"), "--base-url", base_url,
            "-m", MODEL, "-p", PROMPT]
    return {
        "run": ([*studio, "run", "-m", f"bench:{MODEL}", "-p", PROMPT, "--json"], env,
                expected),
        "lean": (lean, env, expected),
        "run keyless": ([*studio, "run", "-m", f"open:{MODEL}", "-p", PROMPT, "--json"], env,
                        expected),
    }


def _secret_service_tools() -> bool:
    return all(shutil.which(tool) for tool in ("dbus-run-session", "gnome-keyring-daemon"))


def in_secret_service_session(base_url: str, home: Path, expected: str, starts: int
                              ) -> dict[str, list[Timing]]:
    """The studio (key in the keyring) and the lean reader inside a private D-Bus session
    with a throw-away gnome-keyring, timed by a child process that lives in that session."""
    keyring_home = home / "keyring"
    keyring_home.mkdir()
    env = run_env(home, session_bus=True)
    env["XDG_DATA_HOME"] = str(keyring_home)  # gnome-keyring keeps its files there
    script = ('printf %s "$0" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
              ' && exec "$@"')
    proc = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script, KEYRING_PASSWORD, sys.executable,
         "-m", "bench.cli_start", "--in-session", base_url, str(home), expected,
         str(starts)], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"the Secret Service session failed: {proc.stderr[-2000:]}")
    found: dict[str, list[Timing]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return {name: [(wall, cpu) for wall, cpu in values] for name, values in found.items()}


def _session_child(base_url: str, home: Path, expected: str, starts: int) -> int:
    env = dict(os.environ)
    keys = subprocess.run([*studio_command(), "keys", "set", "bench"], input=KEY + "\n",
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    if keys.returncode != 0 or "OS keyring" not in keys.stdout:
        print(f"keys set failed: {keys.stderr}", file=sys.stderr)
        return 1
    commands = run_commands(base_url, env, expected)
    del commands["run keyless"]
    print(json.dumps(alternate(commands, starts)))
    return 0


def _rows(report: Report, label: str, measured: list[Timing], baseline: list[Timing],
          baseline_label: str, limit: float | None) -> None:
    wall, base = median([t[0] for t in measured]), median([t[0] for t in baseline])
    if limit is None:
        report.rows.append(info_row(f"{label}, wall", wall * 1000, "ms", base * 1000,
                                    baseline_label))
    else:
        report.rows.append(ratio_row(f"{label}, wall", wall * 1000, base * 1000, "ms", limit,
                                     baseline_label))
    report.rows.append(info_row(f"{label}, CPU", median([t[1] for t in measured]) * 1000,
                                "ms", median([t[1] for t in baseline]) * 1000,
                                baseline_label))


def run(runs: int = 5, quick: bool = False) -> Report:
    starts = 3 if quick else max(3 * runs, 15)
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick)")
    report.notes.append(load_note() + " at start")
    expected = "".join(stream_chunks(1, CHUNKS)[MODEL])
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        home = Path(tmp)
        env = run_env(home)
        studio = studio_command()
        progress(f"--version and --help, {starts} starts each")
        bare = [sys.executable, "-c", "pass"]
        starts_ = alternate({"bare": (bare, env, None),
                             "version": ([*studio, "--version"], env, None),
                             "help": ([*studio, "--help"], env, None)}, starts)
        base = median([t[0] for t in starts_["bare"]]) * 1000
        report.rows.append(delta_row("`prompt-studio --version`, wall",
                                     median([t[0] for t in starts_["version"]]) * 1000,
                                     base, "ms", 60, "python -c pass"))
        report.rows.append(info_row("`prompt-studio --help` (the whole parser), wall",
                                    median([t[0] for t in starts_["help"]]) * 1000, "ms",
                                    base, "python -c pass"))
        with SimProcess(1, CHUNKS, 1) as sim:
            add_providers(sim.base_url, env)
            progress(f"one-answer runs, {starts} starts each")
            runs_ = alternate(run_commands(sim.base_url, env, expected), starts)
            _rows(report, "`run --json`, one answer, key from its variable", runs_["run"],
                  runs_["lean"], "lean httpx script", 1.6)
            _rows(report, "`run --json`, one answer, keyless provider (context)",
                  runs_["run keyless"], runs_["lean"], "lean httpx script", None)
            if _secret_service_tools() and not quick:
                progress(f"one-answer runs with the Secret Service, {starts} starts each")
                session = in_secret_service_session(sim.base_url, home, expected, starts)
                _rows(report, "`run --json`, one answer, key in the Secret Service (context)",
                      session["run"], session["lean"], "lean httpx script", None)
            else:
                report.notes.append("no dbus-run-session or gnome-keyring-daemon here (or "
                                    "--quick): the Secret Service row is left out")
    report.notes.append(
        f"medians of {starts} alternating starts per command; `prompt-studio` is "
        f"`{' '.join(Path(a).name for a in studio)}`; answers of {CHUNKS} chunks, every "
        "output checked; CPU is the child's own user+system time")
    report.notes.append(load_note() + " at end")
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in-session", nargs=4, metavar=("URL", "HOME", "TEXT", "STARTS"))
    args = parser.parse_args()
    if args.in_session:
        url, home, text, starts = args.in_session
        return _session_child(url, Path(home), text, int(starts))
    from bench.common import format_text

    print(format_text(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
