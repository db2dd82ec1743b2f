"""Messages with pictures, in each wire protocol's own shape.

A message without images keeps the plain shape every protocol has always been sent (a
string `content`, one text part), so requests without pictures are byte-for-byte what
they were.
"""

from __future__ import annotations

from typing import Any

from studio.core.request import Message


def openai_message(m: Message) -> dict[str, Any]:
    """Chat Completions: content parts, the picture as a data URL."""
    if not m.images:
        return {"role": m.role, "content": m.content}
    parts: list[dict[str, Any]] = [{"type": "text", "text": m.content}]
    parts += [{"type": "image_url",
               "image_url": {"url": f"data:{image.media_type};base64,{image.base64()}"}}
              for image in m.images]
    return {"role": m.role, "content": parts}


def anthropic_message(m: Message) -> dict[str, Any]:
    """Messages API: base64 image blocks, placed before the text as Anthropic advises."""
    if not m.images:
        return {"role": m.role, "content": m.content}
    blocks: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "base64", "media_type": image.media_type,
                                     "data": image.base64()}} for image in m.images]
    blocks.append({"type": "text", "text": m.content})
    return {"role": m.role, "content": blocks}


def gemini_parts(m: Message) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [
        {"inlineData": {"mimeType": image.media_type, "data": image.base64()}}
        for image in m.images]
    parts.append({"text": m.content})
    return parts


def ollama_message(m: Message) -> dict[str, Any]:
    """Ollama's /api/chat: base64 pictures in an `images` list beside the text."""
    message: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.images:
        message["images"] = [image.base64() for image in m.images]
    return message
