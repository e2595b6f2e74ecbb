"""Republic of China (民國) dates: year = AD − 1911.

Forms from the seeds: ``民國111年05月03日 10:00:01``, ``111-04-29``, ``104/5/27``, and on the card
chip ``YYYMMDD`` (``0790101``). Datetimes are shown in Taipei time whatever zone they carry.

One style per audience: whatever a citizen reads (receipts, what the screen turned to the citizen
says) uses ``format_citizen_date`` / ``format_citizen_datetime``, the seeds' long form; staff
tables use the compact ``111-04-29`` (and AD dates in English).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import ValidationError

ROC_OFFSET = 1911

_SEPARATED = re.compile(r"(?P<y>[0-9]{1,3})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})")
_CHIP = re.compile(r"(?P<y>[0-9]{3})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_LONG = re.compile(r"(?:民國)?\s*(?P<y>[0-9]{1,3})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*日")
_TIME = re.compile(r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?")


def _date_error(text: str) -> ValidationError:
    return ValidationError(
        "date", f"日期「{text}」無法辨識，請以民國年輸入，例如 111-04-29 或 104/5/27",
        "請重新輸入日期",
        message_en=f"Cannot read the date {text!r}; use an ROC date such as 111-04-29 or 104/5/27.",
        action_en="Type the date again.",
    )


def _before_roc_error() -> ValidationError:
    return ValidationError(
        "date", "民國元年（西元1912年）以前的日期無法以民國紀年表示", "請確認日期",
        message_en="Dates before ROC year 1 (AD 1912) have no ROC year.", action_en="Check the date.",
    )


def roc_year(d: date) -> int:
    """The ROC year of ``d``; ``ValidationError`` before 民國1年."""
    year = d.year - ROC_OFFSET
    if year < 1:
        raise _before_roc_error()
    return year


def _taipei(dt: datetime) -> datetime:
    # A naive datetime is already Taipei wall time by the kiosk's convention (see clock.py).
    return dt.astimezone(TAIPEI) if dt.tzinfo is not None else dt


def format_roc_date(d: date) -> str:
    """``111-04-29``."""
    return f"{roc_year(d)}-{d.month:02d}-{d.day:02d}"


def format_roc_date_slash(d: date) -> str:
    """``104/5/27``: no zero padding, as the seeds print it."""
    return f"{roc_year(d)}/{d.month}/{d.day}"


def format_roc_long_date(d: date) -> str:
    """``民國111年05月03日``."""
    return f"民國{roc_year(d)}年{d.month:02d}月{d.day:02d}日"


def format_roc_datetime(dt: datetime) -> str:
    """``民國111年05月03日 10:00:01`` in Taipei time."""
    local = _taipei(dt)
    return f"{format_roc_long_date(local.date())} {local:%H:%M:%S}"


def format_citizen_date(d: date) -> str:
    """A date for a citizen's eyes: ``民國115年11月30日``."""
    return format_roc_long_date(d)


def format_citizen_datetime(dt: datetime) -> str:
    """A date and time for a citizen's eyes: ``民國115年11月30日 10:00:01`` in Taipei time."""
    return format_roc_datetime(dt)


def format_datetime_en(dt: datetime) -> str:
    """``2022-05-03 10:00:01`` in Taipei time, for the English interface."""
    return f"{_taipei(dt):%Y-%m-%d %H:%M:%S}"


def format_date_en(d: date) -> str:
    """``2022-05-03``."""
    return d.isoformat()


def chip_date(d: date) -> str:
    """The card chip's ``YYYMMDD``: ``1990-01-01`` → ``0790101``."""
    year = roc_year(d)
    if year > 999:
        raise ValidationError("date", "日期超出健保卡可記錄的範圍",
                              message_en="The date is beyond what the card can hold.")
    return f"{year:03d}{d.month:02d}{d.day:02d}"


def _nfkc(s: str) -> str:
    # Full-width digits (１１１年) come from Chinese input methods.
    return unicodedata.normalize("NFKC", s).strip()


def _make_date(text: str, y: str, m: str, d: str) -> date:
    year = int(y)
    if year < 1:
        raise _before_roc_error()
    try:
        return date(year + ROC_OFFSET, int(m), int(d))
    except ValueError:
        raise _date_error(text) from None


def parse_roc_date(s: str) -> date:
    """Read ``111-04-29``, ``104/5/27``, ``111.4.29``, ``1110503``/``0790101`` or ``民國111年05月03日``."""
    text = _nfkc(s)
    for pattern in (_SEPARATED, _CHIP, _LONG):
        match = pattern.fullmatch(text)
        if match:
            return _make_date(text, match["y"], match["m"], match["d"])
    raise _date_error(text)


def parse_roc_datetime(s: str) -> datetime:
    """Read an ROC date, a space and ``HH:MM[:SS]``; an aware datetime in Taipei time.

    A date alone means midnight at its start.
    """
    text = _nfkc(s)
    date_part, _, time_part = text.rpartition(" ")
    if not date_part or ":" not in time_part:
        return datetime.combine(parse_roc_date(text), time(), TAIPEI)
    day = parse_roc_date(date_part)
    match = _TIME.fullmatch(time_part)
    if match is None:
        raise _date_error(text)
    try:
        at = time(int(match["h"]), int(match["mi"]), int(match["s"] or 0))
    except ValueError:
        raise _date_error(text) from None
    return datetime.combine(day, at, TAIPEI)
