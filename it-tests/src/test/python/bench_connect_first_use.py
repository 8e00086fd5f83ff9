"""Benchmark: what a session sidecar's first use adds to that task, on a real Connect server.

For each of N fresh Connect sessions (one executor, so "already unpacked" is certain): add the
archive and run a job that unpacks it and warms the session's Python worker (no sidecar asked yet);
then ask for the session sidecar and time, side by side, one-row jobs through
(1) the session sidecar's first use (it starts), (2) the same sidecar again (steady state), and
(3) the executor-wide sidecar from a session that asks for none. Prints medians and the start time
the executor logged ("sidecar of session ... ready in N ms").

    python3 it-tests/src/test/python/bench_connect_first_use.py [sessions=7]
"""
from __future__ import annotations

import glob
import os
import re
import statistics
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "examples"), os.path.join(HERE, "..", "..", "..", "..", "protocol", "python")]

import connect_tool  # noqa: E402
from conftest import CLIENT, EXAMPLES, _plugin_jar  # noqa: E402
from connect_server import ConnectServer  # noqa: E402
from test_connect import _tool_archive  # noqa: E402


def _client_zip(path: str) -> str:
    with zipfile.ZipFile(path, "w") as z:
        for f in glob.glob(os.path.join(CLIENT, "sparksidecar", "*.py")):
            z.write(f, os.path.join("sparksidecar", os.path.basename(f)))
        z.write(os.path.join(EXAMPLES, "connect_tool.py"), "connect_tool.py")
    return path


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main(n: int) -> None:
    from pyspark.sql.functions import col, udf
    from pyspark.sql.types import StringType

    with tempfile.TemporaryDirectory() as work:
        wide = os.path.join(work, "wide-tool")
        with open(wide, "w") as f:
            f.write("#!/bin/sh\nprintf 'wide %s\\n' \"$(cat \"$SIDECAR_IN/name.txt\")\" > \"$SIDECAR_OUT/result.txt\"\n")
        os.chmod(wide, 0o755)
        archive = _tool_archive(os.path.join(work, "tool-1.0.tar.gz"), "1.0")
        client = _client_zip(os.path.join(work, "sparksidecar.zip"))
        server = ConnectServer(_plugin_jar(), work, {
            "spark.sidecar.runtime": "process", "spark.sidecar.command": wide, "spark.sidecar.protocol": "v1",
            "spark.sidecar.stopTimeout": "2s", "spark.sidecar.session.maxPerExecutor": str(n + 1)}, executors=1)
        first, steady, wide_ms = [], [], []
        try:
            server.await_ready()
            plain = server.session()
            plain.addArtifacts(client, pyfile=True)
            connect_tool.run(plain, n=1)  # warm the executor-wide path once
            for i in range(n):
                s = server.session()
                s.addArtifacts(client, pyfile=True)
                s.addArtifacts("%s#%s" % (archive, connect_tool.FRAGMENT), archive=True)
                def warm(x: str) -> str:
                    import sparksidecar  # noqa: F401 - the client's import cost is not the sidecar's

                    return x

                # unpacks the archive and warms the session's Python worker (no sidecar asked yet)
                s.range(1).select(udf(warm, StringType())(col("id").cast("string"))).collect()
                for k, v in connect_tool.session_conf().items():
                    s.conf.set(k, v)
                first.append(_timed(lambda: connect_tool.run(s, n=1)))
                steady.append(_timed(lambda: connect_tool.run(s, n=1)))
                wide_ms.append(_timed(lambda: connect_tool.run(plain, n=1)))
                s.stop()
            logged = []
            for d in server.executor_dirs():
                with open(os.path.join(d, "stderr"), "rb") as f:
                    logged += [int(m) for m in re.findall(rb"sidecar of session \S+ ready in (\d+) ms", f.read())]
        finally:
            server.stop()
    p50 = statistics.median
    print("sessions: %d (1 executor; one-row job through a v1 hand-off; wall time seen by the client)" % n)
    print("  first use of the session sidecar   p50 %7.0f ms   (all: %s)" % (p50(first), " ".join("%.0f" % x for x in first)))
    print("  same sidecar again (steady)         p50 %7.0f ms   (all: %s)" % (p50(steady), " ".join("%.0f" % x for x in steady)))
    print("  executor-wide sidecar (no session)  p50 %7.0f ms   (all: %s)" % (p50(wide_ms), " ".join("%.0f" % x for x in wide_ms)))
    print("  added by first use: p50 %.0f ms (first - steady, per session); first/steady = %.2f; steady/executor-wide = %.2f"
          % (p50([a - b for a, b in zip(first, steady)]), p50(first) / p50(steady), p50(steady) / p50(wide_ms)))
    if logged:
        print("  executor-logged start (settings, process, readiness): p50 %.0f ms (all: %s)"
              % (p50(logged), " ".join(map(str, logged))))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
