//===- RuntimeChecks.h - Checks made by the generated code ------*- C++ -*-===//
//
// What ONNX Runtime checks before it computes, the generated code checks too:
// an index outside its axis, an integer division by zero. A check is a
// `cf.assert` on an i1 computed from the operand at the top level of the
// function, before the op that needs it; `lowrank-checks-to-status` turns it
// into an early return of an error status from the compiled entry point.
// Operands that are constants are checked at compile time instead, by
// verifyConstantOperands.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_RUNTIMECHECKS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_RUNTIMECHECKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace lowrank {

/// "node 'NAME': " for ops that came from a named ONNX node, else "".
std::string getNodePrefix(mlir::Operation *op);

/// Asserts that `predicate` holds for every element of the ranked tensor
/// `tensor`; the assertion fails with `message`.
void assertForAllElements(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value tensor,
                          llvm::function_ref<mlir::Value(
                              mlir::OpBuilder &, mlir::Location, mlir::Value)>
                              predicate,
                          llvm::StringRef message);

/// `value` as a tensor of `sizes` (static ones as attributes): each size
/// that `value`'s type leaves dynamic is checked at run time to equal the
/// one in `sizes` (failing with `message`), and the result's type fixes the
/// sizes that `sizes` fixes. Static sizes must already agree.
mlir::Value castWithSizeChecks(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::Value value,
                               llvm::ArrayRef<mlir::OpFoldResult> sizes,
                               llvm::StringRef message);

/// `value`, computed with some sizes known only at run time, as a value of
/// the op's declared `type` of the same rank: the sizes `type` fixes are
/// checked at run time (failing with `message`).
mlir::Value castToDeclaredType(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::Value value, mlir::RankedTensorType type,
                               llvm::StringRef message);

/// Asserts that every element of the integer tensor `indices` lies in
/// [-axisSize, axisSize) (ONNX's negative indices count from the end).
void assertIndicesInRange(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value indices, mlir::Value axisSize,
                          llvm::StringRef message);

/// Element `position` of the 1-D integer tensor `axes` as an index in
/// [0, rank) when it lies in [-rank, rank): negative axes count from the end.
mlir::Value readAxisAt(mlir::OpBuilder &builder, mlir::Location loc,
                       mlir::Value axes, mlir::Value position,
                       mlir::Value rank);

/// For each of `rank` dimensions, an i1 telling whether the 1-D int64 tensor
/// `axes` (read at run time, any length) lists it; negative axes count from
/// the end. Asserts that every axis lies in [-rank, rank) and that none is
/// listed twice, with `prefix` before the messages. `isEmpty` is set to an
/// i1 telling whether `axes` has no element.
llvm::SmallVector<mlir::Value>
buildListedAxesMask(mlir::OpBuilder &builder, mlir::Location loc,
                    mlir::Value axes, int64_t rank, llvm::StringRef prefix,
                    mlir::Value &isEmpty);

/// Integer `lhs / rhs` and `lhs % rhs` (truncating, like C) that never trap:
/// a zero divisor gives 0 (the op's check reports it), and INT_MIN / -1
/// wraps to INT_MIN with remainder 0, as two's complement arithmetic does.
mlir::Value createSafeIntegerDivision(mlir::OpBuilder &builder,
                                      mlir::Location loc, mlir::Value lhs,
                                      mlir::Value rhs, bool isUnsigned);
mlir::Value createSafeIntegerRemainder(mlir::OpBuilder &builder,
                                       mlir::Location loc, mlir::Value lhs,
                                       mlir::Value rhs, bool isUnsigned);

/// Emits an error for each op whose constant operands make it fail on every
/// run (a constant index outside its axis, a constant integer divisor of
/// zero); fails if there was one.
mlir::LogicalResult verifyConstantOperands(mlir::func::FuncOp func);

/// The largest tensor the generated code may allocate: 2^47 bytes, the
/// user address space of x86-64 and AArch64 Linux.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 47;

/// Emits an error for each value of `func` whose static shape needs more
/// than kMaxTensorBytes (or more elements than int64 counts); such a model
/// could only fail to allocate, or overflow its size arithmetic.
mlir::LogicalResult verifyTensorSizes(mlir::func::FuncOp func);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_RUNTIMECHECKS_H
