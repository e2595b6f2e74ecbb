"""檢測健保卡 screen: service state, readers, last read with timing, read test, pcscd down."""

from __future__ import annotations

from data.demo import DEMO_CITIZENS
from kiosk.reader.port import ReaderState
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.diagnostics import DiagnosticsScreen
from tests.conftest import TERMINAL, sign_in, wait_until


async def test_read_test_reports_timing_and_masked_card(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        await pilot.press("t")
        await pilot.pause()
        assert "請先插入健保卡" in app.screen.query_one("#service-message").render().plain
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[1]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("t")
        await wait_until(pilot, lambda: "讀卡測試成功" in str(app.screen.query_one("#diag-test").render()))
        assert app.screen.readers == [app.equipment.reader.name]


async def test_mute_card_fails_the_read_test_without_freezing(make_kiosk):
    from dataclasses import replace

    app = make_kiosk()
    app.config = replace(app.config, reader=replace(app.config.reader, timeout_seconds=0.5))
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        card = VirtualNhiCard.from_citizen(DEMO_CITIZENS[0], mute=True)
        app.equipment.reader.insert(card)
        await wait_until(pilot, lambda: app.card.error is not None, timeout=5)
        await pilot.press("t")
        await wait_until(pilot, lambda: "讀卡測試失敗" in str(app.screen.query_one("#diag-test").render()))
        # The UI kept answering keys while the card was mute.
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.locale == "en"
        card.release()


async def test_service_down_is_shown_with_how_to_start_it(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        app.equipment.reader.set_state(ReaderState.NO_SERVICE)
        await wait_until(pilot, lambda: app.reader_state is ReaderState.NO_SERVICE)
        assert any("systemctl start pcscd" in str(n.message) for n in app._notifications)
        assert "讀卡服務未啟動" in app.screen.query_one("StatusBar").info.reader
        app.equipment.reader.set_state(ReaderState.EMPTY)
        await wait_until(pilot, lambda: app.reader_state is ReaderState.EMPTY)


async def test_unexpected_error_in_a_service_is_shown_not_hung(make_kiosk):
    """Any service: a bug raising a non-kiosk exception ends in a clear message, and nothing leaks."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))

        def broken(ctx):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom A123456789")

        app.screen.run_service(broken, lambda result: None)
        await wait_until(pilot, lambda: "未預期" in app.screen.query_one("#service-message").render().plain)
        assert "A123456789" not in app.screen.query_one("#service-message").render().plain


def _screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the widgets show on the terminal, as plain text."""
    out = []
    for selector in ("#diag-table", "#diag-test", "#service-message"):
        widget = app.screen.query_one(selector)
        lines = widget.render_lines(widget.size.region)
        out.extend("".join(segment.text for segment in line).rstrip() for line in lines)
    return "\n".join(out)


async def test_simulated_reader_says_it_is_simulated_in_both_languages(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen) and app.screen.readers)
        await pilot.pause()
        text = _screen_text(app)
        assert "模擬讀卡機" in text and "非實體讀卡機" in text
        assert "PC/SC 讀卡服務" not in text or "不使用" in text
        assert "simulated" not in text
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "Simulated reader" in _screen_text(app))
        assert "not a real reader" in _screen_text(app)


async def test_read_test_result_follows_the_language(make_kiosk):
    app = make_kiosk(locale="en")
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[1]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("t")
        await wait_until(pilot, lambda: "Read test passed" in str(app.screen.query_one("#diag-test").render()))
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "讀卡測試成功" in str(app.screen.query_one("#diag-test").render()))
        assert "Read test" not in _screen_text(app)


async def test_read_test_failure_follows_the_language(make_kiosk):
    from dataclasses import replace

    app = make_kiosk()
    app.config = replace(app.config, reader=replace(app.config.reader, timeout_seconds=0.5))
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        card = VirtualNhiCard.from_citizen(DEMO_CITIZENS[0], mute=True)
        app.equipment.reader.insert(card)
        await wait_until(pilot, lambda: app.card.error is not None, timeout=5)
        await pilot.press("t")
        await wait_until(pilot, lambda: "讀卡逾時" in str(app.screen.query_one("#service-message").render()))
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "Read test failed" in str(app.screen.query_one("#diag-test").render()))
        assert "timed out" in str(app.screen.query_one("#service-message").render())
        card.release()
