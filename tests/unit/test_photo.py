"""Photo checks with generated images: each refusal, orientation, crop, metadata stripping."""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from kiosk.core import photo
from kiosk.core.photo import (
    MAX_PHOTO_BYTES,
    OUTPUT_SIZE,
    PhotoProblem,
    PhotoRejected,
    may_use_document_photo,
    newest_photo,
    prepare_photo,
    read_photo_file,
    sniff_format,
)


def _encode(image: Image.Image, fmt: str = "JPEG", **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def _jpeg(size: tuple[int, int] = (600, 800), colour: str = "steelblue", **kw: object) -> bytes:
    return _encode(Image.new("RGB", size, colour), "JPEG", **kw)


def _problem(data: bytes) -> PhotoProblem:
    with pytest.raises(PhotoRejected) as caught:
        prepare_photo(data)
    return caught.value.problem


def _close(pixel: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))


# --- accepted ----------------------------------------------------------------------------------

def test_good_jpeg_is_reencoded_at_the_portrait_size():
    result = prepare_photo(_jpeg((900, 1200)))
    assert result.source_format == "JPEG"
    assert result.source_size == (900, 1200)
    assert not result.rotated
    stored = Image.open(io.BytesIO(result.jpeg))
    assert stored.format == "JPEG"
    assert stored.size == OUTPUT_SIZE == (result.width, result.height)
    assert OUTPUT_SIZE[0] * 4 == OUTPUT_SIZE[1] * 3


def test_png_is_accepted_and_transparency_becomes_white():
    image = Image.new("RGBA", (600, 800), (0, 0, 0, 0))
    result = prepare_photo(_encode(image, "PNG"))
    assert result.source_format == "PNG"
    stored = Image.open(io.BytesIO(result.jpeg)).convert("RGB")
    assert _close(stored.getpixel((240, 320)), (255, 255, 255))


def test_landscape_is_cropped_about_the_centre():
    # Red margins, blue centre exactly as wide as the 3:4 crop of an 1600×800 photo (600 px).
    image = Image.new("RGB", (1600, 800), "red")
    image.paste(Image.new("RGB", (600, 800), "blue"), (500, 0))
    stored = Image.open(io.BytesIO(prepare_photo(_jpeg_of(image)).jpeg)).convert("RGB")
    for x in (5, 240, 474):
        assert _close(stored.getpixel((x, 320)), (0, 0, 255)), x


def _jpeg_of(image: Image.Image, **kw: object) -> bytes:
    return _encode(image, "JPEG", quality=95, **kw)


def test_exif_orientation_6_is_applied():
    # Stored landscape with a red block top-left; orientation 6 means "rotate 90° clockwise to show".
    image = Image.new("RGB", (1000, 700), "white")
    image.paste(Image.new("RGB", (200, 200), "red"), (0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    result = prepare_photo(_jpeg_of(image, exif=exif.tobytes()))
    assert result.rotated
    stored = Image.open(io.BytesIO(result.jpeg)).convert("RGB")
    assert stored.size == OUTPUT_SIZE
    # After turning, the block sits top-right of a portrait picture.
    assert _close(stored.getpixel((470, 40)), (255, 0, 0))
    assert _close(stored.getpixel((10, 40)), (255, 255, 255))
    assert stored.getexif().get(0x0112) is None


def test_without_orientation_the_same_picture_is_not_turned():
    image = Image.new("RGB", (1000, 700), "white")
    image.paste(Image.new("RGB", (200, 200), "red"), (0, 0))
    result = prepare_photo(_jpeg_of(image))
    assert not result.rotated


def test_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "CounterCam"  # Make
    exif[0x0131] = "EditorPro"  # Software
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (25.0, 2.0, 30.0), 3: "E", 4: (121.0, 33.0, 0.0)}
    source = _jpeg_of(Image.new("RGB", (600, 800), "olive"), exif=exif.tobytes(), comment=b"taken at home")
    # The source really carries them, so the assertions below can fail.
    before = Image.open(io.BytesIO(source))
    assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"taken at home" in source and b"CounterCam" in source

    stored_bytes = prepare_photo(source).jpeg
    stored = Image.open(io.BytesIO(stored_bytes))
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info and "comment" not in stored.info
    assert b"Exif" not in stored_bytes
    assert b"CounterCam" not in stored_bytes and b"taken at home" not in stored_bytes


# --- refused -----------------------------------------------------------------------------------

def test_too_big_random_noise_png():
    rng = random.Random(7)
    side = 1400  # 1400×1400×3 noise does not compress: about 5.9 MB as PNG
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    data = _encode(noise, "PNG", compress_level=1)
    assert len(data) > MAX_PHOTO_BYTES
    assert _problem(data) is PhotoProblem.TOO_BIG


def test_too_big_file_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "huge.jpg"
    with path.open("wb") as handle:
        handle.truncate(MAX_PHOTO_BYTES + 1)
    with pytest.raises(PhotoRejected) as caught:
        read_photo_file(path)
    assert caught.value.problem is PhotoProblem.TOO_BIG
    assert "5.0 MB" in caught.value.message


def test_exactly_the_limit_is_read(tmp_path: Path):
    path = tmp_path / "limit.jpg"
    path.write_bytes(b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES - 3))
    assert len(read_photo_file(path)) == MAX_PHOTO_BYTES


