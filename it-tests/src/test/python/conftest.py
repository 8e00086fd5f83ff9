"""PySpark end-to-end tests of spark-sidecar on a real standalone cluster of the pip-installed
Spark distribution (``local-cluster[N,1,1024]``: a Master, N Workers and N executor JVMs), with
the shaded plugin jar shipped by ``spark.jars`` and the Python client by ``spark.submit.pyFiles``.

Run from the repository root: ``python3 -m pytest it-tests/src/test/python -q``. Needs
``pip install pyspark==4.1.1``, java, mvn (the shaded jar is built when missing or older than the
sources) and a Docker engine (the test images are built by ``images/build.sh`` when missing).
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from typing import Callable, Dict, Iterator, List, Optional

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "examples")
CLIENT = os.path.join(ROOT, "protocol", "python")
PYSPARK_VERSION = "4.1.1"
#: Bound of one test (a SIGALRM in the test's main thread), seconds.
TEST_TIMEOUT = int(os.environ.get("SIDECAR_PY_TEST_TIMEOUT", "240"))

sys.path.insert(0, CLIENT)
sys.path.insert(0, EXAMPLES)

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - the message is the point
    pytest.exit("pyspark is missing: run `pip install pyspark==%s` (a whole Spark distribution; the JVM tests use "
                "Spark %s)" % (PYSPARK_VERSION, PYSPARK_VERSION), returncode=2)

if pyspark.__version__ != PYSPARK_VERSION:
    pytest.exit("pyspark %s is installed, these tests need %s: pip install pyspark==%s"
                % (pyspark.__version__, PYSPARK_VERSION, PYSPARK_VERSION), returncode=2)


def _newest(paths: List[str]) -> float:
    newest = 0.0
    for top in paths:
        for d, _, files in os.walk(top):
            for f in files:
                newest = max(newest, os.path.getmtime(os.path.join(d, f)))
    return newest


def _plugin_jar() -> str:
    jars = sorted(glob.glob(os.path.join(ROOT, "plugin", "target", "spark-sidecar-plugin-*-shaded.jar")))
    sources = [os.path.join(ROOT, m, "src", "main") for m in ("protocol", "plugin")]
    if not jars or os.path.getmtime(jars[-1]) < _newest(sources):
        cmd = ["mvn", "-B", "-o", "-q", "-pl", "protocol,plugin", "-am", "package", "-DskipTests"]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            pytest.exit("cannot build the shaded plugin jar (%s):\n%s%s" % (" ".join(cmd), r.stdout[-3000:],
                                                                           r.stderr[-3000:]), returncode=2)
        jars = sorted(glob.glob(os.path.join(ROOT, "plugin", "target", "spark-sidecar-plugin-*-shaded.jar")))
    return jars[-1]


def docker(*args: str, timeout: float = 60) -> str:
    r = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("docker %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def containers_of(app_id: str) -> List[str]:
    """Every container (running or not) labelled with this application."""
    return docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + app_id).split()


def await_no_containers(app_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        left = containers_of(app_id)
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError("containers of %s still there %d s after the application ended: %s"
                                 % (app_id, timeout, left))
        time.sleep(0.5)


@pytest.fixture(scope="session")
def plugin_jar() -> str:
    return _plugin_jar()


@pytest.fixture(scope="session")
def images() -> None:
    try:
        docker("info", timeout=20)
    except Exception as e:  # noqa: BLE001
        pytest.exit("no Docker engine: %s" % e, returncode=2)
    r = subprocess.run(["bash", os.path.join(ROOT, "images", "build.sh")], cwd=ROOT, capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        pytest.exit("images/build.sh failed:\n%s%s" % (r.stdout[-2000:], r.stderr[-2000:]), returncode=2)


@pytest.fixture(scope="session")
def py_files(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Python client and the examples in one zip, as users ship theirs (--py-files)."""
    out = str(tmp_path_factory.mktemp("pyfiles") / "sparksidecar.zip")
    with zipfile.ZipFile(out, "w") as z:
        for f in glob.glob(os.path.join(CLIENT, "sparksidecar", "*.py")) + [os.path.join(CLIENT, "sparksidecar",
                                                                                          "py.typed")]:
            z.write(f, os.path.join("sparksidecar", os.path.basename(f)))
        for f in glob.glob(os.path.join(EXAMPLES, "*.py")):
            z.write(f, os.path.basename(f))
    return out


Builder = Callable[..., "pyspark.sql.SparkSession"]


@pytest.fixture
def spark_app(plugin_jar: str, images: None, py_files: str, tmp_path) -> Iterator[Builder]:
    """Starts a SparkSession on local-cluster with the plugin and the given spark.sidecar.* keys;
    stops it at the end of the test and then asserts that no container of the app is left (30 s)."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_SCALA_VERSION", "2.13")
    # the pip distribution is the cluster (bin/, jars/): never a SPARK_HOME of another Spark
    os.environ["SPARK_HOME"] = os.path.dirname(os.path.abspath(pyspark.__file__))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    started: List[SparkSession] = []

    def start(name: str, sidecar_conf: Dict[str, str], master: str = "local-cluster[2,1,1024]",
              extra: Optional[Dict[str, str]] = None) -> SparkSession:
        # a fresh conf that loads no defaults: nothing of an earlier test's application (the JVM
        # keeps system properties between SparkContexts of one gateway) leaks into this one
        conf = SparkConf(loadDefaults=False).setMaster(master).setAppName(name).setAll([
            ("spark.executor.memory", "512m"),
            ("spark.driver.host", "127.0.0.1"),
            ("spark.driver.bindAddress", "127.0.0.1"),
            ("spark.ui.enabled", "false"),
            ("spark.scheduler.minRegisteredResourcesRatio", "1.0"),
            ("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s"),
            ("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin"),
            ("spark.jars", plugin_jar),
            ("spark.sql.warehouse.dir", str(tmp_path / "warehouse")),
            ("spark.sidecar.stopTimeout", "2s"),
            ("spark.sidecar.health.interval", "1s"),
            *sidecar_conf.items(), *(extra or {}).items()])
        if conf.get("spark.plugins") == "":
            conf = SparkConf(loadDefaults=False).setAll(
                [(k, v) for k, v in conf.getAll() if k != "spark.plugins"])  # a cluster without the plugin
        # the client and the examples as a zip, as --py-files ships them (SparkContext.addPyFile)
        s = SparkSession(SparkContext(conf=conf, pyFiles=[py_files]))
        started.append(s)
        return s

    def too_long(signum: int, frame: object) -> None:
        raise TimeoutError("test exceeded %d s" % TEST_TIMEOUT)

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield start
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    for s in started:
        app_id = s.sparkContext.applicationId
        s.stop()
        try:
            await_no_containers(app_id, 30)
        finally:
            # the workers keep <SPARK_HOME>/work/<app> (the plugin jar per executor, ~22 MB, and the
            # logs) inside the pip package: removed, unless kept for debugging with SIDECAR_KEEP_WORK
            if not os.environ.get("SIDECAR_KEEP_WORK"):
                shutil.rmtree(os.path.join(os.environ["SPARK_HOME"], "work", app_id), ignore_errors=True)
