#include "soak/workload/c_heap.h"

#include <dlfcn.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

namespace memsoak::workload {
namespace {

// Each block starts with its size so release() can keep live_bytes exact, as C's free()
// gives no size. 16 bytes keep the payload aligned as malloc's is.
constexpr std::size_t kHeaderBytes = 16;

template <class Function>
Function glibc_symbol(void* libc, const char* name) {
  void* symbol = dlsym(libc, name);
  if (symbol == nullptr) {
    throw std::runtime_error(std::string("glibc_direct heap: libc.so.6 has no '") + name + "'");
  }
  return reinterpret_cast<Function>(symbol);
}

void* open_libc() {
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (libc == nullptr) {
    // Called once, from glibc_direct()'s thread-safe static initializer.
    throw std::runtime_error(std::string("glibc_direct heap: cannot open libc.so.6: ") +
                             dlerror());  // NOLINT(concurrency-mt-unsafe)
  }
  return libc;
}

}  // namespace

CHeap::CHeap(std::string_view name, MallocFunction malloc_function, FreeFunction free_function)
    : name_(name), malloc_(malloc_function), free_(free_function) {}

const CHeap& CHeap::process() {
  static const CHeap heap("process", &std::malloc, &std::free);
  return heap;
}

const CHeap& CHeap::glibc_direct() {
  // dlsym on the libc handle searches libc itself, not the global scope an LD_PRELOADed
  // allocator interposes on. The handle is never closed: libc stays loaded anyway.
  static const CHeap heap = [] {
    void* libc = open_libc();
    return CHeap("glibc-direct", glibc_symbol<MallocFunction>(libc, "malloc"),
                 glibc_symbol<FreeFunction>(libc, "free"));
  }();
  return heap;
}

void* CHeap::allocate(std::size_t bytes) const {
  auto* block = static_cast<char*>(malloc_(kHeaderBytes + bytes));
  if (block == nullptr) throw std::bad_alloc();
  *reinterpret_cast<std::size_t*>(block) = bytes;
  live_bytes_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  return block + kHeaderBytes;
}

void CHeap::release(void* payload) const noexcept {
  char* block = static_cast<char*>(payload) - kHeaderBytes;
  const std::size_t bytes = *reinterpret_cast<const std::size_t*>(block);
  live_bytes_.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  free_(block);
}

}  // namespace memsoak::workload
