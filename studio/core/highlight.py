"""Syntax highlighting for code blocks in a Qt rich-text view: inline-styled <span>s.

One line at a time with an explicit carry-over state (open block comment, multi-line string,
the inside of an HTML <script>), so a streaming code block highlights each finished line once.
Each language is one alternation regex scanned left to right; every pattern consumes at least
one character per step and none nests quantifiers, so work is linear in the line length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

State = tuple[str, ...]
START: State = ()


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    text: str
    background: str
    border: str
    muted: str
    link: str
    inline_code_background: str
    keyword: str
    string: str
    comment: str
    number: str
    builtin: str
    tag: str
    attr: str


LIGHT = Theme("light", text="#1f2328", background="#f6f8fa", border="#d0d7de", muted="#59636e",
              link="#0969da", inline_code_background="#eff1f3", keyword="#cf222e",
              string="#0a3069", comment="#6e7781", number="#0550ae", builtin="#8250df",
              tag="#116329", attr="#953800")
DARK = Theme("dark", text="#e6edf3", background="#161b22", border="#3d444d", muted="#9198a1",
             link="#4493f8", inline_code_background="#2d333b", keyword="#ff7b72",
             string="#a5d6ff", comment="#8b949e", number="#79c0ff", builtin="#d2a8ff",
             tag="#7ee787", attr="#ffa657")

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\x00": "\ufffd"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


@lru_cache(maxsize=64)
def _open(theme: Theme, kind: str) -> str:
    style = f"color:{getattr(theme, kind)}"
    if kind == "comment":
        style += ";font-style:italic"
    return f'<span style="{style}">'


def _span(theme: Theme, kind: str, text: str) -> str:
    return f"{_open(theme, kind)}{escape(text)}</span>" if text else ""


# --- languages ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Lang:
    pattern: re.Pattern[str]
    keywords: frozenset[str]
    builtins: frozenset[str]
    block_comment: tuple[str, str] | None = None
    multiline: tuple[str, ...] = ()  # string delimiters that may span lines
    keys_before_colon: bool = False  # JSON keys, CSS properties


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DQ = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_SQ = r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
_NUM = r"\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*(?:\.[\d_]+)?(?:[eE][+-]?\d+)?)"

_JS_KEYWORDS = _words("""
    break case catch class const continue debugger default delete do else export extends finally
    for function if import in instanceof let new return super switch this throw try typeof var
    void while with yield async await of static get set from as""")
_JS_BUILTINS = _words("""
    true false null undefined NaN Infinity console window document Math JSON Array Object String
    Number Boolean Promise Map Set Date RegExp Error Symbol globalThis requestAnimationFrame
    setTimeout setInterval""")
_TS_KEYWORDS = _JS_KEYWORDS | _words("""
    interface type enum implements private public protected readonly declare namespace abstract
    keyof satisfies is infer""")
_TS_BUILTINS = _JS_BUILTINS | _words("any unknown never number string boolean bigint object")
_PY_KEYWORDS = _words("""
    and as assert async await break class continue def del elif else except finally for from
    global if import in is lambda nonlocal not or pass raise return try while with yield match
    case""")
_PY_BUILTINS = _words("""
    True False None self cls print len range str int float list dict set tuple bool bytes type
    isinstance super open enumerate zip map filter sorted reversed min max sum abs any all repr
    object Exception ValueError TypeError KeyError RuntimeError""")
_SH_KEYWORDS = _words("""
    if then else elif fi case esac for while until do done in function select return exit local
    export readonly declare unset shift break continue source alias""")
_SH_BUILTINS = _words("""
    echo cd printf read test set eval exec trap pwd cat grep sed awk sudo apt apt-get pip pip3
    npm npx node python python3 git curl wget ls mkdir rm cp mv chmod docker make""")
_C_KEYWORDS = _words("""
    if else for while do switch case default break continue return goto struct union enum typedef
    const static extern void int char float double long short unsigned signed bool auto class
    public private protected virtual template typename namespace using new delete this try catch
    throw final override package import interface extends implements func go defer chan select
    map range type var fn let mut impl trait pub use mod match loop where async await""")
_C_BUILTINS = _words("true false null nullptr nil NULL self Self Some None Ok Err String Vec")


def _lang(*alternatives: str, keywords: frozenset[str] = frozenset(),
          builtins: frozenset[str] = frozenset(), block_comment: tuple[str, str] | None = None,
          multiline: tuple[str, ...] = (), keys_before_colon: bool = False) -> _Lang:
    return _Lang(re.compile("|".join(alternatives)), keywords, builtins, block_comment,
                 multiline, keys_before_colon)


_WORD = r"(?P<word>[A-Za-z_$][\w$]*)"
_LANGS: dict[str, _Lang] = {
    "js": _lang(r"(?P<bc>/\*)", r"(?P<lc>//)", r"(?P<ml>`)", f"(?P<str>{_DQ}|{_SQ})",
                f"(?P<num>{_NUM})", _WORD, keywords=_JS_KEYWORDS, builtins=_JS_BUILTINS,
                block_comment=("/*", "*/"), multiline=("`",)),
    "ts": _lang(r"(?P<bc>/\*)", r"(?P<lc>//)", r"(?P<ml>`)", f"(?P<str>{_DQ}|{_SQ})",
                f"(?P<num>{_NUM})", _WORD, keywords=_TS_KEYWORDS, builtins=_TS_BUILTINS,
                block_comment=("/*", "*/"), multiline=("`",)),
    "python": _lang(r"(?P<lc>#)", r"(?P<ml>\"\"\"|''')", f"(?P<str>{_DQ}|{_SQ})",
                    f"(?P<num>{_NUM})", r"(?P<deco>@[A-Za-z_][\w.]*)",
                    r"(?P<word>[A-Za-z_]\w*)", keywords=_PY_KEYWORDS, builtins=_PY_BUILTINS,
                    multiline=('"""', "'''")),
    "bash": _lang(r"(?P<lc>(?<![^\s;|&(])#)", f"(?P<str>{_DQ}|'[^'\\n]*')",
                  r"(?P<var>\$\{[^}\n]*\}|\$[A-Za-z_]\w*|\$[0-9@#?$!*-])",
                  r"(?P<num>\b\d+\b)", r"(?P<word>[A-Za-z_][\w.-]*)",
                  keywords=_SH_KEYWORDS, builtins=_SH_BUILTINS),
    "css": _lang(r"(?P<bc>/\*)", f"(?P<str>{_DQ}|{_SQ})", r"(?P<hex>#[0-9a-fA-F]{3,8}\b)",
                 r"(?P<at>@[\w-]+)", r"(?P<imp>!important\b)",
                 r"(?P<num>-?(?:\d+(?:\.\d+)?|\.\d+)(?:%|[A-Za-z]+)?)",
                 r"(?P<word>-?[A-Za-z_][\w-]*)", block_comment=("/*", "*/"),
                 keys_before_colon=True),
    "json": _lang(f"(?P<str>{_DQ})", r"(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)",
                  r"(?P<word>[A-Za-z_]\w*)", builtins=_words("true false null"),
                  keys_before_colon=True),
    "clike": _lang(r"(?P<bc>/\*)", r"(?P<lc>//)", f"(?P<str>{_DQ}|{_SQ})",
                   f"(?P<num>{_NUM})", r"(?P<word>[A-Za-z_]\w*)", keywords=_C_KEYWORDS,
                   builtins=_C_BUILTINS, block_comment=("/*", "*/")),
}

