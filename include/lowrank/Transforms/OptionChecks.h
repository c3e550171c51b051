//===- OptionChecks.h - Range checks of pass option values ------*- C++ -*-===//
//
// Pass options come from command lines: every number is checked against
// the range it is meaningful in (NaN and infinities included) before a pass
// uses it, with one message naming the option, the value and the range.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_OPTIONCHECKS_H
#define LOWRANK_TRANSFORMS_OPTIONCHECKS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"

namespace lowrank {

/// `value` is 0 (not given) or a finite number in (0, 1], or (0, 1) without
/// `allowOne`.
mlir::LogicalResult checkFractionOption(mlir::Operation *op,
                                        llvm::StringRef name, double value,
                                        bool allowOne);

/// `value` is in [min, max].
mlir::LogicalResult checkIntegerOption(mlir::Operation *op,
                                       llvm::StringRef name, int64_t value,
                                       int64_t min, int64_t max);

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_OPTIONCHECKS_H
