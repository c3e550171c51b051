//===- TransposesIntoProducts.cpp - Head splits as strided views ----------===//
//
// An attention layer splits its projections into heads and merges them
// back with transposes: Q, K and V are copied into [batch, head, seq, dim]
// order before the two batched products, and the product of the scores
// with V is copied back into [batch, seq, head, dim]. The runtime's kernels
// read and write strided operands, so on buffers such a copy into or out of
// a temporary that only the product uses is replaced by a
// `memref.transpose` view of the other side.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/BufferViews.h"
#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKTRANSPOSESINTOPRODUCTS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using lowrank::getRootBuffer;

namespace {

/// A product lowrank-linalg-to-ukernel may turn into a kernel call: two
/// inputs, one output, one reduction loop and a multiply-add body (its maps
/// may still index unit dims by constants, which the contraction interface
/// rejects). Should it stay a loop nest, the views are still correct.
bool isProduct(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureBufferSemantics() ||
      linalgOp.getNumDpsInputs() != 2 || linalgOp.getNumDpsInits() != 1 ||
      linalgOp.getNumReductionLoops() != 1)
    return false;
  Block *body = linalgOp.getBlock();
  return body->getOperations().size() == 3 &&
         isa<arith::MulFOp>(body->front()) &&
         isa<arith::AddFOp>(*std::next(body->begin()));
}

