"""Prompt Studio: one prompt, many models, answers and pages side by side."""

__version__ = "0.1.0"
APP_NAME = "Prompt Studio"
APP_ID = "io.github.promptstudio.PromptStudio"
ORG_NAME = "Prompt Studio"
