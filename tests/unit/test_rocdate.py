from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import ValidationError
from kiosk.core.rocdate import (
    chip_date,
    format_date_en,
    format_datetime_en,
    format_roc_date,
    format_roc_date_slash,
    format_roc_datetime,
    format_roc_long_date,
    parse_roc_date,
    parse_roc_datetime,
    roc_year,
)

SEED_DT = datetime(2022, 5, 3, 10, 0, 1, tzinfo=TAIPEI)


def test_seed_forms():
    assert roc_year(date(2022, 5, 3)) == 111
    assert format_roc_datetime(SEED_DT) == "民國111年05月03日 10:00:01"
    assert format_roc_date(date(2022, 4, 29)) == "111-04-29"
    assert format_roc_date_slash(date(2015, 5, 27)) == "104/5/27"
    assert format_roc_long_date(date(2022, 5, 3)) == "民國111年05月03日"
    assert chip_date(date(1990, 1, 1)) == "0790101"
    assert chip_date(date(2022, 5, 3)) == "1110503"
    assert format_datetime_en(SEED_DT) == "2022-05-03 10:00:01"
    assert format_date_en(date(2022, 5, 3)) == "2022-05-03"


def test_first_roc_day_and_refusal_before_it():
    assert roc_year(date(1912, 1, 1)) == 1
    assert format_roc_date(date(1912, 1, 1)) == "1-01-01"
    assert chip_date(date(1912, 1, 1)) == "0010101"
    for formatter in (roc_year, format_roc_date, format_roc_date_slash, format_roc_long_date, chip_date):
        with pytest.raises(ValidationError) as exc:
            formatter(date(1911, 12, 31))
        assert exc.value.field == "date"
        assert "民國元年" in exc.value.message and "ROC year 1" in exc.value.message_en


def test_chip_date_refuses_four_digit_roc_years():
    with pytest.raises(ValidationError):
        chip_date(date(2911, 1, 1))


def test_datetimes_are_shown_in_taipei_time():
    utc = datetime(2022, 5, 2, 17, 0, 0, tzinfo=UTC)  # 01:00 on the 3rd in Taipei
    assert format_roc_datetime(utc) == "民國111年05月03日 01:00:00"
    assert format_datetime_en(utc) == "2022-05-03 01:00:00"
    assert format_roc_datetime(datetime(2022, 5, 3, 10, 0, 1)) == "民國111年05月03日 10:00:01"


@pytest.mark.parametrize(("text", "expected"), [
    ("111-04-29", date(2022, 4, 29)),
    ("104/5/27", date(2015, 5, 27)),
    ("111.4.29", date(2022, 4, 29)),
    ("1110503", date(2022, 5, 3)),
    ("0790101", date(1990, 1, 1)),
    ("民國111年05月03日", date(2022, 5, 3)),
    ("111年5月3日", date(2022, 5, 3)),
    ("民國 79 年 1 月 1 日", date(1990, 1, 1)),
    (" 79-01-01 ", date(1990, 1, 1)),
    ("１１１／０４／２９", date(2022, 4, 29)),
    ("1/1/1", date(1912, 1, 1)),
])
def test_parse_roc_date(text, expected):
    assert parse_roc_date(text) == expected


@pytest.mark.parametrize("text", ["", "111-13-01", "111-02-30", "111-04/29", "2022-04-29", "111040",
                                  "11104290", "民國111年05月", "111年05月03", "abc", "112-02-29"])
def test_parse_roc_date_refuses(text):
    with pytest.raises(ValidationError) as exc:
        parse_roc_date(text)
    assert exc.value.field == "date"


@pytest.mark.parametrize("text", ["0-01-01", "0000101", "民國0年01月01日"])
def test_parse_refuses_year_zero(text):
    with pytest.raises(ValidationError) as exc:
        parse_roc_date(text)
    assert "民國元年" in exc.value.message


def test_leap_day_in_roc_years():
    assert parse_roc_date("113-02-29") == date(2024, 2, 29)
    assert parse_roc_date("89/2/29") == date(2000, 2, 29)


@pytest.mark.parametrize(("text", "expected"), [
    ("民國111年05月03日 10:00:01", SEED_DT),
    ("111-05-03 10:00:01", SEED_DT),
    ("111/5/3 10:00", SEED_DT.replace(second=0)),
    ("111-05-03", SEED_DT.replace(hour=0, second=0)),
    ("民國 111 年 05 月 03 日", SEED_DT.replace(hour=0, second=0)),
])
def test_parse_roc_datetime(text, expected):
    parsed = parse_roc_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["111-05-03 25:00:00", "111-05-03 10:60", "111-05-03 10",
                                  "111-05-03 10:00:01x", "111-05-32 10:00:00", "10:00:00"])
def test_parse_roc_datetime_refuses(text):
    with pytest.raises(ValidationError):
        parse_roc_datetime(text)


dates = st.dates(min_value=date(1912, 1, 1), max_value=date(2100, 12, 31))


@given(dates)
def test_every_date_form_round_trips(d):
    for formatter in (format_roc_date, format_roc_date_slash, format_roc_long_date, chip_date):
        assert parse_roc_date(formatter(d)) == d
    assert roc_year(d) == d.year - 1911


@given(dates, st.times())
def test_datetime_round_trips_to_the_second(d, t):
    dt = datetime.combine(d, t.replace(microsecond=0), TAIPEI)
    assert parse_roc_datetime(format_roc_datetime(dt)) == dt


@given(dates)
def test_chip_dates_sort_like_the_dates(d):
    later = d + timedelta(days=1)
    if later.year <= 2100:
        assert chip_date(d) < chip_date(later)


@given(st.text(max_size=25))
def test_parsers_raise_only_validation_error(s):
    try:
        day = parse_roc_date(s)
    except ValidationError:
        day = None
    try:
        at = parse_roc_datetime(s)
    except ValidationError:
        at = None
    if day is not None:  # anything read as a date is also a datetime at its midnight
        assert at == datetime.combine(day, datetime.min.time(), TAIPEI)


def test_citizen_dates_are_the_seed_long_form() -> None:
    """One style for citizens (issue 12 item 18): 民國115年11月30日, with time 民國115年11月30日 10:00:01."""
    from kiosk.core.rocdate import format_citizen_date, format_citizen_datetime

    assert format_citizen_date(date(2026, 11, 30)) == "民國115年11月30日"
    assert format_citizen_datetime(datetime(2026, 11, 30, 10, 0, 1, tzinfo=TAIPEI)) == "民國115年11月30日 10:00:01"
