//===- SequenceLoopExpansion.cpp - Lists built by a Loop, as scan outputs -===//
//
// A Loop carrying a sequence s (slot k) is rewritten when
//   - s starts as the output of a SequenceEmpty used by nothing else,
//   - the body's only use of its s is one SequenceInsert(s, t) without a
//     position, whose result is the body's s output and nothing else, and
//   - after the loop, s is read only by ConcatFromSequence nodes.
// Slot k then leaves the Loop, and t (through an Identity) becomes a new
// scan output S = [iterations, t's sizes...]. ConcatFromSequence with
// new_axis = 1 at axis a is S with its first axis moved to a; with
// new_axis = 0 it is that, with the moved axis merged into the next one by
// a Reshape. Iterations whose t differ in shape fail the Loop's scan
// output check, where ONNX Runtime would concatenate them along a.
//
//===----------------------------------------------------------------------===//

#include "SequenceLoopExpansion.h"
#include "NodeWriter.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

using namespace llvm;

namespace lowrank {
namespace {

using NodeList = ::google::protobuf::RepeatedPtrField<::onnx::NodeProto>;

bool isDefaultDomain(const ::onnx::NodeProto &node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

/// How many times `graph` (subgraphs included) reads `name`: node inputs
/// and graph outputs.
int64_t countReads(const ::onnx::GraphProto &graph, StringRef name) {
  int64_t reads = 0;
  for (const auto &node : graph.node()) {
    reads += llvm::count(node.input(), name.str());
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        reads += countReads(attr.g(), name);
      for (const auto &sub : attr.graphs())
        reads += countReads(sub, name);
    }
  }
  for (const auto &output : graph.output())
    reads += output.name() == name;
  return reads;
}

/// The rank `graph` records for `name` (input, output or value_info).
std::optional<int64_t> getRecordedRank(const ::onnx::GraphProto &graph,
                                       StringRef name) {
  auto rankOf =
      [&](const ::onnx::ValueInfoProto &info) -> std::optional<int64_t> {
    if (info.name() != name || !info.type().has_tensor_type() ||
        !info.type().tensor_type().has_shape())
      return std::nullopt;
    return info.type().tensor_type().shape().dim_size();
  };
  for (const auto *list :
       {&graph.input(), &graph.output(), &graph.value_info()})
    for (const auto &info : *list)
      if (std::optional<int64_t> rank = rankOf(info))
        return rank;
  return std::nullopt;
}

int64_t getIntAttribute(const ::onnx::NodeProto &node, StringRef name,
                        int64_t fallback) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name && attr.type() == ::onnx::AttributeProto::INT)
      return attr.i();
  return fallback;
}

::onnx::GraphProto *getBody(::onnx::NodeProto &loop) {
  for (auto &attr : *loop.mutable_attribute())
    if (attr.name() == "body" && attr.has_g())
      return attr.mutable_g();
  return nullptr;
}

/// The permutation of a rank-`rank` tensor that moves its first axis to
/// position `to`.
std::vector<int64_t> moveFirstAxis(int64_t rank, int64_t to) {
  std::vector<int64_t> perm;
  for (int64_t j = 0; j < rank; ++j)
    perm.push_back(j < to ? j + 1 : (j == to ? 0 : j));
  return perm;
}

/// The axis of a ConcatFromSequence over values of rank `rank`, counted
/// from the front; none when outside the range ONNX allows.
std::optional<int64_t> getConcatAxis(const ::onnx::NodeProto &concat,
                                     int64_t rank) {
  int64_t axis = getIntAttribute(concat, "axis", 0);
  int64_t outputRank = getIntAttribute(concat, "new_axis", 0) ? rank + 1 : rank;
  if (axis < -outputRank || axis >= outputRank)
    return std::nullopt;
  return axis < 0 ? axis + outputRank : axis;
}

/// Writes the nodes computing `concat`'s output from `stacked`, the scan
/// output of values of rank `rank`.
void writeConcat(NodeWriter &w, const ::onnx::NodeProto &concat,
                 const std::string &stacked, int64_t rank, int64_t axis) {
  const std::string &out = concat.output(0);
  bool newAxis = getIntAttribute(concat, "new_axis", 0) != 0;
  if (newAxis && axis == 0) {
    w.add("Identity", {stacked}, {out});
    return;
  }
  std::string moved = stacked;
  if (axis != 0)
    moved =
        w.add("Transpose", {stacked},
              newAxis ? std::vector{out} : std::vector<std::string>{},
              {::onnx::MakeAttribute("perm", moveFirstAxis(rank + 1, axis))});
  if (newAxis)
    return;
  // Merge the iterations' axis (now at `axis`) into the one after it.
  std::string shape = w.add("Shape", {moved});
  std::string before = w.add("Slice", {shape, w.ints({0}), w.ints({axis})});
  std::string after =
      w.add("Slice", {shape, w.ints({axis + 2}), w.ints({INT64_MAX})});
  std::string target = w.add("Concat", {before, w.ints({-1}), after}, {},
                             {::onnx::MakeAttribute("axis", int64_t(0))});
  w.add("Reshape", {moved, target}, {out});
}

template <typename Range> void eraseNamed(Range &infos, StringRef name) {
  for (int i = infos.size() - 1; i >= 0; --i)
    if (infos.Get(i).name() == name)
      infos.DeleteSubrange(i, 1);
}

