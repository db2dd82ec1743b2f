"""Azure OpenAI end to end: `providers add --kind azure`, then `run` in a real subprocess
against the loopback simulator, whose request log shows the path, query and header Azure
gets; and cached prompt tokens priced in `run --json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import add_sim_providers, cli
from tests.support.scenarios import Replay, Synthetic
from tests.support.simulator import Simulator

KEY = "azure-0123456789abcdef0123456789abcdef"
ENV = {"WORK_AZURE_KEY": KEY}


@pytest.fixture(scope="module")
def azure_sim() -> Iterator[Simulator]:
    with Simulator(require_key=KEY) as s:
        yield s


@pytest.fixture
def home(studio_home: Path, azure_sim: Simulator) -> Path:
    azure_sim.reset()
    for name, url, version in [("work", azure_sim.base_url, "2024-10-21"),
                               ("work-v1", f"{azure_sim.base_url}/openai/v1", None)]:
        args = ["providers", "add", name, "--kind", "azure", "--base-url", url,
                "--key-env", "WORK_AZURE_KEY", "--model", "gpt-4o-prod"]
        r = cli(*args, *(["--api-version", version] if version else []), home=studio_home)
        assert r.code == 0, r.err
        assert f"added {name} (azure, " in r.out
    return studio_home


def _no_key_in(*texts: str) -> None:
    for text in texts:
        assert KEY not in text


def test_a_deployment_streams_with_its_path_version_and_api_key(
        home: Path, azure_sim: Simulator) -> None:
    # the deployment's price: gpt-4o's, cached input included
    (home / "config" / "prices.json").write_text(json.dumps({"version": 1, "models": {
        "work:gpt-4o-prod": {"input": 2.5, "output": 10.0, "cached_input": 1.25}}}))
    r = cli("run", "-m", "work:gpt-4o-prod", "-p", "Say hello", "--json", home=home, env=ENV)
    assert r.code == 0, r.err
    (result,) = r.json()["results"]
    assert result["error"] is None
    assert result["text"] == "Hello from Azure."
    assert result["usage"] == {"input_tokens": 1169, "output_tokens": 5,
                               "cached_input_tokens": 1152, "cache_write_tokens": None}
    # 17 new at $2.50, 1,152 cached at $1.25, 5 out at $10 per million
    assert result["cost_usd"] == pytest.approx((17 * 2.5 + 1152 * 1.25 + 5 * 10) / 1e6)
    (seen,) = azure_sim.requests_for("gpt-4o-prod")
    assert (seen.method, seen.path, seen.query) == (
        "POST", "/openai/deployments/gpt-4o-prod/chat/completions",
        {"api-version": "2024-10-21"})
    assert seen.headers["api-key"] == KEY
    assert "authorization" not in seen.headers
    assert seen.json["stream"] is True and seen.json["messages"][-1]["content"] == "Say hello"
    _no_key_in(r.out, r.err)
    assert azure_sim.errors == []


def test_the_v1_path_takes_the_deployment_in_the_body(home: Path, azure_sim: Simulator) -> None:
    azure_sim.script("gpt-4o-prod", Synthetic(["Hi", " from", " v1."], usage=(9, 3)))
    r = cli("run", "-m", "work-v1:gpt-4o-prod", "-p", "hi", "--json", home=home, env=ENV)
    assert r.code == 0, r.err
    (result,) = r.json()["results"]
    assert result["text"] == "Hi from v1."
    (seen,) = azure_sim.requests_for("gpt-4o-prod")
    assert (seen.path, seen.query, seen.json["model"]) == (
        "/openai/v1/chat/completions", {}, "gpt-4o-prod")
    assert seen.headers["api-key"] == KEY and "authorization" not in seen.headers


def test_a_wrong_key_fails_with_azures_words_and_never_as_a_bearer(
        home: Path, azure_sim: Simulator) -> None:
    wrong = "wrong-0123456789abcdef"
    r = cli("run", "-m", "work:gpt-4o-prod", "-p", "hi", "--json", home=home,
            env={"WORK_AZURE_KEY": wrong})
    assert r.code == 1
    error = r.json()["results"][0]["error"]
    assert (error["kind"], error["status"]) == ("auth", 401)
    assert error["message"].startswith("HTTP 401: Access denied due to invalid subscription key")
    (seen,) = azure_sim.requests_for("gpt-4o-prod")
    assert seen.headers["api-key"] == wrong and "authorization" not in seen.headers
    assert wrong not in r.out and wrong not in r.err


def test_models_lists_the_deployments_once_the_endpoint_accepts_the_key(
        home: Path, azure_sim: Simulator) -> None:
    r = cli("providers", "models", "work", "--json", home=home, env=ENV)
    assert r.code == 0, r.err
    assert json.loads(r.out) == ["gpt-4o-prod"]
    (seen,) = [q for q in azure_sim.requests if q.method == "GET"]
    assert (seen.path, seen.query, seen.headers["api-key"]) == (
        "/openai/models", {"api-version": "2024-10-21"}, KEY)
    bad = cli("providers", "models", "work", home=home, env={"WORK_AZURE_KEY": "nope-nope"})
    assert bad.code == 1 and "auth: HTTP 401" in bad.out
    listed = {p["name"]: p for p in cli("providers", "list", "--json", home=home).json()}
    assert listed["work"]["kind"] == "azure" and listed["work"]["key"] == "missing"


@pytest.mark.parametrize(("args", "message"), [
    (["--api-version", "newest"], "invalid Azure API version 'newest'"),
    (["--kind", "openai", "--api-version", "2024-10-21"], "only for Azure OpenAI"),
])
def test_bad_azure_settings_are_refused(home: Path, args: list[str], message: str) -> None:
    base = ["providers", "add", "other", "--base-url", "https://contoso.openai.azure.com"]
    kind = [] if "--kind" in args else ["--kind", "azure"]
    r = cli(*base, *kind, *args, home=home)
    assert r.code == 2 and message in r.err


def test_cached_prompt_tokens_are_priced_and_shown(home: Path, sim: Simulator) -> None:
    sim.reset()
    add_sim_providers(home, sim, {"sim-anthropic": "anthropic"})
    sim.script("claude-sonnet-4-5", Replay("anthropic_cache_stream"))
    r = cli("run", "-m", "sim-anthropic:claude-sonnet-4-5", "-p", "renewal?", "--json",
            home=home)
    assert r.code == 0, r.err
    (result,) = r.json()["results"]
    assert result["usage"] == {"input_tokens": 3169, "output_tokens": 12,
                               "cached_input_tokens": 2048, "cache_write_tokens": 1100}
    # 21 new at $3, 1,100 written at $3.75, 2,048 read at $0.30, 12 out at $15 per million
    assert result["cost_usd"] == pytest.approx(
        (21 * 3.0 + 1100 * 3.75 + 2048 * 0.30 + 12 * 15.0) / 1e6)
    shown = cli("run", "-m", "sim-anthropic:claude-sonnet-4-5", "-p", "again", home=home)
    assert shown.code == 0, shown.err
    assert "3169 in (2048 cached, 1100 to cache) / 12 out" in shown.out
    saved = cli("history", "show", "2", "--json", home=home).json()
    usage = saved["turns"][0]["responses"][0]["usage"]
    assert (usage["cached_input_tokens"], usage["cache_write_tokens"]) == (2048, 1100)
