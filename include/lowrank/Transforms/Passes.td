//===- Passes.td - Low-rank analysis and transformation passes -*- tablegen -*-===//

#ifndef LOWRANK_TRANSFORMS_PASSES_TD
#define LOWRANK_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowrankTestLinearAnalysis
    : Pass<"lowrank-test-linear-analysis", "::mlir::ModuleOp"> {
  let summary = "Print the linear-layer analysis (for tests)";
  let description = [{
    Prints, for every linear op with a constant weight, its name, op, d_in,
    d_out, aspect ratio, parameters, parity rank, rows, FLOPs per row and
    weight bytes; then the groups of layers sharing an input. With
    `spectrum=true` also the leading singular values.

    ```
    layer 'fc' onnx.MatMul d_in=32 d_out=16 aspect=0.5 params=512 parity=10 rows=4 flops_per_row=1024 weight_bytes=2048
    group 0 input=%0 d_in=64 d_out=192 parity=48 members='q','k','v'
    ```
  }];
  let options = [
    Option<"printSpectrum", "spectrum", "bool", "false",
           "Also print each layer's leading singular values">,
    Option<"spectrumCount", "spectrum-count", "unsigned", "8",
           "How many singular values to print">,
  ];
}

def LowrankSelectRanks : Pass<"lowrank-select-ranks", "::mlir::ModuleOp"> {
  let summary = "Choose a rank (or dense) for every linear layer and group";
  let description = [{
    Decides, for each linear op with a constant weight (and each group of
    ops sharing an input, factored jointly), whether a low-rank
    factorization pays and at which rank, and records the decision as a
    `lowrank.decision` dictionary attribute on each op:

    ```mlir
    %0 = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 24 : i64,
           parity = 32 : i64, d_in = 64 : i64, d_out = 64 : i64, ...}} : ...
    ```

    Exactly one rule chooses the ranks:
    - `rank=N`: the same rank everywhere, exactly as given (never rounded
      to `multiple`); `rank=0` with `quantize` keeps no low-rank part
      (quantize-only);
    - `rank-ratio=R`: R x min(d_in, d_out);
    - `energy=E`: the smallest rank keeping fraction E of every layer's
      energy sum(s_i^2);
    - `max-error=T`: the smallest rank with every layer's relative error
      <= T (of the weight, or of the output with calibration);
    - `param-ratio=P`: keep fraction P of the candidate layers' parameters,
      allocated globally: the ranks minimize the sum of the layers' squared
      relative errors (each error relative to the layer's own weight or
      output energy) under that budget.

    A group member's error is its own (its share of the shared
    components), so bounds hold per layer. Rule ranks are rounded up to a
    multiple of `multiple` (default 8), never down, so that a bound met
    stays met. A layer stays
    dense when its rank is not below the parity rank floor(mn / (m+n)), when
    the factorization would save less than `min-saving` of its parameters,
    when min(d_in, d_out) < `min-size`, or when it is an output head (its
    result reaches a function result through bias adds, reshapes and
    unary ops only; `skip-heads=false` factors heads too). Embedding tables
    are gathers, not linear ops, and are never factored. `override`
    entries `GLOB=RANK` or `GLOB=dense` (layer names are ONNX node names)
    take precedence; a glob matching no layer is an error.

    Layers reading the same input share one bottleneck (`grouping=true`)
    only when, at the group's rank and its parameters, the shared
    factorization is no worse than the members factored alone with the
    same parameters (whitened errors when calibrated): the sum of the
    members' squared errors, each relative to the member's own energy, is
    no larger (a small member counts as much as a large one). The
    decision and both sets of errors are recorded as `grouping` on the
    members and emitted as a remark.

    `quantize=int8|int4` prepares a Q + L R rewrite (see lowrank-factorize):
    the rank rules pick the rank of L R, and since Q is stored anyway the
    parity rule does not apply. `tucker=true` also makes convolutions with
    a k x k kernel (group 1, constant weight) Tucker-2 candidates, recorded
    as `action = "tucker"` with `out_rank` and `in_rank`: `rank=N` uses N
    for both modes, `rank-ratio=R` keeps R x C_out and R x C_in,
    `param-ratio=P` allocates one budget of P x the convolutions'
    parameters across them (greedy on the HOSVD error bound per parameter). A convolution stays dense when its Tucker-2 form
    would not store fewer parameters than C_out C_in kh kw (the parity
    point), or when min(C_out, C_in) < `min-size`.

    With `calibration=FILE` (a `.lrstats` file, docs/CalibrationFormat.md)
    and `method=whiten` (the default then) or `method=basis`, the rules read
    the whitened spectra, the singular values of L^T W where L L^T is the
    Gram matrix of the layer's calibration inputs: `max-error` and `energy`
    then bound the relative output error ||X (W - W')|| / ||X W|| on the
    calibration data instead of the weight error, and `param-ratio`
    minimizes the summed squared relative output errors of the layers.
    The decision's `error` is the predicted relative output error and its
    `method` says which method it assumed. Every layer to be factored
    needs statistics; the file may name only linear layers of the model,
    with their d_in.
  }];
  let options = [
    Option<"rank", "rank", "int64_t", "-1",
           "Use this rank for every layer (0: no low-rank part, with "
           "quantize)">,
    Option<"rankRatio", "rank-ratio", "double", "0.0",
           "Keep this fraction of min(d_in, d_out) as the rank">,
    Option<"energy", "energy", "double", "0.0",
           "Keep this fraction of the spectral energy">,
    Option<"maxError", "max-error", "double", "0.0",
           "Largest relative weight error per layer">,
    Option<"paramRatio", "param-ratio", "double", "0.0",
           "Keep this fraction of the linear layers' parameters (global)">,
    Option<"rankMultiple", "multiple", "int64_t", "8",
           "Round ranks to a multiple of this">,
    Option<"minSaving", "min-saving", "double", "0.0",
           "Stay dense when saving less than this fraction of parameters">,
    Option<"minSize", "min-size", "int64_t", "16",
           "Stay dense when min(d_in, d_out) is below this">,
    Option<"skipHeads", "skip-heads", "bool", "true",
           "Leave output heads dense">,
    Option<"grouping", "grouping", "bool", "true",
           "Factor layers sharing an input with one shared bottleneck">,
    Option<"enforceParity", "enforce-parity", "bool", "true",
           "Leave layers dense whose rank is not below parity (false "
           "factors them anyway, e.g. to check a full-rank rewrite)">,
    ListOption<"overrides", "override", "std::string",
               "Per-layer GLOB=RANK or GLOB=dense">,
    Option<"quantize", "quantize", "std::string", "\"none\"",
           "none, int8 or int4: factored layers become Q + L R with Q "
           "quantized; the parity rule does not apply (Q is always stored)">,
    Option<"tucker", "tucker", "bool", "false",
           "Also decide Tucker-2 ranks for k x k convolutions (group 1)">,
    Option<"calibration", "calibration", "std::string", "\"\"",
           "Calibration statistics (.lrstats) of the layers' inputs">,
    Option<"method", "method", "std::string", "\"\"",
           "svd, whiten or basis (default: whiten with calibration, svd "
           "without)">,
  ];
}

