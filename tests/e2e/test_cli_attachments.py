"""`prompt-studio run -a`, `--continue -a`, `prompts add -a`, `history show --json` and
collection files with attachments, through the real CLI and the loopback simulator."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from tests.e2e.cli import add_sim_providers, cli
from tests.support import images
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def home(studio_home: Path, sim: Simulator) -> Path:
    sim.reset()
    add_sim_providers(studio_home, sim, {"o": "openai", "a": "anthropic"})
    return studio_home


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {"mockup.png": images.png(90, 60), "shot.jpg": images.jpeg(50, 40),
            "data.csv": b"name,score\nada,3\n", "broken.png": images.truncated_png(),
            "tool.bin": bytes(range(256))}
    paths = {}
    for name, data in made.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths[name] = path
    return paths


def _ref(path: Path, media_type: str) -> dict[str, object]:
    data = path.read_bytes()
    return {"name": path.name, "media_type": media_type,
            "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _image_urls(message: dict) -> list[bytes]:
    return [base64.b64decode(p["image_url"]["url"].split(",", 1)[1])
            for p in message["content"] if p.get("type") == "image_url"]


def test_run_sends_files_and_history_lists_them(home: Path, sim: Simulator,
                                                files: dict[str, Path]) -> None:
    sim.script("m1", Synthetic(["<p>", "built", "</p>"]))
    r = cli("run", "-m", "o:m1", "-m", "a:claude-x", "-p", "Build this page",
            "-a", str(files["mockup.png"]), "-a", str(files["data.csv"]), "--json", home=home)
    assert r.code == 0, r.err
    run_id = r.json()["run_id"]
    (seen,) = sim.requests_for("m1")
    message = seen.json["messages"][-1]
    assert message["content"][0] == {
        "type": "text",
        "text": "Build this page\n\ndata.csv\n```csv\nname,score\nada,3\n```"}
    assert message["content"][1]["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(files["mockup.png"].read_bytes()).decode())
    (claude,) = sim.requests_for("claude-x")
    block = claude.json["messages"][-1]["content"][0]
    assert base64.b64decode(block["source"]["data"]) == files["mockup.png"].read_bytes()

    shown = cli("history", "show", str(run_id), "--json", home=home)
    assert shown.code == 0, shown.err
    assert shown.json()["turns"][0]["attachments"] == [
        _ref(files["mockup.png"], "image/png"), _ref(files["data.csv"], "text/csv")]
    text = cli("history", "show", str(run_id), home=home).out
    assert "attached: mockup.png (image/png" in text

    # a follow-up keeps the first prompt's image and adds its own
    sim.script("m1", Synthetic(["fixed"]))
    f = cli("run", "--continue", str(run_id), "-m", "o:m1", "-p", "Fix it",
            "-a", str(files["shot.jpg"]), "--json", home=home)
    assert f.code == 0, f.err
    follow = sim.requests_for("m1")[-1].json["messages"]
    users = [m for m in follow if m["role"] == "user"]
    assert _image_urls(users[0]) == [files["mockup.png"].read_bytes()]
    assert _image_urls(users[1]) == [files["shot.jpg"].read_bytes()]
    assert any(m["role"] == "assistant" and m["content"] == "<p>built</p>" for m in follow)
    turns = cli("history", "show", str(run_id), "--json", home=home).json()["turns"]
    assert [t["attachments"] for t in turns][1] == [_ref(files["shot.jpg"], "image/jpeg")]


@pytest.mark.parametrize(("name", "words"), [
    ("broken.png", "broken.png is not a readable image"),
    ("tool.bin", "tool.bin is neither an image"),
    ("missing.png", "cannot read"),
])
def test_a_file_that_cannot_be_sent_is_a_usage_error_and_nothing_is_sent(
        home: Path, sim: Simulator, files: dict[str, Path], name: str, words: str) -> None:
    path = files.get(name, files["mockup.png"].parent / name)
    r = cli("run", "-m", "o:m1", "-p", "Look", "-a", str(path), home=home)
    assert r.code == 2
    assert words in r.err
    assert sim.requests == []
    assert cli("history", "list", "--json", home=home).json() == []


def test_a_model_known_to_be_blind_is_not_sent_images_unless_asked(
        home: Path, sim: Simulator, files: dict[str, Path]) -> None:
    found = next(home.rglob("providers.json"))
    data = json.loads(found.read_text(encoding="utf-8"))
    data["providers"]["o"]["text_only_models"] = ["blind-*"]
    found.write_text(json.dumps(data), encoding="utf-8")
    sim.script("blind-1", Synthetic(["a mockup"]))
    r = cli("run", "-m", "o:blind-1", "-p", "What is it?", "-a", str(files["mockup.png"]),
            "--json", home=home)
    assert r.code == 1
    error = r.json()["results"][0]["error"]
    assert error["kind"] == "bad_request"
    assert "o:blind-1 does not take images" in error["message"]
    assert sim.requests == []
    anyway = cli("run", "-m", "o:blind-1", "-p", "What is it?", "-a", str(files["mockup.png"]),
                 "--send-images-anyway", "--json", home=home)
    assert anyway.code == 0, anyway.err
    assert _image_urls(sim.requests_for("blind-1")[0].json["messages"][-1]) == [
        files["mockup.png"].read_bytes()]


def test_library_prompts_with_files_run_and_travel_in_collection_files(
        home: Path, sim: Simulator, files: dict[str, Path], tmp_path: Path) -> None:
    assert cli("collections", "add", "Pages", home=home).code == 0
    added = cli("prompts", "add", "--collection", "Pages", "--title", "From mockup", "-p",
                "Turn this mockup into a page", "-a", str(files["mockup.png"]), "--json",
                home=home)
    assert added.code == 0, added.err
    assert added.json()["attachments"] == [_ref(files["mockup.png"], "image/png")]
    bad = cli("prompts", "add", "--collection", "Pages", "--title", "Bad", "-p", "x",
              "-a", str(files["broken.png"]), home=home)
    assert bad.code == 2 and "broken.png" in bad.err
    sim.script("m2", Synthetic(["<main>page</main>"]))
    r = cli("run", "--collection", "Pages", "-m", "o:m2", "--json", home=home)
    assert r.code == 0, r.err
    assert _image_urls(sim.requests_for("m2")[0].json["messages"][-1]) == [
        files["mockup.png"].read_bytes()]

    out = tmp_path / "pages.json"
    assert cli("collections", "export", "Pages", "-o", str(out), "--with-runs",
               home=home).code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [base64.b64decode(f["base64"]) for f in doc["files"]] == [
        files["mockup.png"].read_bytes()]
    other = tmp_path / "other-home"
    imported = cli("collections", "import", str(out), home=other)
    assert imported.code == 0, imported.err
    runs = cli("history", "list", "--json", home=other).json()
    shown = cli("history", "show", str(runs[0]["id"]), "--json", home=other).json()
    assert shown["turns"][0]["attachments"] == [_ref(files["mockup.png"], "image/png")]
    sim.script("m3", Synthetic(["again"]))
    add_sim_providers(other, sim, {"o": "openai"})
    again = cli("run", "--collection", "Pages", "-m", "o:m3", "--json", home=other)
    assert again.code == 0, again.err
    assert _image_urls(sim.requests_for("m3")[0].json["messages"][-1]) == [
        files["mockup.png"].read_bytes()]


def test_a_collection_batch_sends_the_given_files_after_each_prompts_own(
        home: Path, sim: Simulator, files: dict[str, Path]) -> None:
    assert cli("collections", "add", "Pages", home=home).code == 0
    for title in ("One", "Two"):
        assert cli("prompts", "add", "--collection", "Pages", "--title", title, "-p",
                   f"Page {title}", "-a", str(files["mockup.png"]), home=home).code == 0
    sim.script("m5", Synthetic(["done"]))
    r = cli("run", "--collection", "Pages", "-m", "o:m5", "-a", str(files["data.csv"]),
            "--json", home=home)
    assert r.code == 0, r.err
    sent = sim.requests_for("m5")
    assert len(sent) == 2
    for request in sent:
        message = request.json["messages"][-1]
        assert message["content"][0]["text"].endswith("data.csv\n```csv\nname,score\nada,3\n```")
        assert _image_urls(message) == [files["mockup.png"].read_bytes()]
    runs = r.json()["runs"]
    assert [res["notes"] for run in runs for res in run["results"]] == [[], []]
    shown = cli("history", "show", str(runs[0]["run_id"]), "--json", home=home).json()
    assert shown["turns"][0]["attachments"] == [_ref(files["mockup.png"], "image/png"),
                                                _ref(files["data.csv"], "text/csv")]
    # a resumed batch runs as it was started: no new files
    resumed = cli("run", "--resume", "1", "-a", str(files["data.csv"]), home=home)
    assert resumed.code == 2 and "-a cannot be given" in resumed.err
    # a file that cannot be sent stops the batch before it exists
    bad = cli("run", "--collection", "Pages", "-m", "o:m5", "-a", str(files["tool.bin"]),
              home=home)
    assert bad.code == 2 and "tool.bin is neither an image" in bad.err
    assert len(sim.requests_for("m5")) == 2
    assert len(cli("history", "batches", "--json", home=home).json()) == 1


def test_a_scaled_image_is_noted_in_the_result(home: Path, sim: Simulator,
                                               tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    wide.write_bytes(images.png(9000, 300))
    sim.script("claude-w", Synthetic(["wide"]))
    r = cli("run", "-m", "a:claude-w", "-p", "Look", "-a", str(wide), "--json", home=home)
    assert r.code == 0, r.err
    (note,) = r.json()["results"][0]["notes"]
    assert "wide.png" in note and "8000×266" in note
    sim.script("claude-w", Synthetic(["wide"]))
    printed = cli("run", "-m", "a:claude-w", "-p", "Look", "-a", str(wide), home=home)
    assert printed.code == 0, printed.err
    assert f"[{note}]\n" in printed.out
