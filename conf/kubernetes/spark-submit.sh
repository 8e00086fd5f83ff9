#!/bin/sh
# spark-submit on Kubernetes with one sidecar in every executor pod (see README "On Kubernetes").
# The sidecar image must be pullable by the cluster's nodes; the plugin jar must be in the executor
# image (or reachable by spark.jars from the pods): the feature step runs on the driver, the
# executor plugin in each executor.
# (spark.sidecar.protocol=v1/legacy is refused on Kubernetes until the executor side of hand-offs
# uses the pod's volumes: a later slice of issue 9.)
set -eu
API_SERVER=${API_SERVER:-https://kubernetes.example:6443}

spark-submit \
  --master "k8s://$API_SERVER" \
  --deploy-mode cluster \
  --name sidecar-demo \
  --conf spark.kubernetes.namespace=spark-jobs \
  --conf spark.kubernetes.container.image=apache/spark:4.1.1 \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark \
  --conf spark.jars=local:///opt/spark/extra-jars/spark-sidecar-plugin-0.1.0-SNAPSHOT-shaded.jar \
  --conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin \
  --conf spark.kubernetes.executor.pod.featureSteps=io.sparksidecar.plugin.runtime.kubernetes.SidecarFeatureStep \
  --conf spark.sidecar.image=registry.example/tools/geo-server:1.4 \
  --conf spark.sidecar.user=5001 \
  --conf spark.sidecar.ports=8080 \
  --conf spark.sidecar.readiness=http \
  --conf spark.sidecar.readiness.path=/ready \
  --conf spark.sidecar.volumes=shared \
  --conf spark.sidecar.resourceProfile=MEDIUM_CPU_MEDIUM_MEMORY \
  --conf spark.sidecar.kubernetes.nativeSidecar=auto \
  --conf spark.sidecar.kubernetes.volumes.medium=Memory \
  --conf spark.sidecar.kubernetes.volumes.sizeLimit=1g \
  --class com.example.TransformJob \
  local:///opt/spark/examples/jars/transform-job.jar
