#!/bin/sh
# Builds the standalone one-folder app with PyInstaller:
#   packaging/build-bundle.sh               -> dist/prompt-studio/prompt-studio
#   packaging/build-bundle.sh --without-local   leave out the local model (~120 MB smaller)
# PyInstaller's work files go to build/pyinstaller; both build/ and dist/ are untracked.
# The Python used (PYTHON, else .venv/bin/python, else python3) must have the studio's
# dependencies and PyInstaller installed (pip install pyinstaller).
set -eu
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    --without-local) export PROMPT_STUDIO_BUNDLE_LOCAL=0 ;;
    --with-local) export PROMPT_STUDIO_BUNDLE_LOCAL=1 ;;
    *) echo "usage: $0 [--without-local|--with-local]" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-}
if [ -z "$python" ]; then
  python=python3
  [ -x .venv/bin/python ] && python=.venv/bin/python
fi
if ! "$python" -c "import PyInstaller" 2>/dev/null; then
  echo "build-bundle.sh: PyInstaller is not installed for $python (pip install pyinstaller)" >&2
  exit 1
fi
# A bundle with stale launcher icons would ship them; fail early instead.
"$python" packaging/render_icons.py --check

start=$(date +%s)
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/prompt-studio.spec
end=$(date +%s)

bundle=dist/prompt-studio
helper=$(find "$bundle" -name QtWebEngineProcess -type f | head -n 1)
if [ -z "$helper" ]; then
  echo "build-bundle.sh: QtWebEngineProcess is missing from $bundle" >&2
  exit 1
fi
echo "built $bundle in $((end - start)) s: $(du -sh "$bundle" | cut -f1)"
echo "run it:    $bundle/prompt-studio"
echo "check it:  packaging/check-bundle.sh"
echo "launcher:  packaging/install-desktop.sh --exec \"$PWD/$bundle/prompt-studio\""
