"""The library side panel: collections, search and history, over the SQLite store.

The main window needs only `LibraryPanel` (for a left dock) and, for an opened run's panes,
`RatingWidget`; `CompareRunsDialog` shows an old and a new run side by side.
"""

from studio.ui.library.compare_dialog import CompareRunsDialog, pair_answers
from studio.ui.library.panel import LibraryPanel
from studio.ui.library.prompt_dialog import PromptEditorDialog
from studio.ui.library.rating import RatingWidget

__all__ = ["CompareRunsDialog", "LibraryPanel", "PromptEditorDialog", "RatingWidget",
           "pair_answers"]
