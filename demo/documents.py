"""Small but real documents for the demo cases: a one-page PDF and a PNG, rendered here."""

from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]


def _font(size: int):
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default()


def _page(lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (794, 560), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 774, 540], outline="#0b4f8a", width=3)
    y = 50
    for index, line in enumerate(lines):
        draw.text((50, y), line, fill="#1f2933", font=_font(30 if index == 0 else 22))
        y += 56 if index == 0 else 40
    draw.text((50, 500), "演示材料 · 非真实病历", fill="#b42318", font=_font(18))
    return image


def render_pdf(lines: list[str]) -> bytes:
    buffer = BytesIO()
    _page(lines).save(buffer, format="PDF", resolution=96)
    return buffer.getvalue()


def render_png(lines: list[str]) -> bytes:
    buffer = BytesIO()
    _page(lines).save(buffer, format="PNG")
    return buffer.getvalue()
