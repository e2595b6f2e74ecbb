"""The receipt's fonts: finding a Traditional Chinese face, loading it, and drawing text glyph by glyph.

Text is drawn from a per-font glyph cache (``draw_text``) and measured the same way (``measure``), so
what the layout in ``printing.render`` measures is exactly what it draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.core.errors import PrinterError

# Where distributions put CJK fonts. The first that has a Traditional Chinese face wins.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # Debian fonts-arphic-uming
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msjh.ttc",
)
# A face whose family name holds one of these draws Traditional forms (骨, 說) rather than Simplified.
_TC_MARKERS = (" TC", " TW", "JhengHei")


@dataclass(frozen=True, slots=True)
class FontSpec:
    path: str
    index: int = 0


def _font_missing(detail: str) -> PrinterError:
    return PrinterError(
        f"找不到繁體中文字型，無法產生收據（{detail}）",
        "請安裝 fonts-noto-cjk 套件（apt install fonts-noto-cjk）或 pip install noto-cjk-sans-otc，"
        "或在設定檔 printer.font_path 指定字型檔",
        message_en=f"No Traditional Chinese font found, so no receipt can be drawn ({detail}).",
        action_en="Install the fonts-noto-cjk package (apt install fonts-noto-cjk) or pip install "
        "noto-cjk-sans-otc, or set printer.font_path.",
    )


@lru_cache(maxsize=32)
def _families(path: str) -> tuple[str, ...]:
    names: list[str] = []
    for index in range(64):  # a collection ends where the next index fails to load
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        names.append(family or "")
    return tuple(names)


def _face(path: str, *, mono: bool = False) -> int | None:
    for index, family in enumerate(_families(path)):
        if any(m in family for m in _TC_MARKERS) and ("Mono" in family) == mono:
            return index
    return None


def find_font(configured: str | None = None) -> FontSpec:
    """The configured font file, else the first Traditional Chinese face among the usual places."""
    if configured:
        path = str(Path(configured).expanduser())
        if not _families(path):
            raise _font_missing(f"printer.font_path = {configured} 無法讀取")
        # A staff-chosen single-face font has no TC marker to look for; trust the choice.
        return FontSpec(path, _face(path) or 0)
    for path in (*FONT_CANDIDATES, *_bundled_font()):
        if Path(path).is_file():
            index = _face(path)
            if index is not None:
                return FontSpec(path, index)
    return _raise_missing()


def _bundled_font() -> tuple[str, ...]:
    """Noto Sans CJK from the ``noto-cjk-sans-otc`` wheel (a dependency; byte-identical to Debian's
    fonts-noto-cjk), so a machine with no system CJK font still prints receipts."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return ()
    return (str(noto_cjk_sans_otc.FONT_PATH),)


def _raise_missing() -> FontSpec:
    raise _font_missing("no font in " + ", ".join(sorted({str(Path(p).parent) for p in FONT_CANDIDATES})))


@lru_cache(maxsize=64)
def _load(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    # No shaping is needed for CJK and Latin, and the basic engine measures several times faster.
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


# Rasterising a CJK glyph is the costly part of a receipt and a receipt has hundreds, so each glyph
# is drawn once per font and pasted after that: this is what keeps a warm receipt within its budget.
_Glyph = tuple[Image.Image | None, int, int, float]
_GLYPHS: dict[tuple[ImageFont.FreeTypeFont, int, str], _Glyph] = {}
_GLYPH_LIMIT = 20_000


def _glyph(font: ImageFont.FreeTypeFont, stroke: int, ch: str) -> _Glyph:
    key = (font, stroke, ch)
    found = _GLYPHS.get(key)
    if found is not None:
        return found
    if len(_GLYPHS) >= _GLYPH_LIMIT:
        _GLYPHS.clear()
    x0, y0, x1, y1 = (int(v) for v in font.getbbox(ch, anchor="ls", stroke_width=stroke))
    mask = None
    if x1 > x0 and y1 > y0:
        mask = Image.new("1", (x1 - x0, y1 - y0), 0)
        draw = ImageDraw.Draw(mask)
        draw.fontmode = "1"  # thermal dots are on or off: no anti-aliased edges to threshold
        draw.text((-x0, -y0), ch, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
    glyph = (mask, x0, y0, font.getlength(ch))
    _GLYPHS[key] = glyph
    return glyph


def measure(font: ImageFont.FreeTypeFont, text: str) -> float:
    """Width in dots of ``text`` as ``draw_text`` lays it out (advances add up, no kerning)."""
    return sum(_glyph(font, 0, ch)[3] for ch in text)


def draw_text(image: Image.Image, x: float, baseline: int, text: str, font: ImageFont.FreeTypeFont,
              stroke: int = 0) -> None:
    for ch in text:
        mask, dx, dy, advance = _glyph(font, stroke, ch)
        if mask is not None:
            image.paste(0, (round(x) + dx, baseline + dy), mask)
        x += advance


@dataclass(frozen=True, slots=True)
class _Faces:
    regular: FontSpec
    bold: FontSpec | None  # None: draw the regular face with a stroke
    mono: FontSpec


@lru_cache(maxsize=8)
def _faces(spec: FontSpec) -> _Faces:
    bold_path = spec.path.replace("Regular", "Bold")
    bold = None
    if bold_path != spec.path and Path(bold_path).is_file():
        index = _face(bold_path)
        bold = FontSpec(bold_path, index) if index is not None else None
    mono_index = _face(spec.path, mono=True)
    return _Faces(spec, bold, FontSpec(spec.path, mono_index) if mono_index is not None else spec)
