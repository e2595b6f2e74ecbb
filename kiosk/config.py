"""Kiosk configuration: one TOML file, validated key by key.

Every setting has a default that runs the demo, so an empty or missing file is valid. An unknown key
or a bad value raises ``ConfigError`` naming the dotted key, and the CLI turns that into one line and
exit code 2 — a typo in the config must never start a kiosk with a silently ignored setting.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kiosk.core.display import printable
from kiosk.core.errors import ConfigError

APP_NAME = "nhi-kiosk"

PRINTER_KINDS = ("preview", "network", "usb", "serial", "file", "cups")
PRINT_MODES = ("raster", "big5", "auto")  # printing.capability.MODES; not imported: start-up time
QR_CHOICES = ("auto", "native", "raster")
READER_KINDS = ("simulated", "pcsc")
LOCALES = ("zh_TW", "en")


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "kiosk.toml"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


@dataclass(frozen=True)
class CentreConfig:
    name: str = "中央健康保險署 臺北業務組 聯合服務中心"
    counter: str = "01"


@dataclass(frozen=True)
class UiConfig:
    locale: str = "zh_TW"
    idle_lock_seconds: int = 300  # 0 turns the idle lock off (not advised at a public counter)


@dataclass(frozen=True)
class ReaderConfig:
    kind: str = "simulated"
    name: str = ""  # substring of the PC/SC reader name; empty = first reader
    timeout_seconds: float = 3.0


@dataclass(frozen=True)
class PrinterConfig:
    kind: str = "preview"
    paper_width_mm: int = 80
    mode: str = "raster"  # raster (any printer), big5 (Big5 text + native QR), auto (by model)
    model: str = ""  # e.g. TM-T88V-631, TM-T82III, Sewoo LK-T21, XPrinter XP-80: what auto goes by
    qr: str = "auto"  # auto (by model), native (GS ( k), raster (an image inside a text receipt)
    font_path: str = ""
    profile: str = ""
    host: str = ""
    port: int = 9100
    timeout_seconds: float = 5.0
    vendor_id: int = 0
    product_id: int = 0
    device: str = ""  # serial device or file/device node
    baudrate: int = 9600
    cups_name: str = ""
    folder: str = ""  # preview printer: where PNG receipts go; empty = data dir / receipts


@dataclass(frozen=True)
class RulesConfig:
    code_lifetime_minutes: int = 10
    code_display_seconds: int = 60
    password_lockout_threshold: int = 5  # citizen wrong passwords before a lockout (rule 十)
    staff_lockout_threshold: int = 5  # wrong PINs before a staff account locks
    counter_card_auto_approve: bool = False


@dataclass(frozen=True)
class PhotoConfig:
    drop_folder: str = ""  # where the counter camera or scanner saves; its newest photo is offered


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = ""  # empty = platformdirs user data dir / kiosk.db


@dataclass(frozen=True)
class Config:
    centre: CentreConfig = field(default_factory=CentreConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    photo: PhotoConfig = field(default_factory=PhotoConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)

    def database_path(self) -> Path:
        return Path(self.database.path).expanduser() if self.database.path else default_data_dir() / "kiosk.db"

    def receipts_folder(self) -> Path:
        if self.printer.folder:
            return Path(self.printer.folder).expanduser()
        return default_data_dir() / "receipts"


# value checks beyond the type: (predicate, what a good value looks like)
_CHECKS: dict[str, tuple[Any, str]] = {
    "centre.name": (lambda v: 0 < len(v) <= 40, "1 to 40 characters"),
    "centre.counter": (lambda v: 0 < len(v) <= 8, "1 to 8 characters"),
    "ui.locale": (lambda v: v in LOCALES, f"one of {', '.join(LOCALES)}"),
    "ui.idle_lock_seconds": (lambda v: v == 0 or 30 <= v <= 3600, "0 (off) or 30 to 3600"),
    "reader.kind": (lambda v: v in READER_KINDS, f"one of {', '.join(READER_KINDS)}"),
    "reader.timeout_seconds": (lambda v: 0.5 <= v <= 30, "0.5 to 30"),
    "printer.kind": (lambda v: v in PRINTER_KINDS, f"one of {', '.join(PRINTER_KINDS)}"),
    "printer.paper_width_mm": (lambda v: v in (58, 80), "58 or 80"),
    "printer.mode": (lambda v: v in PRINT_MODES, f"one of {', '.join(PRINT_MODES)}"),
    "printer.qr": (lambda v: v in QR_CHOICES, f"one of {', '.join(QR_CHOICES)}"),
    "printer.model": (lambda v: len(v) <= 40, "at most 40 characters"),
    "printer.port": (lambda v: 0 < v < 65536, "1 to 65535"),
    "printer.timeout_seconds": (lambda v: 0.5 <= v <= 60, "0.5 to 60"),
    "printer.vendor_id": (lambda v: 0 <= v <= 0xFFFF, "0 to 0xFFFF"),
    "printer.product_id": (lambda v: 0 <= v <= 0xFFFF, "0 to 0xFFFF"),
    "printer.baudrate": (lambda v: v in (9600, 19200, 38400, 57600, 115200), "9600, 19200, 38400, 57600 or 115200"),
    "rules.code_lifetime_minutes": (lambda v: 1 <= v <= 60, "1 to 60"),
    "rules.code_display_seconds": (lambda v: 10 <= v <= 600, "10 to 600"),
    "rules.password_lockout_threshold": (lambda v: 3 <= v <= 10, "3 to 10"),
    "rules.staff_lockout_threshold": (lambda v: 3 <= v <= 10, "3 to 10"),
}

# Keys a given printer kind needs, checked after the section is read.
_PRINTER_NEEDS = {
    "network": ("host",),
    "usb": ("vendor_id", "product_id"),
    "serial": ("device",),
    "file": ("device",),
    "cups": ("cups_name",),
}


# A kiosk config is a few hundred bytes; anything far bigger is the wrong file (a log, a photo).
MAX_CONFIG_BYTES = 256 * 1024


def _shown(value: Any) -> str:
    """A value quoted in an error line: repr (so control characters show escaped), cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(key: str, value: Any, default: Any) -> Any:
    expected = type(default)
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"{key}: expected true or false, got {_shown(value)}")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"{key}: expected a whole number, got {_shown(value)}")
        return value
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, f"{key}: expected a number, got {_shown(value)}")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(key, f"{key}: expected text in quotes, got {_shown(value)}")
    if printable(value) != value:
        # The centre name is on every screen and receipt; ESC or a bidi override there is sabotage.
        raise ConfigError(key, f"{key}: contains control or invisible characters: {_shown(value)}")
    return value


