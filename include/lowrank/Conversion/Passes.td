//===- Passes.td - Conversion passes of lowrank-opt --------*- tablegen -*-===//

#ifndef LOWRANK_CONVERSION_PASSES_TD
#define LOWRANK_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowrankConvertONNXToLinalg
    : Pass<"lowrank-convert-onnx-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower onnx dialect ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites every onnx op into linalg-on-tensors (named ops where one fits,
    `linalg.generic` otherwise) plus tensor, arith and math ops; the
    recurrent operators (LSTM, GRU, RNN) become an `scf.for` over the time
    steps whose body is linalg on tensors. Shapes must be static where the
    lowering needs them (reshape targets, slice bounds, recurrent operators);
    run `lowrank-onnx-fold-shapes` first so shape arithmetic is constant.

    Before:
    ```mlir
    %y = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
    After:
    ```mlir
    %e = tensor.empty() : tensor<2x3xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                          affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%a, %b : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
    ^bb0(%x: f32, %z: f32, %out: f32):
      %s = arith.addf %x, %z : f32
      linalg.yield %s : f32
    } -> tensor<2x3xf32>
    ```
    An op that cannot be lowered (unsupported attribute combination, dynamic
    shape where a static one is needed) is reported at its node location and
    the pass fails.

    What ONNX Runtime checks before computing, the lowered code checks too:
    Gather indices outside their axis and zero divisors of integer Div and
    Mod become `cf.assert`s before the op (constant operands are checked
    here, at compile time). `lowrank-checks-to-status` turns them into an
    error status returned by the compiled function.

    ```mlir
    %g = onnx.Gather %data, %i {axis = 0 : si64}
        : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
    // becomes, before the gather's linalg.generic
    %ok = linalg.generic {... iterator_types = ["reduction"]}
        ins(%i : tensor<3xi64>) outs(%true : tensor<i1>) {...}
    %v = tensor.extract %ok[] : tensor<i1>
    cf.assert %v, "node 'g': Gather index out of range for axis 0 of size 5"
    ```

    Control flow becomes scf: `onnx.If` an `scf.if` on the extracted
    condition, `onnx.Loop` an `scf.while` (iteration number, condition and
    loop-carried values as iteration arguments; scan outputs inserted slice
    by slice into a tensor of their static shape) and `onnx.Scan` an
    `scf.for` over the scanned axis. The subgraph bodies move into the scf
    regions and are lowered like the rest of the function.

    ```mlir
    %y = onnx.If %c : (tensor<i1>) -> tensor<4xf32> {
      onnx.Yield %a : tensor<4xf32>
    } else {
      onnx.Yield %b : tensor<4xf32>
    }
    // becomes
    %v = tensor.extract %c[] : tensor<i1>
    %y = scf.if %v -> (tensor<4xf32>) {
      scf.yield %a : tensor<4xf32>
    } else {
      scf.yield %b : tensor<4xf32>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LowrankMemrefCopyToLinalg
    : Pass<"lowrank-memref-copy-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy into linalg.copy";
  let description = [{
    Bufferization copies between buffers with `memref.copy`, which the LLVM
    lowering turns into a call to `memrefCopy` from MLIR's C runner
    utilities whenever a side is strided (a padded or sliced view). As
    `linalg.copy` it becomes loops instead, so compiled models need no
    runtime library.

    ```mlir
    memref.copy %a, %b : memref<4xf32> to memref<4xf32, strided<[1], offset: 2>>
    // becomes
    linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32, strided<[1], offset: 2>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LowrankExpandDynamicGroups
    : Pass<"lowrank-expand-dynamic-groups", "::mlir::func::FuncOp"> {
  let summary = "Rewrite expand_shape of several dynamic sizes per group "
                "into reinterpret_cast";
  let description = [{
    A `memref.expand_shape` that splits one dimension into several dynamic
    ones (the rows of a product back into a symbolic batch and sequence) is
    rewritten into a `memref.reinterpret_cast` of its contiguous source with
    the row-major strides of the output shape. `expand-strided-metadata`
    handles at most one dynamic size per reassociation group.

    ```mlir
    %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%b, %s, 32]
        : memref<?x32xf32> into memref<?x?x32xf32>
    // becomes
    %e = memref.reinterpret_cast %a to offset: [0], sizes: [%b, %s, 32],
        strides: [%s * 32, 32, 1] : memref<?x32xf32> to memref<?x?x32xf32>
    ```

    Only expansions of sources with the identity layout are rewritten; the
    others are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def LowrankCheckOutputSizes
    : Pass<"lowrank-check-output-sizes", "::mlir::func::FuncOp"> {
  let summary = "Check the caller's output buffers against the results' sizes";
  let description = [{
    After `buffer-results-to-out-params`, a result of dynamic shape is
    copied into the output buffer the caller passed. Before each such copy,
    this pass asserts that every dynamic size of the buffer equals the
    result's, so that a caller who sized an output wrongly gets an error
    status (`lowrank-checks-to-status`) instead of a write out of bounds.
    The message names the output by its `onnx.name` argument attribute.

    ```mlir
    memref.copy %result, %out : memref<?x8xf32> to memref<?x8xf32>
    // gets before it
    %0 = memref.dim %result, %c0 : memref<?x8xf32>
    %1 = memref.dim %out, %c0 : memref<?x8xf32>
    %2 = arith.cmpi eq, %0, %1 : index
    cf.assert %2, "output 'y': the buffer's size in dimension 0 differs from the result's"
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def LowrankCopyRepeatedResults
    : Pass<"lowrank-copy-repeated-results", "::mlir::func::FuncOp"> {
  let summary = "Give each returned tensor its own value";
  let description = [{
    A graph may return one value as several outputs (ONNX allows it). After
    bufferization each result becomes a caller-provided output buffer, so a
    value returned twice would have to live in two buffers at once; this
    pass copies the second and later occurrences (`linalg.copy` into a
    fresh `tensor.empty`) before bufferization.

    ```mlir
    return %t, %t : tensor<4xf32>, tensor<4xf32>
    // becomes
    %e = tensor.empty() : tensor<4xf32>
    %c = linalg.copy ins(%t : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    return %t, %c : tensor<4xf32>, tensor<4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowrankReadOnlyArguments
    : Pass<"lowrank-read-only-arguments", "::mlir::func::FuncOp"> {
  let summary = "Keep bufferization from writing into the caller's inputs";
  let description = [{
    Marks every tensor argument of a public function
    `bufferization.writable = false`. One-Shot Bufferize may otherwise
    update an input buffer in place (a recurrent state initialized from a
    graph input and updated at every step): the caller's tensor would
    change, and a second call on the same inputs (the output-sizes
    function runs before the model) would read the changed values. A value
    computed in place from an input is now computed in a copy.

    ```mlir
    func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32>
    // becomes
    func.func @main_graph(%x: tensor<4xf32> {bufferization.writable = false}) -> tensor<4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def LowrankCloneSharedInits
    : Pass<"lowrank-clone-shared-inits", "::mlir::func::FuncOp"> {
  let summary = "Give each destination-style op its own tensor.empty or fill";
  let description = [{
    CSE merges the identical `tensor.empty` and zero `linalg.fill` inits of
    every matmul and elementwise op into one value with hundreds of writers.
    One-shot bufferization then checks every write to that value against
    every other use of it: quadratic in the number of ops (28 s for a chain
    of 2000 ONNX nodes). This pass clones such an init (a `tensor.empty`, or
    a `linalg.fill` or broadcasting `linalg.generic` into one) for each
    destination operand that reads it, so that each write has a value of its
    own; bufferization gives each one a buffer as it would have after
    finding the conflicts, in linear time. A cloned broadcast (convolutions
    with equal biases share one) stays next to its convolution, where
    `lowrank-linalg-to-ukernel` folds it into the kernel call instead of
    copying a shared buffer.

    ```mlir
    %e = tensor.empty() : tensor<1x32xf32>
    %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x32xf32>) -> tensor<1x32xf32>
    %a = linalg.matmul ins(%x, %w0 : ...) outs(%z : tensor<1x32xf32>) -> tensor<1x32xf32>
    %b = linalg.matmul ins(%a, %w1 : ...) outs(%z : tensor<1x32xf32>) -> tensor<1x32xf32>
    // becomes
    %e = tensor.empty() : tensor<1x32xf32>
    %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x32xf32>) -> tensor<1x32xf32>
    %a = linalg.matmul ins(%x, %w0 : ...) outs(%z : tensor<1x32xf32>) -> tensor<1x32xf32>
    %e1 = tensor.empty() : tensor<1x32xf32>
    %z1 = linalg.fill ins(%c0 : f32) outs(%e1 : tensor<1x32xf32>) -> tensor<1x32xf32>
    %b = linalg.matmul ins(%a, %w1 : ...) outs(%z1 : tensor<1x32xf32>) -> tensor<1x32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowrankConvToMatmul
    : Pass<"lowrank-conv-to-matmul", "::mlir::func::FuncOp"> {
  let summary = "Rewrite f32 2-D convolutions as im2col and a matmul";
  let description = [{
    A `linalg.conv_2d_nchw_fchw` on f32 tensors with static sizes (but the
    batch) becomes, per image, a gather of its input windows (a
    `linalg.generic` with an affine read map; nothing for a 1x1 kernel of
    unit strides) and a `linalg.matmul` of the F x C*KH*KW filter by the
    C*KH*KW x OH*OW columns, accumulating onto the convolution's init (its
    bias), so that `lowrank-linalg-to-ukernel` runs it in the GEMM kernels.
    Batches above 1 loop over the images (`scf.for` with slices). A
    convolution whose columns would exceed 2^24 elements (64 MiB per image)
    keeps its loop nest instead of allocating them. Grouped
    and depthwise convolutions, which the ONNX lowering writes as a
    `linalg.generic` over loops (n, g, m, o_1..o_s, c, k_1..k_s), keep
    their form but get the loop order (n, g, m, o_1..o_s-1, c, k_1..k_s,
    o_s), so that the innermost loop runs along an output row instead of
    over the window.

    With `direct-convolutions`, the 2-D convolutions that the runtime's
    direct convolution kernel takes (f32, static sizes but the batch) are
    left as they are: `lowrank-linalg-to-ukernel` calls that kernel on
    buffers, which gathers the columns panel by panel instead of writing
    them all, and folds the zero padding, the bias and a ReLU into the call.

    ```mlir
    %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
        ins(%x, %w : tensor<1x8x6x6xf32>, tensor<16x8x3x3xf32>) outs(%b : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
    // becomes
    %cols = linalg.generic {...} ins(%x : tensor<1x8x6x6xf32>) outs(%e : tensor<1x8x3x3x4x4xf32>)
    %c = tensor.collapse_shape %cols [[0, 1, 2, 3], [4, 5]] : tensor<1x8x3x3x4x4xf32> into tensor<72x16xf32>
    %m = linalg.matmul ins(%wm, %c : tensor<16x72xf32>, tensor<72x16xf32>) outs(%bm : tensor<16x16xf32>) -> tensor<16x16xf32>
    %y = tensor.expand_shape %m [[0, 1], [2, 3]] ...
    ```
  }];
  let options = [
    Option<"directConvolutions", "direct-convolutions", "bool",
           /*default=*/"false",
           "Leave the convolutions that the runtime's direct convolution "
           "kernel takes to lowrank-linalg-to-ukernel">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LowrankTransposesIntoProducts
    : Pass<"lowrank-transposes-into-products", "::mlir::func::FuncOp"> {
  let summary = "Let products read and write strided views instead of "
                "transposed copies";
  let description = [{
    On buffers, before `lowrank-linalg-to-ukernel`: a `linalg.transpose`
    into a temporary buffer that one later product (a contraction with two
    inputs and one reduction loop, such as `linalg.batch_matmul`) reads is
    removed, and the product reads the transpose's source through a
    `memref.transpose` view (expanded the same way when the product reads
    the temporary through one `memref.expand_shape`, as the keys of an
    exported attention layer often are); a `linalg.transpose` out of a
    temporary that one earlier product wrote (after optional fills) is
    removed, and the product writes the transpose's destination through
    the inverse view.
    The runtime's kernels take any strides, so the head splits and merges
    of attention layers cost no copies. Nothing is changed when another op
    between the two may write the source, or touch the destination; a
    destination allocated after the product moves up when its shape is
    static.

    ```mlir
    linalg.transpose ins(%q : memref<1x128x12x32xf32>)
                     outs(%t : memref<1x12x128x32xf32>) permutation = [0, 2, 1, 3]
    linalg.batch_matmul ins(%t, %k : ...) outs(%s : ...)
    memref.dealloc %t : memref<1x12x128x32xf32>
    // becomes
    %v = memref.transpose %q (d0, d1, d2, d3) -> (d0, d2, d1, d3)
        : memref<1x128x12x32xf32> to memref<1x12x128x32xf32, strided<[49152, 32, 384, 1]>>
    linalg.batch_matmul ins(%v, %k : ...) outs(%s : ...)
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def LowrankLinalgToUKernel
    : Pass<"lowrank-linalg-to-ukernel", "::mlir::ModuleOp"> {
  let summary = "Call the CPU runtime's kernels for f32 matmuls and "
                "convolutions on buffers";
  let description = [{
    Rewrites `linalg.matmul` and `linalg.batch_matmul` on f32 memrefs into
    calls of `liblowrank_cpu_runtime` (packed, register-blocked, threaded
    kernels; see `include/lowrank/Runtime/CPU/Runtime.h`). Transposed
    operands (indexing maps `(k, m)` or `(n, k)`, as Gemm's `transA` and
    `transB` produce) become `memref.transpose` views, whose strides the
    kernels read. A `linalg.fill` of zero right before the matmul into the
    same buffer is folded into the call (the kernel overwrites C instead of
    accumulating). A right-hand operand read from a constant
    `memref.global` is a weight: the call gets a private slot global where
    the runtime keeps the weight packed after the first call. A bias
    addition (`linalg.generic` adding a 1-D vector along the last dim) that
    is the only reader of a weight product is fused into the call
    (`lowrank_matmul_packed_bias_f32`), which then writes the addition's
    output.

    An f32 `linalg.conv_2d_nchw_fchw` (static sizes but the batch) becomes
    a call of the runtime's direct convolution (`lowrank_conv2d_f32`, or
    `lowrank_conv2d_bias_f32`), a `linalg.depthwise_conv_2d_nchw_chw` one
    of its depthwise convolution (`lowrank_depthwise_conv2d_f32`, or
    `..._bias_f32`), with strides, dilations, the top and left padding and
    the flags as i64 arguments. Folded into the call when they match
    exactly: a zero padding of the input (a zero-filled allocation whose
    interior gets one copy of the source, which nothing writes before the
    convolution: the call reads the source); an output initialized with
    zero or with a 1-D bias broadcast along dim 1 (the call overwrites it,
    adding the bias); and, then, what alone reads the output: a ReLU
    (`max(x, 0)`), or for a full convolution with a bias the addition of
    another tensor of its shape (a residual connection, with or without a
    ReLU after it; `lowrank_conv2d_bias_add_f32`). The call applies it and
    writes the reader's buffer, which must not be the added tensor. Constant filters of a full convolution get a slot for their
    packed form (flag `LOWRANK_CONV_CONSTANT_WEIGHTS`). Other linalg ops are
    left to the loop lowering.

    A factor pair, a weight product writing an intermediate buffer T that
    the next weight product in the block reads (`(x * A) * B` of a
    factorized layer), becomes one call of `lowrank_matmul_pair_f32` (or
    `..._bias_f32` when the second product had a fused bias) at the first
    product, when nothing between the two touches T or the second's output,
    and the second's operands are available there or are views, constants
    and allocations that can move there (`fuse-pairs`). The runtime then
    computes a block of rows of T and the same rows of the result on one
    thread, so the bottleneck rows stay in its cache and the pool is called
    once; other readers of T (the other members of a shared bottleneck)
    still find all of T written.

    Before:
    ```mlir
    %w = memref.get_global @weight : memref<384x1536xf32>
    linalg.fill ins(%zero : f32) outs(%c : memref<128x1536xf32>)
    linalg.matmul ins(%x, %w : memref<128x384xf32>, memref<384x1536xf32>)
                  outs(%c : memref<128x1536xf32>)
    ```
    After:
    ```mlir
    %w = memref.get_global @weight : memref<384x1536xf32>
    %slot = memref.get_global @__lowrank_packed_0 : memref<1xi64>
    %xd = memref.cast %x : memref<128x384xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
    ...
    %flags = arith.constant 1 : i64
    call @lowrank_matmul_packed_f32(%xd, %wd, %cd, %slot, %flags) : (...) -> ()
    ```
  }];
  let options = [
    Option<"fuseBias", "fuse-bias", "bool", /*default=*/"true",
           "Fold a row-wise bias addition that reads only a weight product "
           "into the call (the kernel adds the bias while the result is in "
           "registers and writes the addition's output buffer)">,
    Option<"fusePairs", "fuse-pairs", "bool", /*default=*/"true",
           "Merge the two weight products of a factor pair (X * A into T, "
           "then T * B) into one call that computes T and the result row "
           "block by row block on each thread">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def LowrankApproximateMath
    : Pass<"lowrank-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "Replace f32 transcendental functions by inline polynomials";
  let description = [{
    Rewrites the selected `math` ops on f32 (scalars or vectors) into MLIR's
    polynomial approximations (range reduction, a minimax polynomial or
    rational function, and the special cases of the IEEE values: NaN, the
    infinities, overflow and underflow). The CPU pipeline runs it before the
    loop lowering: a loop body that calls libm's `expf` or `erff` per
    element stays scalar, while one made of arithmetic is vectorized by
    LLVM. The approximations are accurate to a few ulp on f32; ops not
    selected, and ops on other types, keep their libm calls. `math.erf` on
    f32 (GELU's) is one rational function of x clamped to [-4, 4], the
    minimax one Eigen and XLA use (within 3e-7 of erf), instead of MLIR's
    approximation, which selects coefficients among three ranges per
    element and costs several times as many instructions.

    ```mlir
    %y = math.erf %x : f32
    // becomes arithmetic only: clamps to [-4, 4], x P(x^2) / Q(x^2) by
    // fused multiply-adds, the result clamped to [-1, 1]
    ```
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "Math op names (without `math.`) to approximate; default: "
               "exp, expm1, erf, tanh, log, log1p, log2">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def LowrankFuseElementwise
    : Pass<"lowrank-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg.generic ops into their only reader";
  let description = [{
    ONNX lowers node by node, so GELU becomes five `linalg.generic`s that
    each read and write a full tensor. This pass fuses an elementwise
    producer (no reduction loops) into its consumer when the consumer is
    the producer's only reader, with upstream's elementwise fusion
    patterns: the chain becomes one loop nest whose intermediate values
    stay in registers. It is more conservative than upstream's
    `linalg-fuse-elementwise-ops`: a producer read by several ops is left
    alone (softmax's `exp` is not computed twice), contractions are never a
    fusion target (they must stay matmuls for the CPU kernels) and reshapes
    are not moved.

    ```mlir
    %d = linalg.generic {...} ins(%x, %c) outs(%e) { divf }
    %f = linalg.generic {...} ins(%d) outs(%e) { math.erf }
    // becomes one linalg.generic computing erf(x / c)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LowrankReductionsToLoops
    : Pass<"lowrank-reductions-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Lower linalg reductions to loops that keep the accumulators "
                "in registers";
  let description = [{
    On buffers, before `convert-linalg-to-loops`: every `linalg.generic`
    with reduction iterators and a body free of side effects becomes
    `scf.for` loops, its parallel dimensions outside and its reduction
    dimensions inside. The reduction loops carry the output values as loop
    values: the outputs are loaded once before them and stored once after,
    instead of in every iteration, and the body's ops that combine an
    accumulator with a new value get the `reassoc` fast-math flag, so that
    LLVM vectorizes the loop by splitting the chain across lanes (a sum of
    a row then adds sixteen products at a time, in another order than one
    by one; the result differs in the last bits, like any vectorized sum).

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction"], ...}
        ins(%x : memref<128x128xf32>) outs(%sum : memref<128xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %0 = arith.addf %in, %acc : f32
      linalg.yield %0 : f32
    }
    // becomes
    scf.for %i = %c0 to %c128 step %c1 {
      %init = memref.load %sum[%i] : memref<128xf32>
      %r = scf.for %j = %c0 to %c128 step %c1 iter_args(%acc = %init) -> (f32) {
        %in = memref.load %x[%i, %j] : memref<128x128xf32>
        %0 = arith.addf %in, %acc fastmath<reassoc> : f32
        scf.yield %0 : f32
      }
      memref.store %r, %sum[%i] : memref<128xf32>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def LowrankLinalgToParallelCalls
    : Pass<"lowrank-linalg-to-parallel-calls", "::mlir::ModuleOp"> {
  let summary = "Run large linalg loop nests on the CPU runtime's threads";
  let description = [{
    On buffers, after the matmuls became runtime calls: every other linalg
    op (elementwise chains, softmax and LayerNorm reductions, copies and
    transposes, generalized first) with at least `min-iterations`
    iterations and static loop ranges is outlined into a private function
    `__lowrank_parallel_body(args, begin, end)` that runs iterations
    [begin, end) of the op's first parallel dimension of more than one
    iteration that every output indexes and that no operand indexes by an
    expression (a pooling window's `oh * 2 + kh` may index the others; the
    operands are sliced along it with `memref.subview`). At the op's place the operands' memref descriptors
    are stored into a stack struct and `lowrank_parallel_for(body, args,
    extent)` (liblowrank_cpu_runtime) runs the ranges, one per thread. The
    slices of the outputs are disjoint, so the tasks need no
    synchronization.

    ```mlir
    linalg.generic {...} ins(%x, %b : memref<128x1536xf32>, memref<1536xf32>)
                         outs(%y : memref<128x1536xf32>) {...}
    // becomes
    %args = llvm.alloca %one x !llvm.struct<(...)> : (i64) -> !llvm.ptr
    llvm.store %descriptors, %args : !llvm.struct<(...)>, !llvm.ptr
    %f = constant @__lowrank_parallel_body : (!llvm.ptr, i64, i64) -> ()
    call @lowrank_parallel_for(%f, %args, %c128) : (...) -> ()
    ```
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"16384",
           "Ops with fewer loop iterations stay on the calling thread">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def LowrankOutputShapesFunction
    : Pass<"lowrank-output-shapes-function", "::mlir::ModuleOp"> {
  let summary = "Give each entry point of dynamic results a function "
                "computing their shapes";
  let description = [{
    On linalg on tensors, before bufferization: for every public function
    with a result of dynamic shape (`@main_graph` of a model with symbolic
    dimensions), adds `@<name>_output_shapes`, taking the same arguments and
    returning, per result, its shape as a `tensor<rank x i64>`. A caller
    (`lowrank-run`, or C code through `docs/ABI.md`) calls it to size the
    output buffers before calling the function itself.

    The function is a copy of the original whose results are replaced by
    their sizes; the sizes are then resolved through the ops'
    `ReifyRankedShapedTypeOpInterface` (a product's rows are the rows of its
    input, and so on) and what no size depends on is erased, so that in the
    usual case only `tensor.dim` of the arguments and index arithmetic
    remain. Where a size depends on values, the computation it needs stays.

    ```mlir
    func.func @main_graph(%x: tensor<?x16xf32>) -> tensor<?x8xf32>
    // gets
    func.func @main_graph_output_shapes(%x: tensor<?x16xf32>) -> tensor<2xi64> {
      %d = tensor.dim %x, %c0 : tensor<?x16xf32>
      %i = arith.index_cast %d : index to i64
      %s = tensor.from_elements %i, %c8 : tensor<2xi64>
      return %s : tensor<2xi64>
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowrankChecksToStatus
    : Pass<"lowrank-checks-to-status", "::mlir::ModuleOp"> {
  let summary = "Return failed run-time checks as an error status";
  let description = [{
    After bufferization, results as out-parameters and lowering to `cf`:
    every public function that returns nothing and is not called inside the
    module (the compiled entry point, `main_graph`) gets an `i32` result,
    0 on success. Each `cf.assert` in it (the checks of
    `lowrank-convert-onnx-to-linalg`) becomes a branch: when the condition
    is false, the buffers allocated so far are freed and the function
    returns the check's number (1, 2, ...). Nothing after a failed check
    runs, so the op it guards never reads out of bounds. Every
    `memref.alloc` of the function is checked the same way: a null buffer
    (the allocator ran out of memory) returns a status instead of being
    written through. A function
    `<name>_error_message(i32) -> !llvm.ptr` returns each number's message
    as a C string (null for 0 and unknown numbers), read from one string of
    all messages at an offset from a table: code and time linear in the
    number of checks.

    The private functions that allocate or check (the parts of
    `lowrank-split-functions`), called only at the top level of functions
    that return a status and returning only scalars and buffers, return the
    status after their results, placeholders beside a failed one (zeros, and
    `ub.poison` buffers); their callers free their own live buffers and
    return the status unchanged. A function owns the buffers it allocates
    and those its parts return to it, until it frees or returns them or
    calls a part that frees them; a part owns the arguments it frees (a
    `memref.dealloc` in its entry block) from its entry. A failed check
    frees what the function owns at that point, so the buffers a part was
    to return are freed by the part, and a buffer that one part returns
    and a later part frees is freed by the caller when a check fails
    before that call, and by the later part when one fails inside it.
    Check numbers are unique in the module, so the entry point's message
    function names the checks of its parts too.

    A check whose live buffers include all of those of the check before it
    (a run of allocations, each checked) frees only the new ones and
    branches on to the previous check's block, so the code added is linear
    in the number of checks.

    ```mlir
    func.func @main_graph(%i: memref<3xi64>, %out: memref<3x4xf32>) {
      ...
      cf.assert %ok, "node 'g': Gather index out of range for axis 0 of size 5"
      ...
      return
    }
    // becomes
    func.func @main_graph(%i: memref<3xi64>, %out: memref<3x4xf32>) -> i32 {
      ...
      %c1 = arith.constant 1 : i32
      cf.cond_br %ok, ^continue, ^failed(%c1 : i32)
    ^failed(%status: i32):
      memref.dealloc %buffer : memref<3x4xf32>
      return %status : i32
    ^continue:
      ...
      %c0 = arith.constant 0 : i32
      return %c0 : i32
    }
    llvm.func @main_graph_error_message(%status: i32) -> !llvm.ptr
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::ub::UBDialect",
  ];
}

def LowrankDropChecks : Pass<"lowrank-drop-checks", "::mlir::func::FuncOp"> {
  let summary = "Erase the run-time checks";
  let description = [{
    Erases every `cf.assert`, for targets whose host code cannot read the
    values the checks test (the GPU pipeline keeps tensors in device
    memory). The lowered ops stay within their buffers without the checks
    (Gather clamps its indices, integer division by zero gives 0) but an
    invalid input is no longer reported. The computations that fed the
    checks are dead afterwards; canonicalization removes them.

    ```mlir
    cf.assert %ok, "node 'g': Gather index out of range for axis 0 of size 5"
    // is erased
    ```
  }];
}

def LowrankConstantsToGlobals
    : Pass<"lowrank-constants-to-globals", "::mlir::ModuleOp"> {
  let summary = "Put tensor constants into memref globals before bufferization";
  let description = [{
    One-shot bufferization turns each tensor constant into a
    `memref.global`, and looks for an existing global of the same value by
    scanning every operation of the module: quadratic in the number of
    weights (5 s of a 20000-node model's compilation). This pass does the
    same with a hash table of the globals it made: each `arith.constant`
    of a ranked tensor type becomes a `memref.get_global` of a constant
    global (64-byte aligned, one per value and type) read through a
    `bufferization.to_tensor`, which bufferization then only unwraps.

    ```mlir
    %w = arith.constant dense_resource<w> : tensor<32x32xf32>
    // becomes
    memref.global "private" constant @__constant_32x32xf32 : memref<32x32xf32> = dense_resource<w> {alignment = 64 : i64}
    %0 = memref.get_global @__constant_32x32xf32 : memref<32x32xf32>
    %w = bufferization.to_tensor %0 restrict : memref<32x32xf32> to tensor<32x32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

def LowrankEarlyDeallocation
    : Pass<"lowrank-early-deallocation", "::mlir::func::FuncOp"> {
  let summary = "Free each buffer of a function's body right after its last use";
  let description = [{
    The ownership-based buffer deallocation frees buffers at the end of the
    block that allocates them: every intermediate buffer of a model lives
    until the model returns, and a function cut into parts
    (`lowrank-split-functions`) would pass every buffer on to its last
    part. This pass moves each unconditional `memref.dealloc` of a buffer
    that a `memref.alloc` of the same block allocates to just after the
    last operation of that block that uses the buffer or a view of it.
    Uses are followed through views (`memref.cast`, `memref.subview`,
    reshapes, `memref.extract_strided_metadata`...) into loads, stores,
    copies, linalg operations and calls without memref results (which do
    not keep pointers); a buffer with any other use keeps its place.

    ```mlir
    %a = memref.alloc() : memref<4xf32>
    linalg.fill ins(%c : f32) outs(%a : memref<4xf32>)
    linalg.copy ins(%a : memref<4xf32>) outs(%out : memref<4xf32>)
    // ... more operations
    memref.dealloc %a : memref<4xf32>
    // becomes
    %a = memref.alloc() : memref<4xf32>
    linalg.fill ins(%c : f32) outs(%a : memref<4xf32>)
    linalg.copy ins(%a : memref<4xf32>) outs(%out : memref<4xf32>)
    memref.dealloc %a : memref<4xf32>
    // ... more operations
    ```
  }];
}

def LowrankSplitFunctions
    : Pass<"lowrank-split-functions", "::mlir::ModuleOp"> {
  let summary = "Outline runs of a large function's operations into functions";
  let description = [{
    A model lowers to one function, and bufferization, buffer deallocation
    and LLVM's optimizer and code generator take time superlinear in the
    size of a function (one-shot bufferization's conflict checks, loop
    rotation, register allocation and DAG combining on one block of
    hundreds of thousands of instructions): a chain of 2000 ONNX nodes took
    minutes to compile. This pass cuts the top-level operations of every
    single-block function larger than `max-size` (operations and their
    operands, nested ones included) into consecutive parts of about that
    size, and moves each part into an internal, never inlined function
    `<name>__part<i>` that takes the values the part reads and returns
    those later operations read. The function calls its parts in order, so
    the passes after it and LLVM work on functions of bounded size.
    Operations that read nothing and have no effects (constants,
    `tensor.empty`) are copied into each part that reads them. A function
    where a stack allocation or a tensor of dynamic shape would pass from
    one part to another is left whole. Run-time checks (`cf.assert`) move
    into the parts with the operations they guard: after bufferization,
    `lowrank-checks-to-status` makes each part return a status that the
    function passes on. Parts whose buffers are all of
    static shape, none returned, take them as bare pointers
    (`llvm.bareptr`): one argument per buffer instead of a descriptor's
    3 + 2 x rank.

    The CPU pipeline runs it twice: on tensors, so that bufferization and
    deallocation see functions of bounded size, and with `parts-only` on
    loops, where the size of the code is known (a concat of 64 inputs is 64
    loop nests). The second run leaves the calling function alone: it
    holds only calls, and cutting it would pass every buffer it allocates
    from part to part.

    ```mlir
    func.func @main_graph(%x: tensor<1x32xf32>) -> tensor<1x32xf32> {
      // operations 0 .. 99, the last defining %a
      // operations 100 .. 199, reading %a and defining %b
      return %b : tensor<1x32xf32>
    }
    // becomes
    func.func private @main_graph__part0(%x: tensor<1x32xf32>) -> tensor<1x32xf32>
      attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} { ... }
    func.func private @main_graph__part1(%a: tensor<1x32xf32>) -> tensor<1x32xf32>
      attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} { ... }
    func.func @main_graph(%x: tensor<1x32xf32>) -> tensor<1x32xf32> {
      %a = call @main_graph__part0(%x) : (tensor<1x32xf32>) -> tensor<1x32xf32>
      %b = call @main_graph__part1(%a) : (tensor<1x32xf32>) -> tensor<1x32xf32>
      return %b : tensor<1x32xf32>
    }
    ```
  }];
  let options = [
    Option<"maxSize", "max-size", "int64_t", /*default=*/"1000",
           "Largest function kept whole, in operations and operands">,
    Option<"partsOnly", "parts-only", "bool", /*default=*/"false",
           "Split only the parts an earlier run made (marked "
           "`lowrank.function_part`), and drop the marks">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

#endif // LOWRANK_CONVERSION_PASSES_TD
