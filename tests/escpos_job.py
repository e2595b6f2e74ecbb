"""A decoder for the ESC/POS jobs the kiosk sends, written for the tests (independent of printing/).

It reads a captured job back into what a printer would do with it: Big5 text lines (only inside
``FS &`` … ``FS .``; a byte above 0x7F outside Chinese mode is an error, as it would print from the
single-byte code page), ``GS ( k`` QR symbols with their settings, ``GS v 0`` raster images and the
cut. Anything else is an error, so a new command cannot slip past the tests unread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image


@dataclass
class Line:
    text: str = ""
    wide: bool = False  # double width (ESC ! 0x20 / FS ! 0x04): every character takes twice the columns
    tall: bool = False
    bold: bool = False

    @property
    def columns(self) -> int:
        n = sum(1 if ord(ch) < 0x80 else 2 for ch in self.text)
        return n * (2 if self.wide else 1)


@dataclass
class Qr:
    payload: str
    model: int
    module: int
    ec: int


@dataclass
class Job:
    lines: list[Line] = field(default_factory=list)
    qrs: list[Qr] = field(default_factory=list)
    rasters: list[Image.Image] = field(default_factory=list)
    kanji_runs: list[str] = field(default_factory=list)  # the text of each FS & … FS . run
    order: list[str] = field(default_factory=list)  # "text", "qr", "raster", "cut"
    cut: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def decode_job(payload: bytes) -> Job:
    job = Job()
    i, n = 0, len(payload)
    kanji = False
    esc_size = fs_size = 0
    bold = False
    line = bytearray()
    run: list[str] = []
    qr = {"model": 0, "module": 0, "ec": 0, "data": b""}

    def end_line() -> None:
        text = line.decode("cp950")
        job.lines.append(Line(text, wide=bool(esc_size & 0x20 or fs_size & 0x04),
                              tall=bool(esc_size & 0x10 or fs_size & 0x08), bold=bold))
        if kanji:
            run.append(text)
        if not job.order or job.order[-1] != "text":
            job.order.append("text")
        line.clear()

    while i < n:
        b = payload[i]
        two = payload[i:i + 2]
        if two == b"\x1b@":
            i += 2
        elif two in (b"\x1ba", b"\x1bd"):
            i += 3
        elif two == b"\x1b!":
            esc_size = payload[i + 2]
            i += 3
        elif two == b"\x1bE":
            bold = bool(payload[i + 2] & 1)
            i += 3
        elif two == b"\x1c!":
            fs_size = payload[i + 2]
            i += 3
        elif two == b"\x1c&":
            assert not kanji, f"FS & twice at byte {i}"
            kanji, run = True, []
            i += 2
        elif two == b"\x1c.":
            assert kanji, f"FS . outside Chinese mode at byte {i}"
            if line:
                end_line()
            job.kanji_runs.append("\n".join(run))
            kanji = False
            i += 2
        elif two == b"\x1dV":
            job.cut = True
            job.order.append("cut")
            i += 3 if payload[i + 2] in (0, 1, 48, 49) else 4
        elif payload[i:i + 3] == b"\x1d(k":
            assert not kanji, f"GS ( k inside Chinese mode at byte {i}: some printers print a blank QR"
            size = payload[i + 3] | payload[i + 4] << 8
            body = payload[i + 5:i + 5 + size]
            assert len(body) == size and body[0] == 49, f"malformed GS ( k at {i}"
            fn = body[1]
            if fn == 65:
                qr["model"] = body[2] - 48
            elif fn == 67:
                qr["module"] = body[2]
            elif fn == 69:
                qr["ec"] = body[2]
            elif fn == 80:
                assert body[2] == 48
                qr["data"] = body[3:]
            elif fn == 81:
                job.qrs.append(Qr(bytes(qr["data"]).decode("ascii"), int(qr["model"]), int(qr["module"]),
                                  int(qr["ec"])))
                job.order.append("qr")
            else:
                raise AssertionError(f"unknown GS ( k function {fn} at {i}")
            i += 5 + size
        elif payload[i:i + 3] == b"\x1dv0":
            assert not kanji, f"raster image inside Chinese mode at byte {i}"
            wb = payload[i + 4] | payload[i + 5] << 8
            h = payload[i + 6] | payload[i + 7] << 8
            data = payload[i + 8:i + 8 + wb * h]
            assert len(data) == wb * h, "raster band cut short"
            job.rasters.append(Image.frombytes("1", (wb * 8, h), data, "raw", "1;I"))
            job.order.append("raster")
            i += 8 + wb * h
        elif b == 0x0A:
            end_line()
            i += 1
        elif 0x20 <= b < 0x7F:
            line.append(b)
            i += 1
        elif b >= 0x81:
            assert kanji, f"byte 0x{b:02x} outside Chinese mode at {i}: prints from the code page"
            pair = payload[i:i + 2]
            pair.decode("big5")  # a standard Big5 code point, not a cp950 extension
            line.extend(pair)
            i += 2
        else:
            raise AssertionError(f"unexpected byte 0x{b:02x} at {i}")
    assert not kanji, "the job ends in Chinese mode"
    return job
