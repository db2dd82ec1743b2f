"""`prompt-studio` with no arguments starts the GUI; with a subcommand, the CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        return gui_main()
    if args == ["--regex-worker"]:  # a regex check's search, in a process that can be killed
        from studio.core.regex_worker import serve

        return serve()
    if args == ["--version"]:
        # Answered before the parser is even built: scripts and package tools ask often.
        from studio import __version__

        print(f"prompt-studio {__version__}")
        return 0
    from studio.cli import main as cli_main

    return cli_main(args)


def gui_main() -> int:
    from studio.app import main_gui

    return main_gui(sys.argv)


if __name__ == "__main__":
    sys.exit(main())
