"""Typed DataFrames through the executors' sidecars, from PySpark: the same call as the JVM's
``io.sparksidecar.plugin.dataframe.SidecarFrames.transform``.

::

    from sparksidecar.frames import transform

    out = transform(df, "fruit STRING, n INT, price DECIMAL(10,2)", format="csv")
    out.write.saveAsTable("fruit_out")

Each non-empty partition of ``df`` goes to its executor's sidecar as one file (CSV or JSON Lines,
written by Spark's own ``to_csv``/``to_json`` inside the executor JVM); the sidecar's output file is
read back by Spark's own ``from_csv``/``from_json`` into the columns of the output schema. Rows
stream in and out; no Python worker is involved, nothing is collected. An output record that does
not match the schema fails the task with the partition, the row number, the column and the value.

This module imports nothing of pyspark until :func:`transform` is called, so the package stays
importable (and the client usable in tasks) without pyspark. It needs a classic SparkSession (a
py4j gateway to the driver JVM) with the plugin jar on the driver's classpath (``--jars``); Spark
Connect sessions have no driver JVM on the client side and are refused with a clear message.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["transform", "FORMATS"]

#: The formats a partition can travel in.
FORMATS = ("csv", "json")
_FACADE = "io.sparksidecar.plugin.dataframe"


def transform(df: "DataFrame", output_schema: Union["StructType", str], format: str = "csv", *,
              input_name: Optional[str] = None, output_name: Optional[str] = None, header: bool = False,
              timeout: float = 600.0, options: Optional[Mapping[str, str]] = None) -> "DataFrame":
    """Hands every partition of ``df`` to its executor's sidecar and returns the typed result.

    Called on the driver; returns at once (a lazy transformation: the hand-offs run in the tasks of
    the next action). ``output_schema`` is a :class:`pyspark.sql.types.StructType` or a DDL string
    (``"a INT, b STRING"``). ``format`` is ``"csv"`` or ``"json"``; ``input_name``/``output_name``
    default to ``infile.<format>``/``outfile.<format>``; ``header`` (CSV only) writes the column
    names first and skips the output's first line; ``timeout`` bounds one partition's hand-off in
    seconds; ``options`` are extra options of Spark's CSV/JSON writer and reader (e.g. ``sep``).

    Raises :class:`ValueError` for a bad argument found here, :class:`RuntimeError` for a Spark
    Connect session, and py4j's ``Py4JJavaError`` (its message from the JVM's ``SidecarException``,
    naming the column) for a schema or an option the format cannot carry. Failures in the tasks
    surface from the action, as Spark reports them.
    """
    fmt = str(format).lower()
    if fmt not in FORMATS:
        raise ValueError("unknown sidecar frame format %r: one of %s" % (format, ", ".join(FORMATS)))
    if not timeout or timeout <= 0:
        raise ValueError("timeout must be a positive number of seconds, got %r" % (timeout,))
    jdf = getattr(df, "_jdf", None)
    if jdf is None:
        raise RuntimeError("sparksidecar.frames.transform needs a classic SparkSession (py4j, the driver JVM in "
                           "this process); this DataFrame has none (a Spark Connect session?)")
    from pyspark.sql import DataFrame  # lazily: the package imports without pyspark

    spark = df.sparkSession
    jvm = spark.sparkContext._jvm
    pkg = getattr(jvm, _FACADE)
    builder = pkg.FrameOptions.builder(pkg.Format.of(fmt)).header(bool(header)).timeoutMillis(int(timeout * 1000))
    if input_name is not None:
        builder = builder.inputName(input_name)
    if output_name is not None:
        builder = builder.outputName(output_name)
    for key, value in (options or {}).items():
        builder = builder.option(str(key), str(value))
    schema_text = output_schema if isinstance(output_schema, str) else _schema_json(output_schema)
    jout = pkg.SidecarFrames.transform(jdf, schema_text, builder.build())
    return DataFrame(jout, spark)


def _schema_json(schema: Any) -> str:
    json_of = getattr(schema, "json", None)
    if json_of is None or getattr(schema, "fields", None) is None:
        raise ValueError("output_schema must be a pyspark StructType or a DDL string, got %r" % (schema,))
    return json_of()
