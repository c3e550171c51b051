// lowrank-run's output files are written like every output of the project:
// to a temporary file beside the output, renamed into place when complete.
// A failed or interrupted run leaves an existing output as it was and no
// temporary file behind. The graph broadcasts a scalar to 32 MiB so that
// writing takes long enough to be interrupted.

// RUN: rm -rf %t && mkdir -p %t/out
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.float32(0.5))"

// Success: the outputs are there, no temporary file is left.
// RUN: lowrank-run %s --input %t/x.npy --output-dir %t/out
// RUN: lowrank-run %s --input %t/x.npy --output-dir %t/out --npy
// RUN: ls %t/out | FileCheck %s --check-prefix=DONE
// DONE: output_0.npy
// DONE-NEXT: output_0.pb
// DONE-NOT: {{.}}

// Interrupted while writing: the previous output survives byte for byte.
// RUN: %python %S/../Tools/Inputs/interrupt_output.py SIGINT %t/out/output_0.pb -- \
// RUN:   lowrank-run %s --input %t/x.npy --output-dir %t/out \
// RUN:   | FileCheck %s --check-prefix=INTERRUPTED
// RUN: %python %S/../Tools/Inputs/interrupt_output.py SIGTERM %t/out/output_0.npy -- \
// RUN:   lowrank-run %s --input %t/x.npy --output-dir %t/out --npy \
// RUN:   | FileCheck %s --check-prefix=INTERRUPTED
// INTERRUPTED: interrupted by {{SIGINT|SIGTERM}} while writing OUTPUT.tmp-{{.*}}previous output intact; 0 temporary files left

// A write that fails at the end (the output name is taken by a directory,
// so the final rename fails): an error naming the file, no temporary file.
// RUN: rm -rf %t/out && mkdir -p %t/out/output_0.pb/occupied
// RUN: not lowrank-run %s --input %t/x.npy --output-dir %t/out 2>&1 \
// RUN:   | FileCheck %s --check-prefix=RENAME
// RENAME: output_0.pb: error:
// RUN: ls %t/out | FileCheck %s --check-prefix=NOTEMP
// NOTEMP: output_0.pb
// NOTEMP-NOT: temp

func.func @main_graph(%x: tensor<f32>) -> tensor<2048x4096xf32> {
  %empty = tensor.empty() : tensor<2048x4096xf32>
  %y = linalg.broadcast ins(%x : tensor<f32>)
                        outs(%empty : tensor<2048x4096xf32>) dimensions = [0, 1]
  return %y : tensor<2048x4096xf32>
}
