"""帳號狀態 (Ctrl+S), the recipe's proof (docs/adding-a-service.md): card in, key, status, P prints a
masked slip, the audit has the entry."""

from __future__ import annotations

from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from data.print_jobs import last_sent_job
from kiosk.core.masking import mask_id
from kiosk.screens.account_status import AccountStatusScreen
from tests.conftest import TERMINAL, sign_in, wait_until

LIN = next(c for c in DEMO_CITIZENS if c.national_id == "F223456786")  # active, devices, virtual card


def _info(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#status-info").render())


async def test_ctrl_s_shows_the_status_and_p_prints_a_masked_audited_slip(make_kiosk):  # type: ignore[no-untyped-def]
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+n", str(DEMO_CITIZENS.index(LIN) + 1))
        await wait_until(pilot, lambda: app.current_citizen() == LIN)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountStatusScreen) and bool(_info(app)))
        info = _info(app)
        assert "帳號狀態：已註冊" in info and "綁定行動裝置" in info and "虛擬健保卡" in info
        assert LIN.national_id not in info
        assert query_audit(app.equipment.store, action="account_status_printed", limit=10) == []  # reading

        await pilot.press("p")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        job = last_sent_job(app.equipment.store, kind="account_status")
        assert job is not None and job.preview_text is not None
        assert mask_id(LIN.national_id) in job.preview_text and LIN.national_id not in job.preview_text
        assert "帳號狀態：已註冊" in job.preview_text and "註冊時間" in job.preview_text
        (entry,) = query_audit(app.equipment.store, action="account_status_printed", limit=10)
        assert entry.outcome == "ok" and LIN.national_id not in entry.subject + str(entry.detail)
        assert verify_chain(app.equipment.store).ok
