"""A message with a picture (a judge's screenshot), in each protocol's own request shape;
without one, the plain shape every protocol has always been sent."""

from __future__ import annotations

import base64

from studio.core.attachments import Attachment
from studio.core.providers import anthropic, gemini, ollama, openai_compat
from studio.core.request import ChatRequest, Message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 8
B64 = base64.b64encode(PNG).decode()
SCREENSHOT = Attachment("page.png", "image/png", PNG)
WITH_IMAGE = ChatRequest("m", (Message("user", "Judge this", (SCREENSHOT,)),), "Be strict")
PLAIN = ChatRequest("m", (Message("user", "Judge this"),), "Be strict")


def test_openai_sends_content_parts_with_a_data_url() -> None:
    dialect = openai_compat.DIALECTS["generic"]
    body = openai_compat.build_body(WITH_IMAGE, dialect)
    assert body["messages"][1] == {"role": "user", "content": [
        {"type": "text", "text": "Judge this"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}}]}
    assert openai_compat.build_body(PLAIN, dialect)["messages"][1] == {
        "role": "user", "content": "Judge this"}


def test_anthropic_sends_an_image_block_before_the_text() -> None:
    body = anthropic.build_body(WITH_IMAGE)
    assert body["messages"] == [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": B64}},
        {"type": "text", "text": "Judge this"}]}]
    assert anthropic.build_body(PLAIN)["messages"] == [{"role": "user",
                                                        "content": "Judge this"}]


def test_gemini_sends_the_text_then_inline_data() -> None:
    body = gemini.build_body(WITH_IMAGE)
    assert body["contents"] == [{"role": "user", "parts": [
        {"text": "Judge this"}, {"inline_data": {"mime_type": "image/png", "data": B64}}]}]
    assert gemini.build_body(PLAIN)["contents"] == [{"role": "user",
                                                     "parts": [{"text": "Judge this"}]}]


def test_ollama_sends_an_images_list() -> None:
    body = ollama.build_body(WITH_IMAGE)
    assert body["messages"][1] == {"role": "user", "content": "Judge this", "images": [B64]}
    assert "images" not in ollama.build_body(PLAIN)["messages"][1]

