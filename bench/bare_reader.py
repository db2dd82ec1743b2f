"""The baseline client: what any hand-written streaming client does, and nothing more.

For each model it POSTs one OpenAI-style Chat Completions request with httpx, reads the
server-sent events with httpx-sse (`aconnect_sse` + `aiter_sse`), skips the `[DONE]` marker,
parses each `data:` line with `json.loads`, takes `choices[0].delta.content` and keeps the
pieces in a list that is joined once at the end. All streams run concurrently on one
`httpx.AsyncClient`. No error handling, metrics, retries or events.

As a process (the baseline of `prompt-studio run --json`):

    python -m bench.bare_reader --base-url URL -m MODEL [-m MODEL …]

prints `{"results": [{"model": …, "text": …}]}` like the CLI's JSON output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import httpx
from httpx_sse import aconnect_sse

from bench.lean_reader import print_results


async def read_stream(client: httpx.AsyncClient, base_url: str, model: str) -> str:
    body = {"model": model, "stream": True,
            "messages": [{"role": "user", "content": "Write a long answer."}]}
    parts: list[str] = []
    async with aconnect_sse(client, "POST", f"{base_url}/chat/completions", json=body) as source:
        async for sse in source.aiter_sse():
            if sse.data == "[DONE]":
                continue
            chunk = json.loads(sse.data)
            choices = chunk.get("choices")
            if choices:
                text = choices[0].get("delta", {}).get("content")
                if text:
                    parts.append(text)
    return "".join(parts)


async def read_all(base_url: str, models: list[str]) -> list[str]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
        return list(await asyncio.gather(*(read_stream(client, base_url, m) for m in models)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("-m", "--model", action="append", default=[])
    args = parser.parse_args()
    print_results(args.model, asyncio.run(read_all(args.base_url, args.model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
