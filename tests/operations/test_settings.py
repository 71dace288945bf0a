import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from filiform.env import ConfigurationError, envbool, envint, envlist, envstr, persistent_secret


def test_env_helpers(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("F_BOOL", "Yes")
    monkeypatch.setenv("F_INT", "42")
    monkeypatch.setenv("F_LIST", "a, b,,c")
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("F_SECRET_FILE", str(secret_file))
    assert envbool("F_BOOL", False) is True
    assert envbool("F_MISSING", True) is True
    assert envint("F_INT", 1) == 42
    assert envlist("F_LIST") == ["a", "b", "c"]
    assert envstr("F_SECRET") == "from-a-file"
    monkeypatch.setenv("F_BOOL", "perhaps")
    with pytest.raises(ConfigurationError, match="F_BOOL must be true or false"):
        envbool("F_BOOL", False)
    monkeypatch.setenv("F_INT", "0")
    with pytest.raises(ConfigurationError, match="at least 1"):
        envint("F_INT", 5, minimum=1)


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret_key"
    first = persistent_secret(path)
    assert len(first) == 64
    assert persistent_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_sqlite_is_configured_for_medical_records() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas apply to the SQLite run; the PostgreSQL run checks its own")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL


def _settings_in_subprocess(tmp_path: Path, **env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({k: str(getattr(settings, k, None)) for k in ["
        "'SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SECURE_HSTS_SECONDS','SECURE_SSL_REDIRECT',"
        "'CONTENT_SECURITY_POLICY','DEBUG','DATABASES']}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "filiform.settings",
        "FILIFORM_DATA_DIR": str(tmp_path),
        **env,
    }
    environment.pop("DATABASE_URL", None) if "DATABASE_URL" not in env else None
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_one_https_switch_turns_on_secure_cookies_hsts_and_csp_upgrade(tmp_path: Path) -> None:
    plain = _settings_in_subprocess(tmp_path)
    assert plain["SESSION_COOKIE_SECURE"] == "False"
    assert plain["DEBUG"] == "False"
    secure = _settings_in_subprocess(tmp_path, FILIFORM_HTTPS="true")
    assert secure["SESSION_COOKIE_SECURE"] == "True"
    assert secure["CSRF_COOKIE_SECURE"] == "True"
    assert secure["SECURE_SSL_REDIRECT"] == "True"
    assert int(secure["SECURE_HSTS_SECONDS"]) >= 31536000
    assert "upgrade-insecure-requests" in secure["CONTENT_SECURITY_POLICY"]


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    sqlite = _settings_in_subprocess(tmp_path)
    assert "sqlite3" in sqlite["DATABASES"]
    assert "WAL" in sqlite["DATABASES"]
    pg = _settings_in_subprocess(tmp_path, DATABASE_URL="postgres://u:p@127.0.0.1:5999/clinic")
    assert "postgresql" in pg["DATABASES"]
    assert "'NAME': 'clinic'" in pg["DATABASES"]