_ALIASES = {
    "javascript": "js", "jsx": "js", "mjs": "js", "cjs": "js", "node": "js", "es6": "js",
    "typescript": "ts", "tsx": "ts",
    "py": "python", "python3": "python", "py3": "python", "pyi": "python",
    "sh": "bash", "shell": "bash", "zsh": "bash", "console": "bash", "shell-session": "bash",
    "terminal": "bash", "shellscript": "bash",
    "scss": "css", "less": "css",
    "jsonc": "json", "json5": "json",
    "htm": "html", "xhtml": "html", "xml": "html", "svg": "html", "vue": "html",
    "c": "clike", "cpp": "clike", "c++": "clike", "h": "clike", "hpp": "clike", "java": "clike",
    "go": "clike", "golang": "clike", "rust": "clike", "rs": "clike", "cs": "clike",
    "csharp": "clike", "kotlin": "clike", "kt": "clike", "swift": "clike", "dart": "clike",
}


def language_of(info: str) -> str:
    """The highlighter for a fence's info string ("" = plain text)."""
    word = info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""
    word = word.lstrip("{.").rstrip("}").removeprefix("language-")
    word = _ALIASES.get(word, word)
    return word if word in _LANGS or word == "html" else ""


# --- code languages ----------------------------------------------------------------------------

_TEMPLATE_REST = re.compile(r"[^`\\]*(?:\\.[^`\\]*)*")
_COLON_AHEAD = re.compile(r"[ \t]*:")


def _close_multiline(line: str, pos: int, delim: str) -> int:
    """End of a multi-line string opened before `pos`, or -1 if it runs past this line."""
    if delim == "`":
        end = _TEMPLATE_REST.match(line, pos)
        stop = end.end() if end else pos
        return stop + 1 if line.startswith("`", stop) else -1
    found = line.find(delim, pos)
    return -1 if found < 0 else found + len(delim)


