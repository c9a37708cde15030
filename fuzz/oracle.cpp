#include "fuzz/oracle.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace memsoak::fuzz {
namespace {

struct CurrentOp {
  const OpTable* table = nullptr;
  const Op* op = nullptr;
  std::size_t index = 0;
};
CurrentOp current;  // single-threaded by construction: one input runs at a time

void print_current_op() {
  if (current.table == nullptr || current.op == nullptr) return;
  const OpSpec& spec = current.table->ops[current.op->code];
  std::fprintf(stderr, "memsoak-fuzz: in target %.*s, operation #%zu at byte %zu: %.*s",
               static_cast<int>(current.table->target.size()), current.table->target.data(),
               current.index, current.op->offset, static_cast<int>(spec.name.size()),
               spec.name.data());
  for (std::size_t i = 0; i < spec.arg_count; ++i) {
    if (spec.args[i].kind == ArgKind::kText) continue;
    std::fprintf(stderr, " %.*s=%llu", static_cast<int>(spec.args[i].name.size()),
                 spec.args[i].name.data(), static_cast<unsigned long long>(current.op->args[i]));
  }
  std::fprintf(stderr, "\n");
}

void print_failure(const char* format, std::va_list args) {
  std::fprintf(stderr, "memsoak-fuzz: ORACLE FAILURE: ");
  std::vfprintf(stderr, format, args);
  std::fprintf(stderr, "\n");
  print_current_op();
  std::fflush(stderr);
}

}  // namespace

void set_current_op(const OpTable* table, const Op* op, std::size_t index) {
  current = CurrentOp{table, op, index};
}

void fail(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  print_failure(format, args);
  va_end(args);
  std::abort();
}

void expect(bool ok, const char* format, ...) {
  if (ok) return;
  std::va_list args;
  va_start(args, format);
  print_failure(format, args);
  va_end(args);
  std::abort();
}

}  // namespace memsoak::fuzz
