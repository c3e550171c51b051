// RUN: lowrank-opt %s --lowrank-approximate-math | FileCheck %s
// RUN: lowrank-opt %s --lowrank-approximate-math=functions=exp \
// RUN:   | FileCheck %s --check-prefix=EXP

// The default set: exp, expm1, erf, tanh, log, log1p, log2 on f32 scalars
// and vectors become arithmetic; other functions and f64 keep their ops.
// CHECK-LABEL: func.func @transcendental
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK-NOT: math.exp {{.*}} : vector<16xf32>
// CHECK-NOT: math.log %
// CHECK-NOT: math.log1p
// CHECK: math.fma
// CHECK-NOT: math.erf
// CHECK: math.sin %{{.*}} : f32
// CHECK: math.exp %{{.*}} : f64
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log %
// CHECK: return

// Only exp selected: erf, tanh and log stay.
// EXP-LABEL: func.func @transcendental
// EXP: math.erf %{{.*}} : f32
// EXP: math.tanh %{{.*}} : f32
// EXP-NOT: math.exp {{.*}} : vector<16xf32>
// EXP: math.floor %{{.*}} : vector<16xf32>
// EXP: math.sin
// EXP: math.exp %{{.*}} : f64
// EXP: math.log %{{.*}} : f32
// EXP: math.log1p %{{.*}} : f32
func.func @transcendental(%x: f32, %v: vector<16xf32>, %d: f64)
    -> (f32, f32, vector<16xf32>, f32, f64, f32, f32) {
  %e = math.erf %x : f32
  %t = math.tanh %x : f32
  %ev = math.exp %v : vector<16xf32>
  %s = math.sin %x : f32
  %ed = math.exp %d : f64
  %l = math.log %x : f32
  %l1 = math.log1p %x : f32
  return %e, %t, %ev, %s, %ed, %l, %l1
      : f32, f32, vector<16xf32>, f32, f64, f32, f32
}

// f32 erf is one rational function: x clamped to [-4, 4], x P(x^2) over
// Q(x^2) by fused multiply-adds (six and four), one division, the result
// clamped to [-1, 1]; no per-range selection.
// CHECK-LABEL: func.func @erf_rational
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>)
// CHECK-DAG: %[[FOUR:.*]] = arith.constant dense<4.000000e+00> : vector<8xf32>
// CHECK-DAG: %[[MINUS_FOUR:.*]] = arith.constant dense<-4.000000e+00> : vector<8xf32>
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : vector<8xf32>
// CHECK-DAG: %[[MINUS_ONE:.*]] = arith.constant dense<-1.000000e+00> : vector<8xf32>
// CHECK: %[[UPPER:.*]] = arith.minimumf %[[X]], %[[FOUR]]
// CHECK: %[[CLAMPED:.*]] = arith.maximumf %[[UPPER]], %[[MINUS_FOUR]]
// CHECK: %[[SQUARE:.*]] = arith.mulf %[[CLAMPED]], %[[CLAMPED]]
// CHECK-COUNT-6: math.fma %[[SQUARE]]
// CHECK: %[[NUMERATOR:.*]] = arith.mulf %[[CLAMPED]]
// CHECK-COUNT-4: math.fma %[[SQUARE]]
// CHECK: %[[RATIO:.*]] = arith.divf %[[NUMERATOR]]
// CHECK: %[[BELOW:.*]] = arith.minimumf %[[RATIO]], %[[ONE]]
// CHECK: %[[ERF:.*]] = arith.maximumf %[[BELOW]], %[[MINUS_ONE]]
// CHECK-NOT: arith.select
// CHECK: return %[[ERF]]
func.func @erf_rational(%x: vector<8xf32>) -> vector<8xf32> {
  %e = math.erf %x : vector<8xf32>
  return %e : vector<8xf32>
}
