// The one way every target runs an input: a fresh Machine (no state carried between inputs)
// executes the program operation by operation, then tears down, freeing everything it still
// holds and checking that the allocator took it all back. MEMSOAK_FUZZ_TARGET defines the
// libFuzzer entry point and its structure-aware mutator, and names the operation table the
// replay binary prints with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/oracle.h"
#include "fuzz/program.h"
#include "memsoak/fuzz.h"  // target_op_table(), defined once per binary by a target macro

namespace memsoak::fuzz {

template <typename Machine>
int run_program(const OpTable& table, std::span<const std::uint8_t> input, Machine& machine) {
  ProgramReader reader(table, input);
  Op op;
  std::size_t index = 0;
  while (reader.next(op)) {
    set_current_op(&table, &op, index++);
    machine.execute(op);
  }
  set_current_op(&table, nullptr, index);
  machine.teardown();
  set_current_op(nullptr, nullptr, 0);
  return 0;
}

template <typename Machine>
int run_program(const OpTable& table, std::span<const std::uint8_t> input) {
  Machine machine;
  return run_program(table, input, machine);
}

}  // namespace memsoak::fuzz

#define MEMSOAK_FUZZ_TARGET(table, Machine)                                           \
  const ::memsoak::fuzz::OpTable& memsoak::fuzz::target_op_table() { return table; }  \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return ::memsoak::fuzz::run_program<Machine>(table, std::span(data, size));       \
  }                                                                                   \
  MEMSOAK_FUZZ_MUTATOR_HOOKS()