def config_from_mapping(raw: dict[str, Any]) -> Config:
    config = Config()
    sections = {f.name: f for f in fields(Config)}
    for raw_section, section_value in raw.items():
        # Names from the file are echoed to the terminal: escaped, so they cannot drive it.
        section_name = printable(raw_section)
        if raw_section not in sections:
            raise ConfigError(section_name, f"{section_name}: unknown section (known: {', '.join(sections)})")
        if not isinstance(section_value, dict):
            raise ConfigError(section_name, f"{section_name}: must be a [{section_name}] table")
        current = getattr(config, section_name)
        known = {f.name: getattr(current, f.name) for f in fields(current)}
        changes: dict[str, Any] = {}
        for key, value in section_value.items():
            dotted = f"{section_name}.{printable(key)}"
            if key not in known:
                raise ConfigError(dotted, f"{dotted}: unknown key (known: {', '.join(known)})")
            coerced = _coerce(dotted, value, known[key])
            check = _CHECKS.get(dotted)
            if check is not None and not check[0](coerced):
                raise ConfigError(dotted, f"{dotted}: {_shown(value)} is not allowed; use {check[1]}")
            changes[key] = coerced
        config = replace(config, **{section_name: replace(current, **changes)})
    for key in _PRINTER_NEEDS.get(config.printer.kind, ()):
        if not getattr(config.printer, key):
            dotted = f"printer.{key}"
            raise ConfigError(dotted, f"{dotted}: required when printer.kind = {config.printer.kind!r}")
    return config


def load_config(path: Path | None) -> tuple[Config, Path]:
    """Read ``path`` (or the default location). A missing default file means all defaults."""
    explicit = path is not None
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError("--config", f"--config: file {path} does not exist")
        return Config(), path
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError("--config", f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KB; "
                              "is this the configuration file?")
        # utf-8-sig: Windows Notepad starts a UTF-8 file with a BOM, which TOML itself refuses.
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(syntax)", f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise ConfigError("(syntax)", f"{path}: not valid TOML: values nested too deeply") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("--config", f"{path}: cannot be read: {exc}") from None
    return config_from_mapping(raw), path


EXAMPLE = """\
# NHI counter kiosk configuration. Every key is optional; these are the defaults.
[centre]
name = "中央健康保險署 臺北業務組 聯合服務中心"
counter = "01"

[ui]
locale = "zh_TW"          # zh_TW or en
idle_lock_seconds = 300   # lock the screen after this long without a key; 0 = off

[reader]
kind = "simulated"        # simulated (demo) or pcsc
name = ""                 # part of the PC/SC reader name; empty = first reader
timeout_seconds = 3.0     # a card that does not answer within this fails the read

[printer]
kind = "preview"          # preview, network, usb, serial, file, cups
paper_width_mm = 80       # 80 (576 px) or 58 (384 px)
mode = "raster"           # raster (any printer), big5 (Big5 text + native QR, 1-3 KB), auto (by model)
model = ""                # e.g. "TM-T88V-631", "TM-T82III", "Sewoo LK-T21": what mode = auto goes by
qr = "auto"               # auto, native (GS ( k) or raster (when the test page's native QR is blank)
font_path = ""            # empty = search the usual system font folders
folder = ""               # preview: where receipt PNGs go

[rules]
code_lifetime_minutes = 10
code_display_seconds = 60
password_lockout_threshold = 5
staff_lockout_threshold = 5
counter_card_auto_approve = false

[photo]
drop_folder = ""          # the camera/scanner folder; the virtual-card wizard offers its newest photo

[database]
path = ""                 # empty = the user data folder
"""
