// A fuzz input is a program of operations, decoded front to back: one byte picks the operation
// (modulo the target's table), then each argument takes a fixed number of bytes. A truncated
// last operation is dropped. Because the layout is fixed and front to back, seeds are written by
// hand as text (`malloc slot=1 size=100`), assembled to bytes, and any input, a crash included,
// prints back as the same text. Decoding never allocates: targets run it inside allocators.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace memsoak::fuzz {

enum class ArgKind : std::uint8_t {
  kSlot,          // 1 byte: index of a live-block slot, reduced modulo kSlotCount
  kSize,          // 2 bytes: a byte count up to ~1 MiB, small sizes most likely (see decode_size)
  kSizeRareHuge,  // 2 bytes: as kSize, but sizes over kCommonSizeMaxBytes are rare
  kAlign,         // 1 byte: a power of two from 1 to 4096
  kByte,          // 1 byte: a raw value (flags, a choice, a count)
  kText,          // 1 length byte, then that many bytes of text
};

// kSizeRareHuge decodes 1 random encoding in 256 to a size from 4 KiB to 1 MiB (a multiple of
// 4 KiB) and the rest to at most this: blocks for ASan's mmap-backed secondary allocator, which
// costs ~200 us per MiB, come from 1 random size in ~290 instead of 1 in 18 (kSize).
inline constexpr std::size_t kCommonSizeMaxBytes = 122848;

inline constexpr std::size_t kSlotCount = 32;
inline constexpr std::size_t kMaxArgs = 4;
inline constexpr std::size_t kMaxOpsPerInput = 256;  // keeps exec/s flat as inputs grow

struct ArgSpec {
  std::string_view name;
  ArgKind kind;
};

struct OpSpec {
  std::string_view name;
  std::array<ArgSpec, kMaxArgs> args{};
  std::size_t arg_count = 0;
};

// The operation set of one target; the opcode is the index into `ops`.
struct OpTable {
  std::string_view target;
  std::span<const OpSpec> ops;
};

struct Op {
  std::size_t code = 0;
  std::array<std::uint64_t, kMaxArgs> args{};  // decoded values (kText: unused)
  std::string_view text;                       // the kText argument, if the op has one
  std::size_t offset = 0;                      // where the op starts in the input

  std::size_t slot(std::size_t i) const { return static_cast<std::size_t>(args[i]); }
  std::size_t bytes(std::size_t i) const { return static_cast<std::size_t>(args[i]); }
};

// Reads operations one at a time; next() is false at the end or after kMaxOpsPerInput.
class ProgramReader {
 public:
  ProgramReader(const OpTable& table, std::span<const std::uint8_t> input)
      : table_(table), input_(input) {}
  bool next(Op& op);
  // Where the operation next() read last ends (the bytes after it are the next one's).
  std::size_t position() const { return position_; }

 private:
  bool read_arg(ArgKind kind, Op& op, std::size_t index);
  const OpTable& table_;
  std::span<const std::uint8_t> input_;
  std::size_t position_ = 0;
  std::size_t ops_read_ = 0;
};

std::size_t decode_size(ArgKind kind, std::uint16_t encoded);
// The encoding decode_size maps to `size`; throws AssembleError for a size it cannot reach.
std::uint16_t encode_size(ArgKind kind, std::size_t size);

// One line per operation: `offset: name arg=value ...`; text is quoted with \xNN escapes.
void print_program(const OpTable& table, std::span<const std::uint8_t> input, std::FILE* out);
std::string format_op(const OpTable& table, const Op& op);

// libFuzzer dictionary lines ("\x..." entries): every operation with representative
// arguments (slot 0, alignment 16, sizes at the boundaries allocators care about).
void print_dictionary(const OpTable& table, std::FILE* out);

struct AssembleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The inverse of print_program: one operation per line, `name value...` or `name arg=value...`;
// `#` starts a comment. Throws AssembleError naming the line and what is wrong.
std::vector<std::uint8_t> assemble_program(const OpTable& table, std::string_view source);

}  // namespace memsoak::fuzz
