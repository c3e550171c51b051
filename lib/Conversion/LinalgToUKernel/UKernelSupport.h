//===- UKernelSupport.h - Shared helpers of the runtime-call rewrites -----===//
//
// What the rewrites of products and convolutions into calls of the CPU
// runtime (lowrank-linalg-to-ukernel) share: the operand type of the calls,
// the declarations of the entry points and their weight slots, and the
// buffer facts they check.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_LINALGTOUKERNEL_UKERNELSUPPORT_H
#define LOWRANK_LIB_CONVERSION_LINALGTOUKERNEL_UKERNELSUPPORT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace lowrank::ukernel {

/// Entry points of the runtime's products (include/lowrank/Runtime/CPU).
inline constexpr llvm::StringLiteral kMatmul = "lowrank_matmul_f32";
inline constexpr llvm::StringLiteral kPackedMatmul =
    "lowrank_matmul_packed_f32";
inline constexpr llvm::StringLiteral kBatchMatmul = "lowrank_batch_matmul_f32";
inline constexpr llvm::StringLiteral kPackedBiasMatmul =
    "lowrank_matmul_packed_bias_f32";
inline constexpr llvm::StringLiteral kPairMatmul = "lowrank_matmul_pair_f32";
inline constexpr llvm::StringLiteral kPairBiasMatmul =
    "lowrank_matmul_pair_bias_f32";

/// memref<?x...x?xf32, strided<[?, ...], offset: ?>> of the given rank.
mlir::MemRefType getDynamicStridedType(mlir::MLIRContext *context,
                                       unsigned rank);

/// `value` cast to the fully dynamic strided type of its rank.
mlir::Value castToDynamicStrided(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::Value value);

/// A weight: a view of a constant global.
bool isConstantGlobal(mlir::Value value, mlir::SymbolTable &symbols);

/// Whether `value` is a constant +0.0 or -0.0.
bool isZeroConstant(mlir::Value value);

/// The op before `op` in its block that last wrote its output buffer (a
/// linalg op with that buffer as init, or a copy into it), if no op in
/// between touches a view of the same buffer (bufferization often places
/// input copies between the initialization and the product).
mlir::Operation *getInitializerOfOutput(mlir::linalg::LinalgOp op);

/// The op that sets the output of `op` to zero earlier in its block (a
/// linalg.fill of zero, or a copy from a zero-filled buffer) if no op in
/// between touches a view of the same buffer.
mlir::Operation *getZeroInitOfOutput(mlir::linalg::LinalgOp op);

/// Whether `value` is available at `point`: a block argument of an
/// enclosing region or the result of an op before it in its block.
bool isAvailableAt(mlir::Value value, mlir::Operation *point);

/// Whether `map` reads an operand of `type` at the loop indices, allowing a
/// constant 0 for a unit dim (as broadcasts of unit dims are written).
bool isIdentityUpToUnitDims(mlir::AffineMap map, mlir::MemRefType type);

/// Calls `visit(use, ancestor)` for every use of the allocation under
/// `buffer`, following view-like ops, with the use's ancestor in `block`;
/// fails when a use has none there or `visit` fails.
mlir::LogicalResult
visitUsesThroughViews(mlir::Value buffer, mlir::Block *block,
                      llvm::function_ref<mlir::LogicalResult(mlir::OpOperand &,
                                                             mlir::Operation *)>
                          visit);

/// Whether `producer` may write `output`, the result buffer of `consumer`
/// later in the same block, instead of a buffer of its own: `output` exists
/// at `producer` (or is an allocation without operands in that block, to be
/// moved there), and neither `producer` nor any op strictly between the two
/// touches a view of it.
bool canWriteResultEarly(mlir::Value output, mlir::Operation *producer,
                         mlir::Operation *consumer);

/// The private declaration (with a C interface) of a runtime entry point.
mlir::func::FuncOp getOrDeclare(mlir::ModuleOp module,
                                mlir::SymbolTable &symbols,
                                llvm::StringRef name, mlir::TypeRange inputs);

/// A fresh zero-initialized slot where the runtime keeps a packed weight.
mlir::Value createPackedSlot(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::ModuleOp module, mlir::SymbolTable &symbols);

/// Merges each call of a weight product whose output buffer the next
/// weight product in its block reads (X * A into T, then T * B into Y: a
/// factor pair) into one call of the pair entry point, at the first call,
/// when nothing between the two touches T or Y and the second's operands
/// can be made available there. Returns the number of pairs merged.
unsigned fuseFactorPairs(mlir::ModuleOp module, mlir::SymbolTable &symbols);

/// Rewrites an f32 linalg.conv_2d_nchw_fchw or
/// linalg.depthwise_conv_2d_nchw_chw on buffers into a call of the runtime's
/// direct or depthwise convolution, folding a zero padding of its input, a
/// bias or zero initialization of its output and a ReLU that reads only its
/// output into the call. Fails, changing nothing, on other ops.
mlir::LogicalResult rewriteConvolution(mlir::linalg::LinalgOp conv,
                                       mlir::ModuleOp module,
                                       mlir::SymbolTable &symbols);

} // namespace lowrank::ukernel

#endif // LOWRANK_LIB_CONVERSION_LINALGTOUKERNEL_UKERNELSUPPORT_H
