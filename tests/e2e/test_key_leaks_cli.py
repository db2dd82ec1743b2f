"""API keys never leave the OS keyring: a scripted CLI session, then a search for them.

The session stores four distinctive keys (one an Azure key, bare hex) in the real Secret
Service, runs with them,
fails with 401s whose bodies echo the key (as OpenAI's "Incorrect API key provided: sk-…"
does), runs against a server that wants another key, runs with verbose logging, reads the
history, searches it, and exports a collection with its runs. Then no key may appear in:
any file under PROMPT_STUDIO_HOME (config, data, cache; the SQLite file with its WAL),
the exported file, anything any command printed, or the command line or environment of
the CLI process and its children, sampled while each command runs.

The second half checks the logging filter that stands between the code and any log
output, for each form in which a key travels.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from studio.core.redact import MASK, RedactingFilter, redact, register_secret
from tests.e2e.cli import NO_KEYRING, REPO, Result, cli
from tests.support.processes import descendants
from tests.support.scenarios import HtmlPage, Status, Synthetic
from tests.support.simulator import Simulator

real_keyring = pytest.mark.skipif(
    os.environ.get("PROMPT_STUDIO_TEST_KEYRING") != "1",
    reason="needs the Secret Service session that tests/run.sh starts "
           "(PROMPT_STUDIO_TEST_KEYRING=1 inside dbus-run-session with gnome-keyring)")

PROTOCOLS = ("openai", "anthropic", "gemini", "azure")
_CANARY = uuid.uuid4().hex
KEYS = {
    "openai": f"sk-LEAKCANARY-{_CANARY[:16]}-{_CANARY[16:]}",
    "anthropic": f"ant-LEAKCANARY-{_CANARY}",
    "gemini": f"AIzaLEAKCANARY{_CANARY}",
    # Azure keys are bare hex: nothing but the header name gives them away
    "azure": _CANARY,
}
PROVIDERS = {p: f"leak-{p}" for p in PROTOCOLS}
# How each provider words a rejected key, quoting it back.
ECHOES = {
    "openai": "Incorrect API key provided: {key}. You can find your API key at "
              "https://platform.openai.com/account/api-keys.",
    "anthropic": "invalid x-api-key: {key}",
    "gemini": "API key not valid. Please pass a valid API key. (key={key})",
    "azure": "Access denied due to invalid subscription key {key} or wrong API endpoint.",
}


@dataclass
class Transcript:
    """Everything the session's commands printed, and every command line seen meanwhile."""

    outputs: list[str] = field(default_factory=list)
    cmdlines: list[bytes] = field(default_factory=list)
    environs: list[bytes] = field(default_factory=list)
    pids_seen: set[int] = field(default_factory=set)


def _sample(proc: subprocess.Popen[str], transcript: Transcript, stop: threading.Event) -> None:
    while not stop.is_set():
        for pid in descendants(proc.pid):
            for name, into in (("cmdline", transcript.cmdlines),
                               ("environ", transcript.environs)):
                try:
                    data = Path(f"/proc/{pid}/{name}").read_bytes()
                except OSError:
                    continue
                if data:
                    into.append(data)
                    transcript.pids_seen.add(pid)
        stop.wait(0.005)


def watched_cli(*args: str, home: Path, transcript: Transcript, stdin: str | None = None,
                env: dict[str, str] | None = None, keyring: bool = True) -> Result:
    """Like tests.e2e.cli.cli, sampling /proc while the command runs."""
    full_env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    full_env.pop("PYTHON_KEYRING_BACKEND", None)
    if not keyring:
        full_env["PYTHON_KEYRING_BACKEND"] = NO_KEYRING
    full_env.update(PROMPT_STUDIO_HOME=str(home), PYTHONPATH=str(REPO), **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "studio", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env, cwd=REPO)
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(proc, transcript, stop), daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(stdin, timeout=60)
    finally:
        stop.set()
        sampler.join(5)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    transcript.outputs += [out, err]
    return Result(proc.returncode, out, err)


@pytest.fixture
def sims() -> Iterator[dict[str, Simulator]]:
    started = {p: Simulator(require_key=KEYS[p]).start() for p in PROTOCOLS}
    started["wrong"] = Simulator(require_key="sk-the-key-this-server-wants-0000").start()
    try:
        yield started
    finally:
        for sim in started.values():
            sim.stop()


def _files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        for path in root.rglob("*"):
            if path.is_file():
                yield path


