"""Attachments without a provider: media types from bytes, refusals that name the file, text
files inlined as fenced blocks, capabilities from the presets, fitting images to limits."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from studio.core.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentError,
    accepts_images,
    attachment_from_bytes,
    image_rejection,
    load_attachment,
    with_text_files,
)
from studio.core.catalog import ProviderConfig, builtin_providers
from studio.core.conversation import estimate_tokens
from studio.core.image_fit import LIMITS, fit_image, fit_request
from studio.core.providers._wire import normalize_thread
from studio.core.request import ChatRequest, Message
from tests.support import images


@pytest.mark.parametrize(("make", "media_type"), [
    (images.png, "image/png"), (images.jpeg, "image/jpeg"), (images.webp, "image/webp"),
    (images.gif, "image/gif")])
def test_images_are_recognised_by_their_bytes_whatever_their_name(make, media_type) -> None:
    data = make()
    named_wrong = attachment_from_bytes("notes.txt", data)
    assert named_wrong.media_type == media_type
    assert named_wrong.data == data
    assert named_wrong.sha256 == hashlib.sha256(data).hexdigest()
    assert named_wrong.is_image


def test_text_files_get_their_type_from_the_name() -> None:
    assert attachment_from_bytes("data.csv", b"a,b\n1,2\n").media_type == "text/csv"
    assert attachment_from_bytes("page.html", b"<p>hi</p>").media_type == "text/html"
    assert attachment_from_bytes("x.json", b'{"a": 1}').media_type == "application/json"
    assert attachment_from_bytes("README", "Grüße 🙂".encode()).media_type == "text/plain"


@pytest.mark.parametrize(("name", "data", "words"), [
    ("mockup.png", images.truncated_png(), ["mockup.png", "not a readable image"]),
    ("photo.jpg", b"this is not a jpeg at all", ["photo.jpg", "not a readable image"]),
    ("blob.bin", bytes(range(256)) * 4, ["blob.bin", "neither an image"]),
    ("scan.tiff", b"II*\x00" + bytes(100), ["scan.tiff", "TIFF"]),
    ("empty.txt", b"", ["empty.txt", "empty"]),
    ("latin.csv", "café;1\n".encode("latin-1") + b"\x00", ["latin.csv", "UTF-8"]),
])
def test_unreadable_files_are_refused_with_their_name(name: str, data: bytes,
                                                       words: list[str]) -> None:
    with pytest.raises(AttachmentError) as caught:
        attachment_from_bytes(name, data)
    for word in words:
        assert word in str(caught.value)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "huge.png"
    with big.open("wb") as f:  # sparse: no disk is spent
        f.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(AttachmentError, match=r"huge\.png is 20\.0 MB, over the 20\.0 MB"):
        load_attachment(big)
    with pytest.raises(AttachmentError, match="cannot read"):
        load_attachment(tmp_path / "missing.png")


def test_a_path_in_the_name_is_dropped(tmp_path: Path) -> None:
    assert attachment_from_bytes("../../etc/a.txt", b"x").name == "a.txt"
    assert attachment_from_bytes("C:\\Users\\me\\b.md", b"# b").name == "b.md"


def test_text_files_are_inlined_as_fenced_blocks_headed_by_their_name() -> None:
    code = attachment_from_bytes("app.py", b"print('hi')\n")
    tricky = attachment_from_bytes("notes.md", b"Use ```js\nx\n``` and ````four````")
    picture = attachment_from_bytes("a.png", images.png())
    text = with_text_files("Review these.", [code, picture, tricky])
    assert text == ("Review these.\n\n"
                    "app.py\n```python\nprint('hi')\n```\n\n"
                    "notes.md\n`````markdown\nUse ```js\nx\n``` and ````four````\n`````")
    assert with_text_files("", [code]) == "app.py\n```python\nprint('hi')\n```"
    assert with_text_files("Only text", [picture]) == "Only text"


def test_utf16_and_bom_text_is_read_as_text() -> None:
    a = attachment_from_bytes("w.txt", "hello".encode("utf-16"))
    assert a.text() == "hello"
    b = attachment_from_bytes("b.txt", b"\xef\xbb\xbfbom")
    assert b.text() == "bom"


def test_presets_say_which_models_take_images() -> None:
    presets = builtin_providers()
    assert accepts_images(presets["openai"], "gpt-4o") is True
    assert accepts_images(presets["anthropic"], "claude-opus-4-1") is True
    assert accepts_images(presets["gemini"], "gemini-2.5-pro") is True
    assert accepts_images(presets["deepseek"], "deepseek-chat") is False
    assert accepts_images(presets["qwen"], "qwen3-max") is False
    assert accepts_images(presets["qwen"], "qwen3-vl-plus") is True
    assert accepts_images(presets["kimi"], "kimi-k2-0905-preview") is False
    assert accepts_images(presets["local"], "smollm2-135m") is False
    assert accepts_images(presets["ollama"], "llava") is None
    custom = ProviderConfig("mine", "openai", "http://127.0.0.1:9/v1")
    assert accepts_images(custom, "anything") is None


def test_a_refusal_about_images_is_recognised() -> None:
    assert image_rejection(400, "Invalid content type. image_url is only supported by "
                                "certain models.")
    assert image_rejection(400, "This model does not support vision input")
    assert image_rejection(422, "messages[0].content: must be a string")
    assert not image_rejection(400, "max_tokens is too large")
    assert not image_rejection(500, "image processing backend down")


def test_a_thread_keeps_prompts_that_are_only_files_and_merges_their_files() -> None:
    a = attachment_from_bytes("a.png", images.png())
    b = attachment_from_bytes("b.csv", b"x,y\n")
    thread = normalize_thread([Message("user", "", (a,)), Message("assistant", ""),
                               Message("user", "and this", (b,))])
    assert len(thread) == 1
    assert thread[0].content == "and this"
    assert thread[0].attachments == (a, b)


def test_images_count_in_the_context_estimate() -> None:
    a = attachment_from_bytes("a.png", images.png())
    plain = ChatRequest("m", (Message("user", "hi"),))
    with_image = ChatRequest("m", (Message("user", "hi", (a,)),))
    assert estimate_tokens(with_image) - estimate_tokens(plain) >= 1000


# -- fitting images to a provider ----------------------------------------------------------

def test_an_image_within_the_limits_is_sent_byte_for_byte() -> None:
    for make in (images.png, images.jpeg, images.webp, images.gif):
        a = attachment_from_bytes("x", make())
        for protocol in ("openai", "anthropic", "azure"):
            fitted = fit_image(a, LIMITS[protocol])
            assert fitted.attachment is a
            assert fitted.note is None


def test_an_image_too_wide_for_anthropic_is_scaled_keeping_its_aspect() -> None:
    a = attachment_from_bytes("banner.png", images.png(9000, 300))
    fitted = fit_image(a, LIMITS["anthropic"])
    width, height = images.size_of(fitted.attachment.data)
    assert width == 8000
    assert height == 266  # 300 × 8000 / 9000, rounded down
    assert fitted.note is not None
    assert "banner.png (9000×300" in fitted.note and "8000×266" in fitted.note
    assert "Anthropic" in fitted.note
    # the same image is within OpenAI's limits: untouched
    assert fit_image(a, LIMITS["openai"]).attachment is a


def test_an_image_over_the_byte_limit_is_re_encoded_under_it() -> None:
    data = images.noise_png(1400, 1400)
    assert len(data) > 5 * 1024 * 1024
    a = attachment_from_bytes("noise.png", data)
    fitted = fit_image(a, LIMITS["anthropic"])
    assert fitted.attachment.size <= 5 * 1024 * 1024
    assert fitted.attachment.media_type == "image/jpeg"
    assert fitted.attachment.name == "noise.jpg"
    width, height = images.size_of(fitted.attachment.data)
    assert width == height  # square stays square


def test_formats_a_protocol_does_not_take_are_converted() -> None:
    still = attachment_from_bytes("s.gif", images.gif())
    as_png = fit_image(still, LIMITS["gemini"]).attachment
    assert (as_png.media_type, images.format_of(as_png.data)) == ("image/png", "PNG")
    moving = attachment_from_bytes("m.gif", images.animated_gif())
    assert fit_image(moving, LIMITS["anthropic"]).attachment is moving
    first_frame = fit_image(moving, LIMITS["openai"])
    assert first_frame.attachment.media_type == "image/png"
    assert first_frame.note is not None
    webp = attachment_from_bytes("w.webp", images.webp())
    assert fit_image(webp, LIMITS["ollama"]).attachment.media_type == "image/png"


def test_fit_request_changes_only_images_and_notes_each_once() -> None:
    wide = attachment_from_bytes("wide.png", images.png(8200, 100))
    text = attachment_from_bytes("t.md", b"# t")
    request = ChatRequest("m", (Message("user", "one", (wide, text)),
                                Message("assistant", "ok"),
                                Message("user", "two", (wide,))))
    fitted, notes = fit_request(request, "anthropic")
    assert len(notes) == 1
    first = fitted.messages[0].attachments
    assert first[1] is text
    assert images.size_of(first[0].data) == (8000, 97)
    assert fitted.messages[2].attachments[0].data == first[0].data
    same, none = fit_request(request, "openai")
    assert same.messages[0].attachments == (wide, text) and none == []
