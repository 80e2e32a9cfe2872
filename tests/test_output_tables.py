"""The one CSV writer and JSON serialiser (refsite.output.tables), and one shape per export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from refsite.cli import cli
from refsite.output.tables import Table, csv_cell, csv_text, to_json

FORMULA = Path(__file__).parent / "fixtures" / "formula"
TODAY = ["--today", "2026-11-22"]


def run(*args: str):
    result = CliRunner().invoke(cli, [*args, "--records", str(FORMULA), *TODAY])
    assert result.exit_code == 0, result.output
    return result


def test_cells():
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("@SUM") == "'@SUM"
    assert csv_cell("+1") == "'+1"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell(-3) == -3  # numbers are numbers
    assert csv_cell(Decimal("-40.50")) == Decimal("-40.50")
    assert csv_cell(None) == ""
    assert csv_cell(dt.date(2026, 1, 5)) == "2026-01-05"
    assert csv_cell(("a", "b")) == "a b"
    assert csv_cell("Harbour") == "Harbour"


def test_excel_gets_a_byte_order_mark_and_crlf():
    assert csv_text(["name"], [["Zoë"]]) == "name\nZoë\n"
    assert csv_text(["name"], [["Zoë"]], excel=True) == "\ufeffname\r\nZoë\r\n"


def test_table_json_keeps_lists_and_exact_money():
    table = Table(("id", "value", "introducers"), (("a", Decimal("1.50"), ("x", "y")),))
    assert json.loads(table.json()) == [{"id": "a", "value": "1.50", "introducers": ["x", "y"]}]
    assert to_json({"d": dt.date(2026, 1, 5), "f": 1 / 3}) == '{\n  "d": "2026-01-05",\n  "f": 0.3333\n}\n'


CSV_COMMANDS = [
    ("due", "--format", "csv"),
    ("export", "due"),
    ("export", "partners"),
    ("export", "referrals"),
    ("report", "--format", "csv", "--by", "partner", "--period", "2026Q3"),
    ("report", "review", "--format", "csv", "--quarter", "2026Q3"),
]


@pytest.mark.parametrize("args", CSV_COMMANDS, ids=lambda a: " ".join(a))
def test_no_csv_carries_a_live_formula(args):
    """Every CSV refsite writes goes through the one writer: nothing a spreadsheet would run."""
    text = run(*args).stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1, text
    assert "'=HYPERLINK(" in text  # the partner's name is there, made inert
    header = rows[0]
    for row in rows[1:]:
        for column, cell in zip(header, row):
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (args, column, cell)
            if cell.startswith("-"):
                float(cell)  # a negative number is the only thing that may start with '-'
            # numeric columns hold a number or nothing (the trend is a word: 'rising', 'n/a')
            assert cell != "n/a" or column == "trend", (args, column)


@pytest.mark.parametrize("args", [("due", "--format", "csv", "--excel"), ("export", "due", "--excel"),
                                  ("report", "--format", "csv", "--excel"),
                                  ("report", "review", "--format", "csv", "--excel")])
def test_excel_option(args):
    data = run(*args).stdout_bytes
    assert data.startswith("\ufeff".encode()) and data[3:4].isalpha()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_due_and_export_due_share_one_shape():
    due_json = json.loads(run("due", "--format", "json", "--within", "3650").stdout)
    export_json = json.loads(run("export", "due", "--format", "json").stdout)
    assert due_json == export_json and due_json
    due_csv = run("due", "--format", "csv", "--within", "3650").stdout
    assert due_csv == run("export", "due").stdout
