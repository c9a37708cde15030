// Structure-aware mutation of op programs (declared in memsoak/fuzz.h). New arguments come from
// what allocators care about; existing slots are reused so that a free meets a live block.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz/program.h"
#include "memsoak/fuzz.h"

// libFuzzer's own mutation; absent (null) outside a libFuzzer binary, as in unit tests.
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size)
    __attribute__((weak));

namespace memsoak::fuzz {
namespace {

using Bytes = std::vector<std::uint8_t>;

// SplitMix64: libFuzzer hands out neighbouring seeds, which a linear congruential generator
// would turn into neighbouring choices.
class Random {
 public:
  using result_type = std::uint64_t;
  explicit Random(unsigned seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    std::uint64_t z = state_ += 0x9e3779b97f4a7c15;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

constexpr unsigned kAlignChoices = 13;  // the decoder's: 1 .. 4096
constexpr std::size_t kFreshSlots = 8;  // a new slot is one of the first few
constexpr std::size_t kObjectSizeStep = 8;
constexpr std::size_t kObjectSizes = 32;      // 8 to 256 bytes
constexpr std::uint8_t kObjectAlignLog2 = 3;  // 8 to 64 bytes

// Sizes allocators treat differently: each side of small size classes, of pages, of the
// large-object and mmap thresholds. Where the encoding steps by 8 or 256 above 4 KiB, the
// neighbours are a step away.
constexpr std::array<std::size_t, 44> kBoundarySizes{
    0,    1,    7,     8,     9,     15,    16,     17,     24,     31,     32,
    33,   48,   63,    64,    65,    96,    127,    128,    129,    255,    256,
    257,  511,  512,   513,   1023,  1024,  1025,   2047,   2048,   3584,   4095,
    4096, 8192, 16384, 32760, 32768, 65536, 131072, 262144, 524288, 786432, 1048576};

bool is_size(ArgKind kind) { return kind == ArgKind::kSize || kind == ArgKind::kSizeRareHuge; }

// kBoundarySizes as each size kind encodes them (those it cannot reach left out).
const std::vector<std::uint16_t>& boundary_encodings(ArgKind kind) {
  static const auto encodings_of = [](ArgKind of) {
    std::vector<std::uint16_t> encodings;
    for (const std::size_t size : kBoundarySizes) {
      try {
        encodings.push_back(encode_size(of, size));
      } catch (const AssembleError&) {
      }
    }
    return encodings;
  };
  static const std::vector<std::uint16_t> sizes = encodings_of(ArgKind::kSize);
  static const std::vector<std::uint16_t> rare_huge = encodings_of(ArgKind::kSizeRareHuge);
  return kind == ArgKind::kSize ? sizes : rare_huge;
}

// The program's whole operations, each as its bytes; trailing bytes that make no whole
// operation are dropped.
std::vector<Bytes> split(const OpTable& table, std::span<const std::uint8_t> input) {
  std::vector<Bytes> ops;
  ProgramReader reader(table, input);
  Op op;
  while (reader.next(op)) {
    ops.emplace_back(input.begin() + static_cast<std::ptrdiff_t>(op.offset),
                     input.begin() + static_cast<std::ptrdiff_t>(reader.position()));
  }
  return ops;
}

// Joins operations while they fit in max_size.
std::size_t join(const std::vector<Bytes>& ops, std::uint8_t* out, std::size_t max_size) {
  std::size_t size = 0;
  for (const Bytes& op : ops) {
    if (size + op.size() > max_size) break;
    std::copy(op.begin(), op.end(), out + size);
    size += op.size();
  }
  return size;
}

std::size_t pick(Random& random, std::size_t count) {
  return std::uniform_int_distribution<std::size_t>(0, count - 1)(random);
}

bool chance(Random& random, unsigned one_in) { return pick(random, one_in) == 0; }

const OpSpec& spec_of(const OpTable& table, const Bytes& op) {
  return table.ops[op[0] % table.ops.size()];
}

// The byte offset of each argument inside an operation's bytes.
std::vector<std::size_t> argument_offsets(const OpSpec& spec, const Bytes& op) {
  std::vector<std::size_t> offsets;
  std::size_t at = 1;
  for (std::size_t i = 0; i < spec.arg_count; ++i) {
    offsets.push_back(at);
    const ArgKind kind = spec.args[i].kind;
    at += is_size(kind) ? 2 : kind == ArgKind::kText ? 1 + op[at] : 1;
  }
  return offsets;
}

// The slot bytes the program already names: a new operation on one of them meets its block.
std::vector<std::uint8_t> slots_in_use(const OpTable& table, const std::vector<Bytes>& ops) {
  std::vector<std::uint8_t> slots;
  for (const Bytes& op : ops) {
    const OpSpec& spec = spec_of(table, op);
    const std::vector<std::size_t> offsets = argument_offsets(spec, op);
    for (std::size_t i = 0; i < spec.arg_count; ++i) {
      if (spec.args[i].kind == ArgKind::kSlot) slots.push_back(op[offsets[i]] % kSlotCount);
    }
  }
  return slots;
}

struct Chooser {
  Random& random;
  const std::vector<std::uint8_t>& slots;

  std::uint8_t slot() {
    if (!slots.empty() && !chance(random, 3)) return slots[pick(random, slots.size())];
    return static_cast<std::uint8_t>(pick(random, kFreshSlots));
  }

  // A boundary half the time, else an object's size (a multiple of 8 up to 256), else any.
  std::uint16_t size(ArgKind kind) {
    const std::vector<std::uint16_t>& boundaries = boundary_encodings(kind);
    switch (pick(random, 4)) {
      case 0:
        return static_cast<std::uint16_t>(pick(random, 0x10000));
      case 1:
        return encode_size(kind, kObjectSizeStep * (1 + pick(random, kObjectSizes)));
      default:
        return boundaries[pick(random, boundaries.size())];
    }
  }

  // Half the time an alignment objects ask for (8 to 64), else any up to 4096.
  std::uint8_t alignment() {
    return static_cast<std::uint8_t>(chance(random, 2) ? kObjectAlignLog2 + pick(random, 4)
                                                       : pick(random, kAlignChoices));
  }

  // Writes one argument of `kind` at the end of `op`.
  void append(ArgKind kind, Bytes& op) {
    switch (kind) {
      case ArgKind::kSlot:
        op.push_back(slot());
        return;
      case ArgKind::kSize:
      case ArgKind::kSizeRareHuge: {
        const std::uint16_t encoded = size(kind);
        op.push_back(static_cast<std::uint8_t>(encoded & 0xFF));
        op.push_back(static_cast<std::uint8_t>(encoded >> 8));
        return;
      }
      case ArgKind::kAlign:
        op.push_back(alignment());
        return;
      case ArgKind::kByte:
        op.push_back(
            static_cast<std::uint8_t>(chance(random, 2) ? pick(random, 8) : pick(random, 256)));
        return;
      case ArgKind::kText: {
        const std::size_t length = pick(random, 9);
        op.push_back(static_cast<std::uint8_t>(length));
        for (std::size_t i = 0; i < length; ++i) {
          op.push_back(static_cast<std::uint8_t>(' ' + pick(random, 95)));
        }
        return;
      }
    }
  }

  Bytes operation(const OpTable& table) {
    const std::size_t code = pick(random, table.ops.size());
    Bytes op{static_cast<std::uint8_t>(code)};
    const OpSpec& spec = table.ops[code];
    for (std::size_t i = 0; i < spec.arg_count; ++i) append(spec.args[i].kind, op);
    return op;
  }

  // Re-chooses one argument of `op` (a text argument keeps its length).
  void change_argument(const OpTable& table, Bytes& op) {
    const OpSpec& spec = spec_of(table, op);
    if (spec.arg_count == 0) {
      op = operation(table);
      return;
    }
    const std::size_t index = pick(random, spec.arg_count);
    const ArgKind kind = spec.args[index].kind;
    const std::size_t at = argument_offsets(spec, op)[index];
    if (kind == ArgKind::kText) {
      if (op[at] > 0) {
        op[at + 1 + pick(random, op[at])] = static_cast<std::uint8_t>(pick(random, 256));
      }
      return;
    }
    Bytes value;
    append(kind, value);
    std::copy(value.begin(), value.end(), op.begin() + static_cast<std::ptrdiff_t>(at));
  }
};

void mutate_ops(const OpTable& table, std::vector<Bytes>& ops, Random& random) {
  const std::vector<std::uint8_t> slots = slots_in_use(table, ops);
  Chooser choose{random, slots};
  const auto at = [&](std::size_t extra) {
    return ops.begin() + static_cast<std::ptrdiff_t>(pick(random, ops.size() + extra));
  };
  if (ops.empty() || chance(random, 3)) {
    ops.insert(at(1), choose.operation(table));
    return;
  }
  switch (pick(random, 4)) {
    case 0:
      ops.erase(at(0));
      return;
    case 1: {
      const Bytes copy = *at(0);
      ops.insert(at(1), copy);
      return;
    }
    case 2:
      std::iter_swap(at(0), at(0));
      return;
    default:
      choose.change_argument(table, *at(0));
      return;
  }
}

// MEMSOAK_FUZZ_MUTATOR=bytes leaves mutation to libFuzzer alone, so that what the structure adds
// is measured in the same binary (ci/fuzz-rediscover.sh -M both).
bool bytes_only() {
  static const bool only = [] {
    const char* choice = std::getenv("MEMSOAK_FUZZ_MUTATOR");  // NOLINT(concurrency-mt-unsafe)
    return choice != nullptr && std::string_view(choice) == "bytes";
  }();
  return only && LLVMFuzzerMutate != nullptr;
}

}  // namespace

std::size_t mutate_program(const OpTable& table, std::uint8_t* data, std::size_t size,
                           std::size_t max_size, unsigned seed) {
  if (table.ops.empty()) return size;
  Random random(seed);
  if (bytes_only() || (LLVMFuzzerMutate != nullptr && size > 0 && chance(random, 3))) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  std::vector<Bytes> ops = split(table, std::span(data, size));
  mutate_ops(table, ops, random);
  if (ops.size() > kMaxOpsPerInput) ops.resize(kMaxOpsPerInput);
  return join(ops, data, max_size);
}

std::size_t cross_over_programs(const OpTable& table, const std::uint8_t* first,
                                std::size_t first_size, const std::uint8_t* second,
                                std::size_t second_size, std::uint8_t* out, std::size_t max_size,
                                unsigned seed) {
  Random random(seed);
  if (bytes_only()) {  // a prefix of one and a suffix of the other, cut anywhere
    const std::size_t head = std::min(first_size > 0 ? pick(random, first_size + 1) : 0, max_size);
    const std::size_t from = second_size > 0 ? pick(random, second_size + 1) : 0;
    const std::size_t tail = std::min(second_size - from, max_size - head);
    std::copy(first, first + head, out);
    std::copy(second + from, second + from + tail, out + head);
    return head + tail;
  }
  std::vector<Bytes> ops = split(table, std::span(first, first_size));
  const std::vector<Bytes> others = split(table, std::span(second, second_size));
  ops.resize(ops.empty() ? 0 : pick(random, ops.size() + 1));
  if (!others.empty()) {
    ops.insert(ops.end(), others.begin() + static_cast<std::ptrdiff_t>(pick(random, others.size())),
               others.end());
  }
  if (ops.size() > kMaxOpsPerInput) ops.resize(kMaxOpsPerInput);
  return join(ops, out, max_size);
}

}  // namespace memsoak::fuzz
