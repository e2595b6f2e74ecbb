import subprocess
import sys
import tomllib

import pytest

from kiosk.config import EXAMPLE, Config, config_from_mapping, load_config
from kiosk.core.errors import ConfigError


def test_empty_and_example_config_are_the_defaults():
    assert config_from_mapping({}) == Config()
    assert config_from_mapping(tomllib.loads(EXAMPLE)) == Config()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"printer": {"hostt": "10.0.0.5"}}, "printer.hostt"),
        ({"printr": {}}, "printr"),
        ({"printer": {"paper_width_mm": 70}}, "printer.paper_width_mm"),
        ({"printer": {"kind": "laser"}}, "printer.kind"),
        ({"printer": {"mode": "gb18030"}}, "printer.mode"),
        ({"printer": {"qr": "maybe"}}, "printer.qr"),
        ({"printer": {"kind": "network"}}, "printer.host"),
        ({"printer": {"port": "9100"}}, "printer.port"),
        ({"rules": {"code_lifetime_minutes": 0}}, "rules.code_lifetime_minutes"),
        ({"rules": {"counter_card_auto_approve": "yes"}}, "rules.counter_card_auto_approve"),
        ({"ui": {"locale": "fr"}}, "ui.locale"),
        ({"ui": {"idle_lock_seconds": 5}}, "ui.idle_lock_seconds"),
        ({"reader": {"timeout_seconds": True}}, "reader.timeout_seconds"),
        ({"centre": "x"}, "centre"),
    ],
)
def test_bad_config_names_the_key(raw, key):
    with pytest.raises(ConfigError) as err:
        config_from_mapping(raw)
    assert err.value.key == key
    assert key in err.value.message


def test_values_are_applied(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text('[centre]\ncounter = "07"\n[reader]\ntimeout_seconds = 2\n', encoding="utf-8")
    config, used = load_config(path)
    assert used == path
    assert config.centre.counter == "07"
    assert config.reader.timeout_seconds == 2.0


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path / "nope.toml")


def _kiosk(*args, **kw):
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=60, **kw)


def test_cli_bad_config_exits_2_with_one_line_naming_the_key(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text("[printer]\npaper_width_mm = 70\n", encoding="utf-8")
    result = _kiosk("--config", str(path), "--db", str(tmp_path / "k.db"), "staff", "list")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "printer.paper_width_mm" in lines[0]
    assert not (tmp_path / "k.db").exists()


def test_cli_toml_syntax_error_exits_2(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text("[printer\n", encoding="utf-8")
    result = _kiosk("--config", str(path), "config", "check")
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr
