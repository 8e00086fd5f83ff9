"""Benchmark: what a session sidecar's first use adds to that task, on a real Connect server.

For each of N fresh Connect sessions (one executor, so "already unpacked" is certain): add the
seed's venv-pack archive (tabulate from PyPI) and run a job that unpacks it and warms the session's Python worker (no sidecar asked yet);
then ask for the session sidecar and time, side by side, one-row jobs through
(1) the session sidecar's first use (it starts), (2) the same sidecar again (steady state), and
(3) the executor-wide sidecar (the same command from the same environment, shipped with
spark.archives) from a session that asks for none (with the same artifacts added). Two servers, one after the other, side by side:
``spark.sidecar.session.warmAgent=false`` (each session sidecar's agent starts its own JVM) and
``true`` (the default: it takes the executor's warm agent JVM). Prints medians, the start time
the executor logged ("sidecar of session ... ready in N ms", at the task's start, before its body)
and what first use adds to the task itself: that start plus the extra time the UDF measured around
the seed's call (first minus second job), free of the jobs' scheduling noise.

Steady state, like for like: in every session, jobs of one task that each make K hand-offs in a
row through the session's sidecar, next to the same jobs in a session that asks for none (the
executor-wide sidecar: the same command from the same environment), alternating, after one job of
warm-up for each new sidecar (its agent JVM compiles its hot paths), each hand-off timed inside the
task (finding the sidecar and the hand-off, as a UDF does per row). Once with the
seed's command (tabulate's console script and the environment's python: ~100 ms of interpreter
starts per hand-off) and once, on a third server, with a cheap command (``cp``), where the protocol
and the agent are all there is to measure.

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
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "examples"), os.path.join(HERE, "..", "..", "..", "..", "protocol", "python")]

import connect_tool  # noqa: E402
from conftest import CLIENT, EXAMPLES, _plugin_jar  # noqa: E402
from connect_server import ConnectServer  # noqa: E402


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


def _in_task(spark) -> float:
    """A one-row job through the session's sidecar; returns what the UDF measured around the seed's
    call (finding the sidecar, the hand-off), in ms: in the task, free of the job's scheduling."""
    from pyspark.sql.functions import col, udf
    from pyspark.sql.types import StringType

    def timed(name: str) -> str:
        import time as t

        import connect_tool as ct
        t0 = t.perf_counter()
        ct.call_tool(name)
        return "%.3f" % ((t.perf_counter() - t0) * 1000)

    return float(spark.range(1).select(udf(timed, StringType(), useArrow=False)(col("id").cast("string")).alias("ms")).collect()[0].ms)


#: The cheap command of the steady-state comparison: the seed's outputs, no interpreter started.
CHEAP_COMMAND = "sh -c 'cp in/rows.csv out/table.txt && echo cheap > out/version.txt'"


def _per_handoff(spark, k: int) -> List[float]:
    """One task making ``k`` hand-offs in a row through the sidecar its session sees (the seed's
    ``call_tool``, as a UDF calls it per row); each one's time in ms, measured in the task."""
    from pyspark.sql.functions import col, udf
    from pyspark.sql.types import StringType

    def many(name: str) -> str:
        import json as j
        import time as t

        import connect_tool as ct
        times = []
        for _ in range(k):
            t0 = t.perf_counter()
            ct.call_tool(name)
            times.append((t.perf_counter() - t0) * 1000)
        return j.dumps(times)

    import json
    return json.loads(spark.range(1).select(udf(many, StringType(), useArrow=False)(col("id").cast("string")).alias("t")).collect()[0].t)


