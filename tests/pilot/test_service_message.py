"""The message under the citizen line: an error's ✖ starts the sentence's first line, never a line of
its own above a Chinese sentence (which has no spaces to break at). Seen at 80x24 on the daily summary
after a failed print: "✖" alone, the sentence on the next lines."""

from __future__ import annotations

import pytest

from kiosk.screens.print_queue import PrintQueueScreen
from tests.conftest import TERMINAL, sign_in, wait_until
from tests.pilot.test_small_terminal import region_text, settle

LONG_ZH = ("作業已完成，但收據未印出，已留在列印佇列：印表機沒有回應（127.0.0.1:9），"
           "請確認電源與網路線後在列印佇列按 R 重印")


@pytest.mark.parametrize("size", [(80, 24), TERMINAL], ids=["80x24", "120x36"])
async def test_error_mark_starts_the_first_line_of_a_chinese_message(make_kiosk, size):
    app = make_kiosk()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, PrintQueueScreen) and app.screen.view is not None)
        app.screen.show_message(LONG_ZH, error=True)
        await settle(pilot)
        label = app.screen.query_one("#service-message")
        first = region_text(app, label.region).split("\n")[0].strip()
        assert first.startswith("✖") and len(first) > 2, first
