"""`prompt-studio collections add|list|export|import`.

Exit codes: 0 done, 1 the store refused (unknown name, broken import file, damaged database),
2 bad arguments. Messages go to stderr as `prompt-studio: error: …`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.store import Store

USAGE = 2
REFUSED = 1


def error(message: str, code: int) -> int:
    print(f"prompt-studio: error: {message}", file=sys.stderr)
    return code


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


def with_store(action: Callable[[Store, argparse.Namespace], int]) -> Callable[
        [argparse.Namespace], int]:
    """Open the store for one command; StoreErrors become exit code 1 with their message."""
    def handler(args: argparse.Namespace) -> int:
        from studio.core.paths import studio_paths
        from studio.store import Store, StoreError

        try:
            store = Store.open(studio_paths().ensure())
        except StoreError as exc:
            return error(str(exc), REFUSED)
        try:
            return action(store, args)
        except StoreError as exc:
            return error(str(exc), REFUSED)
        finally:
            store.close()
    return handler


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collections", help="named groups of prompts: add, list, export, import")
    csub = p.add_subparsers(dest="collections_command", metavar="ACTION", required=True)

    add = csub.add_parser("add", help="create a collection")
    add.add_argument("name")
    add.add_argument("--parent", metavar="NAME", help="create it inside this collection")
    add.set_defaults(handler=with_store(_add))

    ls = csub.add_parser("list", help="list collections and how many prompts each holds")
    ls.add_argument("--json", action="store_true",
                    help='print a JSON list of {"name", "prompts", …}')
    ls.set_defaults(handler=with_store(_list))

    ex = csub.add_parser("export", help="write a collection to a JSON file (never any keys)")
    ex.add_argument("name", help="the collection (with its sub-collections)")
    ex.add_argument("-o", "--output", required=True, metavar="FILE", help="- for stdout")
    ex.add_argument("--with-runs", action="store_true", help="include the saved runs")
    ex.set_defaults(handler=with_store(_export))

    im = csub.add_parser("import", help="import a collection file (JSON) or a promptfoo "
                                        "config (YAML); all or nothing")
    im.add_argument("file")
    im.add_argument("--collection", metavar="NAME",
                    help="for a promptfoo config: the collection to put its prompts in")
    im.set_defaults(handler=with_store(_import))


def _add(store: Store, args: argparse.Namespace) -> int:
    if not args.name.strip():
        return error("a collection needs a name", USAGE)
    parent = store.find_collection(args.parent).id if args.parent else None
    created = store.add_collection(args.name, parent)
    print(f"added collection {store.collection_path(created.id)}")
    return 0


def _list(store: Store, args: argparse.Namespace) -> int:
    tree = store.collections()
    names = {c.id: c.name for c in tree}
    depth: dict[int, int] = {}
    rows = []
    for c in tree:
        depth[c.id] = depth[c.parent_id] + 1 if c.parent_id is not None else 0
        rows.append({"name": c.name, "prompts": c.prompt_count, "id": c.id,
                     "parent": names.get(c.parent_id) if c.parent_id is not None else None,
                     "path": store.collection_path(c.id)})
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no collections yet: prompt-studio collections add NAME")
    for c, row in zip(tree, rows, strict=True):
        count = row["prompts"]
        print(f"{'  ' * depth[c.id]}{c.name} ({count} prompt{'' if count == 1 else 's'})")
    return 0


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_output(output: str, text: str) -> int | None:
    """Write `text` to the file an `-o` option names ("-": standard output); the exit code
    when that fails (the message is printed), None when it worked."""
    if output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    target = Path(output)
    if target.is_dir():
        return error(f"{target} is a directory; name a file", USAGE)
    try:
        _write_atomically(target, text)
    except OSError as exc:
        return error(f"cannot write {target}: {exc.strerror}", REFUSED)
    return None


def _export(store: Store, args: argparse.Namespace) -> int:
    collection = store.find_collection(args.name)
    document = store.export([collection.id], with_runs=args.with_runs)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    failed = write_output(args.output, text)
    if failed is not None or args.output == "-":
        return failed or 0
    target = Path(args.output)
    count = _count_prompts(document["collections"])
    runs = len(document.get("runs", []))
    extra = f" and {runs} run{'' if runs == 1 else 's'}" if args.with_runs else ""
    print(f"exported {collection.name}: {count} prompt{'' if count == 1 else 's'}{extra} "
          f"to {target}", file=sys.stderr)
    return 0


def _count_prompts(items: list[dict[str, Any]]) -> int:
    return sum(len(c["prompts"]) + _count_prompts(c["collections"]) for c in items)


def _import(store: Store, args: argparse.Namespace) -> int:
    from studio.store import StoreError

    path = Path(args.file)
    if not path.is_file():
        return error(f"no such file: {path}", USAGE)
    try:
        report = store.import_file(path, collection=args.collection)
    except StoreError as exc:
        return error(f"nothing was imported from {path}: {exc}", REFUSED)
    print(f"imported {path.name}: {report.summary()}")
    for note in report.notes:
        print(f"prompt-studio: note: {note}", file=sys.stderr)
    return 0
