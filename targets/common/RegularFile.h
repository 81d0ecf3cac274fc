//===- RegularFile.h - open only regular files, without blocking -*- C++ -*-===//
//
// Every file Gaon reads by name (models, external data, weights sidecars,
// tensors, NPU configurations) goes through this: a FIFO, a device or a
// directory is refused with a message instead of blocking the tool or
// streaming forever. The open itself does not block (O_NONBLOCK), so a FIFO
// with no writer is refused at once. Plain POSIX, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_COMMON_REGULARFILE_H
#define GAON_TARGETS_COMMON_REGULARFILE_H

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gaon {

/// Opens `path` read-only if it is a regular file; returns the descriptor
/// (with its size in `size`) or -1 with the reason in `error`.
inline int openRegularFile(const std::string &path, uint64_t &size,
                           std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "'" + path + "' is not a regular file";
    return -1;
  }
  size = uint64_t(st.st_size);
  return fd;
}

/// Reads all of a regular file of at most `maxBytes` into `data`.
inline bool readRegularFile(const std::string &path, std::string &data,
                            std::string &error,
                            uint64_t maxBytes = UINT64_MAX) {
  uint64_t size = 0;
  int fd = openRegularFile(path, size, error);
  if (fd < 0)
    return false;
  if (size > maxBytes) {
    ::close(fd);
    error = "'" + path + "' is " + std::to_string(size) +
            " bytes; at most " + std::to_string(maxBytes) + " are read";
    return false;
  }
  data.resize(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data.data() + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      error = "cannot read '" + path + "'";
      return false;
    }
    done += uint64_t(n);
  }
  ::close(fd);
  return true;
}


/// Opens `relative`, a path below the folder `dir`, read-only if it is a
/// regular file that stays inside the folder: no absolute path, no `..`, no
/// backslash, and no symbolic link on the way (each component is opened
/// with O_NOFOLLOW relative to the one before, so a link swapped in between
/// a check and the open is refused too). Returns the descriptor (size in
/// `size`) or -1 with the reason in `error`.
inline int openConfinedFile(const std::string &dir, const std::string &relative,
                            uint64_t &size, std::string &error) {
  if (relative.empty() || relative[0] == '/' ||
      relative.find('\\') != std::string::npos) {
    error = "'" + relative + "' is not a relative path below the folder";
    return -1;
  }
  std::string parts = relative;
  size_t start = 0;
  int current = ::open(dir.empty() ? "." : dir.c_str(),
                       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (current < 0) {
    error = "cannot open the folder '" + dir + "': " + std::strerror(errno);
    return -1;
  }
  while (true) {
    size_t slash = parts.find('/', start);
    std::string part = parts.substr(start, slash == std::string::npos
                                               ? std::string::npos
                                               : slash - start);
    bool last = slash == std::string::npos;
    if (part == "..") {
      ::close(current);
      error = "'" + relative + "' leaves the folder through '..'";
      return -1;
    }
    if (!part.empty() && part != ".") {
      int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                  (last ? O_NONBLOCK : O_DIRECTORY);
      int next = ::openat(current, part.c_str(), flags);
      int saved = errno;
      ::close(current);
      if (next < 0) {
        error = saved == ELOOP || (saved == ENOTDIR && !last)
                    ? "'" + relative + "': '" + part +
                          "' is a symbolic link (or not a folder); links are "
                          "not followed out of the folder"
                    : "cannot read '" + relative + "': " + std::strerror(saved);
        return -1;
      }
      current = next;
    } else if (last) {
      ::close(current);
      error = "'" + relative + "' names a folder, not a file";
      return -1;
    }
    if (last)
      break;
    start = slash + 1;
  }
  struct stat st;
  if (::fstat(current, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(current);
    error = "'" + relative + "' is not a regular file";
    return -1;
  }
  // A second name for a file elsewhere (a hard link) is not a copy in the
  // folder: refused like a symbolic link.
  if (st.st_nlink > 1) {
    ::close(current);
    error = "'" + relative + "' has " + std::to_string(st.st_nlink) +
            " hard links; a file linked from elsewhere is refused (copy it "
            "into the folder)";
    return -1;
  }
  size = uint64_t(st.st_size);
  return current;
}

} // namespace gaon

#endif // GAON_TARGETS_COMMON_REGULARFILE_H