def _occurrences(data: bytes) -> list[str]:
    found = []
    for protocol, key in KEYS.items():
        # The random part alone too: a partly masked key still leaks its secret part.
        if key.encode() in data or _CANARY.encode() in data or _CANARY[16:].encode() in data:
            found.append(protocol)
    return found


@pytest.mark.keyring
@real_keyring
def test_a_scripted_session_leaves_no_key_anywhere(sims: dict[str, Simulator],
                                                   studio_home: Path, tmp_path: Path) -> None:
    home = studio_home
    t = Transcript()
    exported = tmp_path / "export" / "leaks.json"
    exported.parent.mkdir()

    def run(*args: str, stdin: str | None = None, code: int | None = 0) -> Result:
        r = watched_cli(*args, home=home, transcript=t, stdin=stdin)
        if code is not None:
            assert r.code == code, (args, r.out, r.err)
        return r

    database = home / "data" / "studio.sqlite3"
    for protocol in PROTOCOLS:
        run("providers", "add", PROVIDERS[protocol], "--kind", protocol, "--base-url",
            sims[protocol].url(protocol), *_deployments(protocol))
    with contextlib.ExitStack() as stack:
        session(run, sims, models=[f"{PROVIDERS[p]}:ok" for p in PROTOCOLS], stack=stack,
                database=database, exported=exported)
        # The search, while the WAL is still held: every file, output, command line.
        wal = database.with_name("studio.sqlite3-wal")
        assert wal.exists() and wal.stat().st_size > 0
        files = list(_files_under(home, exported))
        assert {database, wal, exported} <= set(files)
        leaks = {}
        for path in files:
            found = _occurrences(path.read_bytes())
            if found:
                leaks[str(path)] = found
    for index, text in enumerate(t.outputs):
        found = _occurrences(text.encode())
        if found:
            leaks[f"output #{index}"] = found
    for data in t.cmdlines + t.environs:
        found = _occurrences(data)
        if found:
            leaks[data.replace(b"\0", b" ")[:200].decode(errors="replace")] = found
    assert not leaks, leaks
    # Sampling really saw the CLI processes (and their children: keyring's backend
    # discovery runs ldconfig and gcc through ctypes.util.find_library).
    assert sum(b"-m\0studio\0" in c for c in t.cmdlines) >= 20


def _deployments(protocol: str) -> list[str]:
    """An Azure endpoint's deployments are named when it is added."""
    if protocol != "azure":
        return []
    return [a for d in ("ok", "echo", "proxy") for a in ("--model", d)]


