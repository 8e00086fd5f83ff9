"""sparksidecar.frames from PySpark: typed DataFrames through real dd-cli sidecars on a local-cluster
of the pip-installed Spark: ``transform`` (the JVM's SidecarFrames, called through py4j) in CSV,
JSON and Arrow, and ``transform_batches`` (a partition of rows in Python task code, inside
``mapInArrow``)."""
from __future__ import annotations

import datetime
import decimal

import pytest

from sparksidecar.frames import transform, transform_batches

CONF = {"spark.sidecar.image": "spark-sidecar/dd-cli:1", "spark.sidecar.runtime": "docker",
        "spark.sidecar.protocol": "v1"}


def test_typed_dataframes_go_through_the_sidecars_and_back_from_python(spark_app) -> None:
    from pyspark.sql.types import (BinaryType, DateType, DecimalType, FloatType, IntegerType, ShortType,
                                   StringType, StructField, StructType, TimestampType)

    spark = spark_app("py-frames", CONF)
    schema = StructType([StructField("fruit", StringType()), StructField("n", IntegerType()),
                         StructField("price", DecimalType(10, 2)), StructField("weight", FloatType()),
                         StructField("picked", DateType()), StructField("seen", TimestampType()),
                         StructField("code", BinaryType()), StructField("grade", ShortType())])
    fruits = ["apple, red", 'banana "b"', "cherry", "date\nwith a line break", ""]
    rows = [(fruits[i % 5], i, decimal.Decimal("%d.25" % i), i * 0.5, datetime.date(2026, 11, 1 + i % 28),
             datetime.datetime(2026, 11, 30, 10, 0, 0, 123456 + i), bytes([i, 0, 255]), i - 20) for i in range(20)]
    rows.append((None,) * 8)
    df = spark.createDataFrame(rows, schema).repartition(4)

    out = transform(df, schema, "csv")
    assert [(f.name, f.dataType) for f in out.schema.fields] == [(f.name, f.dataType) for f in schema.fields]
    assert sorted(out.toJSON().collect()) == sorted(df.toJSON().collect())
    got = {r.n: r for r in out.collect()}
    assert got[3].price == decimal.Decimal("3.25") and isinstance(got[3].picked, datetime.date)
    assert got[3].code == bytearray([3, 0, 255]) and got[4].fruit == "" and got[None].fruit is None

    # JSON, nested, a DDL schema, the names the dd-cli command knows
    nested = df.selectExpr("fruit", "array(named_struct('n', n, 'seen', seen), null) AS batches",
                           "map('grade', cast(grade AS STRING)) AS tags")
    back = transform(nested, "fruit STRING, batches ARRAY<STRUCT<n: INT, seen: TIMESTAMP>>, tags MAP<STRING, STRING>",
                     "json", input_name="infile.csv", output_name="outfile.csv")
    assert sorted(back.toJSON().collect()) == sorted(nested.toJSON().collect())

    # Arrow IPC, through the JVM (flat and nested), under the names the dd-cli command knows
    dd = {"input_name": "infile.csv", "output_name": "outfile.csv"}
    assert sorted(transform(df, schema, "arrow", **dd).toJSON().collect()) == sorted(df.toJSON().collect())
    assert sorted(transform(nested, nested.schema, "arrow", **dd).toJSON().collect()) == sorted(nested.toJSON().collect())

    # a partition of rows in Python task code: mapInArrow's batches through each executor's sidecar
    via_tasks = df.mapInArrow(lambda batches: transform_batches(batches, schema=schema, **dd), schema)
    assert sorted(via_tasks.toJSON().collect()) == sorted(df.toJSON().collect())
    # an output that does not match the schema fails the task naming the row, the column and its Arrow type
    as_int = StructType([StructField("fruit", IntegerType())])
    with pytest.raises(Exception) as wrong:
        df.select("fruit").mapInArrow(lambda batches: transform_batches(batches, schema=as_int, **dd), as_int).collect()
    assert "row 1, column 'fruit' (int): the Arrow stream has column 1 'fruit' of Arrow type string" in str(wrong.value)

    # an output schema the sidecar's output does not match: the action fails naming row, column and value
    with pytest.raises(Exception) as failed:
        transform(df.filter("fruit = 'cherry'").coalesce(1), "fruit INT, n INT, price DECIMAL(10,2), weight FLOAT, "
                  "picked DATE, seen TIMESTAMP, code BINARY, grade SMALLINT", "csv").collect()
    assert "row 1, column 'fruit' (int): value 'cherry' is not an int" in str(failed.value)

    # a type CSV cannot carry is refused on the driver, naming the column
    with pytest.raises(Exception) as refused:
        transform(nested, "fruit STRING", "csv")
    assert "CSV cannot carry the input column 'batches'" in str(refused.value)
