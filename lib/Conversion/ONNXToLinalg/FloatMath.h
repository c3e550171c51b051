//===- FloatMath.h - Scalar float formulas of the ONNX lowering -*- C++ -*-===//
//
// Scalar float arithmetic in one type, to keep the interpolation formulas
// of GridSample and Resize readable, and the cubic convolution weights both
// use.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CONVERSION_ONNXTOLINALG_FLOATMATH_H
#define LOWRANK_CONVERSION_ONNXTOLINALG_FLOATMATH_H

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace lowrank {

/// Scalar float arithmetic in one type, to keep the formulas readable.
struct FloatMath {
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Type type;

  mlir::Value c(double v) const {
    return createScalarConstant(b, loc, type, v);
  }
  mlir::Value add(mlir::Value x, mlir::Value y) const {
    return mlir::arith::AddFOp::create(b, loc, x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) const {
    return mlir::arith::SubFOp::create(b, loc, x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) const {
    return mlir::arith::MulFOp::create(b, loc, x, y);
  }
  mlir::Value div(mlir::Value x, mlir::Value y) const {
    return mlir::arith::DivFOp::create(b, loc, x, y);
  }
  mlir::Value floor(mlir::Value x) const {
    return mlir::math::FloorOp::create(b, loc, x);
  }
  mlir::Value lt(mlir::Value x, mlir::Value y) const {
    return mlir::arith::CmpFOp::create(b, loc, mlir::arith::CmpFPredicate::OLT,
                                       x, y);
  }
  mlir::Value gt(mlir::Value x, mlir::Value y) const {
    return mlir::arith::CmpFOp::create(b, loc, mlir::arith::CmpFPredicate::OGT,
                                       x, y);
  }
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y) const {
    return mlir::arith::SelectOp::create(b, loc, cond, x, y);
  }
  /// min(max(x, lo), hi); NaN becomes lo.
  mlir::Value clamp(mlir::Value x, mlir::Value lo, mlir::Value hi) const {
    return mlir::arith::MinNumFOp::create(
        b, loc, mlir::arith::MaxNumFOp::create(b, loc, x, lo), hi);
  }
};

/// Keys' cubic convolution weights, with coefficient `a`, of the taps at
/// -1, 0, 1 and 2 from a base position `t` before the sampled one
/// (0 <= t <= 1).
inline llvm::SmallVector<mlir::Value> getCubicWeights(const FloatMath &m,
                                                      mlir::Value t, double a) {
  auto outer = [&](mlir::Value d) { // 1 <= d <= 2
    mlir::Value inner = m.sub(m.mul(m.c(a), d), m.c(5 * a));
    return m.sub(m.mul(m.add(m.mul(inner, d), m.c(8 * a)), d), m.c(4 * a));
  };
  auto near = [&](mlir::Value d) { // 0 <= d <= 1
    mlir::Value inner = m.sub(m.mul(m.c(a + 2), d), m.c(a + 3));
    return m.add(m.mul(m.mul(inner, d), d), m.c(1));
  };
  mlir::Value one = m.c(1);
  return {outer(m.add(t, one)), near(t), near(m.sub(one, t)),
          outer(m.sub(m.c(2), t))};
}

/// Keys' cubic convolution kernel with coefficient `a` at distance `d`
/// (d >= 0): zero from 2 on.
inline mlir::Value getCubicKernel(const FloatMath &m, mlir::Value d, double a) {
  mlir::Value near = m.add(
      m.mul(m.mul(m.sub(m.mul(m.c(a + 2), d), m.c(a + 3)), d), d), m.c(1));
  mlir::Value outer = m.sub(
      m.mul(m.add(m.mul(m.sub(m.mul(m.c(a), d), m.c(5 * a)), d), m.c(8 * a)),
            d),
      m.c(4 * a));
  return m.select(m.gt(d, m.c(1)), m.select(m.lt(d, m.c(2)), outer, m.c(0)),
                  near);
}

} // namespace lowrank

#endif // LOWRANK_CONVERSION_ONNXTOLINALG_FLOATMATH_H