def measure(work: str, archive: str, client: str, n: int, warm_agent: bool, command: str = connect_tool.COMMAND,
            k: int = 20) -> Dict[str, List[float]]:
    """One server (``spark.sidecar.session.warmAgent=<warm_agent>``, executor-wide and session
    sidecars running ``command`` from the archive), n sessions: the times in ms."""
    from pyspark.sql.functions import col, udf
    from pyspark.sql.types import StringType

    # the executor-wide sidecar runs the same command from the same environment (spark.archives), so that
    # steady state compares like with like
    server = ConnectServer(_plugin_jar(), work, {
        "spark.archives": "%s#%s" % (archive, connect_tool.FRAGMENT), "spark.sidecar.runtime": "process",
        "spark.sidecar.process.archive": connect_tool.FRAGMENT, "spark.sidecar.command": command,
        "spark.sidecar.protocol": "v1", "spark.sidecar.stopTimeout": "2s",
        "spark.sidecar.session.warmAgent": str(warm_agent).lower(),
        "spark.sidecar.session.maxPerExecutor": str(n + 1)}, executors=1)
    out: Dict[str, List[float]] = {"first": [], "steady": [], "wide": [], "logged": [], "warm": [0.0],
                                   "in_task_added": [], "handoff_session": [], "handoff_wide": []}
    plain = None
    try:
        server.await_ready()
        plain = server.session()  # asks for no sidecar; the same artifacts as the sessions (like for like)
        plain.addArtifacts(client, pyfile=True)
        plain.addArtifacts("%s#%s" % (archive, connect_tool.FRAGMENT), archive=True)
        connect_tool.run(plain, n=1)  # warm the executor-wide path once
        for _ in range(n):
            s = server.session()
            s.addArtifacts(client, pyfile=True)
            s.addArtifacts("%s#%s" % (archive, connect_tool.FRAGMENT), archive=True)

            def warm(x: str) -> str:
                import sparksidecar  # noqa: F401 - the client's import cost is not the sidecar's

                return x

            # unpacks the archive and warms the session's Python worker (no sidecar asked yet)
            s.range(1).select(udf(warm, StringType(), useArrow=False)(col("id").cast("string"))).collect()
            for key, v in connect_tool.session_conf(command=command).items():
                s.conf.set(key, v)
            t0 = time.perf_counter()
            in_first = _in_task(s)
            out["first"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            in_steady = _in_task(s)
            out["steady"].append((time.perf_counter() - t0) * 1000)
            out["in_task_added"].append(in_first - in_steady)
            out["wide"].append(_timed(lambda: _in_task(plain)))
            _per_handoff(s, k)  # a new sidecar's agent JVM compiles its hot paths first: not steady state yet
            for r in range(2):  # steady state, like for like: the order alternates
                for who in ((s, "handoff_session"), (plain, "handoff_wide"))[::1 if r % 2 == 0 else -1]:
                    out[who[1]] += _per_handoff(who[0], k)
            s.stop()
        for d in server.executor_dirs():
            with open(os.path.join(d, "stderr"), "rb") as f:
                text = f.read()
            out["logged"] += [float(m) for m in re.findall(rb"sidecar of session \S+ ready in (\d+) ms", text)]
            out["warm"] = [float(len(re.findall(rb"session-\w+ took the warm agent JVM", text)))]
    finally:
        if plain is not None:
            plain.stop()
        server.stop()
    return out


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        archive = connect_tool.pack_environment(["tabulate==0.9.0"], os.path.join(work, "tabulate-0.9.0.tar.gz"))
        client = _client_zip(os.path.join(work, "sparksidecar.zip"))
        runs = {}
        for warm_agent in (False, True):  # one server after the other, never two at once
            d = os.path.join(work, "warm" if warm_agent else "cold")
            os.makedirs(d)
            runs[warm_agent] = measure(d, archive, client, n, warm_agent)
        d = os.path.join(work, "cheap")
        os.makedirs(d)
        cheap = measure(d, archive, client, max(3, n // 2), True, CHEAP_COMMAND, k=200)
    p50 = statistics.median

    def row(what: str, key: str) -> None:
        c, w = runs[False][key], runs[True][key]
        print("  %-44s %7.0f   %7.0f   %5.2f" % (what, p50(c), p50(w), p50(w) / p50(c)))

    print("sessions: %d per server (1 executor; one-row job through a v1 hand-off running tabulate from the"
          " session's venv-pack archive; wall time seen by the client, ms)" % n)
    print("  %-44s %7s   %7s   %5s" % ("p50", "cold JVM", "warm", "w/c"))
    row("first use of the session sidecar", "first")
    row("same sidecar again (steady)", "steady")
    row("executor-wide sidecar (no session)", "wide")
    added = {k: [a - b for a, b in zip(r["first"], r["steady"])] for k, r in runs.items()}
    print("  %-44s %7.0f   %7.0f   %5.2f" % ("added by first use (first - steady)", p50(added[False]),
                                              p50(added[True]), p50(added[True]) / p50(added[False])))
    row("executor-logged start (settings..readiness)", "logged")
    # what first use adds to the task itself: the start at task start (logged) plus the UDF's own extra
    task = {k: [a + b for a, b in zip(r["logged"], r["in_task_added"])] for k, r in runs.items()}
    print("  %-44s %7.0f   %7.0f   %5.2f" % ("added to the task (logged start + UDF extra)", p50(task[False]),
                                              p50(task[True]), p50(task[True]) / p50(task[False])))
    print("  session sidecars whose agent was the warm JVM: %d of %d (cold JVM server: %d)"
          % (runs[True]["warm"][0], n, runs[False]["warm"][0]))
    print()
    print("steady state, like for like: one hand-off in a task, timed in the task (p50 and p99 ms; the same"
          " command from the same environment; session and executor-wide jobs alternating)")
    print("  %-44s %9s %9s %9s %9s   %5s" % ("", "session", "", "exec-wide", "", "p50"))
    print("  %-44s %9s %9s %9s %9s   %5s" % ("command (server, hand-offs each side)", "p50", "p99", "p50", "p99",
                                            "s/e"))

    def p99(v: List[float]) -> float:
        v = sorted(v)
        return v[min(len(v) - 1, len(v) * 99 // 100)]

    for what, r in (("tabulate + python (cold JVM agents)", runs[False]), ("tabulate + python (warm agent)", runs[True]),
                    ("cp (warm agent)", cheap)):
        a, b = r["handoff_session"], r["handoff_wide"]
        print("  %-44s %9.2f %9.2f %9.2f %9.2f   %5.2f" % ("%s, %d" % (what, len(a)), p50(a), p99(a), p50(b), p99(b),
                                                          p50(a) / p50(b)))
    print("  session sidecars whose agent was the warm JVM (cp server): %d of %d" % (cheap["warm"][0], len(cheap["first"])))
    for k, r in runs.items():
        print("  all (%s): first %s | steady %s | added %s | added to the task %s" % (
              "warm" if k else "cold JVM", " ".join("%.0f" % x for x in r["first"]),
              " ".join("%.0f" % x for x in r["steady"]), " ".join("%.0f" % x for x in added[k]),
              " ".join("%.0f" % x for x in task[k])))
    sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
    os._exit(0)  # the Connect client's gRPC threads can keep the interpreter alive after its sessions stopped