def _highlight_code(lang: _Lang, line: str, state: State, theme: Theme,
                    out: list[str]) -> State:
    pos = 0
    if state:
        kind, delim = state[0], state[1]
        if kind == "bc":
            found = line.find(delim)
            end = -1 if found < 0 else found + len(delim)
        else:
            end = _close_multiline(line, 0, delim)
        if end < 0:
            out.append(_span(theme, "comment" if kind == "bc" else "string", line))
            return state
        out.append(_span(theme, "comment" if kind == "bc" else "string", line[:end]))
        pos = end
    n = len(line)
    while pos < n:
        m = lang.pattern.search(line, pos)
        if m is None:
            out.append(escape(line[pos:]))
            break
        out.append(escape(line[pos:m.start()]))
        group = m.lastgroup
        token = m.group()
        pos = m.end()
        if group == "lc":
            out.append(_span(theme, "comment", line[m.start():]))
            break
        if group == "bc" and lang.block_comment is not None:
            close = lang.block_comment[1]
            found = line.find(close, pos)
            if found < 0:
                out.append(_span(theme, "comment", line[m.start():]))
                return ("bc", close)
            pos = found + len(close)
            out.append(_span(theme, "comment", line[m.start():pos]))
        elif group == "ml":
            end = _close_multiline(line, pos, token)
            if end < 0:
                out.append(_span(theme, "string", line[m.start():]))
                return ("ml", token)
            pos = end
            out.append(_span(theme, "string", line[m.start():pos]))
        elif group == "str":
            is_key = lang.keys_before_colon and _COLON_AHEAD.match(line, pos) is not None
            out.append(_span(theme, "attr" if is_key else "string", token))
        elif group in ("num", "hex"):
            out.append(_span(theme, "number", token))
        elif group in ("at", "imp"):
            out.append(_span(theme, "keyword", token))
        elif group in ("var", "deco"):
            out.append(_span(theme, "builtin", token))
        elif token in lang.keywords:
            out.append(_span(theme, "keyword", token))
        elif token in lang.builtins:
            out.append(_span(theme, "builtin", token))
        elif lang.keys_before_colon and _COLON_AHEAD.match(line, pos) is not None:
            out.append(_span(theme, "attr", token))
        else:
            out.append(escape(token))
    return START


# --- HTML, with <script> and <style> contents in their own languages ----------------------------

_HTML_TEXT = re.compile(r"(?P<comment><!--)|(?P<decl><![^<>]*>?)|(?P<tag></?[A-Za-z][\w:.-]*)"
                        r"|(?P<ent>&#?\w+;)")
_HTML_TAG = re.compile(r"(?P<end>/?>)|(?P<str>\"[^\"]*\"|'[^']*')|(?P<attr>[^\s=/>\"']+)")
_EMBED_END = {"script": re.compile(r"</script", re.IGNORECASE),
              "style": re.compile(r"</style", re.IGNORECASE)}
_EMBED_LANG = {"script": "js", "style": "css"}


def _highlight_html(line: str, state: State, theme: Theme, out: list[str]) -> State:
    mode = state[0] if state else "text"
    rest = state[1:]
    pos = 0
    n = len(line)
    while pos < n or mode == "embed":
        if mode == "embed":  # rest = (tag name, *state of the embedded language)
            tag = rest[0]
            end = _EMBED_END[tag].search(line, pos)
            stop = end.start() if end else n
            sub = _highlight_code(_LANGS[_EMBED_LANG[tag]], line[pos:stop], rest[1:], theme, out)
            if end is None:
                return ("embed", tag, *sub)
            mode, rest, pos = "text", (), stop
        elif mode == "comment":
            found = line.find("-->", pos)
            if found < 0:
                out.append(_span(theme, "comment", line[pos:]))
                return ("comment",)
            out.append(_span(theme, "comment", line[pos:found + 3]))
            mode, pos = "text", found + 3
        elif mode == "tag":  # rest = (tag name,)
            m = _HTML_TAG.search(line, pos)
            if m is None:
                out.append(escape(line[pos:]))
                return ("tag", *rest)
            out.append(escape(line[pos:m.start()]))
            pos = m.end()
            if m.lastgroup == "end":
                out.append(_span(theme, "tag", m.group()))
                tag = rest[0]
                if tag in _EMBED_END and m.group() == ">":
                    mode, rest = "embed", (tag,)
                else:
                    mode, rest = "text", ()
            else:
                out.append(_span(theme, "string" if m.lastgroup == "str" else "attr", m.group()))
        else:
            m = _HTML_TEXT.search(line, pos)
            if m is None:
                out.append(escape(line[pos:]))
                break
            out.append(escape(line[pos:m.start()]))
            pos = m.end()
            group = m.lastgroup
            if group == "comment":
                found = line.find("-->", pos)
                if found < 0:
                    out.append(_span(theme, "comment", line[m.start():]))
                    return ("comment",)
                out.append(_span(theme, "comment", line[m.start():found + 3]))
                pos = found + 3
            elif group == "decl":
                out.append(_span(theme, "comment", m.group()))
            elif group == "ent":
                out.append(_span(theme, "number", m.group()))
            else:
                out.append(_span(theme, "tag", m.group()))
                mode, rest = "tag", (m.group()[1:].lower(),)
    return START if mode == "text" else (mode, *rest)


def highlight_line(language: str, line: str, state: State, theme: Theme) -> tuple[str, State]:
    """HTML for one line of code (without its newline) and the state the next line starts in;
    `language` is a result of `language_of`."""
    out: list[str] = []
    if language == "html":
        state = _highlight_html(line, state, theme, out)
    elif language in _LANGS:
        state = _highlight_code(_LANGS[language], line, state, theme, out)
    else:
        out.append(escape(line))
    return "".join(out), state


def highlight(code: str, language: str, theme: Theme) -> str:
    state = START
    lines = []
    for line in code.split("\n"):
        html, state = highlight_line(language, line, state, theme)
        lines.append(html)
    return "\n".join(lines)
