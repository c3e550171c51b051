// With the AddressSanitizer runtime in the process (the `make test-asan`
// build, or the runtime preloaded as here), lowrank-run instruments the
// code it compiles: an out-of-bounds read of generated code is reported
// like one of the tool's own. This function reads x[i] without a check (it
// is linalg, not ONNX, so nothing asserts the range); i = 1000 reads past
// the 64-byte buffer.

// REQUIRES: asan-runtime
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/x.npy', np.arange(16, dtype=np.float32)); \
// RUN:   np.save('%t/ok.npy', np.array([3], dtype=np.int64)); \
// RUN:   np.save('%t/far.npy', np.array([1000], dtype=np.int64))"
// RUN: env LD_PRELOAD=%asan_runtime ASAN_OPTIONS=detect_leaks=0 \
// RUN:   lowrank-run %s --input %t/x.npy --input %t/ok.npy --print \
// RUN:   | FileCheck %s --check-prefix=INSIDE
// RUN: env LD_PRELOAD=%asan_runtime ASAN_OPTIONS=detect_leaks=0 \
// RUN:   not lowrank-run %s --input %t/x.npy --input %t/far.npy --print 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OUTSIDE

// INSIDE: output 0 'output_0': float32[1] = [3]
// OUTSIDE: ERROR: AddressSanitizer: heap-buffer-overflow
// OUTSIDE: READ of size 4

func.func @main_graph(%x: tensor<16xf32>, %i: tensor<1xi64>) -> tensor<1xf32> {
  %empty = tensor.empty() : tensor<1xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>,
                                        affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%i : tensor<1xi64>) outs(%empty : tensor<1xf32>) {
  ^bb0(%index: i64, %out: f32):
    %position = arith.index_cast %index : i64 to index
    %element = tensor.extract %x[%position] : tensor<16xf32>
    linalg.yield %element : f32
  } -> tensor<1xf32>
  return %y : tensor<1xf32>
}