/// Whether an op strictly between `first` and `last` (in one block) may
/// touch `buffer` other than by reading it as an input of a linalg op:
/// then `buffer` cannot stand in for a copy made at `first` and read at
/// `last`, or be written at `first` for a copy made at `last`. Where
/// `deallocs` is given, deallocations of the buffer itself are collected
/// there instead (the caller moves them after `last`).
bool isTouchedBetween(Value buffer, Operation *first, Operation *last,
                      bool readsAllowed,
                      SmallVectorImpl<Operation *> *deallocs = nullptr) {
  Value root = getRootBuffer(buffer);
  for (Operation *op = first->getNextNode(); op && op != last;
       op = op->getNextNode()) {
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op);
        dealloc && deallocs && dealloc.getMemref() == root) {
      deallocs->push_back(op);
      continue;
    }
    WalkResult result = op->walk([&](Operation *nested) {
      for (OpOperand &operand : nested->getOpOperands()) {
        if (!isa<BaseMemRefType>(operand.get().getType()) ||
            getRootBuffer(operand.get()) != root)
          continue;
        auto linalgOp = dyn_cast<linalg::LinalgOp>(nested);
        bool isRead = linalgOp && linalgOp.isDpsInput(&operand);
        if (isa<ViewLikeOpInterface>(nested) || (readsAllowed && isRead))
          continue;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return true;
  }
  return false;
}

/// The other users of an allocation that `transpose` reads or writes, in
/// block order, before and after it.
struct TemporaryUsers {
  SmallVector<Operation *> before, after;
  /// With `allowExpand`: a `memref.expand_shape` of the buffer whose one
  /// user, a product, stands for it in `after` (a head split may add a unit
  /// batch dim between the transpose and the product).
  memref::ExpandShapeOp expand;
};

/// The users of `buffer`, or failure when it is not an allocation, the
/// transpose copies in place, or one of its users is a view (but for the
/// expansion `allowExpand` admits) or lies outside the transpose's block
/// (then its accesses cannot be ordered). A user of several operands
/// appears once per use.
FailureOr<TemporaryUsers> getTemporaryUsers(Value buffer,
                                            linalg::TransposeOp transpose,
                                            bool allowExpand = false) {
  if (!buffer.getDefiningOp<memref::AllocOp>() ||
      getRootBuffer(transpose.getInput()) == getRootBuffer(transpose.getInit()))
    return failure();
  TemporaryUsers users;
  for (Operation *user : buffer.getUsers()) {
    auto expand = dyn_cast<memref::ExpandShapeOp>(user);
    if (expand && allowExpand && !users.expand && expand->hasOneUse() &&
        isProduct(*expand->user_begin())) {
      users.expand = expand;
      user = *expand->user_begin();
    } else if (isa<ViewLikeOpInterface>(user)) {
      return failure();
    }
    if (user->getBlock() != transpose->getBlock())
      return failure();
    if (user != transpose)
      (user->isBeforeInBlock(transpose) ? users.before : users.after)
          .push_back(user);
  }
  auto inBlockOrder = [](Operation *a, Operation *b) {
    return a != b && a->isBeforeInBlock(b);
  };
  llvm::stable_sort(users.before, inBlockOrder);
  llvm::stable_sort(users.after, inBlockOrder);
  return users;
}

/// Whether `user` ends the value `buffer` holds before it: it frees the
/// buffer or writes all of it without reading it.
bool endsValue(Operation *user, Value buffer) {
  if (isa<memref::DeallocOp>(user))
    return true;
  if (!isa<linalg::FillOp, linalg::TransposeOp, linalg::CopyOp>(user))
    return false;
  auto linalgOp = cast<linalg::LinalgOp>(user);
  return linalgOp.getDpsInits()[0] == buffer &&
         !llvm::is_contained(linalgOp.getDpsInputs(), buffer);
}

/// Erases `buffer` and its deallocations when nothing else uses it.
void eraseIfUnused(Value buffer) {
  if (!llvm::all_of(buffer.getUsers(), [](Operation *user) {
        return isa<memref::DeallocOp>(user);
      }))
    return;
  for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
    user->erase();
  buffer.getDefiningOp()->erase();
}

/// `transpose` copies into a buffer whose next reader is a product and
/// whose value nothing else reads: the product reads the source through a
/// transposed view instead.
bool foldIntoInput(linalg::TransposeOp transpose) {
  Value temporary = transpose.getInit();
  FailureOr<TemporaryUsers> users =
      getTemporaryUsers(temporary, transpose, /*allowExpand=*/true);
  if (failed(users) || users->after.empty())
    return false;
  Operation *product = users->after.front();
  memref::ExpandShapeOp expand = users->expand;
  if (!isProduct(product) ||
      llvm::is_contained(cast<linalg::LinalgOp>(product).getDpsInits(),
                         temporary))
    return false;
  // A product reading the buffer through the expansion must read it only
  // so, and be its first reader.
  if (expand &&
      (*expand->user_begin() != product ||
       llvm::is_contained(product->getOperands(), temporary) ||
       llvm::is_contained(cast<linalg::LinalgOp>(product).getDpsInits(),
                          expand.getResult())))
    return false;
  if (users->after.size() > 1 && !endsValue(users->after[1], temporary))
    return false;
  // The source must keep its value until the product; bufferization frees
  // it right after the copy, so such a deallocation moves after the product.
  Value source = transpose.getInput();
  if (getRootBuffer(cast<linalg::LinalgOp>(product).getDpsInits()[0]) ==
      getRootBuffer(source))
    return false;
  SmallVector<Operation *> deallocs;
  if (isTouchedBetween(source, transpose, product, /*readsAllowed=*/true,
                       &deallocs))
    return false;
  OpBuilder builder(product);
  auto map = AffineMap::getPermutationMap(transpose.getPermutation(),
                                          builder.getContext());
  auto view = memref::TransposeOp::create(builder, transpose.getLoc(), source,
                                          AffineMapAttr::get(map));
  if (expand) {
    // Each expanded dim splits one stride, so a strided layout always
    // exists; the check guards the assumption.
    FailureOr<MemRefType> expandedType =
        memref::ExpandShapeOp::computeExpandedType(
            view.getType(), expand.getResultType().getShape(),
            expand.getReassociationIndices());
    if (failed(expandedType)) {
      view->erase();
      return false;
    }
    Value expanded =
        memref::ExpandShapeOp::create(builder, expand.getLoc(), *expandedType,
                                      view, expand.getReassociationIndices());
    product->replaceUsesOfWith(expand.getResult(), expanded);
    expand->erase();
  } else {
    product->replaceUsesOfWith(temporary, view);
  }
  for (Operation *dealloc : deallocs)
    dealloc->moveAfter(product);
  transpose->erase();
  eraseIfUnused(temporary);
  return true;
}

/// `transpose` copies a buffer that a product wrote right after a fill and
/// that nothing else reads: the fill and the product write the destination
/// through the inverse view instead.
bool foldIntoOutput(linalg::TransposeOp transpose) {
  Value temporary = transpose.getInput();
  FailureOr<TemporaryUsers> users = getTemporaryUsers(temporary, transpose);
  if (failed(users) || users->before.size() < 2 ||
      (!users->after.empty() && !endsValue(users->after.front(), temporary)))
    return false;
  Operation *product = users->before.back();
  auto fill = dyn_cast<linalg::FillOp>(users->before.end()[-2]);
  if (!isProduct(product) || !fill || fill.getOutputs()[0] != temporary ||
      cast<linalg::LinalgOp>(product).getDpsInits()[0] != temporary ||
      llvm::is_contained(cast<linalg::LinalgOp>(product).getDpsInputs(),
                         temporary))
    return false;
  // The destination must exist where the fill writes it (a shape-only
  // allocation in the same block may move up), and nothing between the
  // fill and the copy may touch it.
  Value destination = transpose.getInit();
  Operation *def = destination.getDefiningOp();
  bool available = !def || (def->getBlock() == fill->getBlock() &&
                            def->isBeforeInBlock(fill));
  auto alloc = dyn_cast_or_null<memref::AllocOp>(def);
  if (!available && !(alloc && alloc->getBlock() == fill->getBlock() &&
                      alloc->getNumOperands() == 0))
    return false;
  if (isTouchedBetween(destination, fill, transpose, /*readsAllowed=*/false) ||
      llvm::any_of(cast<linalg::LinalgOp>(product).getDpsInputs(),
                   [&](Value input) {
                     return getRootBuffer(input) == getRootBuffer(destination);
                   }))
    return false;
  if (!available)
    alloc->moveBefore(fill);

  ArrayRef<int64_t> permutation = transpose.getPermutation();
  SmallVector<unsigned> inverse(permutation.size());
  for (auto [d, p] : llvm::enumerate(permutation))
    inverse[p] = d;
  OpBuilder builder(fill);
  auto map = AffineMap::getPermutationMap(inverse, builder.getContext());
  Value view = memref::TransposeOp::create(
      builder, transpose.getLoc(), destination, AffineMapAttr::get(map));
  fill->replaceUsesOfWith(temporary, view);
  product->replaceUsesOfWith(temporary, view);
  transpose->erase();
  eraseIfUnused(temporary);
  return true;
}

struct TransposesIntoProductsPass
    : lowrank::impl::LowrankTransposesIntoProductsBase<
          TransposesIntoProductsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::TransposeOp> transposes;
    getOperation()->walk([&](linalg::TransposeOp op) {
      if (op.hasPureBufferSemantics())
        transposes.push_back(op);
    });
    for (linalg::TransposeOp transpose : transposes)
      if (!foldIntoInput(transpose))
        (void)foldIntoOutput(transpose);
  }
};

} // namespace