def LowrankFactorize : Pass<"lowrank-factorize", "::mlir::ModuleOp"> {
  let summary = "Rewrite x W into (x A) B where lowrank-select-ranks decided";
  let description = [{
    For each layer whose `lowrank.decision` says `factor`, computes the
    truncated SVD W ~ U_r S_r V_r^T and rewrites the op into two: an input
    projection by A = U_r sqrt(S_r) and an output projection by
    B = sqrt(S_r) V_r^T that keeps the bias. Layers of a group share one
    input projection (one SVD of the concatenated weights, one A, one B per
    member). New weights are `dense_resource` blobs; the old weights are
    erased when no longer used.

    Before:
    ```mlir
    %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 8 : i64, ...}}
        : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
    ```
    After:
    ```mlir
    %a = onnx.Constant {value = dense_resource<fc.lowrank_a> : tensor<64x8xf32>} : tensor<64x8xf32>
    %t = onnx.MatMul %x, %a {lowrank.factor = "A"} : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
    %b = onnx.Constant {value = dense_resource<fc.lowrank_b> : tensor<8x64xf32>} : tensor<8x64xf32>
    %y = onnx.MatMul %t, %b {lowrank.factor = "B", lowrank.decision = {...}} : ...
    ```
    The module gets a `lowrank.report` attribute: one entry per layer and
    group with the shapes, ranks, parameters and relative weight errors.

    With `quantize=int8|int4` a factored layer becomes W ~ Q + L R (low
    rank plus low precision): Q is quantized symmetrically with one scale
    per output channel, or with `quantize-group=N` one per output channel
    and group of N input rows (a partial last group is a group; N at least
    d_in is per channel), L R has the decided rank, and both are fitted by
    alternating minimization until the error stops improving
    (`qlr-iterations` at most). The rewrite keeps Q as integers behind a
    per-axis `onnx.DequantizeLinear` (int4 values are stored in int8
    containers with the int4 range [-7, 7]); `quantize-factors=int8`
    stores L and R likewise:
    ```mlir
    %q = onnx.DequantizeLinear %qi8, %scales, %none {axis = 1 : i64} : ...
    %d = onnx.MatMul %x, %q : ...
    %t = onnx.MatMul %x, %l {lowrank.factor = "A"} : ...
    %u = onnx.MatMul %t, %r {lowrank.factor = "B"} : ...
    %y = onnx.Add %d, %u {lowrank.factor = "QLR"} : ...
    ```
    Group-wise scales are a blocked DequantizeLinear (`block_size = N`
    along the input axis) in models of opset 21 and later; before, where
    DequantizeLinear has no blocks, the integers are cast to float and
    multiplied by the stored groups x d_out scales expanded along the input
    axis (Expand, Reshape, and Slice for a partial last group), so that the
    written model keeps its opset. The report gives the bits per parameter
    (integers, every float32 scale, factors), the error of Q alone, the
    final error and the iterations.

    Convolutions whose decision says `tucker` (from `tucker=true` in
    lowrank-select-ranks) are decomposed Tucker-2 over their channel modes
    (HOSVD refined by `hooi-iterations` HOOI steps) and rewritten into a
    1x1 convolution to r_in channels, the k x k core convolution with the
    original strides, pads and dilations, and a 1x1 convolution back to
    C_out channels that keeps the bias.

    With `calibration=FILE` the factorization is activation-aware.
    `method=whiten` (the default with calibration) minimizes the output
    error ||X (W - A B)||_F on the calibration inputs: with the Cholesky
    factor G = L L^T of their Gram matrix (float64, with jitter added when
    G is not positive definite), the SVD of L^T W = U S V^T gives
    A = L^-T U_r sqrt(S_r) and B = sqrt(S_r) V_r^T; groups whiten their
    concatenated weight with the shared input's Gram matrix.
    `method=basis` keeps the r singular components of W with the most
    energy on the calibration data and refits B by least squares on it.
    The report then also gives the method, the measured and predicted
    relative output errors, the jitter, and for `basis` the number of kept
    components outside the leading r and the refit gain.
  }];
  let options = [
    Option<"svd", "svd", "std::string", "\"auto\"",
           "SVD algorithm: gesdd (exact: LAPACK gesdd, or for both sides "
           "of at least 512 the float64 eigendecomposition of the smaller "
           "Gram matrix), randomized, or auto (randomized when the rank is "
           "below a quarter of a dimension of at least 1024)">,
    Option<"useFloat64", "float64", "bool", "false",
           "Compute the SVD in float64 (matrices of at least 512 x 512 "
           "always are)">,
    Option<"powerIterations", "power-iterations", "int64_t", "2",
           "Power iterations of the randomized SVD">,
    Option<"quantize", "quantize", "std::string", "\"none\"",
           "none, int8 or int4: rewrite factored layers as x Q + (x L) R "
           "with Q quantized per output channel (DequantizeLinear)">,
    Option<"quantizeFactors", "quantize-factors", "std::string", "\"none\"",
           "none or int8: also quantize L and R of a Q + L R layer">,
    Option<"quantizeGroup", "quantize-group", "int64_t", "0",
           "Input rows sharing one scale of Q per output channel (0: one "
           "scale per output channel)">,
    Option<"qlrIterations", "qlr-iterations", "int64_t", "15",
           "Most alternating iterations of the Q + L R fit">,
    Option<"hooiIterations", "hooi-iterations", "int64_t", "2",
           "HOOI refinements of a Tucker-2 decomposition">,
    Option<"calibration", "calibration", "std::string", "\"\"",
           "Calibration statistics (.lrstats) of the layers' inputs">,
    Option<"method", "method", "std::string", "\"\"",
           "svd, whiten or basis (default: whiten with calibration, svd "
           "without)">,
  ];
}

#endif // LOWRANK_TRANSFORMS_PASSES_TD
