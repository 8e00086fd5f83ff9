"""The Python client next to the Java client, and the sidecar next to ``rdd.pipe``: one table, one run.

    python3 protocol/python/bench.py [--rounds 5] [--input-mb 64] [--runtime process|docker|both]
                                     [--no-spark | --no-clients]

1. Round trip of a 1 KiB echo (write input, start, await, read the verified output, close) with the
   Python client and with the Java client (``ClientBenchmark``, its own JVM), alternating, against
   one Java agent with persistent workers (``--worker``, ``CopyWorker``) on one volume in /dev/shm:
   p50 and p99 per client (medians over the rounds) and the ratio Python/Java p50 (target <= 2x).
2. Hand-offs/s on that volume with 4 Python processes (each its own ``Volume``) and with 4 Java
   threads (one JVM), median over the rounds (target >= 2,000/s for Python).
3. The seed's word count on a ``local-cluster[2,1,1024]`` of the pip-installed Spark (pyspark
   4.1.1) with the plugin jar (``spark.jars``) and the client (``pyFiles``): ``textFile`` -> drop
   ``Unknown`` -> count each partition through the sidecar (``grep | sort | uniq -c``) ->
   ``reduceByKey(add)`` -> ``saveAsTextFile``, next to the same pipeline with ``rdd.pipe`` and the
   same tools, on the same file; wall time of each job, the order rotating per round, median
   (target sidecar <= 1.1x pipe). The sidecar job is the README example (``word_count.py``:
   ``sidecar().stream_lines``, 250k-line hand-offs, two running while the task writes the next, as
   the command of ``rdd.pipe`` runs while the task feeds it); next to it, for reference, one
   hand-off per partition (the command starts only once the whole partition is written). Every
   job's saved counts are checked against the file's. With the docker runtime the tools are the
   image's busybox, so ``rdd.pipe`` runs the host's busybox applets.

Parts 1 and 2 also print the CPU per hand-off split client / agent / workers (from ``os.times``,
the JVM's own CPU bean and ``/proc/<agent>/stat``) and what rate that CPU would allow on this
machine's cores if nothing else ran: the bound the hand-offs/s target meets on a shared machine.

Needs java and mvn (compiles ``protocol/target/{classes,test-classes}`` and the shaded plugin jar
when missing or older than the sources), pyspark 4.1.1 for part 3, and for ``--runtime docker``
a Docker engine with ``spark-sidecar/fruit-count:1`` (``bash images/build.sh``).
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CLASSES = REPO / "protocol" / "target" / "classes"
TEST_CLASSES = REPO / "protocol" / "target" / "test-classes"
EXAMPLES = REPO / "it-tests" / "src" / "test" / "python" / "examples"
sys.path.insert(0, str(HERE))

from sparksidecar import Volume  # noqa: E402
from sparksidecar.stream import DEFAULT_CHUNK_LINES  # noqa: E402

JAVA_OPTS = ["-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto"]
#: The per-partition count of the seed (spark-sidecar/fruit-count:1's, with a C locale for sort): on
#: stdin/stdout for rdd.pipe, on in/fruit.txt and out/counts.txt for the sidecar.
PIPE_COMMAND = """sh -c "grep -v '^Unknown$' | LC_ALL=C sort | uniq -c" """.strip()
SIDECAR_COMMAND = """sh -c "grep -v '^Unknown$' in/fruit.txt | LC_ALL=C sort | uniq -c > out/counts.txt" """.strip()
#: With the docker runtime the tools are busybox's (the image's); rdd.pipe then runs the host's busybox.
BUSYBOX_PIPE_COMMAND = """busybox sh -c "busybox grep -v '^Unknown$' | busybox sort | busybox uniq -c" """.strip()
FRUITS = ["apple", "banana", "cherry", "date", "Unknown", "elderberry", "fig", "grape"]

Row = Tuple[str, str, str]
ROWS: List[Row] = []


def row(what: str, value: str, target: str = "") -> None:
    ROWS.append((what, value, target))
    print("  %-58s %s" % (what, value), file=sys.stderr, flush=True)  # progress; the table comes at the end


def print_table() -> None:
    w0 = max(len(r[0]) for r in ROWS)
    w1 = max(len(r[1]) for r in ROWS)
    print()
    print("%-*s  %-*s  %s" % (w0, "measurement", w1, "median", "target"))
    print("%s  %s  %s" % ("-" * w0, "-" * w1, "-" * 24))
    for what, value, target in ROWS:
        print("%-*s  %-*s  %s" % (w0, what, w1, value, target))


def newest(*tops: Path) -> float:
    t = 0.0
    for top in tops:
        for d, _, files in os.walk(top):
            for f in files:
                t = max(t, os.path.getmtime(os.path.join(d, f)))
    return t


def mvn(*goals: str) -> None:
    cmd = ["mvn", "-B", "-o", "-q"] + list(goals)
    r = subprocess.run(cmd, cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    if r.returncode != 0:
        sys.exit("bench: %s failed:\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace")[-3000:]))


def java_classes() -> None:
    """protocol/target/classes and test-classes (ClientBenchmark, CopyWorker), compiled when stale."""
    marker = TEST_CLASSES / "io" / "sparksidecar" / "protocol" / "bench" / "ClientBenchmark.class"
    if not marker.exists() or marker.stat().st_mtime < newest(REPO / "protocol" / "src"):
        mvn("-pl", "protocol", "test-compile")


def plugin_jar() -> str:
    jars = sorted(glob.glob(str(REPO / "plugin" / "target" / "spark-sidecar-plugin-*-shaded.jar")))
    if not jars or os.path.getmtime(jars[-1]) < newest(REPO / "protocol" / "src" / "main", REPO / "plugin" / "src" / "main"):
        mvn("-pl", "protocol,plugin", "-am", "package", "-DskipTests")
        jars = sorted(glob.glob(str(REPO / "plugin" / "target" / "spark-sidecar-plugin-*-shaded.jar")))
    return jars[-1]


def java() -> str:
    path = shutil.which("java")
    if path is None:
        sys.exit("bench: java is not installed")
    return path


def run_java_client(*args: str) -> dict:
    cp = "%s:%s" % (CLASSES, TEST_CLASSES)
    r = subprocess.run([java(), "-Xmx256m", "-cp", cp, "io.sparksidecar.protocol.bench.ClientBenchmark"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if r.returncode != 0:
        sys.exit("bench: ClientBenchmark %s failed (exit %d):\n%s" % (" ".join(args), r.returncode,
                                                                      r.stderr.decode(errors="replace")[-3000:]))
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


# ---- 1 and 2: the clients ------------------------------------------------------------------------
def echo(volume: Volume, payload: bytes) -> None:
    with volume.new_handoff() as h:
        h.write_input("data", payload)
        h.run(30)
        if h.read_output("data") != payload:
            raise AssertionError("wrong output in %s" % h.id)


def python_latency(volume: Volume, n: int, warmup: int, size: int) -> Tuple[float, float]:
    payload = random.Random(1).randbytes(size) if hasattr(random.Random, "randbytes") else os.urandom(size)
    for _ in range(warmup):
        echo(volume, payload)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        echo(volume, payload)
        times.append(time.perf_counter() - t)
    times.sort()
    return times[n // 2] * 1000, times[min(n - 1, n * 99 // 100)] * 1000


def throughput_worker(root: str, start_at: float, seconds: float, rounds: int) -> None:
    """One of the parallel Python processes: counts completed hand-offs per window of ``seconds``
    and its own CPU seconds (all threads) over the windows."""
    counts = [0] * rounds
    with Volume.open(root, mark_closed=False) as volume:
        volume.await_agent(30)
        for _ in range(100):
            echo(volume, b"hello")
        while time.time() < start_at:
            time.sleep(0.001)
        t0 = os.times()
        end = start_at + rounds * seconds
        while True:
            echo(volume, b"hello")
            now = time.time()
            if now >= end:
                break
            counts[int((now - start_at) // seconds)] += 1
        t1 = os.times()
    print(json.dumps({"counts": counts, "cpu_s": (t1[0] + t1[1]) - (t0[0] + t0[1])}))


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def agent_cpu(pid: int) -> Tuple[float, float]:
    """CPU seconds so far of the agent process and of its children (the persistent workers)."""
    def own(p: int) -> float:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _TICK
        except OSError:
            return 0.0
    kids: List[int] = []
    for task in glob.glob("/proc/%d/task/*/children" % pid):  # the thread that started a worker is its parent
        try:
            with open(task) as f:
                kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
    return own(pid), sum(own(k) for k in kids)


def python_throughput(root: Path, processes: int, seconds: float, rounds: int,
                      agent_pid: int) -> Tuple[List[float], Dict[str, float]]:
    """Hand-offs/s per round of ``processes`` Python processes, and CPU ms per hand-off split
    clients / agent / workers over the measured windows."""
    start_at = time.time() + 3.0  # every process imported, volume open and warmed up by then
    procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--throughput-worker", str(root),
                               repr(start_at), repr(seconds), str(rounds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(processes)]
    while time.time() < start_at:
        time.sleep(0.001)
    a0 = agent_cpu(agent_pid)
    time.sleep(rounds * seconds)
    a1 = agent_cpu(agent_pid)
    totals = [0] * rounds
    client_cpu = 0.0
    for p in procs:
        out, err = p.communicate(timeout=120 + rounds * seconds)
        if p.returncode != 0:
            sys.exit("bench: a throughput process failed:\n%s" % err.decode(errors="replace")[-3000:])
        got = json.loads(out.decode().strip().splitlines()[-1])
        client_cpu += got["cpu_s"]
        for i, c in enumerate(got["counts"]):
            totals[i] += c
    n = max(1, sum(totals))
    split = {"client": client_cpu / n * 1e3, "agent": (a1[0] - a0[0]) / n * 1e3, "workers": (a1[1] - a0[1]) / n * 1e3}
    return [t / seconds for t in totals], split


def java_throughput(vol: Path, threads: int, seconds: float, rounds: int,
                    agent_pid: int) -> Tuple[List[float], Dict[str, float]]:
    """The same with the Java client (``threads`` threads of one JVM); the agent's CPU is counted
    over the JVM's whole run and divided by every hand-off it made (its warm-up included)."""
    a0 = agent_cpu(agent_pid)
    j = run_java_client("throughput", str(vol), str(threads), repr(seconds), str(rounds))
    a1 = agent_cpu(agent_pid)
    n = max(1, int(j["handoffs"]))
    everything = n + 200  # ClientBenchmark's warm-up
    split = {"client": j["cpu_s"] / n * 1e3, "agent": (a1[0] - a0[0]) / everything * 1e3,
             "workers": (a1[1] - a0[1]) / everything * 1e3}
    return [float(r) for r in j["rates"]], split