def session(run: Callable[..., Result], sims: dict[str, Simulator], *, models: list[str],
            stack: contextlib.ExitStack, database: Path, exported: Path) -> None:
    """The user's session: keys, good runs, 401s, a wrong key, -v, history, export."""
    try:
        for protocol in PROTOCOLS:
            run("keys", "set", PROVIDERS[protocol], stdin=KEYS[protocol] + "\n")
        listed = run("keys", "list", "--json").out
        assert "SecretService" in listed
        run("providers", "list")

        # 1. Runs that succeed: the right key reaches the right server, in its header.
        for protocol in PROTOCOLS:
            sims[protocol].script("echo", Status(401, message=ECHOES[protocol].format(
                key=KEYS[protocol])))
            sims[protocol].script("proxy", HtmlPage(body=(
                f"<html><head><title>Forbidden for {KEYS[protocol]}</title></head>"
                "</html>").encode()))
            sims[protocol].script("ok", Synthetic(["fine", " answer"]))
        ok = run("run", *[a for m in models for a in ("-m", m)], "-p", "Hello", "--json")
        assert [r["text"] for r in ok.json()["results"]] == ["fine answer"] * len(PROTOCOLS)
        # An idle reader keeps SQLite from folding the WAL away when each command exits,
        # so what every later command wrote is still there, raw, to be searched.
        wal_holder = stack.enter_context(contextlib.closing(sqlite3.connect(database)))
        wal_holder.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        for protocol in PROTOCOLS:
            (seen,) = sims[protocol].requests_for("ok")
            assert seen.presented_key == KEYS[protocol]

        # 2. 401s that quote the key back, and an error page that shows it in its title.
        failed = run("run", *[a for p in PROTOCOLS for a in ("-m", f"{PROVIDERS[p]}:echo",
                                                                 "-m", f"{PROVIDERS[p]}:proxy")],
                     "-p", "Hello", "--json", code=1)
        results = failed.json()["results"]
        assert [r["error"]["kind"] for r in results] == ["auth", "protocol"] * len(PROTOCOLS)
        assert all(MASK in r["error"]["message"] for r in results)
        assert "Incorrect API key provided: [redacted]" in results[0]["error"]["message"]
        run("run", "-m", f"{PROVIDERS['openai']}:echo", "-p", "Hello again", code=1)

        # 3. The same keys against a server that wants another one.
        for protocol in PROTOCOLS:
            run("providers", "add", PROVIDERS[protocol], "--kind", protocol, "--base-url",
                sims["wrong"].url(protocol), *_deployments(protocol))
        wrong = run("run", *[a for m in models for a in ("-m", m)], "-p", "Hi", "--json",
                    code=1)
        assert [r["error"]["status"] for r in wrong.json()["results"]] == [401] * len(
            PROTOCOLS)
        presented = {r.presented_key for r in sims["wrong"].requests}
        assert presented == set(KEYS.values())  # the keys did travel, in headers only

        # 4. Verbose logging of requests and failures, human output too.
        verbose = run("-v", "run", *[a for m in models for a in ("-m", m)], "-p", "Hi",
                      code=1)
        assert "HTTP Request: POST" in verbose.err  # the log is really on
        for protocol in PROTOCOLS:
            run("providers", "add", PROVIDERS[protocol], "--kind", protocol, "--base-url",
                sims[protocol].url(protocol), *_deployments(protocol))
        run("-v", "run", "-m", f"{PROVIDERS['gemini']}:echo", "-m",
            f"{PROVIDERS['anthropic']}:ok", "-p", "Hi", code=1)

        # 5. History, search, and a collection exported with its runs.
        run("collections", "add", "Leaks")
        run("prompts", "add", "--collection", "Leaks", "--title", "Echo", "-p", "Say hi")
        run("run", "--collection", "Leaks", "-m", f"{PROVIDERS['openai']}:echo", "-m",
            f"{PROVIDERS['gemini']}:ok", "--json", code=1)
        history = run("history", "list", "--json").json()
        assert len(history) >= 5
        for entry in (history[0], history[-2]):  # the collection run, the echoed 401s
            run("history", "show", str(entry["id"]))
            run("history", "show", str(entry["id"]), "--json")
        run("history", "list")
        assert run("search", "fine", "--json").json()
        run("search", "Incorrect")
        run("collections", "export", "Leaks", "-o", str(exported), "--with-runs")
        run("collections", "export", "Leaks", "-o", "-", "--with-runs")
        assert "Incorrect API key provided" in exported.read_text()
    finally:
        for protocol in PROTOCOLS:
            run("keys", "delete", PROVIDERS[protocol], code=None)


# --- the log filter ---------------------------------------------------------------------


