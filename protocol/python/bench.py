"""Round-trip latency of small hand-offs with the Python client.

Starts the Java agent in persistent-worker mode (``--worker``, the suite's ``cat`` worker loop) on
a volume in /dev/shm, runs WARMUP + N sequential 1 KiB echo requests (write input, start, await,
read the verified output, close) and prints p50/p90/p99/max in milliseconds.

    python3 protocol/python/bench.py [--requests 2000] [--size 1024] [--agent java-worker|java|busybox|dash]

Needs the compiled Java agent classes (``mvn -B -q -o -pl protocol compile``) for the Java agents.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "tests"))

from conftest import COMMAND_SH, AgentSetup  # noqa: E402
from sparksidecar import Volume  # noqa: E402


def percentile(sorted_values, p):
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--agent", default="java-worker", choices=["java-worker", "java", "busybox", "dash"])
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sidecar-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    try:
        vol = base / "vol"
        vol.mkdir()
        script = base / "command.sh"
        shutil.copy(COMMAND_SH, script)
        setup = AgentSetup(args.agent)
        agent = setup.start(vol, 2, setup.script_command(script))
        try:
            payload = os.urandom(args.size)
            times = []
            agent_ms = []
            with Volume.open(vol) as volume:
                volume.await_agent(60)
                for i in range(args.warmup + args.requests):
                    t = time.perf_counter()
                    with volume.new_handoff() as h:
                        h.write_input("mode", b"echo").write_input("data", payload)
                        r = h.run(60)
                        assert h.read_output("result") == payload
                    if i >= args.warmup:
                        times.append((time.perf_counter() - t) * 1000)
                        agent_ms.append(r.finished_millis - r.started_millis)
            times.sort()
            print("%d x %d B round trips, Python client, %s agent on %s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
                  "max %.2f ms, mean %.2f ms"
                  % (len(times), args.size, args.agent, base, percentile(times, 50), percentile(times, 90),
                     percentile(times, 99), times[-1], statistics.mean(times)))
            print("of which the agent ran the command (done marker finished - started, ms resolution): p50 %d ms"
                  % statistics.median(agent_ms))
        finally:
            agent.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
