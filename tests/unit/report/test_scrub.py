"""Keys, this machine's paths and the user's name stay out of what a report contains."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.paths import studio_paths
from studio.core.redact import MASK, register_secret
from studio.core.secrets import KeyStore
from studio.report.scrub import USER_MASK, Scrubber, known_keys
from tests.support.memory_keyring import MemoryKeyring

SCRUB = Scrubber(home="/home/ada", user="ada", secrets=["qk_local_9f8e7d6c5b"])


def test_a_registered_key_is_masked_in_content_and_messages() -> None:
    key = "zz-registered-4c1d9e8f7a"  # no known key shape: only the registration finds it
    register_secret(key)
    scrub = Scrubber(home="/home/ada", user="ada")
    assert scrub.content(f"my key is {key}!") == f"my key is {MASK}!"
    assert scrub.message(f"refused {key}") == f"refused {MASK}"


def test_keys_given_to_the_scrubber_and_key_shapes_are_masked() -> None:
    text = "keys: qk_local_9f8e7d6c5b and sk-abcdefghijklmnop and ?key=AIzaSy123"
    assert SCRUB.content(text) == f"keys: {MASK} and {MASK} and ?key={MASK}"


@pytest.mark.parametrize(("text", "expected"), [
    ("open /home/ada/models/x.gguf now", "open ~/models/x.gguf now"),
    ("file:///home/ada/page.html", "~/page.html"),
    ("'/home/ada'", "'~'"),
    ("C:/Users/ada/x and /Users/ada/y", "C:/Users/[user]/x and /Users/[user]/y"),
    # Not this machine's home: other people's paths, URLs and words stay as written.
    ("/home/adam/x", "/home/adam/x"),
    ("https://example.com/home/ada-lovelace/", "https://example.com/home/ada-lovelace/"),
    ("ada wrote max-width: 100%", "ada wrote max-width: 100%"),
])
def test_content_keeps_everything_but_this_machines_home(text: str, expected: str) -> None:
    assert SCRUB.content(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("cannot open /home/ada/models/x.gguf: denied", "cannot open …/x.gguf: denied"),
    ("database /tmp/pytest-of-ada/p/studio.sqlite3 is locked",
     "database …/studio.sqlite3 is locked"),
    (r"C:\Users\ada\AppData\x.db missing", "…\\x.db missing"),
    ("see https://api.openai.com/v1/chat", "see https://api.openai.com/v1/chat"),
    ("hello ada, your quota", f"hello {USER_MASK}, your quota"),
    ("status 429", "status 429"),
])
def test_messages_lose_every_absolute_path_and_the_login_name(text: str, expected: str) -> None:
    assert SCRUB.message(text) == expected


def test_short_login_names_are_not_masked_as_words() -> None:
    assert Scrubber(home="/home/al", user="al").message("al dente") == "al dente"


def test_known_keys_are_read_from_the_keyring_and_the_environment(studio_home: Path) -> None:
    backend = MemoryKeyring()
    store = KeyStore(env={"ANTHROPIC_API_KEY": "from-the-environment-123"}, backend=backend)
    store.set("openai", "from-the-keyring-456")
    keys = known_keys(studio_paths().providers_file, store)
    assert set(keys) == {"from-the-keyring-456", "from-the-environment-123"}


def test_a_broken_providers_file_gives_no_keys_and_no_error(tmp_path: Path) -> None:
    broken = tmp_path / "providers.json"
    broken.write_text("{not json")
    assert known_keys(broken, KeyStore(env={}, backend=MemoryKeyring())) == []
