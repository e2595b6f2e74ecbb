"""``kiosk`` command line: run the counter app, manage staff, verify the audit log.

Keep imports inside the command functions: start-up time to the login screen is a benchmark.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="NHI card online services counter kiosk (健保卡網路服務 臨櫃作業).",
    )
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: user config dir)")
    parser.add_argument("--db", type=Path, help="database file (overrides [database] path)")
    parser.add_argument("--demo", action="store_true",
                        help="demo mode: simulated reader with demo cards, preview printer, demo database")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    staff = sub.add_parser("staff", help="manage staff accounts").add_subparsers(dest="staff_cmd", required=True)
    add = staff.add_parser("add", help="add a staff member (PIN asked twice, or read from stdin)")
    add.add_argument("staff_no")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=("clerk", "supervisor"), default="clerk")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    staff.add_parser("list", help="list staff members")
    disable = staff.add_parser("disable", help="disable a staff member")
    disable.add_argument("staff_no")

    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_cmd", required=True)
    audit.add_parser("verify", help="check the hash chain; exit 0 if intact, 1 naming the first bad entry")
    export = audit.add_parser("export", help="write the (filtered) log as CSV, UTF-8 with BOM, newest first; "
                              "columns are documented in data/audit_summary.py")
    export.add_argument("--since", help="first ROC day included, e.g. 115-11-01")
    export.add_argument("--until", help="last ROC day included, e.g. 115-11-22")
    export.add_argument("--staff", help="staff number")
    export.add_argument("--action", help="action, e.g. register, login, audit_export")
    export.add_argument("--outcome", help="outcome, e.g. ok, refused")
    export.add_argument("--id", dest="national_id", help="citizen ID, typed in full (matched, never written)")
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")

    printer = sub.add_parser("printer", help="receipt printer").add_subparsers(dest="printer_cmd", required=True)
    test = printer.add_parser("test", help="print the test page: Big5 code-page sample, a native QR and a raster QR")
    test.add_argument("--png", type=Path, help="also write what the page prints as a PNG file")

    config = sub.add_parser("config", help="configuration").add_subparsers(dest="config_cmd", required=True)
    config.add_parser("example", help="print an example configuration with every key")
    config.add_parser("check", help="validate the configuration file and print the effective settings")
    config.add_parser("path", help="print where the configuration file is read from")
    return parser


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    print(message, file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Textual paints at most MAX_FPS frames a second; at its default of 60 a card's data can wait
    # two frames to appear, longer than the counter's response budget. 120 keeps it within.
    # Read by textual at import, which happens below.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    from kiosk.config import load_config
    from kiosk.core.errors import ConfigError, KioskError

    try:
        config, config_path = load_config(args.config)
    except ConfigError as exc:
        return _fail(f"kiosk: 設定錯誤 config error: {exc.message}", EXIT_USAGE)

    if args.command == "config":
        return _config_command(args, config, config_path)

    if args.command == "printer":
        try:
            return _printer_test(args, config)
        except KioskError as exc:
            return _fail(f"kiosk: {exc.text('zh_TW')} / {exc.text('en')}")

    db_path = args.db or (_demo_db_path() if args.demo else config.database_path())
    try:
        if args.command == "staff":
            return _staff_command(args, config, db_path)
        if args.command == "audit":
            if args.audit_cmd == "export":
                return _audit_export(args, config, db_path)
            return _audit_command(args, db_path)
        return _run_app(args, config, db_path)
    except KioskError as exc:
        return _fail(f"kiosk: {exc.text('zh_TW')} / {exc.text('en')}")


def _demo_db_path() -> Path:
    from kiosk.config import default_data_dir

    return default_data_dir() / "demo.db"


def _run_app(args: argparse.Namespace, config: object, db_path: Path) -> int:
    from kiosk.config import Config
    from kiosk.factory import make_app

    assert isinstance(config, Config)
    if args.demo:
        from dataclasses import replace

        config = replace(config, reader=replace(config.reader, kind="simulated"),
                         printer=replace(config.printer, kind="preview"))
    app = make_app(config, db_path=db_path, demo=args.demo)
    code = app.run()
    return code if isinstance(code, int) else EXIT_OK


def _services(config: object, db_path: Path):  # type: ignore[no-untyped-def]
    from data.store import open_store
    from kiosk.config import Config
    from kiosk.core.clock import SystemClock
    from kiosk.services.staff import StaffService

    assert isinstance(config, Config)
    store = open_store(db_path)
    return store, StaffService(store, SystemClock(), counter=config.centre.counter,
                               lockout_threshold=config.rules.staff_lockout_threshold)


def _staff_command(args: argparse.Namespace, config: object, db_path: Path) -> int:
    from kiosk.core.models import Role

    store, service = _services(config, db_path)
    try:
        if args.staff_cmd == "add":
            if args.pin_stdin:
                pin = sys.stdin.readline().strip()
            else:
                pin = getpass.getpass("PIN: ")
                if getpass.getpass("PIN again: ") != pin:
                    return _fail("kiosk: 兩次輸入的 PIN 不一致 / the two PINs differ")
            staff = service.add(args.staff_no, args.name, Role(args.role), pin)
            print(f"added {staff.staff_no} {staff.name} ({staff.role.value})")
        elif args.staff_cmd == "list":
            for s in service.list():
                flags = [] if s.enabled else ["disabled"]
                if s.locked:
                    flags.append("locked")
                print(f"{s.staff_no}\t{s.name}\t{s.role.value}\t{','.join(flags) or 'enabled'}")
        elif args.staff_cmd == "disable":
            service.disable(args.staff_no)
            print(f"disabled {args.staff_no.upper()}")
    finally:
        store.close()
    return EXIT_OK


def _audit_command(args: argparse.Namespace, db_path: Path) -> int:
    from data.audit import verify_chain
    from data.store import open_store

    if not db_path.exists():
        return _fail(f"kiosk: 找不到資料庫 database not found: {db_path}")
    store = open_store(db_path, create=False)
    try:
        last_shown = [0]

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty() and total and (done - last_shown[0] >= 50_000 or done == total):
                last_shown[0] = done
                print(f"\rverifying {done:,}/{total:,}", end="", file=sys.stderr, flush=True)

        result = verify_chain(store, progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
    finally:
        store.close()
    if result.ok:
        print(f"audit log intact: {result.checked} entries verified")
        return EXIT_OK
    reason_en = getattr(result, "reason_en", "")
    print(f"audit log BROKEN at entry {result.first_bad_seq}: {result.reason}"
          f"{f' / {reason_en}' if reason_en else ''} ({result.checked} entries before it verified)")
    return EXIT_FAIL


def _audit_export(args: argparse.Namespace, config: object, db_path: Path) -> int:
    from data.store import open_store
    from kiosk.config import Config
    from kiosk.core.clock import SystemClock
    from kiosk.services.supervisor import export_audit_cli, parse_filter

    assert isinstance(config, Config)
    if not db_path.exists():
        return _fail(f"kiosk: 找不到資料庫 database not found: {db_path}")
    flt = parse_filter(since=args.since or "", until=args.until or "", staff_no=args.staff or "",
                       action=args.action or "", outcome=args.outcome or "",
                       national_id=args.national_id or "")
    store = open_store(db_path, create=False)
    try:
        result = export_audit_cli(store, at=SystemClock().now(), counter=config.centre.counter, flt=flt,
                                  out=args.out)
    finally:
        store.close()
    print(f"exported {result.rows} entries to {result.path}")
    return EXIT_OK


def _printer_test(args: argparse.Namespace, config: object) -> int:
    from kiosk.config import Config
    from kiosk.factory import make_printer
    from kiosk.services.printer_test import print_test_page

    assert isinstance(config, Config)
    result = print_test_page(make_printer(config), config)
    if args.png:
        from printing.preview import png_bytes, preview_image

        args.png.write_bytes(png_bytes(preview_image(result.payload, result.width)))
        print(f"wrote {args.png}")
    print(f"test page sent to {result.printer}: {len(result.payload):,} bytes "
          f"(printer.mode = {config.printer.mode}; receipts print as {result.mode})")
    return EXIT_OK


def _config_command(args: argparse.Namespace, config: object, config_path: Path) -> int:
    from dataclasses import asdict

    from kiosk.config import EXAMPLE

    if args.config_cmd == "example":
        print(EXAMPLE, end="")
    elif args.config_cmd == "path":
        print(config_path)
    else:
        for section, values in asdict(config).items():  # type: ignore[call-overload]
            for key, value in values.items():
                print(f"{section}.{key} = {value!r}")
        print(f"ok: {config_path}{'' if config_path.exists() else ' (not present: defaults)'}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
