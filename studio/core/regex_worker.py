"""The far side of studio.core.regex_search: a process that searches one pattern per request.

It reads one JSON line per request — `{"pattern": str, "text": str}` — and answers with one
line: `{"match": str | null}` (the matched text, shortened) or `{"error": str}`. It imports
nothing but the standard library, so it starts in a few tens of milliseconds, and it is
started as `prompt-studio --regex-worker` (`python -m studio --regex-worker`) so that a
bundled app runs it too. Whoever started it kills it when a search runs past its time limit.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from typing import BinaryIO

FLAG = "--regex-worker"
MATCH_CHARS = 600  # the reason quotes at most ~500 characters of what matched
# A runaway pattern can also grow the matcher's stacks; past this the search fails with
# MemoryError here instead of the machine swapping.
_MEMORY_LIMIT = 1 << 30


def _limit_memory() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource  # POSIX only

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > _MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, hard))


def _die_with_parent() -> None:
    """On Linux, end with the process that started this one: deep in a runaway search the
    worker reads no requests, so it would not notice its input closing when the app is
    killed, and would run on for as long as the pattern does."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        set_parent_death_signal = 1  # PR_SET_PDEATHSIG, from <sys/prctl.h>
        ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)


def answer(line: bytes) -> dict[str, str | None]:
    try:
        request = json.loads(line)
        pattern, text = request["pattern"], request["text"]
        if not isinstance(pattern, str) or not isinstance(text, str):
            return {"error": "the request holds no pattern and text"}
        match = re.search(pattern, text)
    except re.error as exc:
        return {"error": f"invalid regular expression: {exc}"}
    except MemoryError:
        return {"error": "the pattern needed more memory than a check may use"}
    except RecursionError:
        return {"error": "the pattern nests too deeply"}
    except (ValueError, KeyError, TypeError) as exc:
        return {"error": f"unreadable request: {exc}"}
    return {"match": None if match is None else match.group(0)[:MATCH_CHARS]}


def serve(source: BinaryIO | None = None, out: BinaryIO | None = None) -> int:
    source = source or sys.stdin.buffer
    out = out or sys.stdout.buffer
    _limit_memory()
    _die_with_parent()
    out.write(b"ready\n")  # the time limit starts once the interpreter is up
    out.flush()
    for line in source:
        out.write(json.dumps(answer(line)).encode("utf-8") + b"\n")
        out.flush()
    return 0
