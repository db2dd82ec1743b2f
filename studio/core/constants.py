"""Plain values the command line's parser shows before any engine code is loaded.

The parser is built for every command, `--help` included, so what it needs comes from this
module, which imports nothing; the engine's own definitions take their values from here.
"""

# The wire protocols a provider can speak (`catalog.ProviderKind`).
PROVIDER_KINDS = ("openai", "anthropic", "gemini", "ollama", "azure", "local")

# Azure OpenAI: the GA data-plane version used when an endpoint names none; "v1" selects
# the newer /openai/v1 path that needs no version ("preview" its preview).
AZURE_DEFAULT_API_VERSION = "2024-10-21"

# What `search --kind` can ask for (`store.models.SearchKind`): a library prompt, a prompt
# sent in a run (a turn), an answer.
SEARCH_KINDS = ("prompt", "turn", "response")

CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 120.0  # reasoning models can think silently for a long time

# A report's layouts and colour themes (`report.model.Layout`, `report.model.ThemeChoice`).
REPORT_LAYOUTS = ("columns", "stacked")
REPORT_THEMES = ("auto", "light", "dark")
