"""Seed program (b): a CLI sidecar run once. A file goes in, the image's agent copies it with dd,
the file and the log come back (the client verifies size and checksum).

    spark-submit --master <master> --jars spark-sidecar-plugin-<version>-shaded.jar --py-files sparksidecar.zip \\
      --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \\
      --conf spark.sidecar.image=spark-sidecar/dd-cli:1 --conf spark.sidecar.protocol=v1 cli_once.py
"""
from __future__ import annotations

import hashlib
import os
from typing import Dict, Iterable, Iterator, Tuple

from sparksidecar.config import SidecarConfig, Volume

SIDECAR = SidecarConfig(image="spark-sidecar/dd-cli", tag="1", runtime="docker", protocol="v1",
                        volumes=[Volume("shared", "/opt/sidecar/shared-volumes/shared")])
CONF: Dict[str, str] = SIDECAR.to_conf()


def copy_through_sidecar(data: bytes) -> Tuple[bytes, str]:
    """Hands ``data`` to this executor's sidecar as in/infile.csv; returns (out/outfile.csv, log)."""
    from sparksidecar import sidecar

    with sidecar().new_handoff() as h:
        h.write_input("infile.csv", data).expect_output("outfile.csv")
        h.run(timeout=120)
        return h.read_output("outfile.csv"), h.log()


def run(spark, size: int = 3 << 20, seed: int = 5) -> Tuple[bytes, bytes, str]:
    """Returns (the input, what came back, the request's log)."""
    data = (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size] if seed >= 0 else os.urandom(size)

    def once(_: Iterable[int]) -> Iterator[Tuple[bytes, str]]:
        yield copy_through_sidecar(data)

    [(copy, log)] = spark.sparkContext.parallelize([0], 1).mapPartitions(once).collect()
    return data, copy, log


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("cli-once").getOrCreate()
    sent, back, log = run(session)
    print("byte-identical: %s (%d bytes)\n%s" % (sent == back, len(back), log))
    session.stop()
