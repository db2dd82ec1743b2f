"""Files attached to a prompt: what they are, whether they may be sent, and how text travels.

An attachment is a name and its bytes. Its media type is read from the bytes (an image's
magic number, or text that decodes as UTF-8), the name only refining which kind of text it
is: a `.png` that holds no PNG is refused, not sent under a false type. Images are PNG,
JPEG, WebP and GIF; text files (code, Markdown, CSV, HTML, JSON …) are inlined into the
prompt as fenced blocks headed by the file name, so every protocol, the local model
included, gets them the same way. Anything else (an unknown binary, a broken image, a file
over `MAX_ATTACHMENT_BYTES`) is refused before anything is sent, with a message naming it.

How images are encoded for each wire protocol lives in studio.core.providers; fitting an
image into a provider's limits in studio.core.image_fit.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from studio.core.catalog import ProviderConfig

# The largest file the studio attaches (providers' own per-image caps are lower or equal;
# a bigger image is refused rather than decoded, a bigger text would not fit a context).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Decoding an image costs width × height × 4 bytes: a small file can claim a huge canvas.
MAX_IMAGE_PIXELS = 80_000_000

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
_IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                   ".jpe": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif"}
# Suffixes of images the studio does not take: named in the refusal instead of "binary".
_OTHER_IMAGE_SUFFIXES = frozenset({".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".ico",
                                   ".svgz", ".psd"})

# Text files: the media type by suffix (the bytes only say "UTF-8 text"), and the fence's
# language tag, so the model (and the answer's Markdown) reads the code as code.
_TEXT_TYPES: dict[str, tuple[str, str]] = {
    ".md": ("text/markdown", "markdown"), ".markdown": ("text/markdown", "markdown"),
    ".txt": ("text/plain", ""), ".text": ("text/plain", ""), ".log": ("text/plain", ""),
    ".csv": ("text/csv", "csv"), ".tsv": ("text/tab-separated-values", "tsv"),
    ".html": ("text/html", "html"), ".htm": ("text/html", "html"),
    ".css": ("text/css", "css"), ".svg": ("image/svg+xml", "svg"),
    ".xml": ("application/xml", "xml"),
    ".json": ("application/json", "json"), ".jsonl": ("application/jsonl", "json"),
    ".yaml": ("application/yaml", "yaml"), ".yml": ("application/yaml", "yaml"),
    ".toml": ("application/toml", "toml"), ".ini": ("text/plain", "ini"),
    ".js": ("text/javascript", "javascript"), ".mjs": ("text/javascript", "javascript"),
    ".jsx": ("text/javascript", "jsx"), ".ts": ("text/x-typescript", "typescript"),
    ".tsx": ("text/x-typescript", "tsx"), ".py": ("text/x-python", "python"),
    ".rs": ("text/x-rust", "rust"), ".go": ("text/x-go", "go"),
    ".java": ("text/x-java", "java"), ".kt": ("text/x-kotlin", "kotlin"),
    ".c": ("text/x-c", "c"), ".h": ("text/x-c", "c"), ".cpp": ("text/x-c++", "cpp"),
    ".hpp": ("text/x-c++", "cpp"), ".cs": ("text/x-csharp", "csharp"),
    ".rb": ("text/x-ruby", "ruby"), ".php": ("text/x-php", "php"),
    ".swift": ("text/x-swift", "swift"), ".sh": ("text/x-shellscript", "sh"),
    ".sql": ("application/sql", "sql"), ".glsl": ("text/plain", "glsl"),
    ".vue": ("text/plain", "vue"), ".svelte": ("text/plain", "svelte"),
}
_DEFAULT_TEXT = ("text/plain", "")

Kind = Literal["image", "text"]


class AttachmentError(ValueError):
    """A file that cannot be attached or sent; the message names it and says why."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file as it is sent: a name, a media type and the exact bytes."""

    name: str
    media_type: str
    data: bytes = field(repr=False)
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def kind(self) -> Kind:
        return "image" if self.media_type in IMAGE_TYPES else "text"

    @property
    def is_image(self) -> bool:
        return self.media_type in IMAGE_TYPES

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self) -> str:
        return _decode_text(self.data) or ""

    def describe(self) -> str:
        return f"{self.name} ({human_size(self.size)})"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# -- recognising a file --------------------------------------------------------------------

def sniff_image(data: bytes) -> str | None:
    """The image type its magic number says, whatever the file is called."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _decode_text(data: bytes) -> str | None:
    """The text of a UTF-8 (or BOM-marked UTF-16) file; None for anything binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    # NUL and most C0 controls never appear in text a person would send a model.
    if any(c in text for c in _BINARY_CONTROLS):
        return None
    return text


_BINARY_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v\x1b")


def _suffix(name: str) -> str:
    return PurePath(name).suffix.lower()


def media_type_of(name: str, data: bytes) -> str:
    """The media type of a file about to be attached; AttachmentError when it cannot be."""
    image = sniff_image(data)
    suffix = _suffix(name)
    if image is not None:
        return image
    if suffix in _IMAGE_SUFFIXES:
        # named like an image but does not start like one: a broken or mislabelled file
        raise AttachmentError(f"{name} is not a readable image: its bytes are not "
                              f"{_IMAGE_SUFFIXES[suffix].split('/')[1].upper()} data")
    if suffix in _OTHER_IMAGE_SUFFIXES:
        raise AttachmentError(f"{name}: {suffix[1:].upper()} images cannot be attached; "
                              "use PNG, JPEG, WebP or GIF")
    if _decode_text(data) is None:
        raise AttachmentError(f"{name} is neither an image (PNG, JPEG, WebP, GIF) nor UTF-8 "
                              "text, so it cannot be sent to a model")
    return _TEXT_TYPES.get(suffix, _DEFAULT_TEXT)[0]


