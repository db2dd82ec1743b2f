"""One answer's rating: five stars and a note, saved to the store as soon as they change."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from studio.store import Response, ResponseId, Store, StoreError
from studio.ui.library.formatting import NO_STAR, STAR


class RatingWidget(QWidget):
    """`rated(response_id, rating or None, note)` after a change was saved;
    `errorOccurred(message)` when the store refused it (the widget shows the stored state).

    The store reads ratings as part of a run, so the caller passes the current rating and
    note (or uses `for_response`)."""

    rated = Signal(int, object, str)
    errorOccurred = Signal(str)

    def __init__(self, store: Store, response_id: ResponseId, parent: QWidget | None = None,
                 *, rating: int | None = None, note: str = "") -> None:
        super().__init__(parent)
        self._store = store
        self._response_id = response_id
        self._rating = rating
        self._note = note
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.stars: list[QToolButton] = []
        for value in range(1, 6):
            button = QToolButton(self)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            noun = "star" if value == 1 else "stars"
            button.setAccessibleName(f"Rate {value} {noun}")
            button.setToolTip(f"{value} {noun} (click again to clear)")
            button.clicked.connect(lambda _=False, v=value: self._star_clicked(v))
            layout.addWidget(button)
            self.stars.append(button)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Note")
        self.note_edit.setAccessibleName("Rating note")
        self.note_edit.setClearButtonEnabled(True)
        self.note_edit.setText(note)
        self.note_edit.editingFinished.connect(self._note_finished)
        # A few words stay readable; the pane puts the rating on a row of its own when its
        # action row cannot give this much.
        self.note_edit.setMinimumWidth(self.note_edit.fontMetrics().horizontalAdvance("M") * 12)
        layout.addSpacing(6)
        layout.addWidget(self.note_edit, 1)
        self._show()

    @classmethod
    def for_response(cls, store: Store, response: Response,
                     parent: QWidget | None = None) -> RatingWidget:
        return cls(store, response.id, parent, rating=response.rating, note=response.rating_note)

    @property
    def response_id(self) -> ResponseId:
        return self._response_id

    def rating(self) -> int | None:
        return self._rating

    def note(self) -> str:
        return self._note

    def set_rating(self, rating: int | None, note: str | None = None) -> bool:
        """Save a rating (1–5, or None to clear) and optionally a note; False if refused."""
        new_note = self._note if note is None else note
        try:
            self._store.rate(self._response_id, rating, new_note)
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            self._show()
            return False
        self._rating = rating
        self._note = new_note
        self._show()
        self.rated.emit(int(self._response_id), rating, new_note)
        return True

    def _star_clicked(self, value: int) -> None:
        self.set_rating(None if value == self._rating else value)

    def _note_finished(self) -> None:
        text = self.note_edit.text().strip()
        if text != self._note:
            self.set_rating(self._rating, text)

    def _show(self) -> None:
        for value, button in enumerate(self.stars, start=1):
            filled = self._rating is not None and value <= self._rating
            button.setText(STAR if filled else NO_STAR)
        if self.note_edit.text().strip() != self._note:
            self.note_edit.setText(self._note)
        self.setAccessibleDescription(
            f"Rated {self._rating} of 5" if self._rating is not None else "Not rated")