@pytest.mark.parametrize(("fmt", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_other_image_formats_are_wrong_type(fmt: str, name: str):
    data = _encode(Image.new("RGB", (600, 800), "navy"), fmt)
    assert sniff_format(data) == name
    with pytest.raises(PhotoRejected) as caught:
        prepare_photo(data)
    assert caught.value.problem is PhotoProblem.WRONG_TYPE
    assert name in caught.value.message and name in caught.value.message_en


def test_text_renamed_jpg_is_wrong_type(tmp_path: Path):
    path = tmp_path / "photo.jpg"
    path.write_text("this is not a photo\n", encoding="utf-8")
    assert _problem(read_photo_file(path)) is PhotoProblem.WRONG_TYPE


def test_png_renamed_jpg_is_judged_by_content(tmp_path: Path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(_encode(Image.new("RGB", (600, 800), "teal"), "PNG"))
    assert prepare_photo(read_photo_file(path)).source_format == "PNG"


def test_empty_file():
    assert _problem(b"") is PhotoProblem.EMPTY


@pytest.mark.parametrize("size", [(200, 300), (299, 400), (400, 300), (300, 399)])
def test_tiny_photos_are_refused(size: tuple[int, int]):
    assert _problem(_jpeg(size)) is PhotoProblem.TOO_SMALL


def test_minimum_portrait_passes():
    assert prepare_photo(_jpeg((300, 400))).width == OUTPUT_SIZE[0]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_files_are_refused(fmt: str):
    rng = random.Random(3)
    noisy = Image.frombytes("RGB", (600, 800), rng.randbytes(600 * 800 * 3))
    data = _encode(noisy, fmt)
    assert _problem(data[: len(data) // 2]) is PhotoProblem.TRUNCATED


def test_header_only_jpeg_is_refused():
    assert _problem(b"\xff\xd8\xff\xe0" + bytes(20)) is PhotoProblem.TRUNCATED


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose IHDR claims ``width``×``height`` 1-bit pixels (CRC fixed up)."""
    data = bytearray(_encode(Image.new("1", (8, 8)), "PNG"))
    ihdr_at = data.index(b"IHDR")
    data[ihdr_at + 4: ihdr_at + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr_at: ihdr_at + 17]))
    data[ihdr_at + 17: ihdr_at + 21] = struct.pack(">I", crc)
    return bytes(data)


def test_decompression_bomb_20000_square_is_refused():
    data = _png_claiming(20000, 20000)
    assert len(data) < 200
    assert _problem(data) is PhotoProblem.BOMB


def test_our_pixel_limit_holds_below_pillows():
    # 8000×8000 = 64 MP: under Pillow's own limit, over the kiosk's 50 MP.
    data = _png_claiming(8000, 8000)
    assert (Image.MAX_IMAGE_PIXELS or 0) > 8000 * 8000
    with pytest.raises(PhotoRejected) as caught:
        prepare_photo(data)
    assert caught.value.problem is PhotoProblem.BOMB
    assert "8000×8000" in caught.value.message


def test_pillow_bomb_warning_counts_as_refusal(monkeypatch: pytest.MonkeyPatch):
    # Between Pillow's limit and twice it, Pillow only warns: the kiosk refuses anyway.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300_000)
    assert _problem(_jpeg((600, 800))) is PhotoProblem.BOMB


def test_real_huge_1bit_png_is_refused():
    data = _encode(Image.new("1", (20000, 20000)), "PNG")
    assert len(data) < 1024 * 1024  # tiny on disk, 400 megapixels once decoded
    assert _problem(data) is PhotoProblem.BOMB


def test_every_refusal_says_what_and_what_to_do_in_both_languages():
    seen = set()
    for problem in PhotoProblem:
        error = photo._rejected(problem)
        assert error.message and error.action and error.message_en and error.action_en
        assert error.message != error.message_en
        seen.add(error.message)
    assert len(seen) == len(PhotoProblem)


# --- files and folders -------------------------------------------------------------------------

def test_missing_file(tmp_path: Path):
    with pytest.raises(PhotoRejected) as caught:
        read_photo_file(tmp_path / "nope.jpg")
    assert caught.value.problem is PhotoProblem.NOT_FOUND


def test_folder_is_not_a_file(tmp_path: Path):
    with pytest.raises(PhotoRejected) as caught:
        read_photo_file(tmp_path)
    assert caught.value.problem is PhotoProblem.NOT_FOUND


def test_newest_photo_in_drop_folder(tmp_path: Path):
    for n, name in enumerate(["a.jpg", "b.PNG", "c.jpeg", "z.txt", "y.gif"]):
        path = tmp_path / name
        path.write_bytes(b"x")
        os.utime(path, ns=(1_000_000_000 * (n + 1), 1_000_000_000 * (n + 1)))
    assert newest_photo(tmp_path).name == "c.jpeg"
    os.utime(tmp_path / "a.jpg", ns=(9_000_000_000, 9_000_000_000))
    assert newest_photo(tmp_path).name == "a.jpg"


def test_empty_drop_folder(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PhotoRejected) as caught:
        newest_photo(tmp_path)
    assert caught.value.problem is PhotoProblem.NO_PHOTO_IN_FOLDER
    with pytest.raises(PhotoRejected) as caught:
        newest_photo(tmp_path / "missing")
    assert caught.value.problem is PhotoProblem.NOT_FOUND


# --- under 14 ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        (date(2012, 11, 22), date(2026, 11, 22), False),  # 14th birthday today
        (date(2012, 11, 23), date(2026, 11, 22), True),  # 14 tomorrow
        (date(2020, 2, 29), date(2026, 11, 22), True),
        (date(1975, 3, 8), date(2026, 11, 22), False),
        (None, date(2026, 11, 22), False),  # unknown birth date: a photo is needed
    ],
)
def test_document_photo_only_under_14(birth: date | None, today: date, expected: bool):
    assert may_use_document_photo(birth, today) is expected
