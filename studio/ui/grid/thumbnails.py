"""Small pictures of the cells' pages, decoded off the event loop and kept in a bounded cache.

A thumbnail comes from the page's screenshot: handed over as PNG bytes the moment a batch
takes it, or read from the history when a saved batch is shown. Decoding a 1280 × 800 PNG
and scaling it takes several milliseconds, so it happens on a worker thread; the grid
paints a placeholder until `ready(response_id)` says the picture is there. Only the most
recently used pictures are kept (a few megabytes for a full grid); one scrolled away and
back is read again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage

THUMB_SIZE = QSize(112, 70)
CAPACITY = 1024

PngSource = Callable[[int], bytes | None]  # response id → PNG from the history


def scaled_image(png: bytes, size: QSize) -> QImage | None:
    """The PNG decoded and scaled to fit `size` (run on a worker thread)."""
    image = QImage.fromData(png)
    if image.isNull():
        return None
    small = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    return small.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class Thumbnails(QObject):
    """`image(response_id)` gives the picture when it is ready (and starts reading it from
    the history when it is not); `ready(response_id)` once it is."""

    ready = Signal(int)

    def __init__(self, executor: Executor, source: PngSource | None = None, *,
                 size: QSize = THUMB_SIZE, capacity: int = CAPACITY,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = executor
        self._source = source
        self._size = QSize(size)
        self._capacity = capacity
        self._images: OrderedDict[int, QImage] = OrderedDict()
        self._missing: set[int] = set()  # no screenshot in the history
        self._pending: dict[int, asyncio.Future[QImage | None]] = {}

    @property
    def size(self) -> QSize:
        return QSize(self._size)

    def image(self, response_id: int | None) -> QImage | None:
        if response_id is None:
            return None
        found = self._images.get(response_id)
        if found is not None:
            self._images.move_to_end(response_id)
            return found
        if response_id not in self._pending and response_id not in self._missing:
            self._load(response_id)
        return None

    def add_png(self, response_id: int, png: bytes) -> None:
        """A screenshot just taken: decode it for the grid."""
        self._missing.discard(response_id)
        self._images.pop(response_id, None)
        old = self._pending.pop(response_id, None)
        if old is not None:
            old.cancel()
        self._decode(response_id, png)

    def retry(self, response_id: int | None) -> None:
        """A picture found missing may be in the history by now: look again when asked."""
        if response_id is not None:
            self._missing.discard(response_id)

    def forget(self, response_id: int) -> None:
        self._images.pop(response_id, None)
        self._missing.discard(response_id)

    def clear(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._images.clear()
        self._missing.clear()

    @property
    def cached(self) -> int:
        return len(self._images)

    def _load(self, response_id: int) -> None:
        png = None
        if self._source is not None:
            try:
                png = self._source(response_id)
            except Exception:  # a store that fails shows no picture, never a traceback
                png = None
        if not png:
            self._missing.add(response_id)
            return
        self._decode(response_id, png)

    def _decode(self, response_id: int, png: bytes) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (the window is closing): no picture
        future = loop.run_in_executor(self._executor, scaled_image, png, QSize(self._size))
        self._pending[response_id] = future

        def decoded(done: asyncio.Future[QImage | None]) -> None:
            self._decoded(response_id, done)

        future.add_done_callback(decoded)

    def _decoded(self, response_id: int, future: asyncio.Future[QImage | None]) -> None:
        if self._pending.get(response_id) is not future:
            return
        del self._pending[response_id]
        if future.cancelled() or future.exception() is not None:
            return
        image = future.result()
        if image is None:
            self._missing.add(response_id)
            return
        self._images[response_id] = image
        while len(self._images) > self._capacity:
            self._images.popitem(last=False)
        self.ready.emit(response_id)
