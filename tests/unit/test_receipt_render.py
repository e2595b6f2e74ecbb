"""Rendering receipts to 1-bit images: fonts, widths, wrapping, glyphs outside Big5, the QR code."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageFont

from data.accounts import create_account
from data.codes import issue_code, latest_code
from data.store import open_memory_store
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import PrinterError
from kiosk.core.models import AccountState, Citizen, CodeState, VerificationCode
from printing import fonts, render
from printing.fonts import find_font, measure
from printing.receipt import ReceiptHeader, device_code_receipt, password_reset_receipt
from printing.render import mark_reprint, render_receipt, wrap

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
HEADER = ReceiptHeader("衛生福利部中央健康保險署臺北業務組", "3", "S0012", "T1110503-0042", AT)
CITIZEN = Citizen("A123456789", "王小堃", card_number="000012345678")


def _code(code: str = "R17b63g9") -> VerificationCode:
    return VerificationCode(1, "A123456789", code, AT, AT + timedelta(minutes=10), CodeState.OPEN)


def test_found_font_is_a_traditional_chinese_face() -> None:
    spec = find_font()
    family = ImageFont.truetype(spec.path, 20, index=spec.index).getname()[0]
    assert family is not None and (" TC" in family or " TW" in family)


def test_noto_sans_cjk_tc_is_face_3_of_the_collection() -> None:
    noto = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    if not Path(noto).exists():
        pytest.skip("fonts-noto-cjk not installed")
    assert find_font(noto).index == 3


def test_missing_fonts_name_the_package_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (str(tmp_path / "none.ttc"),))
    monkeypatch.setattr(fonts, "_bundled_font", lambda: ())
    with pytest.raises(PrinterError) as caught:
        find_font()
    assert "fonts-noto-cjk" in caught.value.action and "fonts-noto-cjk" in caught.value.action_en


def test_bundled_font_is_found_without_system_fonts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (str(tmp_path / "none.ttc"),))
    spec = find_font()
    assert spec.path.endswith("NotoSansCJK-Regular.ttc") and spec.index == 3


def test_unreadable_configured_font_names_the_setting(tmp_path: Path) -> None:
    bogus = tmp_path / "font.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(PrinterError) as caught:
        find_font(str(bogus))
    assert "printer.font_path" in caught.value.message + caught.value.action


@pytest.mark.parametrize("width", [576, 384])
def test_receipt_is_one_bit_image_of_paper_width(width: int) -> None:
    image = render_receipt(password_reset_receipt(HEADER, CITIZEN), width)
    assert image.mode == "1" and image.width == width
    assert 300 < image.height < 2000
    # Something is printed near both edges (right-aligned values) but nothing falls off the paper.
    bbox = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert bbox is not None and bbox[0] <= 12 and width - 12 <= bbox[2] <= width


@pytest.mark.parametrize("ch", ["堃", "喆", "峯"])
def test_characters_outside_big5_draw_a_real_glyph(ch: str) -> None:
    with pytest.raises(UnicodeEncodeError):
        ch.encode("big5")
    spec = find_font()
    font = fonts._load(spec.path, spec.index, 26)
    glyph = fonts._glyph(font, 0, ch)[0]
    missing = fonts._glyph(font, 0, "\U000f0000")[0]  # no CJK font has this: the .notdef box
    assert glyph is not None
    assert missing is None or glyph.tobytes() != missing.tobytes()
    assert glyph.histogram()[255] > 20  # ink, not an empty box


def test_wrap_keeps_width_words_and_punctuation_rules() -> None:
    spec = find_font()
    font = fonts._load(spec.path, spec.index, 22)
    text = ("3. 完成認證後，輸入「帳號（身分證號）」及健保卡網路服務註冊「密碼」，"
            "點選「登入」，即可使用 QR-Code。")
    for width in (200, 260, 340, 376):
        lines = wrap(text, font, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(measure(font, line) <= width for line in lines)
        assert not any(line[0] in "，。、）」" for line in lines[1:])
        assert not any(line[-1] in "（「【" for line in lines)
        assert any("QR-Code" in line for line in lines)


@pytest.mark.parametrize("width", [576, 384])
def test_qr_decodes_to_the_code_in_the_store(width: int) -> None:
    store = open_memory_store()
    create_account(store, "A123456789", "王小堃", state=AccountState.ACTIVE, now=AT)
    issue_code(store, "A123456789", "De7242jZ", AT, AT + timedelta(minutes=10))
    stored = latest_code(store, "A123456789", AT)
    assert stored is not None
    image = render_receipt(device_code_receipt(HEADER, CITIZEN, stored), width)
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert [b.text for b in found] == [stored.code] == ["De7242jZ"]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_a_different_code_gives_a_different_qr() -> None:
    first = render_receipt(device_code_receipt(HEADER, CITIZEN, _code("R17b63g9")))
    second = render_receipt(device_code_receipt(HEADER, CITIZEN, _code("E19k324F")))
    assert [b.text for b in zxingcpp.read_barcodes(second.convert("L"))] == ["E19k324F"]
    assert first.tobytes() != second.tobytes()


def test_rendering_is_deterministic() -> None:
    receipt = device_code_receipt(HEADER, CITIZEN, _code())
    assert render_receipt(receipt).tobytes() == render_receipt(receipt).tobytes()


def test_reprint_banner_sits_above_the_untouched_original() -> None:
    original = render_receipt(password_reset_receipt(HEADER, CITIZEN), 384)
    marked = mark_reprint(original, AT + timedelta(hours=1))
    assert marked.width == original.width and marked.height > original.height
    top = marked.height - original.height - 4  # the layout's bottom margin of a 58 mm receipt
    assert marked.crop((0, top, original.width, top + original.height)).tobytes() == original.tobytes()


CENTRE = "中央健康保險署 臺北業務組 聯合服務中心"


@pytest.mark.parametrize("width", [576, 384])
def test_centre_name_breaks_only_between_its_words(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """58 mm paper printed 聯合服 / 務中心 (issue 12 item 18): the name wraps at its spaces."""
    drawn: list[str] = []
    original = render._Layout.text_line

    def spy(self, text, size, **kw):  # type: ignore[no-untyped-def]
        drawn.append(text)
        return original(self, text, size, **kw)

    monkeypatch.setattr(render._Layout, "text_line", spy)
    header = ReceiptHeader(CENTRE, "3", "S0012", "T1110503-0042", AT)
    render_receipt(password_reset_receipt(header, CITIZEN), width)
    centre_lines = drawn[: drawn.index("櫃檯")]
    assert " ".join(line.strip() for line in centre_lines) == CENTRE
    words = CENTRE.split()
    assert all(set(line.split()) <= set(words) for line in centre_lines)
    assert len(centre_lines) == (1 if width == 576 else 2)


def test_receipts_name_the_counter_as_the_screens_do() -> None:
    """The screen, the seeds and the on-screen preview say 櫃檯; the printed header and the daily
    summary's title said 櫃台 (raster and Big5 alike): one word for one thing."""
    from kiosk.locales.zh_TW import STRINGS
    from printing.receipt import TITLES, ReceiptKind

    word = STRINGS["status.counter"]
    assert word == "櫃檯"
    assert render.header_rows(ReceiptHeader(CENTRE, "3", "S0012", "T1", AT))[0][0] == word
    assert word in TITLES[ReceiptKind.DAILY_SUMMARY][0]
    assert not any("櫃台" in zh for zh, _ in TITLES.values())


def test_a_date_range_on_58mm_breaks_between_its_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """民國111年05月01日 ～ 民國111 / 年12月31日 was printed: a value wraps at its spaces."""
    from datetime import date

    from kiosk.core.models import Authorization, AuthorizationState
    from printing.receipt import authorization_cancelled_receipt

    drawn: list[str] = []
    original = render._Layout.text_line

    def spy(self, text, size, **kw):  # type: ignore[no-untyped-def]
        drawn.append(text)
        return original(self, text, size, **kw)

    monkeypatch.setattr(render._Layout, "text_line", spy)
    auth = Authorization(5, "123456", "A123456789", "B120863158", date(2022, 5, 1), date(2022, 12, 31),
                         AuthorizationState.CANCELLED)
    render_receipt(authorization_cancelled_receipt(HEADER, CITIZEN, auth), 384)
    assert "民國111年12月31日" in drawn and not any(line.endswith("民國111") for line in drawn)
