from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from scrm.acquisition.channel_stats import StatRow, day_range, report, to_csv
from scrm.kernel.field_error import FieldError

ZERO = {"adds": 0, "lost_by_customer": 0, "lost_by_employee": 0, "welcomes_missed": 0, "lost": 0, "net": 0}


def totals(adds=0, lbc=0, lbe=0, missed=0):
    return {
        "adds": adds,
        "lost_by_customer": lbc,
        "lost_by_employee": lbe,
        "welcomes_missed": missed,
        "lost": lbc + lbe,
        "net": adds - lbc - lbe,
    }


ROWS = [
    StatRow("2024-01-02", "u2", adds=5, lost_by_customer=1, lost_by_employee=0, welcomes_missed=2),
    StatRow("2024-01-01", "u2", adds=3, lost_by_customer=0, lost_by_employee=1, welcomes_missed=0),
    StatRow("2024-01-01", "u1", adds=4, lost_by_customer=2, lost_by_employee=1, welcomes_missed=1),
]


def test_stat_row_of_a_stored_row_defaults_missing_counters_to_zero():
    assert StatRow.of({"day": "2024-01-01", "userid": "u1", "adds": 3, "lost_by_customer": None}) == StatRow(
        "2024-01-01", "u1", 3, 0, 0, 0
    )
    assert StatRow.of(
        {"day": "d", "userid": "u", "adds": "2", "lost_by_customer": 1, "lost_by_employee": 1, "welcomes_missed": 4}
    ) == StatRow("d", "u", 2, 1, 1, 4)


def test_report_totals_by_day_by_staff_and_rows():
    r = report(ROWS)
    assert r["totals"] == totals(12, 3, 2, 3)
    assert r["totals"]["net"] == 7
    assert r["by_day"] == [
        {"day": "2024-01-01", **totals(7, 2, 2, 1)},
        {"day": "2024-01-02", **totals(5, 1, 0, 2)},
    ]
    assert r["by_staff"] == [
        {"userid": "u1", **totals(4, 2, 1, 1)},
        {"userid": "u2", **totals(8, 1, 1, 2)},
    ]
    assert r["rows"] == [
        {"day": "2024-01-01", "userid": "u1", **totals(4, 2, 1, 1)},
        {"day": "2024-01-01", "userid": "u2", **totals(3, 0, 1, 0)},
        {"day": "2024-01-02", "userid": "u2", **totals(5, 1, 0, 2)},
    ]


def test_report_of_nothing():
    assert report([]) == {"totals": ZERO, "by_day": [], "by_staff": [], "rows": []}


def test_to_csv_has_a_bom_crlf_and_a_header():
    text = to_csv(report(ROWS)["by_day"])
    assert text == (
        "\ufeffday,adds,lost_by_customer,lost_by_employee,welcomes_missed,lost,net\r\n"
        "2024-01-01,7,2,2,1,4,3\r\n"
        "2024-01-02,5,1,0,2,1,4\r\n"
    )


def test_to_csv_quotes_what_needs_it():
    assert to_csv([{"userid": "张,三", "adds": 1}]) == '\ufeffuserid,adds\r\n"张,三",1\r\n'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_to_csv_neutralises_cells_a_spreadsheet_would_run(start):
    evil = f'{start}HYPERLINK("http://x")'
    text = to_csv([{"userid": evil, "adds": 1, "net": -2}])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["'" + evil, "1", "-2"]  # the text is quoted; numbers, even negative, stay numbers


def test_to_csv_leaves_ordinary_text_alone():
    assert to_csv([{"userid": "a=b", "adds": 1}]) == "\ufeffuserid,adds\r\na=b,1\r\n"


def test_to_csv_of_an_empty_table_is_the_bom_alone():
    assert to_csv([]) == "\ufeff"


TODAY = datetime(2024, 3, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["0001-01-05", "9999-12-31", "20240101", "2024-W01-1", "２０２４-01-01", "2024-01-01\n"])
def test_day_range_takes_plain_dates_of_plausible_years_only(raw):
    for name in ("from", "to"):
        with pytest.raises(FieldError) as err:
            day_range({name: raw}, TODAY)
        assert err.value.field == name


def test_day_range_defaults_to_the_last_30_days():
    assert day_range({}, TODAY) == ("2024-03-02", "2024-03-31")
    assert day_range({"from": None, "to": ""}, TODAY) == ("2024-03-02", "2024-03-31")


def test_day_range_from_alone_ends_today_and_to_alone_starts_29_days_before():
    assert day_range({"from": "2024-03-30"}, TODAY) == ("2024-03-30", "2024-03-31")
    assert day_range({"to": "2024-01-10"}, TODAY) == ("2023-12-12", "2024-01-10")
    assert day_range({"from": "2024-02-29", "to": "2024-02-29"}, TODAY) == ("2024-02-29", "2024-02-29")


def test_day_range_takes_at_most_366_days():
    assert day_range({"from": "2023-01-01", "to": "2024-01-01"}, TODAY) == ("2023-01-01", "2024-01-01")  # 366 days
    with pytest.raises(FieldError) as err:
        day_range({"from": "2022-12-31", "to": "2024-01-01"}, TODAY)  # 367 days
    assert (err.value.field, err.value.why) == ("from", "a range of at most 366 days")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2024-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2024-02-30"}, "to"),
        ({"to": "31/03/2024"}, "to"),
        ({"from": "2024-04-01", "to": "2024-03-31"}, "from"),
        ({"from": "2024-04-01"}, "from"),  # after today
    ],
)
def test_day_range_errors_name_the_field(params, field):
    with pytest.raises(FieldError) as err:
        day_range(params, TODAY)
    assert err.value.field == field
