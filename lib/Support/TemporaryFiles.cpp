//===- TemporaryFiles.cpp - Temporary files beside any output -------------===//

#include "lowrank/Support/TemporaryFiles.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fcntl.h>
#include <mutex>
#include <unistd.h>

using namespace llvm;

namespace lowrank {

/// An O_PATH handle on `folder`, opened once per folder and kept for the
/// life of the process (temporary files and signal handlers refer to it);
/// -1 when the folder cannot be opened.
static int getFolderHandle(StringRef folder) {
  static std::mutex mutex;
  static StringMap<int> handles;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = handles.try_emplace(folder, -1);
  if (inserted)
    it->second = ::open(folder.str().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  return it->second;
}

std::string getTemporaryFileModel(StringRef path, StringRef tag) {
  std::string model = (path + tag + "-%%%%%%").str();
  StringRef folder = sys::path::parent_path(path);
  if (!folder.contains('%'))
    return model;
  int handle = getFolderHandle(folder);
  if (handle < 0)
    return model;
  return ("/proc/self/fd/" + Twine(handle) + "/" + sys::path::filename(path) +
          tag + "-%%%%%%")
      .str();
}

Error writeOutputFile(StringRef path,
                      function_ref<Error(raw_ostream &)> write) {
  sys::fs::file_status status;
  bool inPlace = path == "-" ||
                 (!sys::fs::status(path, status) && sys::fs::exists(status) &&
                  status.type() != sys::fs::file_type::regular_file);
  if (inPlace) {
    std::error_code ec;
    raw_fd_ostream os(path, ec, sys::fs::OF_None);
    if (ec)
      return createStringError(ec, "%s: %s", path.str().c_str(),
                               ec.message().c_str());
    if (Error err = write(os))
      return err;
    os.close();
    if (os.has_error()) {
      std::error_code writeError = os.error();
      os.clear_error();
      return createStringError(writeError, "%s: write failed: %s",
                               path.str().c_str(),
                               writeError.message().c_str());
    }
    return Error::success();
  }
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(getTemporaryFileModel(path, ".tmp"));
  if (!temp)
    return temp.takeError();
  {
    raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    if (Error err = write(os)) {
      consumeError(temp->discard());
      return err;
    }
    os.flush();
    if (os.has_error()) {
      std::error_code writeError = os.error();
      os.clear_error();
      consumeError(temp->discard());
      return createStringError(writeError, "%s: write failed: %s",
                               path.str().c_str(),
                               writeError.message().c_str());
    }
  }
  return temp->keep(path);
}

} // namespace lowrank
