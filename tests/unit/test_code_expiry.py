"""Device code expiry across minute, day and ROC-year boundaries, as stored and as shown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from data import codes as codes_repo
from data.demo import DEMO_CITIZENS, seed_demo
from data.store import open_store
from kiosk.config import Config, RulesConfig
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.codes import code_expiry
from kiosk.core.models import CodeState, Role, Staff
from kiosk.core.rocdate import format_roc_datetime
from kiosk.factory import make_queue
from kiosk.services import devices as svc
from kiosk.services.context import ServiceContext
from printing.port import CapturePrinter

LIN = next(c for c in DEMO_CITIZENS if c.national_id == "F223456786")


@pytest.mark.parametrize(("created", "minutes", "shown"), [
    (datetime(2026, 11, 22, 10, 30, 0), 10, "民國115年11月22日 10:40:00"),
    (datetime(2026, 11, 22, 10, 59, 59), 10, "民國115年11月22日 11:09:59"),  # across the hour
    (datetime(2026, 11, 22, 10, 55, 30), 5, "民國115年11月22日 11:00:30"),
    (datetime(2026, 11, 30, 23, 58, 0), 10, "民國115年12月01日 00:08:00"),  # across day and month
    (datetime(2026, 12, 31, 23, 55, 0), 10, "民國116年01月01日 00:05:00"),  # across the ROC year
    (datetime(2028, 2, 28, 23, 59, 0), 2, "民國117年02月29日 00:01:00"),  # into a leap day
])
def test_expiry_shown_in_roc_date_time(created, minutes, shown):
    expires = code_expiry(created.replace(tzinfo=TAIPEI), minutes)
    assert format_roc_datetime(expires) == shown


def test_expiry_is_shown_in_taipei_time_even_when_made_from_utc():
    # 2026-12-31 15:55 UTC is 23:55 in Taipei: the screen and receipt show the Taipei date.
    created = datetime(2026, 12, 31, 15, 55, tzinfo=UTC)
    assert format_roc_datetime(code_expiry(created, 10)) == "民國116年01月01日 00:05:00"


def test_lifetime_must_be_positive():
    with pytest.raises(ValueError):
        code_expiry(datetime(2026, 1, 1, tzinfo=TAIPEI), 0)


@pytest.fixture
def year_end(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = FrozenClock(datetime(2026, 12, 31, 23, 55, 0, tzinfo=TAIPEI))
    store = open_store(tmp_path / "kiosk.db")
    seed_demo(store, now=clock.now(), hash_pin=lambda s: "x" + s)
    config = Config()
    ctx = ServiceContext(store, clock, config, Staff("S001", "陳專員", Role.CLERK),
                         make_queue(config, store, CapturePrinter(), clock))
    return ctx, clock


def test_code_made_at_roc_year_end_lives_exactly_ten_minutes(year_end):
    ctx, clock = year_end
    code = svc.issue_device_code(ctx, LIN, make_code=lambda: "R17b63g9").code
    assert format_roc_datetime(code.created_at) == "民國115年12月31日 23:55:00"
    assert format_roc_datetime(code.expires_at) == "民國116年01月01日 00:05:00"
    clock.set(datetime(2027, 1, 1, 0, 4, 59, tzinfo=TAIPEI))
    assert svc.current_code(ctx, LIN) == code  # one second before: still valid after midnight
    clock.set(datetime(2027, 1, 1, 0, 5, 0, tzinfo=TAIPEI))
    assert svc.current_code(ctx, LIN) is None  # at the expiry instant it no longer works
    assert svc.latest_code(ctx, LIN).state is CodeState.EXPIRED
    with pytest.raises(Exception, match="逾期"):
        codes_repo.redeem_code(ctx.store, LIN.national_id, "R17b63g9", clock.now())


def test_lifetime_comes_from_the_setting(year_end):
    ctx, _clock = year_end
    ctx.config = Config(rules=RulesConfig(code_lifetime_minutes=3))
    code = svc.issue_device_code(ctx, LIN).code
    assert format_roc_datetime(code.expires_at) == "民國115年12月31日 23:58:00"


def test_generated_codes_have_no_look_alike_characters() -> None:
    from kiosk.core.codes import is_verification_code, new_verification_code

    codes = [new_verification_code() for _ in range(5000)]
    assert all(len(c) == 8 and is_verification_code(c) for c in codes)
    seen = set("".join(codes))
    assert not seen & set("0Oo1lI"), seen & set("0Oo1lI")
    assert len(seen) == 62 - 6  # every other letter and digit still occurs
