"""`prompt-studio preview FILE`: run a page (or an answer's page) in the preview sandbox.

With --screenshot the page is loaded, given --wait seconds to settle and written as a PNG;
without it a window shows the preview. Qt is imported only inside the handler.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

# How long a page may take to load before the screenshot is taken anyway.
LOAD_TIMEOUT_S = 20.0
DEFAULT_SIZE = (1280, 800)
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_SIZE_RE = re.compile(r"^\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*$")
_MIN_SIDE, _MAX_SIDE = 50, 8192
_HEADLESS_PLATFORMS = frozenset({"offscreen"})


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "preview",
        help="show a page in the preview sandbox, or write a screenshot of it",
        description="Load a .html file, or an answer saved as .md/.txt (its page is "
        "extracted), in the same sandbox as the app's previews.",
    )
    _add_arguments(p)
    p.set_defaults(handler=handle)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help=".html page, or .md/.txt answer")
    p.add_argument("--screenshot", metavar="OUT.png", help="write a PNG and exit")
    p.add_argument(
        "--network",
        choices=("on", "off"),
        default="off",
        help="on: public https only (CDN libraries); off (default): nothing leaves the machine",
    )
    p.add_argument(
        "--size",
        metavar="WxH",
        default=f"{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}",
        help="viewport size in pixels (default %(default)s)",
    )
    p.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=1.0,
        help="time to let the page run after it loaded, before the screenshot (default 1)",
    )
    p.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=LOAD_TIMEOUT_S,
        help="give up waiting for the page to load after this long and take the screenshot "
        "anyway (default %(default)g)",
    )
    # Used by `run --collection` for page checks: JSON page requests on standard input
    # (FILE is then "-"); see studio/ui/preview/page_worker.py.
    p.add_argument("--serve-pages", action="store_true", help=argparse.SUPPRESS)


def _fail(message: str, code: int = 1) -> int:
    print(f"prompt-studio: {message}", file=sys.stderr)
    return code


def parse_size(text: str) -> tuple[int, int] | None:
    match = _SIZE_RE.match(text)
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        return None
    return width, height


def display_problem(env: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why no window can be shown here, or None when one can."""
    env = dict(os.environ) if env is None else env
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    if env.get("QT_QPA_PLATFORM", "").split(":")[0] in _HEADLESS_PLATFORMS:
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display available: run this from a desktop session, or under a virtual X "
        'server, e.g. xvfb-run -a -s "-screen 0 1920x1080x24" prompt-studio preview …'
    )


def load_page(path: Path) -> str | None:
    """The page to show for FILE: the file itself if it is HTML, else the answer's page."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in _HTML_SUFFIXES:
        return text if text.strip() else None
    from studio.core.extract import extract_html

    return extract_html(text, finished=True)


def handle(args: argparse.Namespace) -> int:
    if args.serve_pages:
        problem = display_problem()
        if problem is not None:
            return _fail(problem)
        from studio.ui.preview.page_worker import serve_pages

        return serve_pages()
    path = Path(args.file)
    if not path.exists():
        return _fail(f"error: {path}: no such file", 2)
    if not path.is_file():
        return _fail(f"error: {path}: not a file", 2)
    size = parse_size(args.size)
    if size is None:
        return _fail(
            f"error: --size {args.size!r}: expected WIDTHxHEIGHT, "
            f"each {_MIN_SIDE}–{_MAX_SIDE} pixels",
            2,
        )
    if not 0 <= args.wait <= 600:
        return _fail("error: --wait must be between 0 and 600 seconds", 2)
    if not 1 <= args.timeout <= 600:
        return _fail("error: --timeout must be between 1 and 600 seconds", 2)
    try:
        html = load_page(path)
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror or exc}")
    if html is None:
        return _fail(f"{path} holds no HTML page")
    problem = display_problem()
    if problem is not None:
        return _fail(problem)
    screenshot = Path(args.screenshot) if args.screenshot else None
    if screenshot is not None and not screenshot.parent.is_dir():
        return _fail(f"cannot write {screenshot}: {screenshot.parent} is not a directory")
    # Before QtWebEngine is loaded: where it is missing or broken, loading it (or creating
    # the first page) would end the process with Qt's own abort instead of this message.
    from studio.ui.preview.engine_check import static_problem

    engine_problem = static_problem()
    if engine_problem is not None:
        return _fail(f"previews cannot run here: {engine_problem.message}")
    from studio.ui.preview.runner import run_preview

    return run_preview(
        html,
        label=path.name,
        screenshot=screenshot,
        network=args.network == "on",
        size=size,
        wait_s=args.wait,
        load_timeout_s=args.timeout,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prompt-studio preview")
    _add_arguments(parser)
    return handle(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