/// Rewrites carried slot `k` of `graph.node(loopIndex)` if it builds a
/// sequence the way the file comment describes.
bool rewriteSlot(::onnx::GraphProto &graph, int loopIndex, int k) {
  ::onnx::NodeProto &loop = *graph.mutable_node(loopIndex);
  ::onnx::GraphProto *body = getBody(loop);
  if (!body || loop.input_size() <= 2 + k || body->input_size() <= 2 + k ||
      body->output_size() <= 1 + k || loop.output_size() <= k)
    return false;
  const std::string initial = loop.input(2 + k);
  const std::string final = loop.output(k);
  const std::string bodyIn = body->input(2 + k).name();
  const std::string bodyOut = body->output(1 + k).name();

  auto producer = llvm::find_if(graph.node(), [&](const auto &node) {
    return llvm::is_contained(node.output(), initial);
  });
  if (producer == graph.node().end() ||
      producer->op_type() != "SequenceEmpty" || !isDefaultDomain(*producer) ||
      countReads(graph, initial) != 1)
    return false;

  auto insert = llvm::find_if(body->node(), [&](const auto &node) {
    return node.op_type() == "SequenceInsert" && isDefaultDomain(node) &&
           node.input_size() == 2 && node.input(0) == bodyIn &&
           node.output_size() == 1 && node.output(0) == bodyOut;
  });
  if (insert == body->node().end() || countReads(*body, bodyIn) != 1 ||
      countReads(*body, bodyOut) != 1)
    return false;
  const std::string appended = insert->input(1);
  if (appended == bodyIn)
    return false;

  // Every reader of the final sequence is a ConcatFromSequence of it.
  std::vector<int> concats;
  for (int i = 0; i < graph.node_size(); ++i) {
    const ::onnx::NodeProto &node = graph.node(i);
    if (!llvm::is_contained(node.input(), final))
      continue;
    if (node.op_type() != "ConcatFromSequence" || !isDefaultDomain(node) ||
        node.input_size() != 1 || node.output_size() != 1)
      return false;
    concats.push_back(i);
  }
  if (concats.empty() ||
      static_cast<int64_t>(concats.size()) != countReads(graph, final))
    return false;
  std::optional<int64_t> rank = getRecordedRank(*body, appended);
  if (!rank)
    rank = getRecordedRank(graph, appended);
  if (!rank)
    return false;
  for (int i : concats)
    if (!getConcatAxis(graph.node(i), *rank))
      return false;

  int32_t elementType = 0;
  if (body->output(1 + k).type().has_sequence_type()) {
    const auto &element =
        body->output(1 + k).type().sequence_type().elem_type();
    if (element.has_tensor_type())
      elementType = element.tensor_type().elem_type();
  }
  if (elementType == 0)
    return false;

  // The body: slot k's input and output leave, the appended value becomes
  // a scan output (through an Identity, so that its name is the body's
  // own).
  StringSet<> bodyNames = collectTakenNames(*body);
  NodeList bodyNodes;
  std::string scanName;
  for (const ::onnx::NodeProto &node : body->node()) {
    if (&node == &*insert)
      continue;
    *bodyNodes.Add() = node;
  }
  {
    NodeWriter w(*insert, bodyNodes, bodyNames);
    scanName = w.add("Identity", {appended});
  }
  *body->mutable_node() = std::move(bodyNodes);
  body->mutable_input()->DeleteSubrange(2 + k, 1);
  body->mutable_output()->DeleteSubrange(1 + k, 1);
  ::onnx::ValueInfoProto *scanInfo = body->add_output();
  scanInfo->set_name(scanName);
  scanInfo->mutable_type()->mutable_tensor_type()->set_elem_type(elementType);
  eraseNamed(*body->mutable_value_info(), bodyIn);
  eraseNamed(*body->mutable_value_info(), bodyOut);

  // The graph: the Loop loses slot k and gains the scan output; the
  // SequenceEmpty goes, each ConcatFromSequence is replaced in place.
  StringSet<> names = collectTakenNames(graph);
  std::string stacked;
  {
    NodeList unused;
    NodeWriter w(loop, unused, names);
    stacked = w.fresh("stacked");
  }
  loop.mutable_input()->DeleteSubrange(2 + k, 1);
  loop.mutable_output()->DeleteSubrange(k, 1);
  loop.add_output(stacked);
  NodeList nodes;
  for (int i = 0; i < graph.node_size(); ++i) {
    const ::onnx::NodeProto &node = graph.node(i);
    if (&node == &*producer)
      continue;
    if (!llvm::is_contained(concats, i)) {
      *nodes.Add() = node;
      continue;
    }
    NodeWriter w(node, nodes, names);
    writeConcat(w, node, stacked, *rank, *getConcatAxis(node, *rank));
  }
  *graph.mutable_node() = std::move(nodes);
  eraseNamed(*graph.mutable_value_info(), initial);
  eraseNamed(*graph.mutable_value_info(), final);
  return true;
}

} // namespace

bool expandSequenceAccumulatingLoops(::onnx::GraphProto &graph) {
  bool changed = false;
  for (auto &node : *graph.mutable_node())
    for (auto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        changed |= expandSequenceAccumulatingLoops(*attr.mutable_g());
      for (auto &sub : *attr.mutable_graphs())
        changed |= expandSequenceAccumulatingLoops(sub);
    }
  // A rewrite replaces the graph's node list: the scan starts again.
  bool rewrote = true;
  while (rewrote) {
    rewrote = false;
    for (int n = 0; n < graph.node_size() && !rewrote; ++n) {
      const ::onnx::NodeProto &loop = graph.node(n);
      if (loop.op_type() != "Loop" || !isDefaultDomain(loop))
        continue;
      for (int k = loop.input_size() - 3; k >= 0 && !rewrote; --k)
        rewrote = rewriteSlot(graph, n, k);
    }
    changed |= rewrote;
  }
  return changed;
}

} // namespace lowrank
