"""Markdown-it set up for the answer panes' rich-text view, and the HTML of code blocks.

What a Qt rich-text view can show and what an untrusted answer may put there: raw HTML is
text, images are plain links, code is highlighted and numbered for its "Copy" link, tables
get visible borders. `markdown_render` decides what to render when; this module renders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from studio.core.highlight import Theme, escape, highlight, language_of

CODE_LINK_SCHEME = "studio-code"
_CODE_LINK_RE = re.compile(rf"^{CODE_LINK_SCHEME}:copy/(\d+)$")


def code_link(index: int) -> str:
    """The href of the "Copy" link of code block `index`."""
    return f"{CODE_LINK_SCHEME}:copy/{index}"


def parse_code_link(url: str) -> int | None:
    m = _CODE_LINK_RE.match(url)
    return int(m.group(1)) if m else None


@dataclass(frozen=True, slots=True)
class CodeBlock:
    index: int
    language: str  # first word of the fence's info string, as written ("" if none)
    code: str


def info_word(info: str) -> str:
    return info.split(maxsplit=1)[0] if info.strip() else ""


class BlockRenderer:
    """markdown-it set up for the rich-text view; one per theme."""

    def __init__(self, theme: Theme, code_links: bool) -> None:
        self.theme = theme
        self.code_links = code_links
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.enable(["table", "strikethrough"])
        # set directly: add_render_rule would rebind these bound methods to the renderer
        rules = cast(dict[str, Any], cast(RendererHTML, md.renderer).rules)
        rules.update({
            "fence": self._fence, "code_block": self._indented_code, "image": self._image,
            "code_inline": self._code_inline, "table_open": self._table_open,
            "blockquote_open": self._blockquote_open,
        })
        self._md = md

    def code_block(self, body_html: str, language: str, index: int, *, first: bool = True,
                   last: bool = True) -> str:
        """A code block; a long one streamed in parts (see `_fence_line`) leaves out the
        header and the margin between its parts."""
        t = self.theme
        header = ""
        if self.code_links and first:
            label = f"{escape(language)} &nbsp; " if language else ""
            header = (f'<tr><td style="color:{t.muted}">{label}'
                      f'<a href="{code_link(index)}" style="color:{t.link}">Copy</a></td></tr>')
        return (f'<table width="100%" cellspacing="0" cellpadding="6" border="0" '
                f'bgcolor="{t.background}" style="background-color:{t.background};'
                f' margin-top:{4 if first else 0}px; margin-bottom:{8 if last else 0}px">'
                f'{header}'
                f'<tr><td><pre style="margin:0; color:{t.text}">{body_html}</pre></td></tr>'
                f'</table>\n')

    def _add_block(self, env: EnvType, info: str, content: str) -> str:
        blocks: list[CodeBlock] = env["code_blocks"]
        index = env["code_base"] + len(blocks)
        code = content[:-1] if content.endswith("\n") else content
        word = info_word(info)
        blocks.append(CodeBlock(index, word, code))
        return self.code_block(highlight(code, language_of(info), self.theme), word, index)

    def _fence(self, tokens: Sequence[Token], idx: int, _o: OptionsDict,
               env: EnvType) -> str:
        return self._add_block(env, tokens[idx].info, tokens[idx].content)

    def _indented_code(self, tokens: Sequence[Token], idx: int, _o: OptionsDict,
                       env: EnvType) -> str:
        return self._add_block(env, "", tokens[idx].content)

    def _image(self, tokens: Sequence[Token], idx: int, _o: OptionsDict,
               _env: EnvType) -> str:
        token = tokens[idx]
        alt = "".join(child.content for child in token.children or ())
        src = str(token.attrGet("src") or "")
        label = escape(f"[image: {alt}]" if alt else "[image]")
        return f'<a href="{escape(src)}">{label}</a>' if src else label

    def _code_inline(self, tokens: Sequence[Token], idx: int, _o: OptionsDict,
                     _env: EnvType) -> str:
        return self.code_span(tokens[idx].content)

    def _table_open(self, *_args: Any) -> str:
        return (f'<table border="1" cellspacing="0" cellpadding="4" '
                f'style="border-collapse:collapse; border-style:solid; '
                f'border-color:{self.theme.border}">\n')

    def _blockquote_open(self, *_args: Any) -> str:
        return f'<blockquote style="color:{self.theme.muted}">\n'

    def inline(self, text: str) -> str:
        """Text as the inside of a paragraph: no block structure, same inline rules."""
        return str(self._md.renderInline(text, {"code_base": 0, "code_blocks": []}))

    def code_span(self, code: str) -> str:
        bg = self.theme.inline_code_background
        return f'<code style="background-color:{bg}">{escape(code)}</code>'

    def markdown(self, text: str, code_base: int) -> tuple[str, list[CodeBlock]]:
        env: dict[str, Any] = {"code_base": code_base, "code_blocks": []}
        html = self._md.render(text, env)
        return html, env["code_blocks"]
