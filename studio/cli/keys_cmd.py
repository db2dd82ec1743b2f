"""`prompt-studio keys set|delete|list`: keys go to the OS keyring and nowhere else."""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import key_store, print_json, registry


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="store API keys in the OS keyring")
    ksub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    s = ksub.add_parser("set", help="store a key read from standard input")
    s.add_argument("name", help="provider name, e.g. openai")
    # Accepted only to refuse it with a clear message: a key in argv is visible to every
    # process (/proc/PID/cmdline) and kept in shell history.
    s.add_argument("key", nargs="?", help=argparse.SUPPRESS)
    s.set_defaults(handler=_set)
    d = ksub.add_parser("delete", help="remove a stored key")
    d.add_argument("name")
    d.set_defaults(handler=_delete)
    ls = ksub.add_parser("list", help="which providers have a key, and where it comes from")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)


def _provider_name(name: str) -> str:
    from studio.cli import UsageError
    from studio.core.catalog import CatalogError

    try:
        return registry().get(name).name
    except CatalogError as exc:
        raise UsageError(str(exc)) from None


def _set(args: argparse.Namespace) -> int:
    from studio.cli import UsageError
    from studio.core.secrets import KeyringUnavailable

    name = _provider_name(args.name)
    if args.key is not None:
        raise UsageError("the key is read from standard input, never from the command line "
                         "(other programs can see command lines, and shells keep them): run "
                         f"`prompt-studio keys set {name}` and paste it, or pipe it in")
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass(f"API key for {name} (input hidden): ")
    else:
        key = sys.stdin.readline()
    try:
        key_store().set(name, key)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except KeyringUnavailable as exc:
        print(f"prompt-studio: cannot store the key: {exc}", file=sys.stderr)
        return 1
    print(f"stored the key for {name} in the OS keyring")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from studio.core.secrets import KeyringUnavailable

    name = _provider_name(args.name)
    try:
        removed = key_store().delete(name)
    except KeyringUnavailable as exc:
        print(f"prompt-studio: {exc}", file=sys.stderr)
        return 1
    print(f"deleted the key for {name}" if removed else f"no stored key for {name}")
    return 0


def _list(args: argparse.Namespace) -> int:
    keys = key_store()
    usable, backend = keys.available()
    rows = []
    for config in registry().all().values():
        if not config.needs_key:
            continue
        source = keys.source(config)
        where = {"keyring": "OS keyring", "env": f"${config.key_env}"}.get(source or "", "-")
        rows.append({"name": config.name, "source": source, "where": where})
    if args.json:
        print_json({"keyring": backend if usable else None, "keys": rows})
        return 0
    print(f"keyring: {backend if usable else 'unavailable — ' + backend}")
    for r in rows:
        print(f"{r['name']:<12} {r['where']}")
    return 0
