"""Azure OpenAI: Chat Completions at a resource's own endpoint.

Differs from OpenAI in three ways: the model is a *deployment* named in the path
(`{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`), the
`api-version` query is required, and a key travels in an `api-key` header, never as a
bearer token. The newer v1 surface (`{endpoint}/openai/v1/chat/completions`) takes the
deployment as the body's `model` and needs no version; an endpoint configured with
api_version "v1" (or "preview") uses it. The stream itself is OpenAI's, plus
`prompt_filter_results` and `content_filter_results`, which carry nothing to show.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from studio.core.catalog import AZURE_DEFAULT_API_VERSION, ProviderConfig
from studio.core.providers._wire import get_json
from studio.core.providers.base import ModelInfo
from studio.core.providers.openai_compat import DIALECTS, OpenAICompatProvider

_V1_VERSIONS = ("v1", "preview")


class AzureOpenAIProvider(OpenAICompatProvider):
    def __init__(self, config: ProviderConfig, api_key: str | None) -> None:
        super().__init__(config, api_key)
        # Azure serves OpenAI's models: max_completion_tokens, reasoning_effort
        self.dialect = DIALECTS["openai"]
        self.api_version = config.api_version or AZURE_DEFAULT_API_VERSION
        endpoint = self.base_url
        # an endpoint pasted with the path on it still means the resource
        if endpoint.endswith("/openai/v1"):
            endpoint = endpoint.removesuffix("/openai/v1")
            if not config.api_version:
                self.api_version = "v1"
        self.endpoint = endpoint.removesuffix("/openai")

    @property
    def uses_v1(self) -> bool:
        return self.api_version in _V1_VERSIONS

    def headers(self) -> dict[str, str]:
        headers = dict(self.config.headers)
        if self._api_key:
            headers["api-key"] = self._api_key
        return headers

    def _query(self) -> str:
        if self.api_version == "v1":
            return ""
        return f"?api-version={quote(self.api_version, safe='')}"

    def chat_url_for(self, deployment: str) -> str:
        if self.uses_v1:
            return f"{self.endpoint}/openai/v1/chat/completions{self._query()}"
        return (f"{self.endpoint}/openai/deployments/{quote(deployment, safe='')}"
                f"/chat/completions{self._query()}")

    @property
    def models_url(self) -> str:
        if self.uses_v1:
            return f"{self.endpoint}/openai/v1/models{self._query()}"
        return f"{self.endpoint}/openai/models{self._query()}"

    # The body is OpenAI's and keeps the deployment as `model`: the v1 path needs it
    # there, and the deployment path ignores it.

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        """The configured deployments, once the endpoint has accepted the key.

        Azure's data plane lists the resource's base models, not its deployments (those
        live in the management API), and only a deployment name can be called; so the
        listing checks the endpoint, version and key, and the deployments come from the
        provider's settings."""
        await get_json(client, self.models_url, headers=self.headers(), secret=self._api_key)
        return [ModelInfo(deployment) for deployment in self.config.models]
