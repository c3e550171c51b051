//===- EinsumEquation.cpp - Einsum equations as loop nests ----------------===//

#include "lowrank/Dialect/ONNX/IR/EinsumEquation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <array>

using namespace mlir;
using namespace llvm;

namespace {
/// One term of the equation: its letters in order, with the position of
/// the ellipsis among them (-1 when there is none).
struct EinsumTerm {
  SmallVector<char> letters;
  int64_t ellipsisAt = -1;
};
} // namespace

static FailureOr<EinsumTerm> parseTerm(StringRef text, std::string &error) {
  EinsumTerm term;
  StringRef whole = text;
  while (!text.empty()) {
    if (text.consume_front("...")) {
      if (term.ellipsisAt >= 0) {
        error = "Einsum term '" + whole.str() + "' has two ellipses";
        return failure();
      }
      term.ellipsisAt = term.letters.size();
      continue;
    }
    char c = text.front();
    if (!isAlpha(c)) {
      error = std::string("Einsum equation has the character '") + c +
              "' where a letter or '...' is expected";
      return failure();
    }
    term.letters.push_back(c);
    text = text.drop_front();
  }
  return term;
}

FailureOr<lowrank::onnx::EinsumEquation>
lowrank::onnx::parseEinsumEquation(StringRef equation, ArrayRef<int64_t> ranks,
                                   std::string &error) {
  std::string compact;
  for (char c : equation)
    if (!isSpace(c))
      compact.push_back(c);
  StringRef text(compact);
  auto [lhs, rhs] = text.split("->");
  bool explicitOutput = text.contains("->");
  if (rhs.contains("->")) {
    error = "Einsum equation has more than one '->'";
    return failure();
  }

  SmallVector<StringRef> termTexts;
  lhs.split(termTexts, ',');
  if (termTexts.size() != ranks.size()) {
    error = "Einsum equation has " + std::to_string(termTexts.size()) +
            " input terms for " + std::to_string(ranks.size()) + " inputs";
    return failure();
  }
  SmallVector<EinsumTerm> terms;
  int64_t broadcastRank = 0;
  for (auto [index, termText] : llvm::enumerate(termTexts)) {
    FailureOr<EinsumTerm> term = parseTerm(termText, error);
    if (failed(term))
      return failure();
    int64_t named = term->letters.size();
    int64_t rank = ranks[index];
    if (term->ellipsisAt < 0 ? rank != named : rank < named) {
      error = "Einsum term '" + termText.str() + "' does not fit input " +
              std::to_string(index) + " of rank " + std::to_string(rank);
      return failure();
    }
    if (term->ellipsisAt >= 0)
      broadcastRank = std::max(broadcastRank, rank - named);
    terms.push_back(std::move(*term));
  }

  EinsumEquation result;
  result.numBroadcastLoops = broadcastRank;
  result.numLoops = broadcastRank;
  std::array<int64_t, 128> loopOf;
  loopOf.fill(-1);
  std::array<int64_t, 128> uses{};
  for (auto [index, term] : llvm::enumerate(terms)) {
    SmallVector<int64_t> loops;
    auto addLetters = [&](ArrayRef<char> letters) {
      for (char c : letters) {
        unsigned char key = static_cast<unsigned char>(c);
        if (loopOf[key] < 0)
          loopOf[key] = result.numLoops++;
        ++uses[key];
        loops.push_back(loopOf[key]);
      }
    };
    if (term.ellipsisAt < 0) {
      addLetters(term.letters);
    } else {
      addLetters(ArrayRef(term.letters).take_front(term.ellipsisAt));
      int64_t dims = ranks[index] - static_cast<int64_t>(term.letters.size());
      for (int64_t d = 0; d < dims; ++d)
        loops.push_back(broadcastRank - dims + d);
      addLetters(ArrayRef(term.letters).drop_front(term.ellipsisAt));
    }
    result.inputLoops.push_back(std::move(loops));
  }

  auto broadcastLoops = [&]() {
    for (int64_t d = 0; d < broadcastRank; ++d)
      result.outputLoops.push_back(d);
  };
  if (!explicitOutput) {
    broadcastLoops();
    for (int c = 0; c < 128; ++c)
      if (uses[c] == 1)
        result.outputLoops.push_back(loopOf[c]);
    return result;
  }
  FailureOr<EinsumTerm> output = parseTerm(rhs, error);
  if (failed(output))
    return failure();
  std::array<bool, 128> seen{};
  auto addOutputLetters = [&](ArrayRef<char> letters) -> LogicalResult {
    for (char c : letters) {
      unsigned char key = static_cast<unsigned char>(c);
      if (loopOf[key] < 0) {
        error = std::string("Einsum output letter '") + c +
                "' names no input dimension";
        return failure();
      }
      if (seen[key]) {
        error = std::string("Einsum output letter '") + c + "' appears twice";
        return failure();
      }
      seen[key] = true;
      result.outputLoops.push_back(loopOf[key]);
    }
    return success();
  };
  if (output->ellipsisAt < 0)
    return failed(addOutputLetters(output->letters))
               ? FailureOr<EinsumEquation>(failure())
               : FailureOr<EinsumEquation>(result);
  if (failed(addOutputLetters(
          ArrayRef(output->letters).take_front(output->ellipsisAt))))
    return failure();
  broadcastLoops();
  if (failed(addOutputLetters(
          ArrayRef(output->letters).drop_front(output->ellipsisAt))))
    return failure();
  return result;
}
