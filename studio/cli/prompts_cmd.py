"""`prompt-studio prompts add|list`: prompts kept in collections."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from studio.cli.collections_cmd import USAGE, error, print_json, with_store
from studio.cli.common import load_attachments, read_text_input

if TYPE_CHECKING:
    from studio.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompts", help="prompts in collections: add, list")
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)

    add = psub.add_parser("add", help="add a prompt to a collection")
    add.add_argument("--collection", required=True, metavar="NAME")
    add.add_argument("--title", required=True)
    src = add.add_mutually_exclusive_group(required=True)
    src.add_argument("-p", "--prompt-text", dest="prompt_text", metavar="TEXT")
    src.add_argument("-f", "--file", metavar="FILE", help="read the prompt from FILE (- = stdin)")
    add.add_argument("--system", metavar="TEXT", help="system prompt")
    add.add_argument("--var", action="append", default=[], metavar="KEY=DEFAULT",
                     help="a {{KEY}} variable and its default value (repeat)")
    add.add_argument("--tag", action="append", default=[], metavar="TAG", help="(repeat)")
    add.add_argument("--notes", default="", metavar="TEXT")
    add.add_argument("-a", "--attach", action="append", default=[], metavar="FILE",
                     help="a file sent with the prompt: an image or a text file (repeat)")
    add.add_argument("--json", action="store_true", help="print the new prompt as JSON")
    add.set_defaults(handler=with_store(_add))

    ls = psub.add_parser("list", help="list prompts")
    ls.add_argument("--collection", metavar="NAME", help="only this collection (and its "
                                                         "sub-collections)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=with_store(_list))


def _read_body(args: argparse.Namespace) -> str | None:
    if args.prompt_text is not None:
        return str(args.prompt_text)
    try:
        return read_text_input(args.file)
    except ValueError as exc:
        error(str(exc), USAGE)
        return None


def _parse_vars(pairs: list[str]) -> dict[str, str] | None:
    from studio.core.variables import VARIABLE_NAME_RE

    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not VARIABLE_NAME_RE.fullmatch(key.strip()):
            error(f"--var {pair!r}: write KEY=DEFAULT, KEY made of letters, digits, '_', "
                  "'.' or '-'", USAGE)
            return None
        result[key.strip()] = value
    return result


def _add(store: Store, args: argparse.Namespace) -> int:
    from studio.core.validation import InputError, check_prompt
    from studio.core.variables import find_variables as variables_in

    variables = _parse_vars(args.var)
    if variables is None:
        return USAGE
    body = _read_body(args)
    if body is None:
        return USAGE
    try:
        check_prompt(body)
        check_prompt(args.system or "", what="system prompt", allow_empty=True)
        check_prompt(args.title, what="title", allow_empty=True)
    except InputError as exc:
        return error(str(exc), USAGE)
    if not args.title.strip():
        return error("a prompt needs a title", USAGE)
    try:
        files = load_attachments(args.attach)
    except ValueError as exc:
        return error(str(exc), USAGE)
    # Every {{name}} in the text becomes a variable; --var gives defaults (and extra names).
    names = variables_in(body) + variables_in(args.system or "")
    merged = {name: "" for name in names} | variables
    collection = store.find_collection(args.collection)
    prompt = store.add_prompt(collection.id, args.title, body, system=args.system,
                              variables=merged, tags=args.tag, notes=args.notes,
                              attachments=files)
    if args.json:
        print_json(_prompt_json(store, prompt.id))
    else:
        print(f"added prompt {prompt.title!r} to {store.collection_path(collection.id)} "
              f"(id {prompt.id})")
    return 0


def _prompt_json(store: Store, prompt_id: int) -> dict[str, object]:
    from studio.store import PromptId

    p = store.prompt(PromptId(prompt_id))
    return {"id": p.id, "uuid": p.uuid, "collection": store.collection_path(p.collection_id),
            "title": p.title, "body": p.body, "system": p.system,
            "variables": dict(p.variables), "tags": list(p.tags), "notes": p.notes,
            "attachments": [a.to_json() for a in p.attachments]}


def _list(store: Store, args: argparse.Namespace) -> int:
    if args.collection:
        items = store.prompts(store.find_collection(args.collection).id, recursive=True)
    else:
        items = store.prompts()
    paths = {c.id: store.collection_path(c.id) for c in store.collections()}
    if args.json:
        print_json([{"id": p.id, "uuid": p.uuid, "collection": paths.get(p.collection_id),
                     "title": p.title, "body": p.body, "system": p.system,
                     "variables": dict(p.variables), "tags": list(p.tags), "notes": p.notes,
            "attachments": [a.to_json() for a in p.attachments]}
                    for p in items])
        return 0
    if not items:
        print("no prompts", file=sys.stderr)
        return 0
    for p in items:
        tags = f"  [{', '.join(p.tags)}]" if p.tags else ""
        print(f"{p.id:>6}  {paths.get(p.collection_id, '?')} / {p.title}{tags}")
    return 0
