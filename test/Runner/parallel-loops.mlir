// A softmax over 96 rows of 512: its max, exp, sum and division loops are
// large enough for lowrank-linalg-to-parallel-calls, so they run on the
// runtime's threads in row ranges; with 1, 2 and 5 threads (5 does not
// divide 96) the result matches numpy's.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: env LOWRANK_NUM_THREADS=1 lowrank-run %s --input %t/softmax_in.npy \
// RUN:   --expect %t/softmax_out.npy | FileCheck %s
// RUN: env LOWRANK_NUM_THREADS=2 lowrank-run %s --input %t/softmax_in.npy \
// RUN:   --expect %t/softmax_out.npy | FileCheck %s
// RUN: env LOWRANK_NUM_THREADS=5 lowrank-run %s --input %t/softmax_in.npy \
// RUN:   --expect %t/softmax_out.npy | FileCheck %s
// RUN: lowrank-opt %s --lowrank-cpu-pipeline | FileCheck %s --check-prefix=IR

// CHECK: output 0 'y': ok float32[96x512]
// IR-COUNT-4: llvm.call @lowrank_parallel_for(

func.func @main_graph(%x: tensor<96x512xf32> {onnx.name = "x"})
    -> (tensor<96x512xf32> {onnx.name = "y"}) {
  %y = "onnx.Softmax"(%x) {axis = 1 : i64} : (tensor<96x512xf32>) -> tensor<96x512xf32>
  return %y : tensor<96x512xf32>
}