def check_image(name: str, data: bytes) -> tuple[int, int]:
    """Decode the whole image once: a truncated or corrupt one is refused here, before any
    request. Returns its size in pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise AttachmentError(
                        f"{name} is {width}×{height} pixels, more than the "
                        f"{MAX_IMAGE_PIXELS // 1_000_000} million the studio decodes")
                image.load()
    except AttachmentError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise AttachmentError(f"{name} is not a readable image ({_reason(exc)})") from None
    return width, height


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "…"


def attachment_from_bytes(name: str, data: bytes) -> Attachment:
    """Check a file's bytes and make them an attachment (AttachmentError names the file)."""
    name = clean_name(name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError(f"{name} is {human_size(len(data))}, over the "
                              f"{human_size(MAX_ATTACHMENT_BYTES)} limit for an attachment")
    if not data:
        raise AttachmentError(f"{name} is empty")
    media_type = media_type_of(name, data)
    if media_type in IMAGE_TYPES:
        check_image(name, data)
    return Attachment(name, media_type, data)


def load_attachment(path: Path | str) -> Attachment:
    """Read a file to attach. Its size is checked before it is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise AttachmentError(f"{path.name or path} is not a file")
        if size > MAX_ATTACHMENT_BYTES:
            raise AttachmentError(f"{path.name} is {human_size(size)}, over the "
                                  f"{human_size(MAX_ATTACHMENT_BYTES)} limit for an attachment")
        data = path.read_bytes()
    except OSError as exc:
        raise AttachmentError(f"cannot read {path}: {exc.strerror or exc}") from None
    return attachment_from_bytes(path.name, data)


def clean_name(name: str) -> str:
    """A file name to show and to head a text block with: no path, no control characters."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned[:200] or "attachment"


# -- text files in the prompt ---------------------------------------------------------------

def _fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside the file."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def text_block(attachment: Attachment) -> str:
    text = attachment.text()
    language = _TEXT_TYPES.get(_suffix(attachment.name), _DEFAULT_TEXT)[1]
    fence = _fence_for(text)
    body = text if text.endswith("\n") else text + "\n"
    return f"{attachment.name}\n{fence}{language}\n{body}{fence}"


def with_text_files(prompt: str, attachments: Iterable[Attachment]) -> str:
    """The prompt followed by each attached text file as a fenced block headed by its name."""
    blocks = [text_block(a) for a in attachments if not a.is_image]
    if not blocks:
        return prompt
    return "\n\n".join([prompt, *blocks] if prompt.strip() else blocks)


def images_of(attachments: Iterable[Attachment]) -> list[Attachment]:
    return [a for a in attachments if a.is_image]


# Roughly what providers bill for one image (OpenAI's high detail tiles, Anthropic's
# (w × h) / 750 for a 1.15-megapixel image): enough for the context-window warning.
IMAGE_TOKENS_ESTIMATE = 1_600


# -- which models take images -----------------------------------------------------------------

def accepts_images(config: ProviderConfig, model: str) -> bool | None:
    """True or False when the provider's preset knows; None when only a request can tell."""
    if config.kind == "local":
        return False
    name = model.lower()
    if any(fnmatchcase(name, pattern.lower()) for pattern in config.image_models):
        return True
    if any(fnmatchcase(name, pattern.lower()) for pattern in config.text_only_models):
        return False
    return None


NO_VISION_LOCAL = ("the bundled local model has no vision: it cannot see images, so nothing "
                   "was sent (remove the images, or ask a model that takes them)")


def no_images_message(label: str) -> str:
    return (f"{label} does not take images (its provider's preset says so), so nothing was "
            f"sent; use \"Send anyway\" to try regardless, or remove the images")


# Words a provider's 400 uses when the model cannot read an image part.
_REJECTION = re.compile(
    r"image|vision|multimodal|multi-modal|image_url|inline_data|content\s*type|"
    r"unsupported\s+content|content\s+part|must\s+be\s+a\s+string", re.IGNORECASE)


def image_rejection(status: int | None, message: str) -> bool:
    """Whether a refused request reads as "this model does not take images"."""
    return status in (400, 415, 422) and bool(_REJECTION.search(message))


def rejected_images_message(label: str, provider_message: str) -> str:
    return (f"{label} does not take images: the provider refused the request with its "
            f"images ({provider_message})")


def refuses_images(message: str) -> bool:
    """Whether a failure's message is one of the above: the model takes no images."""
    return message == NO_VISION_LOCAL or " does not take images" in message


def attachment_note(attachments: Sequence[Attachment]) -> str:
    """"2 files: mockup.png (214 KB), data.csv (3.1 KB)" for status lines and reports."""
    count = len(attachments)
    names = ", ".join(a.describe() for a in attachments)
    return f"{count} file{'s' if count != 1 else ''}: {names}"