def cpu_row(what: str, split: Dict[str, float]) -> None:
    total = sum(split.values())
    row(what, "%.3f ms: client %.3f, agent %.3f, workers %.3f" % (total, split["client"], split["agent"],
                                                                  split["workers"]))
    cores = os.cpu_count() or 1
    row("  hand-offs/s if it had all %d cores to itself (%d / CPU)" % (cores, cores), "%.0f /s" % (cores * 1e3 / total))


def clients(base: Path, rounds: int, requests: int) -> None:
    from conftest import require_java_agent  # the suite's agent command line (compiles the agent if needed)

    vol = base / "vol"
    vol.mkdir()
    worker = [java(), "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", "%s:%s" % (CLASSES, TEST_CLASSES),
              "io.sparksidecar.protocol.bench.CopyWorker"]
    argv = require_java_agent() + ["--volume", str(vol), "--concurrency", "4", "--worker", "--"] + worker
    with open(base / "agent.log", "wb") as log:
        agent = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        with Volume.open(vol) as volume:  # the owner: its close stops the agent
            volume.await_agent(60)
            py50, py99, j50, j99 = [], [], [], []
            for r in range(rounds):
                a, b = python_latency(volume, requests, 200, 1024)
                py50.append(a)
                py99.append(b)
                j = run_java_client("latency", str(vol), str(requests), "300", "1024")
                j50.append(j["p50_ms"])
                j99.append(j["p99_ms"])
                print("  round %d: python p50 %.2f p99 %.2f ms, java p50 %.2f p99 %.2f ms" % (r + 1, a, b, j["p50_ms"],
                      j["p99_ms"]), file=sys.stderr, flush=True)
            mp, mj = statistics.median(py50), statistics.median(j50)
            what = "1 KiB echo round trip, Java worker agent, tmpfs"
            row(what + ", Python", "p50 %.2f ms  p99 %.2f ms" % (mp, statistics.median(py99)))
            row(what + ", Java", "p50 %.2f ms  p99 %.2f ms" % (mj, statistics.median(j99)))
            row("round trip p50 ratio Python / Java", "%.2f x" % (mp / mj), "<= 2 x")
            seconds = 2.0
            py_rates, py_cpu = python_throughput(vol, 4, seconds, rounds, agent.pid)
            j_rates, j_cpu = java_throughput(vol, 4, seconds, rounds, agent.pid)
            row("hand-offs/s, 4 Python processes, tmpfs", "%.0f /s" % statistics.median(py_rates), ">= 2000 /s")
            row("hand-offs/s, 4 Java threads (one JVM), tmpfs", "%.0f /s" % statistics.median(j_rates))
            row("hand-offs/s ratio Python / Java", "%.2f x" % (statistics.median(py_rates) / statistics.median(j_rates)))
            cpu_row("CPU per hand-off, 4 Python processes", py_cpu)
            cpu_row("CPU per hand-off, 4 Java threads", j_cpu)
    finally:
        agent.terminate()
        try:
            agent.wait(10)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait()


