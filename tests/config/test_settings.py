"""Settings come from the environment and fall back to the embedded defaults of a developer machine."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'host': str(settings.DATABASES['default']['HOST']), "
    "'broker': settings.CELERY_BROKER_URL, "
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'tz': settings.TIME_ZONE, "
    "'use_tz': settings.USE_TZ, 'lang': settings.LANGUAGE_CODE, 'langs': [c for c, _ in settings.LANGUAGES], "
    "'secure_cookie': settings.SESSION_COOKIE_SECURE}))"
)
VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")


def probe(tmp_path: Path, **overrides: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LANBEN_VAR_DIR": str(tmp_path), **overrides})
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_without_variables_the_portal_runs_an_embedded_postgresql_and_filesystem_broker(tmp_path):
    settings = probe(tmp_path)
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "lanben"
    assert settings["host"] == str(tmp_path / "pgdata")  # its Unix socket, no TCP port
    assert settings["broker"] == "filesystem://"
    assert settings["debug"] is True
    # The probe was the server's only user: it stopped when the probe exited.
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()


def test_no_other_database_engine_is_configured_anywhere():
    sources = [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "tests" not in p.parts]
    offenders = [str(p.relative_to(ROOT)) for p in sources if "sqlite" in p.read_text(encoding="utf-8").lower()]
    assert offenders == []


def test_database_and_broker_urls_are_honoured(tmp_path):
    settings = probe(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/somewhere",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
    )
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "somewhere"
    assert settings["broker"] == "redis://127.0.0.1:6379/3"


def test_production_flags_come_from_the_environment(tmp_path):
    settings = probe(tmp_path, DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="desk.example.cn,10.0.0.5")
    assert settings["debug"] is False
    assert settings["hosts"] == ["desk.example.cn", "10.0.0.5"]
    assert settings["secure_cookie"] is True


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as excinfo:
        probe(tmp_path, DEBUG="false")
    assert "SECRET_KEY must be set" in excinfo.value.stderr


def test_shanghai_time_and_simplified_chinese_with_english_available(tmp_path):
    settings = probe(tmp_path)
    assert settings["tz"] == "Asia/Shanghai"
    assert settings["use_tz"] is True
    assert settings["lang"] == "zh-hans"
    assert settings["langs"] == ["zh-hans", "en"]


@pytest.mark.django_db
def test_the_desk_statements_start_no_parallel_workers():
    """A page reads a few rows by index: the connection asks for no parallel query workers (their start
    cost more than the page's own statement at ten million cases)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