SECRET = "sk-LOGCANARY-" + uuid.uuid4().hex
GOOGLE = "AIzaLOGCANARY" + uuid.uuid4().hex
PLAIN = "plainsecret" + uuid.uuid4().hex  # no recognisable shape: only registration helps


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, list[str]]]:
    """A logger whose handler has the filter the CLI installs, writing to a list."""
    lines: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = ListHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(f"studio.test.leaks.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, lines
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize(("message", "args"), [
    ("sending %s", ({"Authorization": f"Bearer {SECRET}"},)),
    ("sending %r", ([(b"authorization", f"Bearer {SECRET}".encode())],)),
    ("headers: %s", (httpx.Headers({"Authorization": f"Bearer {SECRET}"}),)),
    ("AUTHORIZATION:bearer %s", (SECRET,)),
    ("headers %s", ({"x-api-key": "ant-" + PLAIN},)),
    ("X-Api-Key: %s", ("ant-" + PLAIN,)),
    ("headers %s", ({"X-Goog-Api-Key": GOOGLE},)),
    ("x-goog-api-key=%s", ("goog" + PLAIN,)),
    ("GET %s", (f"https://generativelanguage.googleapis.com/v1beta/models?key={PLAIN}",)),
    ("GET %s", (f"https://example.test/v1/models?alt=sse&key={PLAIN}&pageSize=5",)),
    ("GET %s", (httpx.URL("https://example.test/v1beta/models", params={"key": PLAIN}),)),
    ("%s", (f'{{"error": {{"message": "Incorrect API key provided: {SECRET}."}}}}',)),
    ("api_key=%s and api-key: %s", ("k1" + PLAIN, "k2" + PLAIN)),
    ("headers: %s", (httpx.Headers({"api-key": PLAIN}),)),
    ("sending %r", ([(b"api-key", PLAIN.encode())],)),
    ("sending %r", ([(b"x-api-key", ("ant-" + PLAIN).encode())],)),
    ("sending %r", ([(b"Authorization", f"Bearer {PLAIN}".encode())],)),
])
def test_log_records_carry_no_key(captured: tuple[logging.Logger, list[str]], message: str,
                                  args: tuple[object, ...]) -> None:
    logger, lines = captured
    logger.info(message, *args)
    (line,) = lines
    for secret in (SECRET, GOOGLE, PLAIN):
        assert secret not in line, line
    assert MASK in line


def test_a_logged_traceback_carries_no_key(captured: tuple[logging.Logger, list[str]]) -> None:
    logger, lines = captured
    try:
        raise RuntimeError(f"request failed with headers {{'x-api-key': '{PLAIN}'}} "
                           f"and Authorization: Bearer {SECRET}")
    except RuntimeError:
        logger.exception("unexpected failure while streaming %s", "model")
    text = "\n".join(lines)
    assert "Traceback" in text and "RuntimeError" in text
    assert SECRET not in text and PLAIN not in text


def test_a_registered_key_is_masked_in_any_shape(captured: tuple[logging.Logger, list[str]]
                                                 ) -> None:
    logger, lines = captured
    odd = "zq" + uuid.uuid4().hex  # no prefix, no header name: only registration catches it
    register_secret(odd)
    logger.warning("the server said: %s", f"key {odd} is revoked")
    logger.warning(f"inline {odd} too")
    assert all(odd not in line for line in lines)
    assert redact(f"{odd}{odd}") == MASK * 2


@pytest.mark.parametrize(("args", "message"), [
    (["keys", "set", "openai", SECRET], "read from standard input, never from the command line"),
    (["run", "-m", "openai:gpt-4o", "-p", "hi", SECRET], "unrecognized arguments: [redacted]"),
    (["keys", "delete", "openai", GOOGLE], "unrecognized arguments: [redacted]"),
])
def test_a_key_typed_on_the_command_line_is_refused_not_echoed(
        studio_home: Path, args: list[str], message: str) -> None:
    # The only way in is standard input (or the hidden prompt), never argv; and a key
    # pasted there by mistake is not printed back into a terminal log or CI output.
    r = cli(*args, home=studio_home)
    assert r.code == 2
    assert message in r.err
    assert SECRET not in r.err + r.out and GOOGLE not in r.err + r.out


def test_a_key_from_the_environment_leaks_nowhere_either(studio_home: Path) -> None:
    """Without a keyring: the key comes from the provider's variable; verbose run, 401
    echoes, history and export. (The keyring session above needs a Secret Service.)"""
    key = f"sk-ENVCANARY-{_CANARY}"
    t = Transcript()
    with Simulator(require_key=key) as sim:
        sim.script("echo", Status(401, message=ECHOES["openai"].format(key=key)))
        sim.script("ok", Synthetic(["fine"]))

        def run(*args: str, code: int = 0) -> Result:
            r = watched_cli(*args, home=studio_home, transcript=t,
                            env={"LEAK_TEST_KEY": key}, keyring=False)
            assert r.code == code, (args, r.out, r.err)
            return r

        run("providers", "add", "env-openai", "--kind", "openai", "--base-url",
            sim.url("openai"), "--key-env", "LEAK_TEST_KEY")
        run("collections", "add", "Env")
        database = studio_home / "data" / "studio.sqlite3"
        with contextlib.closing(sqlite3.connect(database)) as wal_holder:
            wal_holder.execute("SELECT count(*) FROM sqlite_schema").fetchone()
            run("prompts", "add", "--collection", "Env", "--title", "Echo", "-p", "Say hi")
            r = run("-v", "run", "--collection", "Env", "-m", "env-openai:echo",
                    "-m", "env-openai:ok", "--json", code=1)
            assert "HTTP Request: POST" in r.err
            assert "Incorrect API key provided: [redacted]" in r.out
            assert [q.presented_key for q in sim.requests] == [key, key]
            run("history", "show", "1")
            exported = studio_home.parent / "env-export.json"
            run("collections", "export", "Env", "-o", str(exported), "--with-runs")
            marker = key.encode()
            files = list(_files_under(studio_home, exported))
            assert database.with_name("studio.sqlite3-wal") in files
            assert all(marker not in path.read_bytes() for path in files)
    assert all(key not in text for text in t.outputs)
    assert all(marker not in c for c in t.cmdlines)
    # The environment is where this key is meant to be; nowhere else.
    assert any(marker in e for e in t.environs)
