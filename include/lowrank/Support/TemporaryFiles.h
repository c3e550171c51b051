//===- TemporaryFiles.h - Temporary files beside any output -----*- C++ -*-===//
//
// Outputs are written to a temporary file beside them and renamed into
// place. LLVM names temporary files from a model whose every '%' becomes a
// random character, so a model built from an output path in a folder named
// `a%b` points into a folder that does not exist. These helpers build models
// that work for any folder name.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_SUPPORT_TEMPORARYFILES_H
#define LOWRANK_SUPPORT_TEMPORARYFILES_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace lowrank {

/// A model for llvm::sys::fs::TempFile::create and createUniqueFile naming
/// a unique file beside `path`: `<path><tag>-%%%%%%`. When the folder's
/// name holds '%', the folder is reached through /proc/self/fd (an open
/// handle on it) so that only the model's own '%'s are replaced.
std::string getTemporaryFileModel(llvm::StringRef path, llvm::StringRef tag);

/// llvm::writeToOutput for any path: "-" writes standard output, an
/// existing output that is not a regular file (/dev/null) is written in
/// place, anything else is written to a temporary file beside `path`
/// (removed on failure and on signals) and renamed into place.
llvm::Error
writeOutputFile(llvm::StringRef path,
                llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write);

} // namespace lowrank

#endif // LOWRANK_SUPPORT_TEMPORARYFILES_H
