"""Entry script of the standalone bundle: the same as the `prompt-studio` command.

Without arguments it starts the desktop app; with a subcommand it is the command line.
"""

from __future__ import annotations

import sys

from studio.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