# ---- 3: the word count ---------------------------------------------------------------------------
def make_input(path: Path, megabytes: int) -> Dict[str, int]:
    """``megabytes`` MB of fruit names, one a line (seeded); returns the expected counts (no Unknown)."""
    rnd = random.Random(7)
    counts: collections.Counter = collections.Counter()
    written = 0
    with open(path, "w") as f:
        while written < megabytes * 1_000_000:
            words = rnd.choices(FRUITS, k=100_000)
            counts.update(words)
            chunk = "\n".join(words) + "\n"
            f.write(chunk)
            written += len(chunk)
    counts.pop("Unknown", None)
    return dict(counts)


def saved_counts(out: Path) -> Dict[str, int]:
    got: Dict[str, int] = {}
    for part in sorted(out.glob("part-*")):
        for line in part.read_text().splitlines():
            fruit, n = line.split("\t")
            got[fruit] = int(n)
    return got


def _parse_uniq(line: str) -> Tuple[str, int]:
    n, fruit = line.split()
    return fruit, int(n)


def stream_job(sc, path: str, out: str, partitions: int, pipe_command: str) -> None:
    """The README example's pipeline (``word_count.count_in_sidecar``: ``sidecar().stream_lines``)."""
    from operator import add

    import word_count  # shipped in the pyFiles zip: executors import it from there
    lines = sc.textFile(path, partitions).filter(lambda l: l != "Unknown")
    lines.mapPartitions(word_count.count_in_sidecar).reduceByKey(add).map(lambda kv: "%s\t%d" % kv).saveAsTextFile(out)


