"""The leanest honest client: httpx's `aiter_lines` and `json.loads`, nothing else.

For each model it POSTs one OpenAI-style Chat Completions request, reads the body line by
line, decodes every `data:` line but the `[DONE]` marker with `json.loads`, keeps
`choices[0].delta.content` in a list and joins it once. No SSE framing beyond the `data:`
prefix, no error handling, metrics, retries or events. All streams run concurrently on one
`httpx.AsyncClient`. With `BENCH_API_KEY` set, it is sent as a bearer token.

As a process (the baseline of `prompt-studio run --json`; run as a script, so nothing but
httpx is imported):

    python bench/lean_reader.py --base-url URL -m MODEL [-m MODEL …]

prints `{"results": [{"model": …, "text": …}]}` like the CLI's JSON output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import httpx


async def read_stream(client: httpx.AsyncClient, base_url: str, model: str,
                      prompt: str = "Write a long answer.") -> str:
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": prompt}]}
    key = os.environ.get("BENCH_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    parts: list[str] = []
    async with client.stream("POST", f"{base_url}/chat/completions", json=body,
                             headers=headers) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                continue
            choices = json.loads(data).get("choices")
            if choices:
                text = choices[0].get("delta", {}).get("content")
                if text:
                    parts.append(text)
    return "".join(parts)


async def read_all(base_url: str, models: list[str], prompt: str = "Write a long answer."
                   ) -> list[str]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
        return list(await asyncio.gather(*(read_stream(client, base_url, m, prompt)
                                           for m in models)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("-m", "--model", action="append", default=[])
    parser.add_argument("-p", "--prompt", default="Write a long answer.")
    args = parser.parse_args()
    print_results(args.model, asyncio.run(read_all(args.base_url, args.model, args.prompt)))
    return 0


def print_results(models: list[str], texts: list[str]) -> None:
    """The texts as `{"results": [{"model", "text"}]}`, like `prompt-studio run --json`."""
    results = [{"model": m, "text": t} for m, t in zip(models, texts, strict=True)]
    json.dump({"results": results}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
