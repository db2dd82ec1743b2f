"""`prompt-studio local models|add|remove`: GGUF files run in-process, and local servers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.cli.common import print_json

if TYPE_CHECKING:
    from studio.core.local_models import LocalModelRegistry


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("local", help="local models: the bundled one, your .gguf files, servers")
    lsub = p.add_subparsers(dest="local_command", metavar="ACTION", required=True)

    models = lsub.add_parser("models", help="list local models and the model servers running here")
    models.add_argument("--json", action="store_true")
    models.add_argument("--no-detect", action="store_true",
                        help="do not look for Ollama, LM Studio or llama.cpp servers")
    models.add_argument("--host", default="127.0.0.1", help="where to look for servers")
    models.add_argument("--port", action="append", default=[], metavar="NAME=PORT",
                        help="look for a server on another port, e.g. lmstudio=1235 (repeat)")
    models.set_defaults(handler=_models)

    add = lsub.add_parser("add", help="offer a .gguf file as the model local:NAME")
    add.add_argument("name")
    add.add_argument("path", help="path of the .gguf file")
    add.set_defaults(handler=_add)

    rm = lsub.add_parser("remove", help="forget a model you added (the file stays)")
    rm.add_argument("name")
    rm.set_defaults(handler=_remove)


def _registry() -> LocalModelRegistry:
    from studio.cli.common import paths
    from studio.core.local_models import LocalModelRegistry

    return LocalModelRegistry.default(paths())


def _ports(specs: list[str]) -> dict[str, int]:
    from studio.cli import UsageError
    from studio.core.local_servers import DEFAULT_PROBES

    known = {p.provider for p in DEFAULT_PROBES}
    ports: dict[str, int] = {}
    for spec in specs:
        name, sep, port = spec.partition("=")
        if not sep or name not in known or not port.isdigit() or not 0 < int(port) < 65536:
            raise UsageError(f"--port {spec!r}: expected NAME=PORT with NAME one of "
                             f"{', '.join(sorted(known))}")
        ports[name] = int(port)
    return ports


async def _detect(host: str, ports: dict[str, int]) -> list[Any]:
    import httpx

    from studio.core.local_servers import detect_local_servers, probes_at

    # trust_env off: a proxy from the environment must not see loopback probes.
    async with httpx.AsyncClient(trust_env=False) as client:
        return await detect_local_servers(client, probes_at(host, ports))


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _models(args: argparse.Namespace) -> int:
    import asyncio

    from studio.cli import UsageError
    from studio.core.local_models import LocalModelError, local_extra_available

    ports = _ports(args.port)
    available, detail = local_extra_available()
    try:
        models = _registry().all()
    except LocalModelError as exc:
        raise UsageError(str(exc)) from None
    servers = [] if args.no_detect else asyncio.run(_detect(args.host, ports))
    if args.json:
        print_json({
            "extra": {"available": available, "detail": detail},
            "models": [{"name": m.name, "ref": f"local:{m.name}", "path": str(m.path),
                        "bundled": m.bundled, "present": m.present,
                        "size_bytes": m.size_bytes} for m in models],
            "servers": [{"provider": s.provider, "label": s.label, "kind": s.kind,
                         "base_url": s.base_url, "models": list(s.models)} for s in servers],
        })
        return 0
    print("In-process models (run with -m local:NAME):")
    if not available:
        print(f"  {detail}")
    width = max((len(m.name) for m in models), default=0)
    for m in models:
        origin = "bundled" if m.bundled else "added"
        note = "" if m.present else "  [file missing]"
        print(f"  {m.name:<{width}}  {origin:<7}  {_size(m.size_bytes):>7}  {m.path}{note}")
    if not models:
        print("  none (add one with `prompt-studio local add NAME PATH.gguf`)")
    if args.no_detect:
        return 0
    print("Model servers on this machine (run with -m PROVIDER:MODEL):")
    for s in servers:
        listed = ", ".join(s.models) if s.models else "no models pulled yet"
        print(f"  {s.provider} ({s.label}, {s.base_url}): {listed}")
    if not servers:
        print("  none found (looked for Ollama, LM Studio and llama.cpp's server)")
    return 0


def _add(args: argparse.Namespace) -> int:
    from studio.cli import UsageError
    from studio.core.local_models import LocalModelError, read_gguf_info

    try:
        model = _registry().add(args.name, Path(args.path))
        info = read_gguf_info(model.path)
    except LocalModelError as exc:
        raise UsageError(str(exc)) from None
    facts = [f for f in (info.architecture,
                         f"context {info.context_length}" if info.context_length else None)
             if f]
    detail = f" ({', '.join(facts)})" if facts else ""
    print(f"added local:{model.name} → {model.path}{detail}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from studio.cli import UsageError
    from studio.core.local_models import LocalModelError

    try:
        _registry().remove(args.name)
    except LocalModelError as exc:
        raise UsageError(str(exc)) from None
    print(f"removed local:{args.name}")
    return 0