def count_in_one_handoff(lines):
    """The partition as one hand-off: the command starts only once the task has written it all."""
    from sparksidecar import sidecar

    with sidecar().new_handoff() as h:
        h.write_lines("fruit.txt", lines).expect_output("counts.txt").run(300)
        for line in h.iter_lines("counts.txt"):
            n, fruit = line.split()
            yield fruit, int(n)


def one_handoff_job(sc, path: str, out: str, partitions: int, pipe_command: str) -> None:
    from operator import add
    lines = sc.textFile(path, partitions).filter(lambda l: l != "Unknown")
    lines.mapPartitions(count_in_one_handoff).reduceByKey(add).map(lambda kv: "%s\t%d" % kv).saveAsTextFile(out)


def pipe_job(sc, path: str, out: str, partitions: int, pipe_command: str) -> None:
    from operator import add
    lines = sc.textFile(path, partitions).filter(lambda l: l != "Unknown")
    lines.pipe(pipe_command).map(_parse_uniq).reduceByKey(add).map(lambda kv: "%s\t%d" % kv).saveAsTextFile(out)


def py_files(base: Path) -> str:
    out = str(base / "sparksidecar.zip")
    with zipfile.ZipFile(out, "w") as z:
        for f in glob.glob(str(HERE / "sparksidecar" / "*.py")):
            z.write(f, "sparksidecar/" + os.path.basename(f))
        z.write(str(EXAMPLES / "word_count.py"), "word_count.py")
    return out


