"""What an ESC/POS job prints, drawn the way a thermal printer with a Big5 font would print it.

The preview printer and the PNG preview use this for text-mode jobs, so the picture shows the
printer's own character grid (12 × 24 dots a half-width character, 24 × 24 a Big5 one, doubled by
``ESC !`` / ``FS !``), its own QR code (``GS ( k``) and any raster image, at the paper's width.
Bytes outside Chinese mode print from the single-byte code page, as a printer set to the wrong mode
would: garbage. Only the commands this kiosk sends are understood; anything else is a
``ValueError``, so a change in what is sent cannot pass unnoticed.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw

from printing.fonts import FontSpec, _faces, _load, find_font

CELL_W, CELL_H = 12, 24
LINE_PITCH = 30  # ESC/POS default line spacing, 1/6 inch at 180 dpi
_EC = {48: 1, 49: 0, 50: 3, 51: 2}  # GS ( k n → qrcode's ERROR_CORRECT_L, M, Q, H


@lru_cache(maxsize=4096)
def _cell(ch: str, wide: bool, bold: bool, path: str, index: int) -> Image.Image:
    w = CELL_W * (2 if wide else 1)
    cell = Image.new("1", (w, CELL_H), 0)
    draw = ImageDraw.Draw(cell)
    draw.fontmode = "1"
    font = _load(path, index, 22)  # a little under the cell, as printer fonts leave a dot around
    for dx in ((0, 1) if bold else (0,)):  # emphasis: printers strike each dot twice, one dot apart
        draw.text((dx + (w - font.getlength(ch)) / 2, 20), ch, font=font, fill=1, anchor="ls")
    return cell


@lru_cache(maxsize=64)
def _qr(payload: bytes, module: int, ec: int) -> Image.Image:
    import qrcode

    # The printer picks its own mask pattern; the preview takes the first, which scans the same and
    # saves qrcode's search over all eight.
    qr = qrcode.QRCode(error_correction=_EC.get(ec, 0), border=4, mask_pattern=0)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # with four white modules around it: blank paper, as on the roll
    n = len(matrix)
    image = Image.new("1", (n, n), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    return image.resize((n * module, n * module), Image.Resampling.NEAREST)


class _Printer:
    def __init__(self, width: int, font: FontSpec) -> None:
        mono = _faces(font).mono
        self.font = (mono.path, mono.index)
        self.width = width
        self.blocks: list[tuple[int, int, Image.Image]] = []  # (x, y, black-on-white picture)
        self.y = 0
        self.line: list[tuple[int, Image.Image]] = []  # glyph masks of the current line, at x
        self.x = 0
        self.reset()

    def reset(self) -> None:
        self.align, self.kanji, self.bold = 0, False, False
        self.esc_size, self.fs_size = 0, 0
        self.qr_data, self.qr_module, self.qr_ec = b"", 3, 48

    def glyph(self, ch: str, double_byte: bool) -> None:
        wide_x = 2 if (self.fs_size & 0x04 if double_byte else self.esc_size & 0x20) else 1
        tall = 2 if (self.fs_size & 0x08 if double_byte else self.esc_size & 0x10) else 1
        bold = self.bold or bool(self.esc_size & 0x08)
        cell = _cell(ch, double_byte, bold, *self.font)
        if wide_x > 1 or tall > 1:
            cell = cell.resize((cell.width * wide_x, cell.height * tall), Image.Resampling.NEAREST)
        if self.x + cell.width > self.width:  # the printer wraps a full line by itself
            self.feed()
        self.line.append((self.x, cell))
        self.x += cell.width

    def feed(self, empty_pitch: int = LINE_PITCH) -> None:
        height = max((c.height for _, c in self.line), default=0)
        offset = {1: (self.width - self.x) // 2, 2: self.width - self.x}.get(self.align, 0)
        if self.line:
            canvas = Image.new("1", (self.x, height), 1)
            for x, cell in self.line:
                canvas.paste(0, (x, height - cell.height), cell)
            self.blocks.append((offset, self.y, canvas))
        self.y += max(empty_pitch, height)
        self.line, self.x = [], 0

    def picture(self, image: Image.Image) -> None:
        if self.line:
            self.feed()
        offset = {1: (self.width - image.width) // 2, 2: self.width - image.width}.get(self.align, 0)
        self.blocks.append((max(offset, 0), self.y, image))
        self.y += image.height

    def render(self) -> Image.Image:
        if self.line:
            self.feed()
        image = Image.new("1", (self.width, max(self.y, 1)), 1)
        for x, y, block in self.blocks:
            image.paste(block, (x, y))
        return image


def render_job(payload: bytes, width: int = 576, font: FontSpec | None = None) -> Image.Image:
    """The paper ``payload`` prints on a ``width``-dot printer with a Big5 font, as a ``mode "1"`` image."""
    if not payload.startswith(b"\x1b@"):
        raise ValueError("not an ESC/POS job: every job the kiosk sends starts with ESC @")
    p = _Printer(width, font or find_font())
    i, n = 0, len(payload)
    while i < n:
        b = payload[i]
        two = payload[i:i + 2]
        if two == b"\x1b@":
            p.reset()
            i += 2
        elif two in (b"\x1ba", b"\x1b!", b"\x1bE", b"\x1bd", b"\x1c!"):
            arg = payload[i + 2]
            if two == b"\x1ba":
                p.align = arg % 48 if arg >= 48 else arg
            elif two == b"\x1b!":
                p.esc_size = arg
            elif two == b"\x1bE":
                p.bold = bool(arg & 1)
            elif two == b"\x1bd":
                for _ in range(arg):
                    p.feed()
            else:
                p.fs_size = arg
            i += 3
        elif two == b"\x1c&":
            p.kanji, i = True, i + 2
        elif two == b"\x1c.":
            p.kanji, i = False, i + 2
        elif two == b"\x1dV":
            i = n  # the cut ends the receipt
        elif payload[i:i + 3] == b"\x1d(k":
            size = payload[i + 3] | payload[i + 4] << 8
            body = payload[i + 5:i + 5 + size]
            if len(body) != size or body[:1] != b"1":
                raise ValueError(f"malformed GS ( k at byte {i}")
            fn = body[1]
            if fn == 67:
                p.qr_module = body[2]
            elif fn == 69:
                p.qr_ec = body[2]
            elif fn == 80:
                p.qr_data = body[3:]
            elif fn == 81:
                p.picture(_qr(p.qr_data, p.qr_module, p.qr_ec))
            i += 5 + size
        elif payload[i:i + 3] == b"\x1dv0":
            width_bytes = payload[i + 4] | payload[i + 5] << 8
            height = payload[i + 6] | payload[i + 7] << 8
            data = payload[i + 8:i + 8 + width_bytes * height]
            if len(data) != width_bytes * height:
                raise ValueError(f"raster band at byte {i} is cut short")
            p.picture(Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I"))
            i += 8 + width_bytes * height
        elif b == 0x0A:
            p.feed()
            i += 1
        elif b >= 0x20 and not (p.kanji and b >= 0x81):
            p.glyph(bytes([b]).decode("cp437"), False)
            i += 1
        elif b >= 0x81:
            ch = two.decode("cp950", errors="replace")
            p.glyph(ch if len(ch) == 1 else "\ufffd", True)
            i += 2
        else:
            raise ValueError(f"unexpected byte 0x{b:02x} at {i}")
    return p.render()
