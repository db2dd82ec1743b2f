"""Small real images made with Pillow, for attachment tests: every format the studio takes,
a large noisy photograph-like one, an animated GIF and broken files."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def _picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (width, height), (240, 240, 250, 255)[: len(mode)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 8, height // 8, width // 2, height // 2), fill=(200, 30, 40))
    draw.ellipse((width // 2, height // 3, width - 2, height - 2), fill=(20, 90, 200))
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    return encode(_picture(width, height), "PNG")


def png_with_alpha(width: int = 40, height: int = 30) -> bytes:
    return encode(_picture(width, height, "RGBA"), "PNG")


def jpeg(width: int = 64, height: int = 48) -> bytes:
    return encode(_picture(width, height), "JPEG", quality=90)


def webp(width: int = 64, height: int = 48) -> bytes:
    return encode(_picture(width, height), "WEBP", quality=90)


def gif(width: int = 32, height: int = 24) -> bytes:
    return encode(_picture(width, height).convert("P"), "GIF")


def animated_gif(width: int = 32, height: int = 24, frames: int = 3) -> bytes:
    images = [_picture(width, height).rotate(30 * i).convert("P") for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=80,
                  loop=0)


def noise_png(width: int, height: int, seed: int = 1) -> bytes:
    """Incompressible: its PNG is about width × height × 3 bytes."""
    rng = random.Random(seed)
    return encode(Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3)),
                  "PNG", compress_level=1)


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def format_of(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        return str(image.format)


def truncated_png() -> bytes:
    data = png(120, 90)
    return data[: len(data) // 2]
