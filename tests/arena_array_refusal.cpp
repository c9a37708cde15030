// Must NOT compile: Arena::allocate_array<T> refuses a T whose destructor raw storage would
// never run. CTest compiles this file and expects the static_assert's advice in the output.
#include <string>

#include "harness/arena.h"

std::string* storage_for_strings(memsoak::Arena& arena) {
  return arena.allocate_array<std::string>(4);
}
