from __future__ import annotations

import logging

import pytest

from studio.core.redact import MASK, RedactingFilter, redact, register_secret


@pytest.mark.parametrize("text", [
    "Authorization: Bearer sk-live-abcdefghijklmnop",
    "headers={'x-api-key': 'anthropic-secret-value-123'}",
    "x-goog-api-key=AIzaSyA-very-long-google-key-0123456789",
    "GET https://generativelanguage.googleapis.com/v1beta/models?key=AIzaSecret123456789012345",
    "Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOP1234",
    # Azure keys are 32 hex digits with no telltale prefix: only the header name gives them
    # away, in whichever form the header is written
    "api-key: 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "headers={'api-key': '0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'accept': 'text/event-stream'}",
    "Headers({'host': 'contoso.openai.azure.com', 'API-KEY': '0a1b2c3d4e5f60718293a4b5c6d7e8f9'})",
    "[(b'host', b'contoso.openai.azure.com'), (b'api-key', b'0a1b2c3d4e5f60718293a4b5c6d7e8f9')]",
])
def test_key_shapes_are_masked(text: str) -> None:
    out = redact(text)
    assert MASK in out
    for secret in ("sk-live-abcdefghijklmnop", "anthropic-secret-value-123",
                   "AIzaSyA-very-long-google-key-0123456789", "AIzaSecret123456789012345",
                   "sk-proj-ABCDEFGHIJKLMNOP1234", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"):
        assert secret not in out


def test_registered_keys_are_masked_wherever_they_appear() -> None:
    register_secret("plainkey-7f3a9c")
    assert redact("echo plainkey-7f3a9c!") == f"echo {MASK}!"


def test_log_records_are_redacted_after_formatting(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("studio.test.redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="studio.test.redact"):
        logger.info("sending %s", {"Authorization": "Bearer sk-abcdef123456789"})
    assert "sk-abcdef123456789" not in caplog.text
    assert MASK in caplog.text


def test_azure_api_key_in_a_log_record_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("studio.test.redact.azure")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG, logger="studio.test.redact.azure"):
        logger.debug("POST %s headers=%s", "https://contoso.openai.azure.com/openai/deployments/"
                     "d/chat/completions?api-version=2024-10-21",
                     {"api-key": "f0e1d2c3b4a5968778695a4b3c2d1e0f"})
    assert "f0e1d2c3b4a5968778695a4b3c2d1e0f" not in caplog.text
    assert "api-version=2024-10-21" in caplog.text  # the version is no secret


def test_the_header_pattern_needs_quotes_around_a_pair() -> None:
    # prose that merely names a header is left alone; a quoted (name, value) pair is not
    assert redact("missing authorization, check the api-key, then retry") == (
        "missing authorization, check the api-key, then retry")

