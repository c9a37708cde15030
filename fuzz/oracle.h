// How a target reports a broken rule: expect() prints what is wrong and which operation of the
// program was running (target, index, byte offset, arguments), then aborts, so libFuzzer records
// a crash and the replay binary fails. Printing allocates nothing: the fuzzed allocator may be
// the very thing that broke.
#pragma once

#include "fuzz/program.h"

namespace memsoak::fuzz {

// The operation being executed, for failure messages; cleared between inputs.
void set_current_op(const OpTable* table, const Op* op, std::size_t index);

[[noreturn]] void fail(const char* format, ...) __attribute__((format(printf, 1, 2)));

// fail() unless `ok`. Arguments are evaluated eagerly: pass plain values.
void expect(bool ok, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace memsoak::fuzz
