"""Keeping keys, local paths and the user's name out of everything a report contains.

Two strengths. `content` is for what people wrote or models generated (prompts, answers,
reasoning, pages): keys are masked and this machine's home folder becomes `~`, but nothing
else changes, so code and pages keep working. `message` is for short texts the studio or a
provider produced (error messages, stop reasons): there every absolute path is cut to its
last part and the user's login name is replaced too.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterable
from pathlib import Path

from studio.core.catalog import CatalogError, ProviderRegistry
from studio.core.redact import redact
from studio.core.secrets import KeyStore

USER_MASK = "[user]"
_MIN_NAME = 3  # shorter login names are too likely to be ordinary words
# An absolute path (or one under ~) that is not the path part of a URL: no word, dot,
# colon or slash before it.
_POSIX_PATH = re.compile(r"(?<![\w.:/~\\-])~?(?:/[^\s/'\"<>():;,]+){2,}/?")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\(?:[^\\\s'\"<>]+\\)+[^\\\s'\"<>]*")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return Path.home().name


def _shorten(match: re.Match[str], separator: str) -> str:
    parts = [p for p in match.group(0).split(separator) if p]
    return f"…{separator}{parts[-1]}" if parts else match.group(0)


class Scrubber:
    def __init__(self, *, home: str | None = None, user: str | None = None,
                 secrets: Iterable[str] = ()) -> None:
        home = os.path.expanduser("~") if home is None else home
        user = _login_name() if user is None else user
        self._secrets = tuple(s for s in secrets if s)
        self._home: re.Pattern[str] | None = None
        if home.rstrip("/\\"):
            self._home = re.compile(r"(?:\bfile://|(?<![\w.~/\\-]))" + re.escape(home.rstrip("/\\"))
                                    + r"(?![\w.-])")
        self._user_dir: re.Pattern[str] | None = None
        self._user_word: re.Pattern[str] | None = None
        if user:
            name = re.escape(user)
            self._user_dir = re.compile(r"(?<=[/\\])(home|Users)([/\\])" + name + r"(?![\w.-])",
                                        re.IGNORECASE)
            if len(user) >= _MIN_NAME:
                self._user_word = re.compile(r"(?<![\w.-])" + name + r"(?![\w-])")

    def content(self, text: str) -> str:
        """Keys masked, this machine's home folder and the user's own folders written `~`."""
        if not text:
            return text
        text = redact(text, self._secrets)
        if self._home is not None:
            text = self._home.sub("~", text)
        if self._user_dir is not None:
            text = self._user_dir.sub(lambda m: f"{m.group(1)}{m.group(2)}{USER_MASK}", text)
        return text

    def message(self, text: str) -> str:
        """As `content`, then every absolute path cut to its last part and the login name
        masked: what a provider or the studio said must not tell where files live."""
        text = self.content(text)
        if not text:
            return text
        text = _POSIX_PATH.sub(lambda m: _shorten(m, "/"), text)
        text = _WINDOWS_PATH.sub(lambda m: _shorten(m, "\\"), text)
        if self._user_word is not None:
            text = self._user_word.sub(USER_MASK, text)
        return text


def known_keys(providers_file: Path, keys: KeyStore | None = None) -> list[str]:
    """Every API key the studio holds here (the OS keyring, the providers' variables): a
    report masks them wherever they appear, also in text saved before they were used."""
    try:
        registry = ProviderRegistry(providers_file)
    except CatalogError:
        return []
    store = keys or KeyStore()
    found = []
    for config in registry.all().values():
        key = store.get(config) if config.needs_key else None
        if key:
            found.append(key)
    return found
