"""Reading an import file of either kind (collection JSON, or a promptfoo config)."""

from __future__ import annotations

from pathlib import Path

from studio.store.errors import ImportFormatError
from studio.store.io_doc import Document
from studio.store.io_format import decode_json, parse_document
from studio.store.promptfoo import decode_yaml, looks_like_promptfoo, parse_promptfoo

MAX_FILE_BYTES = 512 * 1024 * 1024


def read_text(path: Path) -> str:
    """An import file's text; ImportFormatError when it is too big, unreadable or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFormatError(str(path), f"the file is {size:,} bytes; the limit is "
                                               f"{MAX_FILE_BYTES:,}")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(str(path), f"not UTF-8 text ({exc.reason} at byte "
                                           f"{exc.start})") from None
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    return text


def decode_file(path: Path) -> object:
    """The decoded content: JSON for .json files, YAML for .yaml/.yml, else whichever parses."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return decode_json(text, str(path))
    if suffix in (".yaml", ".yml"):
        return decode_yaml(text, str(path))
    try:
        return decode_json(text, str(path))
    except ImportFormatError:
        return decode_yaml(text, str(path))


def to_document(value: object, *, collection: str | None = None,
                base_dir: Path | None = None, default_name: str = "Imported prompts") -> Document:
    """A checked document from decoded content; nothing is written."""
    if looks_like_promptfoo(value):
        return parse_promptfoo(value, collection=collection, default_name=default_name,
                               base_dir=base_dir)
    if collection:
        raise ImportFormatError("", "a collection name can only be given for a promptfoo "
                                    "config; a collection file names its own collections")
    return parse_document(value)


def load_document(path: Path, *, collection: str | None = None) -> Document:
    return to_document(decode_file(path), collection=collection, base_dir=path.parent,
                       default_name=path.stem)
