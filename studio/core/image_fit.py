"""Fitting attached images into each provider's limits before a request.

An image within the limits of the protocol it goes to is sent byte for byte. One that is
not (too large in bytes or pixels, or in a format the protocol does not take) is decoded,
scaled down with its aspect ratio kept and re-encoded, and a note for the pane says what
was sent instead. The limits are the ones each service documents for images sent inline.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import PurePath

from studio.core.attachments import Attachment, AttachmentError, check_image, human_size
from studio.core.request import ChatRequest, Message

_ALL = ("image/png", "image/jpeg", "image/webp", "image/gif")


@dataclass(frozen=True, slots=True)
class ImageLimits:
    service: str
    max_bytes: int
    max_side: int | None  # longest edge in pixels; None: no limit
    formats: tuple[str, ...]
    animated_gif: bool = True  # False: only a GIF's first frame is read, so send a PNG

    def describe(self) -> str:
        side = f" / {self.max_side} px" if self.max_side else ""
        return f"{self.service}'s {human_size(self.max_bytes)}{side} limit"


MB = 1024 * 1024
# OpenAI: 20 MB per image; PNG, JPEG, WebP and non-animated GIF. Anthropic: 5 MB and
# 8000 px a side per image. Gemini: the whole request (base64 included) within 20 MB, and
# no GIF. Ollama's vision models read PNG and JPEG.
LIMITS: dict[str, ImageLimits] = {
    "openai": ImageLimits("OpenAI-compatible", 20 * MB, None, _ALL, animated_gif=False),
    "azure": ImageLimits("Azure OpenAI", 20 * MB, None, _ALL, animated_gif=False),
    "anthropic": ImageLimits("Anthropic", 5 * MB, 8000, _ALL),
    "gemini": ImageLimits("Gemini", 14 * MB, None, ("image/png", "image/jpeg", "image/webp")),
    "ollama": ImageLimits("Ollama", 20 * MB, None, ("image/png", "image/jpeg")),
}

_JPEG_QUALITY = 85
_MAX_PASSES = 8


@dataclass(frozen=True, slots=True)
class Fitted:
    attachment: Attachment
    note: str | None  # None: sent as it is


def _fits(width: int, height: int, size: int, animated: bool, limits: ImageLimits,
          media_type: str) -> bool:
    if media_type not in limits.formats or size > limits.max_bytes:
        return False
    if limits.max_side is not None and max(width, height) > limits.max_side:
        return False
    return not (animated and media_type == "image/gif" and not limits.animated_gif)


def fit_image(attachment: Attachment, limits: ImageLimits) -> Fitted:
    from PIL import Image

    with Image.open(io.BytesIO(attachment.data)) as image:
        width, height = image.size
        animated = bool(getattr(image, "is_animated", False))
        if _fits(width, height, attachment.size, animated, limits, attachment.media_type):
            return Fitted(attachment, None)
        image.seek(0)
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        frame = image.convert("RGBA" if alpha else "RGB")
    media_type = attachment.media_type
    if media_type not in limits.formats or media_type == "image/gif":
        media_type = "image/png" if "image/png" in limits.formats else "image/jpeg"
    scale = 1.0
    if limits.max_side is not None and max(width, height) > limits.max_side:
        scale = limits.max_side / max(width, height)
    data = b""
    size = (width, height)
    for _ in range(_MAX_PASSES):
        size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
        resized = frame if size == (width, height) else frame.resize(
            size, Image.Resampling.LANCZOS)
        data = _encode(resized, media_type)
        if len(data) <= limits.max_bytes:
            break
        if media_type == "image/png":
            media_type = "image/jpeg"  # photographs compress far better as JPEG
            continue
        scale *= math.sqrt(limits.max_bytes / len(data)) * 0.9
    else:
        raise AttachmentError(f"{attachment.name} could not be made to fit "
                              f"{limits.describe()}")
    extension = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}[media_type]
    name = str(PurePath(attachment.name).with_suffix(extension))
    sent = Attachment(name, media_type, data)
    kind = media_type.split("/")[1].upper()
    note = (f"{attachment.name} ({width}×{height}, {human_size(attachment.size)}) was sent "
            f"as a {size[0]}×{size[1]} {kind} of {human_size(len(data))} to fit "
            f"{limits.describe()}")
    return Fitted(sent, note)


def _encode(image: object, media_type: str) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    if media_type == "image/jpeg":
        if image.mode != "RGB":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A") if "A" in image.mode else None)
            image = flat
        image.save(out, "JPEG", quality=_JPEG_QUALITY, optimize=True)
    elif media_type == "image/webp":
        image.save(out, "WEBP", quality=_JPEG_QUALITY)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


# Several models of one protocol get the same image: fit it once. Models are prepared in
# worker threads, hence the lock; a few entries are enough for one comparison's images.
_CACHE: OrderedDict[tuple[str, str, ImageLimits], Fitted] = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


def fitted(attachment: Attachment, limits: ImageLimits) -> Fitted:
    key = (attachment.sha256, attachment.name, limits)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    result = fit_image(attachment, limits)
    if result.note is None:
        return result  # nothing changed: nothing worth keeping
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def fit_request(request: ChatRequest, protocol: str) -> tuple[ChatRequest, list[str]]:
    """The request with every image fitted into `protocol`'s limits, and a note for each
    image that had to be changed (each image once, however many turns carry it)."""
    limits = LIMITS.get(protocol)
    if limits is None or not any(m.attachments for m in request.messages):
        return request, []
    notes: list[str] = []
    messages: list[Message] = []
    for message in request.messages:
        changed = []
        for attachment in message.attachments:
            if not attachment.is_image:
                changed.append(attachment)
                continue
            check_image(attachment.name, attachment.data)
            result = fitted(attachment, limits)
            if result.note is not None and result.note not in notes:
                notes.append(result.note)
            changed.append(result.attachment)
        messages.append(replace(message, attachments=tuple(changed)))
    return replace(request, messages=tuple(messages)), notes
