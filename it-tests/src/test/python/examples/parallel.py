"""Seed program (c): the parallel run. Four CSV rows, repartition(4), one row per task through its
executor's sidecar (dd-cli), the results saved as a parquet table.

    spark-submit --master <master> --jars spark-sidecar-plugin-<version>-shaded.jar --py-files sparksidecar.zip \\
      --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \\
      --conf spark.sidecar.image=spark-sidecar/dd-cli:1 --conf spark.sidecar.protocol=v1 parallel.py
"""
from __future__ import annotations

from typing import Dict, Iterable, Iterator, List

from sparksidecar.config import SidecarConfig

#: Configured as the reference decorator reads: image, tag, volumes, resource profile.
SIDECAR = SidecarConfig(image="spark-sidecar/dd-cli", tag="1", runtime="docker", protocol="v1",
                        volumes=["shared"], resource_profile="SMALL_CPU_SMALL_MEMORY")
CONF: Dict[str, str] = SIDECAR.to_conf()

ROWS = ["apple,1", "banana,2", "cherry,3", "date,4"]


def through_sidecar(rows: Iterable) -> Iterator[tuple]:
    """Each row as in/infile.csv through this executor's sidecar; yields (fruit, count, executor, container)."""
    from sparksidecar import sidecar

    sc_ = sidecar()
    for row in rows:
        line = "%s,%d\n" % (row.fruit, row["count"])
        with sc_.new_handoff() as h:
            h.write_input("infile.csv", line.encode("utf-8")).expect_output("outfile.csv")
            h.run(timeout=120)
            [out] = h.read_lines("outfile.csv")
        fruit, count = out.split(",")
        yield fruit, int(count), sc_.executor_id, sc_.info().instance_id


def run(spark, table: str = "sidecar_parallel", partitions: int = 4) -> List:
    """Runs the rows through the sidecars, saves them as the parquet table ``table`` and returns its rows."""
    rows = [tuple(r.split(",")) for r in ROWS]
    # from one partition, the round-robin of repartition puts consecutive rows in distinct partitions
    one = spark.sparkContext.parallelize([(f, int(c)) for f, c in rows], 1)
    df = spark.createDataFrame(one, "fruit string, count int").repartition(partitions)
    done = df.rdd.mapPartitions(through_sidecar).toDF("fruit string, count int, executor string, container string")
    done.write.mode("overwrite").format("parquet").saveAsTable(table)
    return spark.table(table).collect()


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("parallel").getOrCreate()
    for r in run(session):
        print(r)
    session.stop()
