"""Prompt Studio: one prompt, many models, answers and pages side by side."""

__version__ = "0.1.0"
APP_NAME = "Prompt Studio"
# QApplication.applicationName: the X11 WM_CLASS class (StartupWMClass in the .desktop
# file) and the folder name of Qt's per-app locations, the same as platformdirs' folder.
APP_SLUG = "prompt-studio"
APP_ID = "io.github.promptstudio.PromptStudio"
# For people (About, packaging). Not set as QApplication.organizationName: Qt would put
# it in front of APP_SLUG in its paths (see studio.app.configure_application).
ORG_NAME = "Prompt Studio"
