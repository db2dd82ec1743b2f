"""`python -m bench`: see bench/run_all.py and bench/README.md."""

import sys

from bench.run_all import main

sys.exit(main())
