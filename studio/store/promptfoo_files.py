"""The files a promptfoo config points at, read the way promptfoo resolves them, within bounds.

`file://` paths (and globs) are relative to the folder of the file that names them; only
regular files inside the config's own folder are read (a config from elsewhere must not pull
`~/.ssh` into a prompt library), each at most MAX_FILE_BYTES, all of them together at most
MAX_TOTAL_BYTES, and a glob expands to at most MAX_GLOB_FILES files, in sorted order.
"""

from __future__ import annotations

import glob as globbing
import json
import stat
from pathlib import Path
from typing import Any

from studio.store.errors import ImportFormatError

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_GLOB_FILES = 200
_GLOB_CHARS = frozenset("*?[]{}")

# What promptfoo runs or fetches instead of reading: not something an import can take.
SCRIPT_SUFFIXES = frozenset({".py", ".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".go",
                             ".rb", ".sh", ".bash", ".exe", ".bat", ".cmd", ".ps1", ".pl"})
REMOTE_PREFIXES = ("huggingface://", "langfuse://", "az://", "pf://", "portkey://",
                   "helicone://", "https://", "http://", "s3://", "gs://")


def strip_file_prefix(ref: str) -> str:
    return ref.removeprefix("file://")


def suffix_of(ref: str) -> str:
    """The extension of a path that may carry promptfoo's `:function` or `#sheet` tail."""
    name = strip_file_prefix(ref).rsplit("/", 1)[-1]
    for sep in ("#", ":"):
        head = name.split(sep, 1)[0]
        if "." in head:
            name = head
    return Path(name).suffix.lower()


def is_pattern(ref: str) -> bool:
    return any(ch in _GLOB_CHARS for ch in strip_file_prefix(ref))


class ConfigFiles:
    """Reads the files of one config; `root` is the config's folder (None: no file was
    imported, so nothing can be read)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None
        self._read = 0

    def _base(self, base: Path | None, ref: str, where: str) -> Path:
        if "\x00" in ref or not ref.encode("utf-8", "replace").decode("utf-8") == ref:
            raise ImportFormatError(where, f"{ref!r} is not a usable file name")
        folder = base or self.root
        if folder is None or self.root is None:
            raise ImportFormatError(where, f"{ref!r}: a file needs the config's folder; import "
                                           "the config file itself")
        return folder

    def _inside(self, path: Path, ref: str, where: str) -> Path:
        assert self.root is not None
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop, a broken mount
            raise ImportFormatError(where, f"cannot follow {ref!r}: {exc}") from None
        if not resolved.is_relative_to(self.root):
            raise ImportFormatError(where, f"{ref!r} is outside the config's folder "
                                           f"({self.root}); only files in that folder or "
                                           "below it are read")
        return resolved

    def resolve(self, ref: str, where: str, base: Path | None = None) -> Path:
        """The file `ref` names, relative to `base` (default: the config's folder)."""
        folder = self._base(base, ref, where)
        return self._inside(folder / strip_file_prefix(ref), ref, where)

    def expand(self, ref: str, where: str, base: Path | None = None) -> list[Path]:
        """The files a glob matches, sorted; an error naming `where` when there are none or
        too many."""
        folder = self._base(base, ref, where)
        pattern = str(folder / strip_file_prefix(ref))
        found: list[Path] = []
        for name in sorted(globbing.iglob(pattern, recursive=True)):
            path = Path(name)
            if path.is_file():
                found.append(self._inside(path, ref, where))
            if len(found) > MAX_GLOB_FILES:
                raise ImportFormatError(where, f"{ref!r} matches more than {MAX_GLOB_FILES} "
                                               "files; name fewer")
        if not found:
            raise ImportFormatError(where, f"{ref!r} matches no file in {folder}")
        return found

    def text(self, path: Path, where: str) -> str:
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                raise ImportFormatError(where, f"{path} is not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                raise ImportFormatError(where, f"{path} is {info.st_size:,} bytes; files a "
                                               f"config names may have {MAX_FILE_BYTES:,}")
            if self._read + info.st_size > MAX_TOTAL_BYTES:
                raise ImportFormatError(where, f"the files this config names pass "
                                               f"{MAX_TOTAL_BYTES:,} bytes together")
            self._read += info.st_size
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(where, f"{path} is not UTF-8 text ({exc.reason} at byte "
                                           f"{exc.start})") from None
        except OSError as exc:
            raise ImportFormatError(where, f"cannot read {path}: {exc.strerror}") from None

    def data(self, path: Path, where: str) -> Any:
        """A JSON or YAML file's content (by its extension; YAML reads JSON too)."""
        from studio.store.promptfoo import decode_yaml

        text = self.text(path, where)
        if path.suffix.lower() == ".json":
            try:
                return json.loads(text)
            except (json.JSONDecodeError, RecursionError) as exc:
                detail = (f"at line {exc.lineno}, column {exc.colno}: {exc.msg}"
                          if isinstance(exc, json.JSONDecodeError) else "nested too deeply")
                raise ImportFormatError(where, f"{path} is not valid JSON {detail}") from None
        return decode_yaml(text, where if path.name in where else f"{where} ({path.name})")

    def json_lines(self, path: Path, where: str) -> list[Any]:
        rows: list[Any] = []
        for number, line in enumerate(self.text(path, where).splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except (json.JSONDecodeError, RecursionError):
                raise ImportFormatError(where, f"{path}, line {number}: not valid JSON"
                                        ) from None
        return rows
