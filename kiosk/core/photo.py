"""Checks and preparation of a virtual NHI card photo (seed 002: 正面半身照, 檔案小於 5 MB).

The file comes from a counter camera or scanner, or from whatever a citizen hands over, so it is
treated as hostile: its type is decided by content (not the file name), its pixel count is checked
from the header before anything is decoded, and it is fully decoded once inside ``try`` so a cut-off
file is refused here rather than half-stored. What is kept is a fresh JPEG re-encoded from the
pixels: EXIF orientation applied first, then no metadata at all (no GPS, no camera serial, no
comment), cropped about the centre to the card portrait ratio and scaled to one fixed size.

Limits (documented choices, not from the seeds except the 5 MB):
- input file at most ``MAX_PHOTO_BYTES`` = 5 MB (5 × 1024 × 1024 bytes, the app's "小於 5 MB");
- JPEG or PNG only, recognised by their signatures;
- at most ``MAX_PHOTO_PIXELS`` = 50 megapixels in the header (a 48 MP phone photo passes, a
  20000 × 20000 "bomb" does not), independent of ``PIL.Image.MAX_IMAGE_PIXELS``, which other code
  may change; Pillow's own ``DecompressionBombError``/``Warning`` are refused the same way;
- after the portrait crop at least ``MIN_WIDTH`` × ``MIN_HEIGHT`` = 300 × 400 pixels, so a face
  in a half-length photo keeps enough detail ("人像太小" is a common rejection);
- portrait ratio 3:4 (width:height), stored at ``OUTPUT_SIZE`` = 480 × 640 as JPEG quality 90.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.core.errors import ValidationError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000
MIN_WIDTH, MIN_HEIGHT = 300, 400
PORTRAIT_RATIO = (3, 4)
OUTPUT_SIZE = (480, 640)
JPEG_QUALITY = 90
DOCUMENT_PHOTO_AGE = 14  # under this age the ID or NHI card photo is accepted (seed 002)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_ORIENTATION_TAG = 0x0112

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Other formats a camera, phone or scanner produces, named in the refusal so the clerk knows why.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
)


class PhotoProblem(StrEnum):
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    TOO_BIG = "too_big"
    WRONG_TYPE = "wrong_type"
    BOMB = "bomb"
    TRUNCATED = "truncated"
    TOO_SMALL = "too_small"
    NO_PHOTO_IN_FOLDER = "no_photo_in_folder"


class PhotoRejected(ValidationError):
    """A photo the kiosk will not store; ``problem`` says which check refused it."""

    def __init__(self, problem: PhotoProblem, message: str, action: str, *, message_en: str,
                 action_en: str) -> None:
        super().__init__("photo", message, action, message_en=message_en, action_en=action_en)
        self.problem = problem


_RETAKE = "請重新拍攝或選擇其他相片檔"
_RETAKE_EN = "Take the photo again or choose another file."


def _texts(problem: PhotoProblem, detail: str, detail_en: str) -> tuple[str, str, str, str]:
    """(message, action, message_en, action_en) of one refusal."""
    mb = MAX_PHOTO_BYTES // (1024 * 1024)
    mp = MAX_PHOTO_PIXELS // 1_000_000
    size = f"{MIN_WIDTH}×{MIN_HEIGHT}"
    if problem is PhotoProblem.NOT_FOUND:
        return (f"找不到相片檔案{detail}", "請確認路徑後重新輸入",
                f"Photo file not found{detail_en}.", "Check the path and type it again.")
    if problem is PhotoProblem.EMPTY:
        return "相片檔案是空的", _RETAKE, "The photo file is empty.", _RETAKE_EN
    if problem is PhotoProblem.TOO_BIG:
        return (f"相片檔案超過 {mb} MB{detail}", "請降低相機解析度或壓縮後重新選擇",
                f"The photo file is larger than {mb} MB{detail_en}.",
                "Lower the camera resolution or compress the file, then choose it again.")
    if problem is PhotoProblem.WRONG_TYPE:
        return (f"相片須為 JPEG 或 PNG 格式{detail}", "請以 JPEG 或 PNG 格式重新拍攝或轉檔",
                f"The photo must be a JPEG or PNG{detail_en}.",
                "Take it again as JPEG or PNG, or convert the file.")
    if problem is PhotoProblem.BOMB:
        return (f"相片宣告的像素數異常過大（上限 {mp} 百萬像素），已拒絕解碼{detail}",
                "請使用一般相機拍攝的相片",
                f"The photo claims too many pixels (limit {mp} megapixels) and was not decoded{detail_en}.",
                "Use a photo from an ordinary camera.")
    if problem is PhotoProblem.TRUNCATED:
        return ("相片檔案不完整或已損毀，無法讀取", "請重新存檔或重新拍攝",
                "The photo file is incomplete or damaged and cannot be read.",
                "Save it again or take the photo again.")
    if problem is PhotoProblem.TOO_SMALL:
        return (f"相片解析度不足，裁切為半身比例後須至少 {size} 像素{detail}",
                "請靠近一點或以較高解析度重新拍攝",
                f"The photo is too small: at least {size} pixels are needed after the portrait crop"
                f"{detail_en}.",
                "Move closer or take it again at a higher resolution.")
    return (f"資料夾內沒有 JPEG 或 PNG 相片{detail}",
            "請先以相機或掃描器存入相片，或輸入相片檔案路徑",
            f"There is no JPEG or PNG photo in the folder{detail_en}.",
            "Save a photo there from the camera or scanner, or type a file path.")


def _rejected(problem: PhotoProblem, detail: str = "", detail_en: str = "") -> PhotoRejected:
    message, action, message_en, action_en = _texts(problem, detail, detail_en)
    return PhotoRejected(problem, message, action, message_en=message_en, action_en=action_en)


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    """A photo that passed every check, re-encoded: ``jpeg`` is what the application stores."""

    jpeg: bytes
    width: int
    height: int
    source_format: str  # JPEG or PNG, by content
    source_size: tuple[int, int]  # as decoded, before orientation and crop
    source_bytes: int
    rotated: bool  # EXIF orientation was applied


def sniff_format(data: bytes) -> str | None:
    """``JPEG``, ``PNG``, another known format's name, or None: by signature, never by file name."""
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    return next((name for magic, name in _OTHER_MAGIC if data.startswith(magic)), None)


