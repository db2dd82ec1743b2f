"""The nodes behind the collections tree model: the root, collections and prompts."""

from __future__ import annotations

from typing import Literal

from studio.store import Collection, Prompt

NodeKind = Literal["root", "collection", "prompt"]


class Node:
    """One row. A collection knows how many prompts it holds (`prompts_total`) and how many
    of them are loaded as children so far (`prompts_loaded`), which is what paging needs."""

    __slots__ = ("children", "collection", "kind", "parent", "prompt", "prompts_loaded",
                 "prompts_total")

    def __init__(self, kind: NodeKind, parent: Node | None, *,
                 collection: Collection | None = None, prompt: Prompt | None = None) -> None:
        self.kind = kind
        self.parent = parent
        self.collection = collection
        self.prompt = prompt
        self.children: list[Node] = []
        self.prompts_total = collection.prompt_count if collection is not None else 0
        self.prompts_loaded = 0

    @property
    def id(self) -> int:
        if self.collection is not None:
            return int(self.collection.id)
        if self.prompt is not None:
            return int(self.prompt.id)
        return 0

    def collection_rows(self) -> int:
        """How many children are collections (they come first)."""
        count = 0
        for child in self.children:
            if child.kind != "collection":
                break
            count += 1
        return count

    def contains(self, other: Node) -> bool:
        node: Node | None = other
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False
