#!/usr/bin/env bash
# Sets Prompt Studio up on Debian/Ubuntu: the system libraries Qt and QtWebEngine need,
# a virtual environment in .venv and the package with its local-model extra.
#   packaging/bootstrap.sh          to run the app
#   packaging/bootstrap.sh --test   also what the test suite needs (Xvfb, test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

packages=(
  python3 python3-venv python3-dev build-essential
  libegl1 libgl1 libnss3 libasound2 libxkbfile1 libxcomposite1 libxdamage1 libxrandr2
  libxtst6 libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 fonts-dejavu-core
  gnome-keyring dbus dbus-x11 xdg-utils
)
if [ "$with_test" = 1 ]; then
  packages+=(xvfb xauth x11-utils appstream desktop-file-utils)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
extras="local"
[ "$with_test" = 1 ] && extras="local,test"
.venv/bin/python -m pip install -q -e ".[$extras]"
echo "Prompt Studio is installed in .venv (start it with .venv/bin/prompt-studio)"
