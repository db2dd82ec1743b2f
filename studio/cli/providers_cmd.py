"""`prompt-studio providers add|list|remove|models`."""

from __future__ import annotations

import argparse

from studio.cli.common import key_store, print_json, registry
from studio.core.constants import AZURE_DEFAULT_API_VERSION, PROVIDER_KINDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("providers", help="list and add providers (API endpoints)")
    psub = p.add_subparsers(dest="providers_command", metavar="ACTION", required=True)

    add = psub.add_parser("add", help="add or override a provider endpoint")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=[k for k in PROVIDER_KINDS if k != "local"])
    add.add_argument("--base-url", required=True)
    add.add_argument("--label", default="")
    add.add_argument("--key-env", default=None, help="environment variable holding its key")
    add.add_argument("--no-key", action="store_true", help="the endpoint needs no API key")
    add.add_argument("--model", action="append", default=[],
                     help="a model to offer (repeat); for Azure, a deployment name")
    add.add_argument("--api-version", default=None,
                     help=f"Azure only: the api-version query (default "
                          f"{AZURE_DEFAULT_API_VERSION}; v1 for the /openai/v1 path)")
    add.set_defaults(handler=_add)

    ls = psub.add_parser("list", help="list providers and where their keys come from")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    rm = psub.add_parser("remove", help="remove a provider you added")
    rm.add_argument("name")
    rm.set_defaults(handler=_remove)

    models = psub.add_parser("models", help="list the models a provider offers")
    models.add_argument("name")
    models.add_argument("--json", action="store_true")
    models.set_defaults(handler=_models)


def _add(args: argparse.Namespace) -> int:
    from studio.cli import UsageError
    from studio.core.catalog import CatalogError

    try:
        config = registry().add(args.name, args.kind, args.base_url, label=args.label,
                                key_env=args.key_env, needs_key=False if args.no_key else None,
                                models=args.model or None, api_version=args.api_version)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None
    version = f", api-version {config.api_version or AZURE_DEFAULT_API_VERSION}" if (
        config.kind == "azure") else ""
    print(f"added {config.name} ({config.kind}, {config.base_url}{version})")
    return 0


def _list(args: argparse.Namespace) -> int:
    keys = key_store()
    rows: list[dict[str, str | bool]] = []
    for config in registry().all().values():
        source = keys.source(config) if config.needs_key else None
        rows.append({
            "name": config.name, "kind": config.kind, "base_url": config.base_url,
            "builtin": config.builtin, "needs_key": config.needs_key,
            "key": source or ("not needed" if not config.needs_key else "missing"),
        })
    if args.json:
        print_json(rows)
        return 0
    width = max(len(str(r["name"])) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['kind']:<9}  key: {r['key']:<10}  {r['base_url']}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from studio.cli import UsageError
    from studio.core.catalog import CatalogError

    try:
        registry().remove(args.name)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None
    print(f"removed {args.name}")
    return 0


def _models(args: argparse.Namespace) -> int:
    import asyncio

    import httpx

    from studio.cli import UsageError
    from studio.core.catalog import CatalogError
    from studio.core.events import ProviderError
    from studio.core.providers import make_provider
    from studio.core.providers.errors import classify_transport_error

    try:
        config = registry().get(args.name)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None
    key = key_store().get(config) if config.needs_key else None

    async def fetch() -> list[str]:
        async with httpx.AsyncClient(timeout=30) as client:
            models = await make_provider(config, key).list_models(client)
        return [m.id for m in models]

    try:
        ids = asyncio.run(fetch())
    except ProviderError as exc:
        print(f"prompt-studio: {config.name}: {exc.kind.value}: {exc.message}")
        return 1
    except httpx.HTTPError as exc:
        err = classify_transport_error(exc)
        print(f"prompt-studio: {config.name}: {err.kind.value}: {err.message}")
        return 1
    if args.json:
        print_json(ids)
    else:
        print("\n".join(ids))
    return 0
