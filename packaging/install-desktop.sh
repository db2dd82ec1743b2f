#!/bin/sh
# Puts Prompt Studio into the current user's application launcher: the desktop entry, the
# AppStream metainfo and the hicolor icons, under $XDG_DATA_HOME (default ~/.local/share).
#
#   packaging/install-desktop.sh                      install (or update)
#   packaging/install-desktop.sh --exec COMMAND       launch COMMAND instead of prompt-studio-gui,
#                                                     e.g. the standalone bundle:
#                                                     --exec "$PWD/dist/prompt-studio/prompt-studio"
#   packaging/install-desktop.sh --resources DIR      take the files from DIR instead of resources/
#   packaging/install-desktop.sh --uninstall          remove what the install put there
#
# Nothing outside the user's data directory is touched, so no root is needed.
set -eu

APP_ID=io.github.promptstudio.PromptStudio
SIZES="16 24 32 48 64 128 256 512"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
resources="$here/../resources"
exec_cmd=""
mode=install
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) mode=uninstall ;;
    --exec) [ $# -ge 2 ] || usage; exec_cmd=$2; shift ;;
    --resources) [ $# -ge 2 ] || usage; resources=$2; shift ;;
    -h|--help) usage ;;
    *) echo "install-desktop.sh: unknown argument: $1" >&2; usage ;;
  esac
  shift
done

data_home=${XDG_DATA_HOME:-"$HOME/.local/share"}
applications="$data_home/applications"
metainfo="$data_home/metainfo"
hicolor="$data_home/icons/hicolor"

desktop_file="$applications/$APP_ID.desktop"
metainfo_file="$metainfo/$APP_ID.metainfo.xml"

# Launchers read caches when they exist; a stale cache hides new icons and entries.
refresh_caches() {
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -d "$hicolor" ]; then
    # -t: a user's hicolor directory has no index.theme of its own.
    gtk-update-icon-cache -q -f -t "$hicolor" || true
  fi
  if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$applications" ]; then
    update-desktop-database -q "$applications" || true
  fi
}

if [ "$mode" = uninstall ]; then
  rm -f "$desktop_file" "$metainfo_file" "$hicolor/scalable/apps/$APP_ID.svg"
  for size in $SIZES; do
    rm -f "$hicolor/${size}x${size}/apps/$APP_ID.png"
  done
  refresh_caches
  echo "removed Prompt Studio from $data_home"
  exit 0
fi

src_desktop="$resources/desktop/$APP_ID.desktop"
src_metainfo="$resources/desktop/$APP_ID.metainfo.xml"
src_icons="$resources/icons/hicolor"
for f in "$src_desktop" "$src_metainfo" "$src_icons/scalable/apps/$APP_ID.svg"; do
  if [ ! -f "$f" ]; then
    echo "install-desktop.sh: missing $f" >&2
    exit 1
  fi
done

mkdir -p "$applications" "$metainfo" "$hicolor/scalable/apps"
if [ -n "$exec_cmd" ]; then
  # The Exec key's rules: % doubles; an argument with reserved characters goes in double
  # quotes with \ " ` $ escaped, and then every backslash doubles again for the string escape.
  value=$(printf '%s' "$exec_cmd" | sed -e 's/%/%%/g')
  case "$value" in
    *[[:space:]\"\'\\\>\<~\|\&\;\$\*\?\#\(\)\`]*)
      value=$(printf '%s' "$value" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g')
      value="\"$value\"" ;;
  esac
  # sed's replacement gives & and \ meanings of their own, and | is the delimiter here.
  replacement=$(printf '%s' "$value" | sed -e 's/[\\&|]/\\&/g')
  tmp="$desktop_file.tmp.$$"
  sed -e "s|^Exec=[^ ]*|Exec=$replacement|" "$src_desktop" >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$desktop_file"
else
  install -m 644 "$src_desktop" "$desktop_file"
fi
install -m 644 "$src_metainfo" "$metainfo_file"
install -m 644 "$src_icons/scalable/apps/$APP_ID.svg" "$hicolor/scalable/apps/$APP_ID.svg"
for size in $SIZES; do
  png="$src_icons/${size}x${size}/apps/$APP_ID.png"
  [ -f "$png" ] || continue
  mkdir -p "$hicolor/${size}x${size}/apps"
  install -m 644 "$png" "$hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches
echo "installed Prompt Studio into $data_home (desktop entry, metainfo, icons)"
