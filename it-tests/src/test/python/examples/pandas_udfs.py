"""The executor's sidecar from DataFrame code: a Python UDF and ``mapInPandas``, each handing its
data to the sidecar (spark-sidecar/fruit-count:1: drop ``Unknown``, ``sort | uniq -c``).

    spark-submit --master <master> --jars spark-sidecar-plugin-<version>-shaded.jar --py-files sparksidecar.zip \\
      --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \\
      --conf spark.sidecar.image=spark-sidecar/fruit-count:1 --conf spark.sidecar.protocol=v1 pandas_udfs.py

``mapInPandas`` hands every Arrow batch to the sidecar in one hand-off (the batch's column as
lines in, the counts back as a pandas DataFrame); the row-at-a-time UDF makes one hand-off per
row, which is right for a few expensive rows and wrong for many cheap ones.
"""
from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

from sparksidecar.config import SidecarConfig

SIDECAR = SidecarConfig(image="spark-sidecar/fruit-count", tag="1", runtime="docker", protocol="v1")
CONF: Dict[str, str] = SIDECAR.to_conf()


def count_batches(batches: Iterator["pandas.DataFrame"]) -> Iterator["pandas.DataFrame"]:
    """``mapInPandas`` function: each batch's ``fruit`` column through the sidecar; yields (fruit, n)."""
    import pandas as pd
    from sparksidecar import sidecar

    sc_ = sidecar()
    for batch in batches:
        with sc_.new_handoff() as h:
            h.write_lines("fruit.txt", (str(f) for f in batch["fruit"]))
            h.expect_output("counts.txt")
            h.run(timeout=300)
            pairs = [line.split() for line in h.iter_lines("counts.txt")]
        yield pd.DataFrame({"fruit": [f for _, f in pairs], "n": [int(n) for n, _ in pairs]})


def kept_by_sidecar(fruit: str) -> int:
    """Row-at-a-time UDF body: 1 when the sidecar keeps ``fruit``, 0 when it drops it."""
    from sparksidecar import sidecar

    with sidecar().new_handoff() as h:
        h.write_lines("fruit.txt", [fruit])
        h.expect_output("counts.txt")
        h.run(timeout=120)
        return sum(int(line.split()[0]) for line in h.iter_lines("counts.txt"))


def counts_via_map_in_pandas(df) -> List[Tuple[str, int]]:
    """Per-fruit counts of ``df`` (column ``fruit``) through the sidecars, summed over batches."""
    from pyspark.sql import functions as F

    counted = df.mapInPandas(count_batches, schema="fruit string, n long")
    return [(r.fruit, r.total) for r in counted.groupBy("fruit").agg(F.sum("n").alias("total")).collect()]


def kept_via_udf(df) -> List[Tuple[str, int]]:
    """(fruit, 1 or 0) for every row of ``df``, through a Python UDF calling the sidecar."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType

    kept = F.udf(lambda fruit: kept_by_sidecar(fruit), IntegerType())  # a plain (not Arrow) Python UDF
    return [(r.fruit, r.kept) for r in df.select("fruit", kept("fruit").alias("kept")).collect()]


if __name__ == "__main__":
    import sys

    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("pandas-udfs").getOrCreate()
    frame = session.read.text(sys.argv[1]).withColumnRenamed("value", "fruit")
    for fruit, n in sorted(counts_via_map_in_pandas(frame)):
        print("%s\t%d" % (fruit, n))
    session.stop()
