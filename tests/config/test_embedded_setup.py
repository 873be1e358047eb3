"""A newcomer's machine: no DATABASE_URL, no broker. The portal runs on the embedded PostgreSQL
(config/devdb.py) held by ``dev.py``'s holder process, and the jobs that failed on the former
SQLite default — the SLA sweep, by hand and as the beat's task — write their reminders."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LANBEN_VAR_DIR": str(var_dir)})
    return env


def _manage(env: dict, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_demo_on_the_embedded_postgresql_is_swept_and_reminded(tmp_path):
    env = _env(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-m", "config.devdb", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_demo")

        swept = _manage(env, "sla_sweep")
        assert "巡检完成" in swept
        reminders = _manage(
            env, "shell", "--no-imports", "-c", "from sla.models import Reminder; print(Reminder.objects.count())"
        ).strip()
        assert int(reminders) > 0, swept

        # The beat's periodic task runs the same sweep; a second run writes nothing new.
        task = _manage(env, "shell", "--no-imports", "-c", "from sla.tasks import sweep_sla; print(sweep_sla())")
        assert "Error" not in task
        again = _manage(
            env, "shell", "--no-imports", "-c", "from sla.models import Reminder; print(Reminder.objects.count())"
        )
        assert again.strip() == reminders
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert holder.returncode == 0
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
