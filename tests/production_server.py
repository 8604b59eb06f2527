"""The production web server exactly as documented: `gunicorn hunter_robot.wsgi`, everything else from
`gunicorn.conf.py` and the environment (WEB_WORKERS, WEB_THREADS, ENGINE_MAX_IN_FLIGHT, …), for the tests
that must run what production runs (faults, saturation). Process handling is `tests.servers.Gunicorn`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.servers import HOST, Gunicorn, server_env

# The variables that size the worker model: a test gets the documented defaults unless it names them.
WORKER_MODEL = ("WEB_WORKERS", "WEB_THREADS", "ENGINE_MAX_IN_FLIGHT", "GUNICORN_CMD_ARGS")


def production_env(**overrides: str) -> dict[str, str]:
    """`tests.servers.server_env`, without worker-model variables leaking from the developer's shell."""
    env = server_env(**overrides)
    for name in WORKER_MODEL:
        if name not in overrides:
            env.pop(name, None)
    return env


class ProductionGunicorn(Gunicorn):
    name = "production-web"

    def __init__(self, *, env: dict[str, str], log_dir: Path, name: str | None = None):
        super().__init__(env=env, log_dir=log_dir, name=name)
        # gunicorn.conf.py binds HOST:PORT; `make` exports PORT=8000, which must not leak in here.
        self.env = {**env, "HOST": HOST, "PORT": str(self.port)}

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "hunter_robot.wsgi"]

    def worker_pids(self) -> set[int]:
        """The pids of the master's worker processes (Linux /proc): unchanged means no worker restarted."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return {int(pid) for pid in children.split()}
