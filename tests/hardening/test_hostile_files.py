"""Hostile files: photos from the drop folder and configuration files.

A photo is refused with a ``PhotoRejected`` (a ``ValidationError`` saying what and what to do, in
both languages), never a Pillow exception; a configuration file is refused with a ``ConfigError``
naming the key or the file, and ``kiosk config check`` exits 2 without a traceback.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.config import Config, load_config
from kiosk.core.errors import ConfigError, ValidationError
from kiosk.core.photo import MAX_PHOTO_BYTES, PhotoProblem, PhotoRejected, prepare_photo, read_photo_file

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(width: int, height: int, *, before_pixels: bytes = b"", after_pixels: bytes = b"") -> bytes:
    """A PNG written by hand, so its header may claim anything; its pixels fill at most 400×10."""
    rows = b"".join(b"\x00" + b"\x80" * (3 * min(width, 400)) for _ in range(min(height, 10)))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + before_pixels + _chunk(b"IDAT", zlib.compress(rows)) + after_pixels + _chunk(b"IEND", b""))


# 50 MB of one letter deflates to ~50 KB: a zip bomb in the metadata, well under the 5 MB limit.
INFLATES_TO_50_MB = zlib.compress(b"A" * (50 * 1024 * 1024), 9)


def _jpeg(size: tuple[int, int] = (600, 800), **kw: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "steelblue").save(out, "JPEG", **kw)
    return out.getvalue()


def _refused(data: bytes) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        prepare_photo(data)
    err = info.value
    assert isinstance(err, ValidationError) and err.field == "photo"
    assert err.message and err.action and err.message_en and err.action_en
    return err


HOSTILE_PHOTOS = {
    "zTXt bomb before the pixels": _png(600, 800, before_pixels=_chunk(b"zTXt", b"k\0\0" + INFLATES_TO_50_MB)),
    "zTXt bomb after the pixels": _png(600, 800, after_pixels=_chunk(b"zTXt", b"k\0\0" + INFLATES_TO_50_MB)),
    "iTXt bomb": _png(600, 800, before_pixels=_chunk(b"iTXt", b"k\0\1\0\0\0" + INFLATES_TO_50_MB)),
    "iCCP bomb": _png(600, 800, before_pixels=_chunk(b"iCCP", b"p\0\0" + INFLATES_TO_50_MB)),
    "PNG header claims 2^31 square": _png(0x7FFFFFFF, 0x7FFFFFFF),
    "PNG header claims 4G wide": _png(0xFFFFFFFF, 1),
    "PNG header claims 0 x 0": _png(0, 0),
    "JPEG header claims 65535 square": bytes.fromhex("FFD8FFC0001108FFFFFFFF03012200021101031101FFD9"),
    "JPEG magic then nothing": b"\xff\xd8\xff",
    "PNG magic then nothing": b"\x89PNG\r\n\x1a\n",
    "0 bytes": b"",
    "one byte over the limit": b"\xff\xd8\xff" + b"\0" * MAX_PHOTO_BYTES,
    "HTML renamed .jpg": b"<html><script>alert(1)</script></html>",
    "SVG": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
}


@pytest.mark.parametrize("name", list(HOSTILE_PHOTOS))
def test_hostile_photo_is_refused_clearly(name: str) -> None:
    _refused(HOSTILE_PHOTOS[name])


def test_metadata_zip_bomb_is_refused_as_a_bomb() -> None:
    assert _refused(HOSTILE_PHOTOS["zTXt bomb before the pixels"]).problem is PhotoProblem.BOMB
    assert _refused(HOSTILE_PHOTOS["iCCP bomb"]).problem is PhotoProblem.BOMB


def test_oversize_file_in_drop_folder_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    with path.open("wb") as handle:  # sparse: 2 GB on paper, nothing on disk
        handle.truncate(2 * 1024**3)
    with pytest.raises(PhotoRejected) as info:
        read_photo_file(path)
    assert info.value.problem is PhotoProblem.TOO_BIG


@FUZZ
@given(st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b""]), st.binary(max_size=4096))
def test_random_bytes_behind_an_image_signature(magic: bytes, rest: bytes) -> None:
    try:
        prepare_photo(magic + rest)
    except PhotoRejected as err:
        assert err.message and err.message_en


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: so the fuzzing also reaches the EXIF reader
    exif[0x010F] = "camera"
    return exif.tobytes()


SEED_JPEG = _jpeg((300, 400), quality=30, exif=_exif())
SEED_PNG = _png(300, 400)


@FUZZ
@given(st.sampled_from([SEED_JPEG, SEED_PNG]), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                         min_size=1, max_size=16))
def test_real_photos_with_bytes_flipped(seed: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(seed)
    for where, value in flips:
        data[where % len(data)] = value
    try:
        prepared = prepare_photo(bytes(data))
    except PhotoRejected as err:
        assert err.message and err.message_en
    else:
        assert prepared.jpeg.startswith(b"\xff\xd8\xff")


# --- configuration files -------------------------------------------------------------------------


def _write(tmp_path: Path, content: bytes | str) -> Path:
    path = tmp_path / "kiosk.toml"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _config_error(tmp_path: Path, content: bytes | str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, content))
    err = info.value
    assert err.key and err.message
    assert err.key in err.message or str(tmp_path / "kiosk.toml") in err.message
    assert "\x1b" not in err.message and "\x00" not in err.message
    return err


HOSTILE_CONFIGS: dict[str, bytes | str] = {
    "binary garbage": bytes(range(256)) * 16,
    "NUL inside a value": '[ui]\nlocale = "zh\x00TW"\n',
    "NUL bytes only": b"\x00" * 100,
    "arrays nested 5000 deep": "a = " + "[" * 5000 + "]" * 5000,
    "inline tables nested 3000 deep": "a = " + "{b=" * 3000 + "1" + "}" * 3000,
    "a 20000-part table name": "[" + ".".join(["x"] * 20000) + "]",
    "huge file": "# padding\n" * 200_000,
    "UTF-16": '[ui]\nlocale = "en"\n'.encode("utf-16"),
    "latin-1": '[centre]\nname = "caf\xe9"\n'.encode("latin-1"),
    "escape in a section name": '["\\u001b[2J"]\n',
    "escape in a key": '[ui]\n"\\u001b]0;pwned\\u0007" = 1\n',
    "escape in the centre name": '[centre]\nname = "\\u001b[2J"\n',
    "bidi override in the counter": '[centre]\ncounter = "\\u202e10"\n',
    "a section that is not a table": "ui = 3\n",
    "array of tables": "[[ui]]\nlocale = 'en'\n",
    "infinite timeout": "[reader]\ntimeout_seconds = inf\n",
    "NaN timeout": "[reader]\ntimeout_seconds = nan\n",
    "a 10^30 port": "[printer]\nport = 1000000000000000000000000000000\n",
    "a 100 KB name": '[centre]\nname = "' + "x" * 100_000 + '"\n',
}


@pytest.mark.parametrize("name", list(HOSTILE_CONFIGS))
def test_hostile_config_is_a_clear_config_error(tmp_path: Path, name: str) -> None:
    err = _config_error(tmp_path, HOSTILE_CONFIGS[name])
    assert len(err.message) < 400  # one line the operator can read, not the file echoed back


def test_utf8_bom_as_notepad_writes_it_is_accepted(tmp_path: Path) -> None:
    config, _ = load_config(_write(tmp_path, b"\xef\xbb\xbf[ui]\nlocale = \"en\"\n"))
    assert config.ui.locale == "en"


# A value of the wrong type for every key there is: each refused, naming that key.
WRONG_FOR = {bool: ['"yes"', "1"], int: ['"5"', "true", "1.5", "[1]"], float: ['"2"', "false", "{a=1}"],
             str: ["5", "true", "[]", "{}", "2026-01-01"]}
EVERY_KEY = [(section.name, key.name, type(getattr(getattr(Config(), section.name), key.name)))
             for section in fields(Config) for key in fields(getattr(Config(), section.name))]


@pytest.mark.parametrize(("section", "key", "kind"), EVERY_KEY, ids=[f"{s}.{k}" for s, k, _ in EVERY_KEY])
def test_wrong_type_for_every_key_names_the_key(tmp_path: Path, section: str, key: str, kind: type) -> None:
    for wrong in WRONG_FOR[kind]:
        err = _config_error(tmp_path, f"[{section}]\n{key} = {wrong}\n")
        assert err.key == f"{section}.{key}", (wrong, err.message)


@pytest.mark.parametrize("name", ["binary garbage", "arrays nested 5000 deep", "escape in a section name",
                                  "huge file", "NUL bytes only"])
def test_cli_config_check_exits_2_without_traceback(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, HOSTILE_CONFIGS[name])
    result = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(path), "config", "check"],
                            capture_output=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2, result.stderr[-2000:]
    assert b"Traceback" not in result.stderr and b"\x1b" not in result.stderr + result.stdout
    assert str(path).encode() in result.stderr or b"config error" in result.stderr
    assert len(result.stderr.splitlines()) == 1
