"""Seed program: the Spark Connect flow of dependency management, with a sidecar per session. A
session adds its own environment archive (venv-pack, conda-pack, PEX, or a plain tar.gz), asks for a
sidecar that runs a command from it, and its UDF hands each row to that command through a v1
hand-off. Two sessions of one server with two versions of the tool each see only their own.

    python3 connect_tool.py sc://localhost:15002 tool-1.0.tar.gz sparksidecar.zip

The server: ``spark-submit --class org.apache.spark.sql.connect.service.SparkConnectServer
--jars spark-sidecar-plugin-<version>-shaded.jar --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin ...``.
"""
from __future__ import annotations

import sys
from typing import Dict, List

#: The fragment the archive is added under: it is unpacked on executors as <session dir>/toolenv.
FRAGMENT = "toolenv"


def session_conf(fragment: str = FRAGMENT, command: str = "tool") -> Dict[str, str]:
    """The session keys: run ``command`` from the archive (its bin/ first on PATH) per hand-off."""
    return {
        "spark.sidecar.session.runtime": "process",
        "spark.sidecar.session.process.archive": fragment,
        "spark.sidecar.session.command": command,
        "spark.sidecar.session.protocol": "v1",
    }


def use_environment(spark, archive: str, client_zip: str, fragment: str = FRAGMENT, command: str = "tool") -> None:
    """Adds the archive and the Python client to this session only, and asks for the session's sidecar."""
    spark.addArtifacts(client_zip, pyfile=True)
    spark.addArtifacts("%s#%s" % (archive, fragment), archive=True)
    for k, v in session_conf(fragment, command).items():
        spark.conf.set(k, v)


def call_tool(name: str) -> str:
    """Inside a task: hands ``name`` to this session's sidecar; returns its answer and the discovery file used."""
    import os

    from sparksidecar import sidecar

    sc_ = sidecar()
    with sc_.new_handoff() as h:
        h.write_input("name.txt", name.encode()).expect_output("result.txt")
        h.run(timeout=60)
        answer = h.read_output("result.txt").decode().strip()
    return "%s|%s|%s" % (answer, sc_.executor_id, os.path.basename(sc_.path))


def run(spark, n: int = 4) -> List[str]:
    """One row per partition through the session's sidecar: ``<tool's answer>|<executor>|<discovery file>``."""
    from pyspark.sql.functions import col, udf

    from pyspark.sql.types import StringType

    tool = udf(call_tool, StringType())
    return [r.out for r in spark.range(0, n, 1, n).select(tool(col("id").cast("string")).alias("out")).collect()]


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    url, archive, client_zip = sys.argv[1:4]
    session = SparkSession.builder.remote(url).create()
    use_environment(session, archive, client_zip)
    for line in run(session):
        print(line)
    session.stop()