def read_photo_file(path: Path) -> bytes:
    """The file's bytes, refused before reading when it is missing, empty or over the size limit."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise _rejected(PhotoProblem.NOT_FOUND, f"：{path}", f": {path}")
        if size > MAX_PHOTO_BYTES:
            raise _too_big(size)
        with path.open("rb") as handle:
            # A file still growing (scanner writing) could pass stat and then exceed the limit.
            data = handle.read(MAX_PHOTO_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        raise _rejected(PhotoProblem.NOT_FOUND, f"：{path}", f": {path}") from None
    if len(data) > MAX_PHOTO_BYTES:
        raise _too_big(len(data))
    return data


def _too_big(size: int) -> PhotoRejected:
    shown = f"{size / (1024 * 1024):.1f} MB"
    return _rejected(PhotoProblem.TOO_BIG, f"（{shown}）", f" ({shown})")


def newest_photo(folder: Path) -> Path:
    """The most recently written JPEG/PNG (by name) in ``folder``: where the counter camera saves."""
    try:
        candidates = [p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file()]
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        raise _rejected(PhotoProblem.NOT_FOUND, f"：{folder}", f": {folder}") from None
    if not candidates:
        raise _rejected(PhotoProblem.NO_PHOTO_IN_FOLDER, f"：{folder}", f": {folder}")
    # Name breaks ties so two files saved within one timestamp tick pick the same one every time.
    return max(candidates, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _portrait_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The largest centred box of the portrait ratio inside ``width`` × ``height``."""
    rw, rh = PORTRAIT_RATIO
    if width * rh > height * rw:  # too wide: keep the height, trim the sides
        w, h = height * rw // rh, height
    else:  # too tall: keep the width, trim top and bottom equally
        w, h = width, width * rh // rw
    left, top = (width - w) // 2, (height - h) // 2
    return left, top, left + w, top + h


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check ``data`` and return the stored form, or raise ``PhotoRejected`` naming the check."""
    if not data:
        raise _rejected(PhotoProblem.EMPTY)
    if len(data) > MAX_PHOTO_BYTES:
        raise _too_big(len(data))
    kind = sniff_format(data)
    if kind not in ("JPEG", "PNG"):
        shown = f"（此檔案為 {kind}）" if kind else ""
        raise _rejected(PhotoProblem.WRONG_TYPE, shown, f" (this file is {kind})" if kind else "")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice that; a warning here is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(data, kind)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _rejected(PhotoProblem.BOMB) from None
    try:
        return _prepare(image, kind, len(data))
    finally:
        image.close()


def _unreadable(exc: Exception) -> PhotoRejected:
    # Pillow refuses a PNG text or ICC chunk that inflates past MAX_TEXT_CHUNK with a ValueError:
    # a zip bomb hidden in the metadata, refused like a pixel bomb. Anything else is a broken file.
    if isinstance(exc, ValueError) and "too large" in str(exc):
        return _rejected(PhotoProblem.BOMB)
    return _rejected(PhotoProblem.TRUNCATED)


def _decode(data: bytes, kind: str) -> Image.Image:
    try:
        # PNG chunks before the pixels (zTXt, iCCP…) are inflated here, before any size check.
        image = Image.open(io.BytesIO(data), formats=[kind])
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise _unreadable(exc) from None
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS:
        image.close()
        shown = f"（{width}×{height}）"
        raise _rejected(PhotoProblem.BOMB, shown, f" ({width}×{height})")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        # "image file is truncated", broken chunks, bad Huffman tables: all one refusal for the clerk.
        image.close()
        raise _unreadable(exc) from None
    return image


def _prepare(image: Image.Image, kind: str, source_bytes: int) -> PreparedPhoto:
    source_size = image.size
    orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    upright = ImageOps.exif_transpose(image)
    box = _portrait_box(*upright.size)
    crop_w, crop_h = box[2] - box[0], box[3] - box[1]
    if crop_w < MIN_WIDTH or crop_h < MIN_HEIGHT:
        shown = f"{upright.size[0]}×{upright.size[1]}"
        raise _rejected(PhotoProblem.TOO_SMALL, f"（目前 {shown}）", f" (this one is {shown})")
    rgb = _flatten(upright).crop(box).resize(OUTPUT_SIZE, Image.Resampling.LANCZOS)
    # A fresh image carries no info dict: nothing from the source (EXIF, GPS, XMP, ICC, comments)
    # can ride along into the saved JPEG.
    clean = Image.new("RGB", OUTPUT_SIZE)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedPhoto(jpeg=out.getvalue(), width=OUTPUT_SIZE[0], height=OUTPUT_SIZE[1],
                         source_format=kind, source_size=source_size, source_bytes=source_bytes,
                         rotated=orientation not in (None, 1))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: a transparent PNG background becomes white, as on a printed card."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def age_on(birth: date, today: date) -> int:
    """Whole years completed on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def may_use_document_photo(birth: date | None, today: date) -> bool:
    """Under 14 the ID or NHI card photo may serve (seed 002); an unknown birth date may not."""
    return birth is not None and age_on(birth, today) < DOCUMENT_PHOTO_AGE
