"""Servers the production tests start and stop themselves: gunicorn, a Celery worker and beat in
production mode, and a private Redis and PostgreSQL on their own ports (never the shared ones)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Ports of their own per pytest-xdist worker (gw0, gw1…), so that two workers never meet on one.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_PORT = 6391 + _WORKER
POSTGRES_PORT = 5491 + _WORKER
WEB_PORTS = range(8120 + 10 * _WORKER, 8130 + 10 * _WORKER)
METRICS_TOKEN = "smoke-metrics-token"


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def web_port() -> int:
    return next(port for port in WEB_PORTS if port_free(port))


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def http(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request; errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, {}, b""


class PrivateRedis:
    def __init__(self, workdir: Path, port: int = REDIS_PORT):
        self.port, self.workdir = port, workdir

    def ping(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"

    def start(self) -> None:
        if self.ping():
            self.stop()  # a leftover of an interrupted run on this private port
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        command += ["--pidfile", str(self.workdir / f"redis-{self.port}.pid")]
        subprocess.run(command, check=True, capture_output=True)
        wait_until(self.ping, timeout=20, what=f"redis on {self.port}")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_until(lambda: not self.ping(), timeout=20, what=f"redis on {self.port} to stop")

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def _pg_bin(name: str) -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return shutil.which(name) or name


class PrivatePostgres:
    """A throwaway cluster (initdb) on its own port; as root, run as the postgres user."""

    def __init__(self, port: int = POSTGRES_PORT):
        self.port = port
        self.datadir = Path(tempfile.mkdtemp(prefix=f"lanben-pg{port}-"))
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.datadir, "postgres", "postgres")

    def run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_owner, *command], check=True, capture_output=True, text=True)

    def init(self) -> None:
        self.run(_pg_bin("initdb"), "-D", str(self.datadir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def answers(self) -> bool:
        result = subprocess.run([_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True)
        return result.returncode == 0

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} -c fsync=off"
        data, log = str(self.datadir / "data"), str(self.datadir / "postgres.log")
        self.run(_pg_bin("pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", "start")
        wait_until(self.answers, timeout=30, what=f"postgres on {self.port}")

    def stop(self) -> None:
        self.run(_pg_bin("pg_ctl"), "-D", str(self.datadir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.datadir / "data" / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def production_env(*, database_url: str, redis: PrivateRedis, workdir: Path, queue: str) -> dict:
    """The environment of a production deployment, on the given servers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY="smoke-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=redis.url(0),
        CACHE_URL=redis.url(1),
        CELERY_TASK_DEFAULT_QUEUE=queue,
        LANBEN_VAR_DIR=str(workdir / "var"),
        LANBEN_MEDIA_ROOT=str(workdir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        METRICS_TOKEN=METRICS_TOKEN,
        METRICS_CACHE_SECONDS="0",
        LOG_LEVEL="INFO",
    )
    return env


class Processes:
    """gunicorn, a Celery worker and beat, each logging to its own file under ``workdir``."""

    def __init__(self, env: dict, workdir: Path):
        self.env, self.workdir = env, workdir
        self.procs: dict[str, subprocess.Popen] = {}
        self.port = web_port()

    def start(self, *names: str, web_workers: int = 2) -> None:
        celery = [str(BIN / "celery"), "-A", "config"]
        commands = {
            "web": [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(web_workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--config",
                "python:config.gunicorn",
            ],
            "worker": [
                *celery,
                "worker",
                "-Q",
                self.env["CELERY_TASK_DEFAULT_QUEUE"],
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "-l",
                "INFO",
                "-n",
                f"smoke-{os.getpid()}@%h",
            ],
            "beat": [*celery, "beat", "-l", "INFO"],
        }
        for name in names:
            env = dict(self.env)
            if name == "web":
                metrics_dir = self.workdir / "prometheus"
                shutil.rmtree(metrics_dir, ignore_errors=True)
                metrics_dir.mkdir(parents=True)
                env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
            log = (self.workdir / f"{name}.log").open("ab")
            self.procs[name] = subprocess.Popen(commands[name], cwd=ROOT, env=env, stdout=log, stderr=log)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.procs.clear()
