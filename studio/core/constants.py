"""Plain values the command line's parser shows before any engine code is loaded.

The parser is built for every command, `--help` included, so what it needs comes from this
module, which imports nothing; the engine's own definitions take their values from here.
"""

# The wire protocols a provider can speak (`catalog.ProviderKind`).
PROVIDER_KINDS = ("openai", "anthropic", "gemini", "ollama", "local")

CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 120.0  # reasoning models can think silently for a long time
