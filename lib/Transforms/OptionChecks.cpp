//===- OptionChecks.cpp - Range checks of pass option values --------------===//

#include "lowrank/Transforms/OptionChecks.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace lowrank {

LogicalResult checkFractionOption(Operation *op, StringRef name, double value,
                                  bool allowOne) {
  if (value == 0)
    return success();
  // Written so that NaN fails every comparison and is refused.
  bool inRange = std::isfinite(value) && value > 0 &&
                 (allowOne ? value <= 1 : value < 1);
  if (inRange)
    return success();
  return op->emitError() << name << " must be in (0, 1"
                         << (allowOne ? "]" : ")") << ", got "
                         << llvm::formatv("{0}", value).str();
}

LogicalResult checkIntegerOption(Operation *op, StringRef name, int64_t value,
                                 int64_t min, int64_t max) {
  if (value >= min && value <= max)
    return success();
  return op->emitError() << name << " must be in [" << min << ", " << max
                         << "], got " << value;
}

} // namespace lowrank
