"""Seed program: the Spark Connect flow of dependency management, with a sidecar per session. A
session packs a Python environment from PyPI with venv-pack (here: one version of ``tabulate``), adds
it as an archive, and asks for a sidecar that runs the environment's console script once per hand-off;
its UDF hands each row to that command. Two sessions of one server with two versions of the package
each see only their own; sessions that ask for nothing keep the executor-wide sidecar.

    python3 connect_tool.py sc://localhost:15002 'tabulate==0.9.0' sparksidecar.zip

The server: ``spark-submit --class org.apache.spark.sql.connect.service.SparkConnectServer
--jars spark-sidecar-plugin-<version>-shaded.jar --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin ...``.
Packing needs ``pip install venv-pack``; a venv-pack archive runs on hosts that have the Python it
was packed with at the same path (conda-pack carries its own).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Dict, List

#: The fragment the archive is added under: it is unpacked on executors as <session dir>/toolenv.
FRAGMENT = "toolenv"

#: What the sidecar runs per hand-off, in the request's directory (in/, out/) with the environment
#: activated (its bin/ first on PATH, VIRTUAL_ENV set, the executor's PYTHONPATH/PYTHONHOME removed):
#: tabulate's console script formats the rows; the environment's python says which tabulate it is.
COMMAND = ("sh -c 'tabulate -s , -1 -f grid -o out/table.txt in/rows.csv"
           " && python -c \"import tabulate; print(tabulate.__version__)\" > out/version.txt'")


def pack_environment(requirements: List[str], archive: str) -> str:
    """Builds ``archive`` (a ``.tar.gz``): a virtual environment with ``requirements`` from PyPI,
    packed by venv-pack. Blocks for a few seconds; raises ``CalledProcessError`` when pip fails."""
    import venv_pack  # the packer is needed only where archives are built, not in tasks

    with tempfile.TemporaryDirectory(prefix="toolenv-") as tmp:
        prefix = os.path.join(tmp, "venv")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", prefix], check=True)
        subprocess.run([sys.executable, "-m", "pip", "--python", os.path.join(prefix, "bin", "python"), "install",
                        "-q", "--disable-pip-version-check", *requirements], check=True)
        venv_pack.pack(prefix=prefix, output=archive, force=True)
    return archive


def session_conf(fragment: str = FRAGMENT, command: str = COMMAND) -> Dict[str, str]:
    """The session keys: run ``command`` from the archive (activated) per hand-off."""
    return {
        "spark.sidecar.session.runtime": "process",
        "spark.sidecar.session.process.archive": fragment,
        "spark.sidecar.session.command": command,
        "spark.sidecar.session.protocol": "v1",
    }


def use_environment(spark, archive: str, client_zip: str, fragment: str = FRAGMENT, command: str = COMMAND) -> None:
    """Adds the archive and the Python client to this session only, and asks for the session's sidecar."""
    spark.addArtifacts(client_zip, pyfile=True)
    spark.addArtifacts("%s#%s" % (archive, fragment), archive=True)
    for k, v in session_conf(fragment, command).items():
        spark.conf.set(k, v)


def call_tool(name: str) -> str:
    """Inside a task: hands one CSV row to this session's sidecar. Returns JSON: ``version`` and
    ``table`` (the tool's answers), ``executor`` and ``file`` (the discovery file the task used)."""
    import json
    import os

    from sparksidecar import sidecar

    sc_ = sidecar()
    with sc_.new_handoff() as h:
        h.write_input("rows.csv", ("name,length\n%s,%d\n" % (name, len(name))).encode())
        h.expect_output("table.txt").expect_output("version.txt")
        h.run(timeout=60)
        out = {"version": h.read_output("version.txt").decode().strip(), "table": h.read_output("table.txt").decode()}
    out.update(executor=sc_.executor_id, file=os.path.basename(sc_.path))
    return json.dumps(out)


def run(spark, n: int = 4) -> List[Dict[str, str]]:
    """One row per partition through the session's sidecar, ``call_tool``'s answers parsed."""
    from pyspark.sql.functions import col, udf
    from pyspark.sql.types import StringType

    tool = udf(call_tool, StringType(), useArrow=False)  # a plain Python UDF (no type-hint inference)
    rows = spark.range(0, n, 1, n).select(tool(col("id").cast("string")).alias("out")).collect()
    return [json.loads(r.out) for r in rows]


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    url, requirement, client_zip = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as work:
        env = pack_environment([requirement], os.path.join(work, "toolenv.tar.gz"))
        session = SparkSession.builder.remote(url).create()
        use_environment(session, env, client_zip)
        for answer in run(session):
            print("tabulate %s on executor %s:\n%s" % (answer["version"], answer["executor"], answer["table"]))
        session.stop()
