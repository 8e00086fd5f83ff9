"""Local mode (``master local[2]``: the executor lives in the driver's JVM, in the user's working
directory): a PySpark job reaches the process sidecar, and the executor's stop leaves nothing in that
directory (no pid list, no empty volume or discovery directory, no empty log) and no process behind.
The driver is a separate ``python3`` process started in a fresh directory, as a user runs a script.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from connect_server import pids_with

SCRIPT = textwrap.dedent("""
    import sys
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("sidecar-local-mode")
             .config("spark.jars", sys.argv[1]).config("spark.submit.pyFiles", sys.argv[2])
             .config("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin")
             .config("spark.sidecar.runtime", "process").config("spark.sidecar.protocol", "v1")
             .config("spark.sidecar.command", "sh -c 'tr a-z A-Z < in/x > out/x'")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false").getOrCreate())

    def upper(rows):
        from sparksidecar import sidecar
        for r in rows:
            with sidecar().new_handoff() as h:
                h.write_input("x", r.encode()).expect_output("x").run(30)
                yield h.read_output("x").decode()

    print("RESULT", sorted(spark.sparkContext.parallelize(["ab", "cd", "ef"], 2).mapPartitions(upper).collect()))
    print("APP", spark.sparkContext.applicationId)
    spark.stop()
""")


def test_local_mode_reaches_the_sidecar_and_leaves_the_working_directory_as_it_was(plugin_jar: str, py_files: str,
                                                                                   tmp_path) -> None:
    cwd = tmp_path / "project"
    cwd.mkdir()
    (cwd / "notes.txt").write_text("the user's own file\n")
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    r = subprocess.run([sys.executable, str(script), plugin_jar, py_files], cwd=str(cwd), env=env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "RESULT ['AB', 'CD', 'EF']" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    app = r.stdout.split("APP ", 1)[1].split()[0]
    assert sorted(p.name for p in cwd.iterdir()) == ["notes.txt"], sorted(p.name for p in cwd.iterdir())
    deadline = time.monotonic() + 20  # the driver's JVM and the watchdog end after the Python driver does
    while pids_with(app) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pids_with(app) == [], "processes of %s left: %s" % (app, pids_with(app))
    assert sorted(p.name for p in cwd.iterdir()) == ["notes.txt"], sorted(p.name for p in cwd.iterdir())
