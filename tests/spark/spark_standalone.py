"""A Spark standalone cluster (one master, one worker) on the loopback interface, for tests.

Why: local mode runs every task inside the driver's JVM, so it cannot show that coders
and reference data reach executors. This starts the real daemons the pyspark wheel ships
(``bin/spark-class``) on free ports, 1 core and small memory, and stops them (with every
executor they launched) on exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"
START_TIMEOUT_S = 180.0


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StandaloneCluster:
    """``with StandaloneCluster(tmp) as c: ... c.url ...``: master + one worker, torn down after.

    Each daemon is started in its own process group, so stopping the group also stops the
    executor JVMs and Python workers the worker launched (nothing else is touched).
    """

    def __init__(self, base: Path, cores: int = 1, memory: str = "1g"):
        self.base = base
        self.cores = cores
        self.memory = memory
        self.port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.worker_pid: int | None = None
        self.extra_env: dict[str, str] = {}  # added to the daemons' (and executors') environment

    def env(self) -> dict[str, str]:
        """Environment of the daemons (and of their executors): loopback only, venv Python."""
        conf = self.base / "conf"  # empty: no spark-defaults.conf from elsewhere
        conf.mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "SPARK_HOME": str(spark_home()),
            "SPARK_CONF_DIR": str(conf),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(self.base / "local"),
            "SPARK_LOG_DIR": str(self.base / "log"),
            "SPARK_DAEMON_MEMORY": "256m",
            "PYSPARK_PYTHON": sys.executable,
            **self.extra_env,
        }

    def _start(self, name: str, args: list[str], ready: str) -> subprocess.Popen[bytes]:
        log = self.base / f"{name}.log"
        cmd = [str(spark_home() / "bin" / "spark-class"), *args]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=self.base,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
        self.procs.append(proc)
        deadline = time.monotonic() + START_TIMEOUT_S
        while ready not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"spark {name} did not start:\n{tail}")
            time.sleep(0.5)
        return proc

    def start(self) -> StandaloneCluster:
        self.base.mkdir(parents=True, exist_ok=True)
        self._start(
            "master",
            [MASTER, "--host", "127.0.0.1", "--port", str(self.port), "--webui-port", "0"],
            "I have been elected leader",
        )
        worker = self._start(
            "worker",
            [
                WORKER,
                self.url,
                "--host",
                "127.0.0.1",
                "--port",
                str(free_port()),
                "--webui-port",
                "0",
                "--cores",
                str(self.cores),
                "--memory",
                self.memory,
                "--work-dir",
                str(self.base / "work"),
            ],
            "Successfully registered with master",
        )
        self.worker_pid = worker.pid  # spark-class execs java: this is the worker JVM
        return self

    def stop(self) -> None:
        """Stop the worker (and its executors), then the master; SIGKILL what ignores SIGTERM."""
        for proc in reversed(self.procs):
            _stop_group(proc)
        self.procs.clear()

    def __enter__(self) -> StandaloneCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the daemon's process group, then SIGKILL what is left of it, then reap.

    The leader is waited for without being reaped (``WNOWAIT``), so its pid still names
    the group when the SIGKILL goes out: no other process can have taken it.
    """
    group = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            break
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    proc.wait()
