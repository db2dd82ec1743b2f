"""Attaching files in the real window: paste and drop on the prompt (QMimeData with image
data and with file URLs), the file chips (remove, open), sending, the sent turn showing
its files, a reopened run following up with them, and "Send anyway"."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelState
from studio.ui.attachments.viewer import AttachmentViewer
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import settle
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target
from tests.support import images
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def _files(tmp_path: Path) -> dict[str, Path]:
    made = {"mockup.png": images.png(60, 40), "data.csv": b"a,b\n1,2\n",
            "broken.png": images.truncated_png()}
    out = {}
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
        out[name] = tmp_path / name
    return out


def _drop(widget, mime: QMimeData) -> bool:  # type: ignore[no-untyped-def]
    enter = QDragEnterEvent(QPoint(12, 12), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    accepted = enter.isAccepted()
    drop = QDropEvent(QPointF(12, 12), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return accepted


def _url_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def test_paste_and_drop_attach_files_and_sending_carries_them(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path) -> None:
    files = _files(tmp_path)
    area = window.prompt_area
    tray = area.attachments
    editor = area.editor
    editor.setFocus()

    # an image on the clipboard: Ctrl+V attaches it instead of pasting text
    picture = QImage(30, 20, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.red)
    mime = QMimeData()
    mime.setImageData(picture)
    QGuiApplication.clipboard().setMimeData(mime)
    QTest.keyClick(editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [a.media_type for a in tray.attachments()] == ["image/png"]
    pasted = tray.attachments()[0]
    assert images.size_of(pasted.data) == (30, 20)
    assert editor.toPlainText() == ""

    # text on the clipboard still pastes as text
    QGuiApplication.clipboard().setText("Turn this mockup into a page")
    QTest.keyClick(editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == "Turn this mockup into a page"
    assert len(tray.attachments()) == 1

    # files dropped on the prompt: attached, in order; a broken one refused by name
    assert _drop(editor.viewport(), _url_mime(files["mockup.png"], files["data.csv"]))
    assert [a.name for a in tray.attachments()][1:] == ["mockup.png", "data.csv"]
    _drop(editor.viewport(), _url_mime(files["broken.png"]))
    assert len(tray.attachments()) == 3
    assert "broken.png is not a readable image" in tray.message.text()
    assert tray.message.isVisible()
    chips = tray.chips()
    assert [c.size_label.text() for c in chips][2] == "8 B"
    assert chips[1].thumb.pixmap() is not None and not chips[1].thumb.pixmap().isNull()

    # open one, remove one
    chips[1].open_button.click()
    viewers = [w for w in QApplication.topLevelWidgets() if isinstance(w, AttachmentViewer)]
    assert viewers and viewers[-1].attachment.name == "mockup.png"
    viewers[-1].reject()
    chips[0].remove_button.click()
    assert [a.name for a in tray.attachments()] == ["mockup.png", "data.csv"]

    sim.script("seeing", Synthetic(["<p>page</p>"]))
    window.model_bar.set_targets([target(registry, "sim-openai", "seeing")])
    in_loop(loop, window.submit)
    assert window.comparison is not None
    settle(loop, window.comparison)
    assert tray.attachments() == ()  # sent: the tray is empty for the next prompt
    (seen,) = sim.requests_for("seeing")
    content = seen.json["messages"][-1]["content"]
    assert content[0]["text"] == ("Turn this mockup into a page\n\n"
                                  "data.csv\n```csv\na,b\n1,2\n```")
    assert base64.b64decode(content[1]["image_url"]["url"].split(",", 1)[1]) == (
        files["mockup.png"].read_bytes())
    pane = window.comparison.panes[0]
    assert "Sent with mockup.png (" in pane.view.toPlainText()

    # reopened later, a follow-up still shows the model the mockup
    run_id = window.comparison.run_id
    assert run_id is not None
    in_loop(loop, window.new_comparison)
    reopened = in_loop(loop, lambda: window.reopen_run(run_id))
    assert reopened is not None
    assert [a.name for a in reopened.chat.branch()[0].attachments] == ["mockup.png",
                                                                      "data.csv"]
    sim.script("seeing", Synthetic(["<p>v2</p>"]))
    in_loop(loop, lambda: window.follow_up("Make the title bigger"))
    settle(loop, reopened)
    follow = sim.requests_for("seeing")[-1].json["messages"]
    first_user = follow[0]["content"]
    assert isinstance(first_user, list) and first_user[1]["type"] == "image_url"
    assert follow[-1] == {"role": "user", "content": "Make the title bigger"}
    first_key = reopened.chat.branch()[0].key
    opened = in_loop(loop, lambda: window.fix_it.show_files(reopened, 0, first_key))
    assert opened is not None and [c.attachment.name for c in opened.chips] == [
        "mockup.png", "data.csv"]
    opened.reject()


def test_a_model_known_to_be_blind_says_so_and_can_be_sent_anyway(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path) -> None:
    registry.add("sim-blind", "openai", sim.url("openai"), needs_key=False)
    path = tmp_path / "a.png"
    path.write_bytes(images.png())
    window.registry = registry
    config = registry.get("sim-blind")
    from dataclasses import replace

    from studio.core.catalog import ModelRef
    from studio.core.runner import ModelTarget

    blind = ModelTarget(ModelRef("sim-blind", "text-only"),
                        replace(config, text_only_models=("text-*",)))
    window.prompt_area.attachments.add_paths([str(path)])
    window.prompt_area.set_prompt("What is in the picture?")
    window.model_bar.set_targets([blind])
    in_loop(loop, window.submit)
    comparison = window.comparison
    assert comparison is not None
    settle(loop, comparison)
    answer = comparison.answers()[0]
    assert answer.state is ModelState.FAILED and answer.refused_images
    assert sim.requests_for("text-only") == []
    pane = comparison.panes[0]
    assert "does not take images" in pane.error_label.text()
    assert "Providers and keys" not in pane.error_label.text()  # not a settings problem
    assert "Send anyway" in pane.view.document().toHtml()
    sim.script("text-only", Synthetic(["a red box"]))
    key = comparison.chat.head_turn.key  # type: ignore[union-attr]
    in_loop(loop, lambda: pane.turnActionRequested.emit(0, "anyway", key))
    settle(loop, comparison)
    assert comparison.answers()[0].state is ModelState.DONE
    (seen,) = sim.requests_for("text-only")
    assert seen.json["messages"][-1]["content"][1]["type"] == "image_url"


def test_a_library_prompt_brings_its_files_into_the_tray(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    from studio.core.attachments import attachment_from_bytes

    store = window.store
    assert store is not None
    mockup = attachment_from_bytes("mockup.png", images.png(40, 30))
    pages = store.add_collection("Pages")
    prompt = store.add_prompt(pages.id, "From mockup", "Build this", attachments=(mockup,))
    in_loop(loop, lambda: window.load_prompt(prompt))
    assert window.prompt_area.attachments.attachments() == (mockup,)
    sim.script("lib", Synthetic(["ok"]))
    window.model_bar.set_targets([target(registry, "sim-gemini", "lib")])
    in_loop(loop, window.submit)
    assert window.comparison is not None
    settle(loop, window.comparison)
    (seen,) = sim.requests_for("lib")
    part = seen.json["contents"][-1]["parts"][1]["inline_data"]
    assert base64.b64decode(part["data"]) == mockup.data
    run = store.run(window.comparison.run_id)  # type: ignore[arg-type]
    assert run.prompt_id == prompt.id
    assert [a.sha256 for a in run.turns[0].attachments] == [mockup.sha256]
