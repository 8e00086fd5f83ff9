package io.sparksidecar.plugin.dataframe;

import java.io.Serializable;
import org.apache.spark.sql.types.StructType;

/**
 * What a partition's hand-off needs on the executor: the options, the schemas of the rows going in
 * and coming out, and the time zone of dates and timestamps (the session's). A value.
 */
record FramePlan(FrameOptions options, StructType input, StructType output, String timeZone) implements Serializable {
}
