"""/readyz answers 503 naming the part when Redis or PostgreSQL stops, and 200 again when it returns.

Against PRIVATE servers this test starts and stops itself (Redis on 6391, PostgreSQL on 5491; one port
up per pytest-xdist worker), and gunicorn in production mode on them; the shared servers are never
touched."""

import json
import os
import shutil
import subprocess

import pytest

from tests.ops.servers import PrivatePostgres, PrivateRedis, Processes, http, production_env, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]
NEEDS = ("redis-server", "redis-cli", "runuser" if os.geteuid() == 0 else "true")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    missing = [name for name in NEEDS if shutil.which(name) is None]
    if missing:
        pytest.fail(f"missing for the outage test: {missing}")
    workdir = tmp_path_factory.mktemp("outage")
    redis, postgres = PrivateRedis(workdir), PrivatePostgres()
    redis.start()
    postgres.init()
    postgres.start()
    try:
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "lanben"], check=True
        )
        env = production_env(database_url=postgres.url("lanben"), redis=redis, workdir=workdir, queue="outage")
        web = Processes(env, workdir)
        migrated = web.manage("migrate", "--noinput", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        web.start("web", web_workers=1)
        yield {"redis": redis, "postgres": postgres, "web": web}
        web.stop()
    finally:
        if not redis.ping():
            redis.start()
        redis.stop()
        postgres.remove()


def readiness(web) -> tuple[int | None, dict]:
    status, _, body = http(web.url("/readyz"))
    return status, (json.loads(body) if body.startswith(b"{") else {})


def wait_for_status(web, status: int, *, timeout: float = 60) -> dict:
    def seen():
        answer = readiness(web)
        return answer if answer[0] == status else None

    return wait_until(seen, timeout=timeout, what=f"/readyz to answer {status}", interval=1)[1]


def test_readyz_is_ready_on_the_private_servers(servers):
    assert wait_for_status(servers["web"], 200, timeout=90)["status"] == "ok"


def test_readyz_names_the_broker_and_cache_while_redis_is_stopped(servers):
    web, redis = servers["web"], servers["redis"]
    wait_for_status(web, 200, timeout=90)
    redis.stop()
    try:
        body = wait_for_status(web, 503)
        assert {"broker", "cache"} <= set(body["failing"]) and "database" not in body["failing"]
        assert body["checks"]["broker"].startswith("Unavailable")
        assert http(web.url("/healthz"))[0] == 200  # alive: nothing to restart
    finally:
        redis.start()
    assert wait_for_status(web, 200)["failing"] == []


def test_readyz_names_the_database_while_postgres_is_stopped(servers):
    web, postgres = servers["web"], servers["postgres"]
    wait_for_status(web, 200, timeout=90)
    postgres.stop()
    try:
        body = wait_for_status(web, 503)
        assert "database" in body["failing"] and "broker" not in body["failing"]
        assert http(web.url("/healthz"))[0] == 200
    finally:
        postgres.start()
    assert wait_for_status(web, 200)["failing"] == []
