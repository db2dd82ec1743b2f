"""The loopback simulator in a process of its own, scripted with the benchmark streams.

    python -m bench.sim_server --streams 8 --chunks 20000 --per-write 16

prints one JSON line `{"port": N, "base_url": "http://127.0.0.1:N"}` once it serves, then
serves until its standard input closes. In its own process the simulator's writing does not
compete for the GIL with the client being measured (it still shares the machine's cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from types import TracebackType

from bench.common import REPO, child_env
from bench.workload import LONG_LINE_KINDS, long_line_streams, page_answer_chunks, stream_chunks
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

PROTOCOL = "openai"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--chunks", type=int, default=20_000)
    parser.add_argument("--per-write", type=int, default=1)
    parser.add_argument("--chunks-per-second", type=float, default=None)
    parser.add_argument("--pages", action="store_true",
                        help="answer with HTML pages (a canvas animation) instead")
    parser.add_argument("--rates", default="",
                        help="chunks per second of each model in turn, comma-separated "
                             "(overrides --chunks-per-second)")
    parser.add_argument("--long-line", choices=LONG_LINE_KINDS,
                        help="answer with one unbroken line of --chunks characters instead")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    with Simulator() as sim:
        if args.long_line:
            answers = long_line_streams(args.long_line, args.streams, args.chunks)
        else:
            answers = stream_chunks(args.streams, args.chunks)
        if args.pages:
            answers = {m: page_answer_chunks(i) for i, m in enumerate(answers)}
        for index, (model, parts) in enumerate(answers.items()):
            rate = rates[index % len(rates)] if rates else args.chunks_per_second
            scenario = Synthetic(parts, usage=(12, len(parts)), chunks_per_second=rate,
                                 per_write=args.per_write)
            scenario.prerender(PROTOCOL, model)
            sim.script(model, scenario)
        print(json.dumps({"port": sim.port, "base_url": sim.url(PROTOCOL)}), flush=True)
        sys.stdin.read()
        if sim.errors:
            print(f"simulator errors: {sim.errors!r}", file=sys.stderr)
            return 1
    return 0


class SimProcess:
    """Context manager: start the server process, expose its URL, stop it on exit."""

    def __init__(self, streams: int, chunks: int, per_write: int,
                 chunks_per_second: float | None = None, *, pages: bool = False,
                 rates: list[float] | None = None, long_line: str | None = None) -> None:
        self.args = ["--streams", str(streams), "--chunks", str(chunks),
                     "--per-write", str(per_write)]
        if chunks_per_second:
            self.args += ["--chunks-per-second", str(chunks_per_second)]
        if rates:
            self.args += ["--rates", ",".join(f"{r:g}" for r in rates)]
        if pages:
            self.args.append("--pages")
        if long_line:
            self.args += ["--long-line", long_line]
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> SimProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.sim_server", *self.args], cwd=REPO, env=child_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.kill()
            raise RuntimeError("the simulator process did not start")
        self.base_url = json.loads(line)["base_url"]
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        proc = self._proc
        if proc is None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError("the simulator process did not stop") from None
        if code != 0 and exc is None:
            raise RuntimeError(f"the simulator process failed (exit {code})")


if __name__ == "__main__":
    sys.exit(main())
