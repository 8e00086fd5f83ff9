"""Seed program (d): an image written for the older start/done/close flag convention, unchanged
(spark-sidecar/legacy-flags:1 copies infile.csv to outfile.csv with dd, one hand-off per
container), used from Python tasks.

    spark-submit --master <master> --jars spark-sidecar-plugin-<version>-shaded.jar --py-files sparksidecar.zip \\
      --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \\
      --conf spark.sidecar.image=spark-sidecar/legacy-flags:1 --conf spark.sidecar.protocol=legacy legacy_image.py

The executor replaces the container after every hand-off and clears the flags; Python workers of
one executor take turns on the volume (a lock file the Java client takes too).
"""
from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Tuple

from sparksidecar.config import SidecarConfig

SIDECAR = SidecarConfig(image="spark-sidecar/legacy-flags", tag="1", runtime="docker", protocol="legacy")
CONF: Dict[str, str] = SIDECAR.to_conf()


def copy_rows(rows: Iterable[str]) -> Iterator[Tuple[str, str, bool, str]]:
    """Each row as infile.csv through the legacy image; yields (row in, row out, the image's log
    line seen, the sidecar instance that served it)."""
    from sparksidecar import sidecar

    sc_ = sidecar()
    for row in rows:
        with sc_.new_handoff() as h:
            h.write_input("infile.csv", (row + "\n").encode("utf-8")).expect_output("outfile.csv")
            h.run(timeout=120)
            out = h.read_output("outfile.csv").decode("utf-8").strip()
            yield row, out, "legacy image: copying infile.csv" in h.log(), sc_.info().instance_id


def run(spark, rows: List[str], partitions: int) -> List[Tuple[str, str, bool, str]]:
    return spark.sparkContext.parallelize(rows, partitions).mapPartitions(copy_rows).collect()


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("legacy-image").getOrCreate()
    for r in run(session, ["first,1", "second,2", "third,3", "fourth,4"], 2):
        print(r)
    session.stop()
