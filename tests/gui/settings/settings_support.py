"""Helpers for the settings tests that the shared simulator does not already provide."""

from __future__ import annotations

from collections.abc import Sequence

from tests.support.scenarios import Hold, Pause, Reply
from tests.support.sim_streams import listing_body

# The offscreen platform (headless runs) says this whenever a top-level window is shown.
OFFSCREEN_SIZE_HINTS = r"This plugin does not support propagateSizeHints\(\)"

GOOD_KEY = "sk-sim-good-0123456789"
SERVER_MODELS = ("sim-alpha", "sim-beta", "sim-gamma-coder")


class SlowModelList:
    """A model listing that the server answers only after `seconds` (a slow provider), or
    only once `hold` is released."""

    def __init__(self, ids: Sequence[str], seconds: float = 0.0, *,
                 hold: Hold | None = None) -> None:
        self.ids = tuple(ids)
        self.seconds = seconds
        self.hold = hold

    def reply(self, protocol: str, model: str) -> Reply:
        wait: Pause | Hold = self.hold if self.hold is not None else Pause(self.seconds)
        return Reply(200, [("content-type", "application/json")],
                     [wait, listing_body(protocol, self.ids)])
