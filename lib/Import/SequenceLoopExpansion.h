//===- SequenceLoopExpansion.h - Lists built by a Loop, as scan outputs ---===//
//
// TorchScript exports a list that a scripted loop appends to as a Loop
// carrying a sequence: SequenceEmpty before it, SequenceInsert at the end of
// each iteration, ConcatFromSequence after it. For compilation, such a
// sequence becomes one of the Loop's scan outputs (which stack the
// iterations' values along a new first axis), and each ConcatFromSequence a
// Transpose (and a Reshape) of it. Sequences used any other way are kept.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_SEQUENCELOOPEXPANSION_H
#define LOWRANK_LIB_IMPORT_SEQUENCELOOPEXPANSION_H

#include <onnx/onnx_pb.h>

namespace lowrank {

/// Rewrites the loops of `graph` (and of its subgraphs) that build a
/// sequence as described above; true if any changed. Needs the graph's
/// inferred types (the rank of the appended values).
bool expandSequenceAccumulatingLoops(::onnx::GraphProto &graph);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_SEQUENCELOOPEXPANSION_H
