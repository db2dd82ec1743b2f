#!/bin/sh
# The whole test suite as CI runs it: a virtual X server (QtWebEngine needs a real one for
# screenshots) and a private D-Bus session with an unlocked gnome-keyring, so keys go
# through the real Secret Service. Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
export QTWEBENGINE_DISABLE_SANDBOX=1
export PROMPT_STUDIO_TEST_KEYRING=1
# A throw-away keyring directory: gnome-keyring creates a fresh "login" collection there,
# unlocked with the password below, and nothing touches the user's own keyrings.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home"
xvfb-run -a -s "-screen 0 1920x1080x24" dbus-run-session -- sh -c '
  printf %s "prompt-studio-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  py="$1"; shift
  exec "$py" -m pytest "$@"' sh "$PY" "$@"
