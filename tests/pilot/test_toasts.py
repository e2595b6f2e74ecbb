"""Toasts never cover the status bar or the key bar (issue 12 item 17): the reader and printer state
stay readable while a notification shows."""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from tests.conftest import TERMINAL, sign_in, wait_until
from widgets.key_bar import KeyBar
from widgets.status_bar import StatusBar


@pytest.mark.parametrize("size", [TERMINAL, (80, 24)], ids=["120x36", "80x24"])
async def test_a_toast_leaves_the_status_bar_and_key_bar_visible(make_kiosk, size) -> None:
    app = make_kiosk()
    async with app.run_test(size=size, notifications=True) as pilot:
        await sign_in(pilot)
        app.notify("印表機無回應，收據已保留在佇列中。\n請檢查印表機電源與連線後按 R 重印",
                   severity="error", timeout=30)
        app.notify("已插入示範卡：陳○文", timeout=30)
        await wait_until(pilot, lambda: len(app.screen.query(Toast)) == 2
                         and all(t.region.height for t in app.screen.query(Toast)))
        bars = [app.screen.query_one(StatusBar).region, app.screen.query_one(KeyBar).region]
        for toast in app.screen.query(Toast):
            for bar in bars:
                assert not toast.region.overlaps(bar), (toast.region, bar)
