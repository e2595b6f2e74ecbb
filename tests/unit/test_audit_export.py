"""CSV export of the audit log: BOM, columns, filter, paging seams, formula safety, audited, CLI."""

from __future__ import annotations

import csv
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from data.audit import append_audit, count_audit, query_audit
from data.audit_summary import CSV_COLUMNS, AuditFilter, iter_audit, write_audit_csv
from data.store import Store, open_store
from kiosk.cli import main
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import StoreError
from kiosk.services.supervisor import export_audit_cli

START = datetime(2026, 11, 20, 9, 0, tzinfo=TAIPEI)
IDS = ["F223456786", "K128765433"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "kiosk.db")
    for i in range(25):
        nid = IDS[i % 2]
        append_audit(s, at=START + timedelta(hours=3 * i), staff_no=f"S00{i % 3}", role="clerk", counter="01",
                     action="register" if i % 5 else "unlock", subject=f"{nid[:4]}****{nid[-2:]} 林○華",
                     outcome="ok", detail={"i": i, "note": "換行\n"}, subject_id=nid)
    yield s
    s.close()


def _read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to show Chinese"
    assert b"\r\n" in raw
    return list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))


def test_export_writes_every_entry_newest_first_with_documented_columns(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert write_audit_csv(store, AuditFilter(), out) == 25
    rows = _read(out)
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 26
    assert [int(r[0]) for r in rows[1:]] == list(range(25, 0, -1))
    first = rows[-1]
    entry = query_audit(store, before_seq=2, limit=1)[0]
    assert first[1] == "2026-11-20T09:00:00+08:00" and first[2] == "民國115年11月20日 09:00:00"
    assert first[3:9] == ["S000", "clerk", "01", "unlock", "F223****86 林○華", "ok"]
    assert first[9] == '{"i": 0, "note": "換行\\n"}'
    assert first[10:] == [entry.prev_hash, entry.hash]
    text = out.read_text(encoding="utf-8-sig")
    assert "F223456786" not in text and "K128765433" not in text
    assert oct(os.stat(out).st_mode & 0o777) == oct(0o600)  # personal data, even masked


def test_export_respects_the_filter(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    flt = AuditFilter(since=date(2026, 11, 21), until=date(2026, 11, 22), staff_no="S001", subject_id="k128765433")
    n = write_audit_csv(store, flt, out)
    rows = _read(out)[1:]
    assert n == len(rows) > 0
    expected = query_audit(store, limit=100, **flt.query_kwargs())
    assert [int(r[0]) for r in rows] == [e.seq for e in expected]
    assert all(r[3] == "S001" and r[7].startswith("K128") and r[1][:10] in ("2026-11-21", "2026-11-22")
               for r in rows)


def test_streaming_pages_meet_without_gaps_or_repeats(store: Store) -> None:
    for page in (1, 4, 5, 24, 25, 26):
        seqs = [e.seq for e in iter_audit(store, AuditFilter(), page=page)]
        assert seqs == list(range(25, 0, -1)), page
    odd = [e.seq for e in iter_audit(store, AuditFilter(action="unlock"), page=2)]
    assert odd == [21, 16, 11, 6, 1]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_made_text(store: Store, tmp_path: Path) -> None:
    append_audit(store, at=START, staff_no="=HYPERLINK(\"x\")", role="", counter="01", action="login",
                 subject="@SUM(A1)", outcome="-1", detail=None)
    assert write_audit_csv(store, AuditFilter(action="login"), tmp_path / "x.csv") == 1
    rows = _read(tmp_path / "x.csv")
    assert rows[1][3] == "'=HYPERLINK(\"x\")" and rows[1][7] == "'@SUM(A1)" and rows[1][8] == "'-1"


def test_a_failed_write_leaves_no_partial_file(store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as err:
        write_audit_csv(store, AuditFilter(), blocker / "out.csv")
    assert "無法寫入" in err.value.message
    assert not list(tmp_path.glob("**/.audit-*"))


def test_cli_export_is_audited_and_failures_too(store: Store, tmp_path: Path) -> None:
    before = count_audit(store)
    result = export_audit_cli(store, at=START, counter="01", flt=AuditFilter(subject_id="F223456786"),
                              out=tmp_path / "f.csv")
    assert result.rows == 13
    entry = query_audit(store, limit=1)[0]
    assert (entry.action, entry.staff_no, entry.outcome, entry.subject) == ("audit_export", "cli", "ok", "F223****86")
    assert entry.detail == {"by_citizen": True, "file": "f.csv", "rows": 13}
    assert query_audit(store, subject_id="F223456786", limit=1)[0].seq == entry.seq  # found by the ID too
    with pytest.raises(StoreError):
        export_audit_cli(store, at=START, counter="01", flt=AuditFilter(), out=Path("/proc/nope/x.csv"))
    assert query_audit(store, limit=1)[0].outcome == "failed"
    assert count_audit(store) == before + 2


def test_kiosk_audit_export_command(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = store.path
    assert db is not None
    out = tmp_path / "cli.csv"
    code = main(["--db", str(db), "audit", "export", "--since", "115-11-21", "--until", "115-11-21",
                 "--action", "register", "--out", str(out)])
    assert code == 0
    rows = _read(out)[1:]
    assert rows and all(r[6] == "register" and r[1].startswith("2026-11-21") for r in rows)
    assert f"exported {len(rows)} entries" in capsys.readouterr().out
    assert main(["--db", str(db), "audit", "export", "--id", "F223456787", "--out", str(out)]) == 1
    assert "檢查碼" in capsys.readouterr().err
