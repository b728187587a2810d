#!/usr/bin/env bash
# Builds jrnn-bench with the peers (Maven profile "peers": Deeplearning4j 1.0.0-M2.1 + nd4j-native, DJL 0.35.1 +
# PyTorch 2.7.1 CPU, ONNX Runtime 1.23.2 on the inference workloads W4) and runs RnnBench: jrnn and both peers on W1-W6, each engine on each workload in a JVM of its
# own (RnnBench starts them one after the other per workload, with this script's java options, classpath and
# environment, so the settings below apply to every one of them; --shared-process runs all engines in one JVM),
# then OpenBLAS's sgemm ceiling at W2's shapes. Prints one table of jrnn/peer ratios; --markdown FILE also writes
# it as Markdown.
#
#   jrnn-bench/run-peers.sh [RnnBench args, e.g. --workloads W1,W2 --reps 7 --engines jrnn,jrnn-fused,pytorch,dl4j,ort]
#
# Environment: TARGET (build folder name, default target; e.g. TARGET=target-h10), THREADS (default 2: OpenBLAS,
# OpenMP (DL4J, libtorch), libtorch's and ONNX Runtime's intra-op pools), SKIP_BUILD=1 to reuse the last build, JAVA_OPTS.
# Nothing is downloaded at run time: DJL runs with -Dai.djl.offline=true and unpacks libtorch from the
# pytorch-native-cpu jar into $TARGET/peer-cache (as JavaCPP does with ND4J's and OpenBLAS's natives).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target="${TARGET:-target}"
threads="${THREADS:-2}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$root" && mvn -q -B -Ppeers -pl jrnn-bench -am -Djrnn.target="$target" package -DskipTests)
fi
out="$here/$target"
cache="$out/peer-cache"
mkdir -p "$cache/djl" "$cache/javacpp"
# OpenMP's default wait policy (spin, then sleep) unless all engines share one JVM: there, spinning workers left
# behind by one engine take the cores from the next, so they must sleep at once (PASSIVE). PASSIVE costs libtorch
# dearly when it runs alone (W4 batch 1: 9-10 ms instead of 2.0 per sequence), so the default mode does not set it.
if [[ " $* " == *" --shared-process "* ]]; then
  export OMP_WAIT_POLICY=PASSIVE
fi
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="${OPENBLAS_THREADS:-$threads}" MKL_NUM_THREADS="$threads"
export DJL_CACHE_DIR="$cache/djl" ENGINE_CACHE_DIR="$cache/djl"
exec java ${JAVA_OPTS:-} -Xss8m \
  -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.bytedeco.javacpp.cachedir="$cache/javacpp" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$out/benchmarks.jar:$(cat "$out/peers.classpath")" dev.jrnn.bench.RnnBench "$@"