def word_count(base: Path, runtime: str, rounds: int, megabytes: int, partitions: int) -> None:
    import pyspark
    from pyspark import SparkConf, SparkContext

    os.environ["SPARK_HOME"] = os.path.dirname(os.path.abspath(pyspark.__file__))
    os.environ.setdefault("SPARK_SCALA_VERSION", "2.13")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    src = base / "fruits.txt"
    expected = make_input(src, megabytes)
    size_mb = src.stat().st_size / 1e6
    sidecar_conf = {"spark.sidecar.protocol": "v1", "spark.sidecar.command": SIDECAR_COMMAND,
                    "spark.sidecar.runtime": runtime}
    if runtime == "docker":
        sidecar_conf["spark.sidecar.image"] = "spark-sidecar/fruit-count:1"
    conf = SparkConf(loadDefaults=False).setMaster("local-cluster[2,1,1024]").setAppName("bench-" + runtime).setAll([
        ("spark.executor.memory", "512m"), ("spark.driver.host", "127.0.0.1"),
        ("spark.driver.bindAddress", "127.0.0.1"), ("spark.ui.enabled", "false"),
        ("spark.scheduler.minRegisteredResourcesRatio", "1.0"),
        ("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s"),
        ("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin"), ("spark.jars", plugin_jar()),
        ("spark.sidecar.stopTimeout", "2s"), ("spark.ui.showConsoleProgress", "false"), *sidecar_conf.items()])
    sc = SparkContext(conf=conf, pyFiles=[py_files(base)])
    sc.setLogLevel("WARN")
    try:
        jobs: Dict[str, Callable] = {"sidecar": stream_job, "sidecar, one hand-off": one_handoff_job, "pipe": pipe_job}
        times: Dict[str, List[float]] = {name: [] for name in jobs}
        url = "file://" + str(src)
        pipe_command = BUSYBOX_PIPE_COMMAND if runtime == "docker" else PIPE_COMMAND

        def once(name: str, counted: bool) -> None:
            out = base / ("out-%d" % time.monotonic_ns())
            t = time.perf_counter()
            jobs[name](sc, url, "file://" + str(out), partitions, pipe_command)
            s = time.perf_counter() - t
            got = saved_counts(out)
            shutil.rmtree(out, ignore_errors=True)
            if got != expected:
                raise AssertionError("%s job counted %s, the file has %s" % (name, got, expected))
            if counted:
                times[name].append(s)
            print("  word count %s, %s: %.2f s%s" % (runtime, name, s, "" if counted else " (warm-up)"),
                  file=sys.stderr, flush=True)
        names = list(jobs)
        for name in names:
            once(name, False)
        for r in range(rounds):  # alternating: every job goes first, second and last in turn
            for name in names[r % len(names):] + names[:r % len(names)]:
                once(name, True)
        medians = {name: statistics.median(t) for name, t in times.items()}
        what = "word count %.0f MB, %d partitions, %s" % (size_mb, partitions, runtime)
        tools = "busybox" if runtime == "docker" else "GNU"
        row(what + ", rdd.pipe (%s tools)" % tools, "%.2f s" % medians["pipe"])
        row(what + ", sidecar (stream_lines, %dk-line hand-offs)" % (DEFAULT_CHUNK_LINES // 1000),
            "%.2f s" % medians["sidecar"])
        row("  ratio sidecar / pipe (%s)" % runtime, "%.2f x" % (medians["sidecar"] / medians["pipe"]), "<= 1.1 x")
        row(what + ", sidecar, one hand-off per partition", "%.2f s" % medians["sidecar, one hand-off"])
        row("  ratio one hand-off per partition / pipe (%s)" % runtime,
            "%.2f x" % (medians["sidecar, one hand-off"] / medians["pipe"]))
    finally:
        sc.stop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--throughput-worker":
        throughput_worker(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds of every measurement (median reported)")
    ap.add_argument("--requests", type=int, default=1000, help="round trips per latency round")
    ap.add_argument("--input-mb", type=int, default=64, help="size of the word count's input")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--runtime", default="process", choices=["process", "docker", "both"])
    ap.add_argument("--no-spark", action="store_true", help="only parts 1 and 2")
    ap.add_argument("--no-clients", action="store_true", help="only part 3")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE / "tests"))
    sys.path.insert(0, str(EXAMPLES))
    java_classes()
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    base = Path(tempfile.mkdtemp(prefix="sidecar-bench-", dir=shm))
    print("spark-sidecar client benchmark: volumes and input under %s; %d cores; load average %s; python %s"
          % (base, os.cpu_count() or 0, " ".join("%.1f" % x for x in os.getloadavg()), sys.version.split()[0]),
          flush=True)
    load = lambda: " ".join("%.1f" % x for x in os.getloadavg())  # noqa: E731
    row("load average (1, 5, 15 min) at the start", load())
    try:
        if not args.no_clients:
            clients(base, args.rounds, args.requests)
        if not args.no_spark:
            for runtime in (["process", "docker"] if args.runtime == "both" else [args.runtime]):
                word_count(base, runtime, args.rounds, args.input_mb, args.partitions)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    row("load average (1, 5, 15 min) at the end", load())
    print_table()


if __name__ == "__main__":
    main()
