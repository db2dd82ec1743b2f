"""Small pictures of the cells' pages, kept in a bounded cache.

A batch keeps a small PNG (256 × 160 at most) beside each page's screenshot, made by the
page worker when it takes the screenshot; decoding one and scaling it to a cell takes
well under a millisecond, so it is done on the spot, when a cell is first painted or the
moment a batch hands it over. A screenshot kept without one (taken by an older version)
is decoded on a worker thread instead — a full-size PNG takes tens of milliseconds — and
its small picture is then kept in the history for the next time. Only the most recently
used pictures stay in memory (a few megabytes for a full grid).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage

from studio.ui.preview.export import png_bytes

log = logging.getLogger(__name__)
THUMB_SIZE = QSize(112, 70)
KEPT_SIZE = QSize(256, 160)  # the small picture kept in the history
CAPACITY = 1024


@dataclass(frozen=True, slots=True)
class PictureSource:
    """Where pictures come from: the kept small PNG, the full screenshot, and where a small
    PNG made from a screenshot is kept (each by response id; None when there is none)."""

    thumbnail: Callable[[int], bytes | None]
    screenshot: Callable[[int], bytes | None]
    keep: Callable[[int, bytes], None]


def fitted(image: QImage, size: QSize) -> QImage:
    if image.width() > size.width() or image.height() > size.height():
        image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def _from_screenshot(png: bytes) -> tuple[QImage, bytes] | None:
    """(small picture, its PNG) made from a full screenshot; run on a worker thread."""
    image = QImage.fromData(png)
    if image.isNull():
        return None
    small = fitted(image, KEPT_SIZE)
    return small, png_bytes(small)


class Thumbnails(QObject):
    """`image(response_id)` gives the picture (None while a slow one is being made, then
    `ready(response_id)`)."""

    ready = Signal(int)

    def __init__(self, executor: Executor, source: PictureSource | None = None, *,
                 size: QSize = THUMB_SIZE, capacity: int = CAPACITY,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = executor
        self._source = source
        self._size = QSize(size)
        self._capacity = capacity
        self._images: OrderedDict[int, QImage] = OrderedDict()
        self._missing: set[int] = set()  # no picture in the history
        self._pending: dict[int, asyncio.Future[tuple[QImage, bytes] | None]] = {}

    @property
    def size(self) -> QSize:
        return QSize(self._size)

    @property
    def cached(self) -> int:
        return len(self._images)

    def image(self, response_id: int | None) -> QImage | None:
        if response_id is None:
            return None
        found = self._images.get(response_id)
        if found is not None:
            self._images.move_to_end(response_id)
            return found
        if response_id in self._pending or response_id in self._missing:
            return None
        return self._load(response_id)

    def add_thumbnail(self, response_id: int, png: bytes) -> None:
        """The small PNG of a screenshot just taken."""
        self._missing.discard(response_id)
        image = QImage.fromData(png)
        if not image.isNull():
            self._put(response_id, fitted(image, self._size))
            self.ready.emit(response_id)

    def add_screenshot(self, response_id: int, png: bytes) -> None:
        """A screenshot just taken without its small PNG: made on the worker thread."""
        self._missing.discard(response_id)
        self._images.pop(response_id, None)
        self._decode(response_id, png)

    def retry(self, response_id: int | None) -> None:
        """A picture found missing may be in the history by now: look again when asked."""
        if response_id is not None:
            self._missing.discard(response_id)

    def clear(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._images.clear()
        self._missing.clear()

    def _put(self, response_id: int, image: QImage) -> None:
        self._images[response_id] = image
        self._images.move_to_end(response_id)
        while len(self._images) > self._capacity:
            self._images.popitem(last=False)

    def _load(self, response_id: int) -> QImage | None:
        source = self._source
        if source is None:
            return None
        try:
            small = source.thumbnail(response_id)
            if small is None:
                full = source.screenshot(response_id)
                if full:
                    self._decode(response_id, full)
                else:
                    self._missing.add(response_id)
                return None
        except Exception:  # a store that fails shows no picture, never a traceback
            log.exception("reading the picture of answer %s", response_id)
            self._missing.add(response_id)
            return None
        image = QImage.fromData(small)
        if image.isNull():
            self._missing.add(response_id)
            return None
        fitted_image = fitted(image, self._size)
        self._put(response_id, fitted_image)
        return fitted_image

    def _decode(self, response_id: int, png: bytes) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (the window is closing): no picture
        future = loop.run_in_executor(self._executor, _from_screenshot, png)
        self._pending[response_id] = future

        def decoded(done: asyncio.Future[tuple[QImage, bytes] | None]) -> None:
            self._decoded(response_id, done)

        future.add_done_callback(decoded)

    def _decoded(self, response_id: int,
                 future: asyncio.Future[tuple[QImage, bytes] | None]) -> None:
        if self._pending.get(response_id) is not future:
            return
        del self._pending[response_id]
        if future.cancelled() or future.exception() is not None:
            return
        made = future.result()
        if made is None:
            self._missing.add(response_id)
            return
        small, png = made
        self._put(response_id, fitted(small, self._size))
        if self._source is not None:
            try:
                self._source.keep(response_id, png)
            except Exception:  # kept or not, the picture is shown
                log.warning("could not keep the small picture of answer %s", response_id)
        self.ready.emit(response_id)
