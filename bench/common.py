"""What the benchmarks share: where reports go, the machine they ran on, percentiles, the app started."""

from __future__ import annotations

import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORTS = ROOT / "bench" / "reports"


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def launch(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start app.py on a free port and wait until its page answers: (process, url, start time)."""
    import os

    sys.path.insert(0, str(ROOT))
    from tests.server import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return proc, url, start
        except OSError:
            if proc.poll() is not None or time.perf_counter() - start > 120:
                proc.kill()
                raise RuntimeError("app did not start") from None
            time.sleep(0.05)


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmHWM")).split()[1]) / 1024


def machine() -> dict[str, object]:
    """What the figures were measured on, and when."""
    import os

    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "cpu": model,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
    }

