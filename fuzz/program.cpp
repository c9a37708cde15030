#include "fuzz/program.h"

#include <array>
#include <bit>
#include <charconv>
#include <string>

namespace memsoak::fuzz {
namespace {

constexpr unsigned kAlignChoices = 13;  // 1 .. 4096

// Sizes: the top four bits pick a range, so random bytes give mostly small blocks (half up to
// 255 bytes, a quarter up to 4 KiB) and still larger ones (up to 32 KiB, and 1 in 16 up to
// 1 MiB, past the mmap thresholds; rare because each costs page faults).
constexpr unsigned kSizeRangeShift = 12;
constexpr std::uint16_t kSizeMantissaMask = 0xFFF;
constexpr std::size_t kMediumStep = 8;
constexpr std::size_t kLargeStep = 256;
constexpr unsigned kSmallRanges = 8;
constexpr unsigned kPageRanges = 12;
constexpr unsigned kMediumRanges = 15;
// kSizeRareHuge's last range: its first 256 mantissas give multiples of kHugeStep from 4 KiB to
// 1 MiB, the rest multiples of kCommonStep up to kCommonSizeMaxBytes (with ASan's redzones and
// an alignment still inside its largest size class, 128 KiB). Not the last 256: runs of 0xFF
// bytes, which libFuzzer inserts often, would then all be huge.
constexpr std::size_t kCommonStep = 32;
constexpr std::size_t kHugeMantissas = 0x100;
constexpr std::size_t kHugeStep = 4096;
static_assert((kSizeMantissaMask - kHugeMantissas) * kCommonStep == kCommonSizeMaxBytes);

std::string quote(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '"' && c != '\\') {
      quoted += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      quoted += "\\x";
      quoted += kHex[byte >> 4];
      quoted += kHex[byte & 0xF];
    }
  }
  return quoted + "\"";
}

}  // namespace

std::size_t decode_size(ArgKind kind, std::uint16_t encoded) {
  const unsigned range = encoded >> kSizeRangeShift;
  const std::size_t mantissa = encoded & kSizeMantissaMask;
  if (range < kSmallRanges) return mantissa & 0xFF;
  if (range < kPageRanges) return mantissa;
  if (range < kMediumRanges) return mantissa * kMediumStep;
  if (kind != ArgKind::kSizeRareHuge) return mantissa * kLargeStep;
  if (mantissa < kHugeMantissas) return (mantissa + 1) * kHugeStep;
  return (mantissa - kHugeMantissas) * kCommonStep;
}

std::uint16_t encode_size(ArgKind kind, std::size_t size) {
  const auto encoded = [](unsigned range, std::size_t mantissa) {
    return static_cast<std::uint16_t>(range << kSizeRangeShift | mantissa);
  };
  if (size <= 0xFF) return encoded(0, size);
  if (size <= 0xFFF) return encoded(kSmallRanges, size);
  if (size % kMediumStep == 0 && size / kMediumStep <= kSizeMantissaMask) {
    return encoded(kPageRanges, size / kMediumStep);
  }
  if (kind == ArgKind::kSizeRareHuge) {
    if (size % kCommonStep == 0 && size <= kCommonSizeMaxBytes) {
      return encoded(kMediumRanges, kHugeMantissas + size / kCommonStep);
    }
    if (size % kHugeStep == 0 && size / kHugeStep <= kHugeMantissas) {
      return encoded(kMediumRanges, size / kHugeStep - 1);
    }
    throw AssembleError("size " + std::to_string(size) +
                        " cannot be encoded: use up to 4095, a multiple of 8 up to 32760, of 32 "
                        "up to 122848 or of 4096 up to 1048576");
  }
  if (size % kLargeStep == 0 && size / kLargeStep <= kSizeMantissaMask) {
    return encoded(kMediumRanges, size / kLargeStep);
  }
  throw AssembleError("size " + std::to_string(size) +
                      " cannot be encoded: use up to 4095, a multiple of 8 up to 32760 or a "
                      "multiple of 256 up to 1048320");
}

bool ProgramReader::read_arg(ArgKind kind, Op& op, std::size_t index) {
  const std::size_t left = input_.size() - position_;
  const std::uint8_t* bytes = input_.data() + position_;
  switch (kind) {
    case ArgKind::kSize:
    case ArgKind::kSizeRareHuge:
      if (left < 2) return false;
      op.args[index] = decode_size(kind, static_cast<std::uint16_t>(bytes[0] | bytes[1] << 8));
      position_ += 2;
      return true;
    case ArgKind::kText: {
      if (left < 1 || left - 1 < bytes[0]) return false;
      op.text = std::string_view(reinterpret_cast<const char*>(bytes + 1), bytes[0]);
      position_ += 1 + bytes[0];
      return true;
    }
    default:
      break;
  }
  if (left < 1) return false;
  if (kind == ArgKind::kSlot) {
    op.args[index] = bytes[0] % kSlotCount;
  } else if (kind == ArgKind::kAlign) {
    op.args[index] = std::uint64_t{1} << (bytes[0] % kAlignChoices);
  } else {
    op.args[index] = bytes[0];
  }
  position_ += 1;
  return true;
}

bool ProgramReader::next(Op& op) {
  if (ops_read_ == kMaxOpsPerInput || position_ >= input_.size() || table_.ops.empty()) {
    return false;
  }
  op = Op{};
  op.offset = position_;
  op.code = input_[position_++] % table_.ops.size();
  const OpSpec& spec = table_.ops[op.code];
  for (std::size_t i = 0; i < spec.arg_count; ++i) {
    if (!read_arg(spec.args[i].kind, op, i)) {
      position_ = input_.size();
      return false;
    }
  }
  ++ops_read_;
  return true;
}

std::string format_op(const OpTable& table, const Op& op) {
  const OpSpec& spec = table.ops[op.code];
  std::string line(spec.name);
  for (std::size_t i = 0; i < spec.arg_count; ++i) {
    line += ' ';
    line += spec.args[i].name;
    line += '=';
    line += spec.args[i].kind == ArgKind::kText ? quote(op.text) : std::to_string(op.args[i]);
  }
  return line;
}

void print_program(const OpTable& table, std::span<const std::uint8_t> input, std::FILE* out) {
  ProgramReader reader(table, input);
  Op op;
  std::size_t count = 0;
  while (reader.next(op)) {
    std::fprintf(out, "%6zu: %s\n", op.offset, format_op(table, op).c_str());
    ++count;
  }
  std::fprintf(out, "# %s: %zu operations from %zu bytes\n", std::string(table.target).c_str(),
               count, input.size());
}

namespace {

// Sizes around the boundaries of size classes, pages and mmap thresholds.
constexpr std::array<std::size_t, 8> kDictionarySizes = {0,    16,    255,   4095,
                                                         4096, 16384, 32760, 262144};

std::vector<std::uint8_t> encode_op(std::size_t code, const OpSpec& spec, std::size_t size) {
  std::vector<std::uint8_t> bytes{static_cast<std::uint8_t>(code)};
  for (std::size_t i = 0; i < spec.arg_count; ++i) {
    switch (spec.args[i].kind) {
      case ArgKind::kSize:
      case ArgKind::kSizeRareHuge: {
        const std::uint16_t encoded = encode_size(spec.args[i].kind, size);
        bytes.push_back(static_cast<std::uint8_t>(encoded & 0xFF));
        bytes.push_back(static_cast<std::uint8_t>(encoded >> 8));
        break;
      }
      case ArgKind::kAlign:
        bytes.push_back(4);  // 16 bytes
        break;
      default:
        bytes.push_back(0);  // slot 0, an empty text, a zero byte
        break;
    }
  }
  return bytes;
}

}  // namespace

void print_dictionary(const OpTable& table, std::FILE* out) {
  std::fprintf(out, "# %s: each operation with representative arguments (generated by\n",
               std::string(table.target).c_str());
  std::fprintf(out, "# fuzz_%s_replay --dictionary; do not edit)\n",
               std::string(table.target).c_str());
  for (std::size_t code = 0; code < table.ops.size(); ++code) {
    const OpSpec& spec = table.ops[code];
    bool has_size = false;
    for (std::size_t i = 0; i < spec.arg_count; ++i) {
      has_size |=
          spec.args[i].kind == ArgKind::kSize || spec.args[i].kind == ArgKind::kSizeRareHuge;
    }
    for (const std::size_t size : kDictionarySizes) {
      std::fprintf(out, "\"");
      for (const std::uint8_t byte : encode_op(code, spec, size)) {
        std::fprintf(out, "\\x%02x", byte);
      }
      std::fprintf(out, "\"\n");
      if (!has_size) break;
    }
  }
}

namespace {

// One line of assembler source, consumed token by token.
class LineParser {
 public:
  explicit LineParser(std::string_view line) : line_(line) {}

  bool at_end() {
    skip_space();
    return position_ == line_.size() || line_[position_] == '#';
  }

  std::string_view word() {
    skip_space();
    const std::size_t start = position_;
    while (position_ < line_.size() && line_[position_] != ' ' && line_[position_] != '\t' &&
           line_[position_] != '=') {
      ++position_;
    }
    return line_.substr(start, position_ - start);
  }

  // An argument value, after an optional `name=`.
  std::string_view value(std::string_view expected_name) {
    skip_space();
    const std::size_t equals = line_.find('=', position_);
    const std::size_t quote_at = line_.find('"', position_);
    if (equals != std::string_view::npos &&
        (quote_at == std::string_view::npos || equals < quote_at)) {
      const std::string_view name = word();
      if (name != expected_name) {
        throw AssembleError("expected argument '" + std::string(expected_name) + "', found '" +
                            std::string(name) + "'");
      }
      ++position_;
    }
    return line_[position_] == '"' ? quoted() : word();
  }

  std::string text(std::string_view quoted_text) const {
    std::string decoded;
    for (std::size_t i = 1; i + 1 < quoted_text.size(); ++i) {
      if (quoted_text[i] == '\\' && i + 3 < quoted_text.size() && quoted_text[i + 1] == 'x') {
        decoded +=
            static_cast<char>(std::stoi(std::string(quoted_text.substr(i + 2, 2)), nullptr, 16));
        i += 3;
      } else {
        decoded += quoted_text[i];
      }
    }
    return decoded;
  }

 private:
  void skip_space() {
    while (position_ < line_.size() && (line_[position_] == ' ' || line_[position_] == '\t')) {
      ++position_;
    }
  }

  std::string_view quoted() {
    const std::size_t close = line_.find('"', position_ + 1);
    if (close == std::string_view::npos) throw AssembleError("unterminated quoted text");
    const std::string_view token = line_.substr(position_, close + 1 - position_);
    position_ = close + 1;
    return token;
  }

  std::string_view line_;
  std::size_t position_ = 0;
};

std::uint64_t parse_number(std::string_view token) {
  std::uint64_t value = 0;
  const bool hex = token.starts_with("0x");
  const std::string_view digits = hex ? token.substr(2) : token;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    throw AssembleError("'" + std::string(token) + "' is not a number");
  }
  return value;
}

void encode_arg(const ArgSpec& arg, LineParser& parser, std::vector<std::uint8_t>& out) {
  const std::string_view token = parser.value(arg.name);
  if (arg.kind == ArgKind::kText) {
    if (!token.starts_with('"')) throw AssembleError("text must be quoted: \"...\"");
    const std::string text = parser.text(token);
    if (text.size() > 0xFF) throw AssembleError("text longer than 255 bytes");
    out.push_back(static_cast<std::uint8_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
    return;
  }
  const std::uint64_t value = parse_number(token);
  const auto fail_range = [&](const char* range) {
    throw AssembleError(std::string(arg.name) + "=" + std::string(token) + ": must be " + range);
  };
  switch (arg.kind) {
    case ArgKind::kSize:
    case ArgKind::kSizeRareHuge: {
      const std::uint16_t encoded = encode_size(arg.kind, value);
      out.push_back(static_cast<std::uint8_t>(encoded & 0xFF));
      out.push_back(static_cast<std::uint8_t>(encoded >> 8));
      return;
    }
    case ArgKind::kSlot:
      if (value >= kSlotCount) fail_range("a slot below 32");
      break;
    case ArgKind::kAlign:
      if (!std::has_single_bit(value) || value > 4096) fail_range("a power of two up to 4096");
      out.push_back(static_cast<std::uint8_t>(std::countr_zero(value)));
      return;
    default:
      if (value > 0xFF) fail_range("a byte (0..255)");
      break;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

void assemble_line(const OpTable& table, std::string_view line, std::vector<std::uint8_t>& out) {
  LineParser parser(line);
  if (parser.at_end()) return;
  std::string_view name = parser.word();
  if (name.ends_with(':')) name = parser.word();  // an offset from print_program
  for (std::size_t code = 0; code < table.ops.size(); ++code) {
    const OpSpec& spec = table.ops[code];
    if (spec.name != name) continue;
    out.push_back(static_cast<std::uint8_t>(code));
    for (std::size_t i = 0; i < spec.arg_count; ++i) encode_arg(spec.args[i], parser, out);
    if (!parser.at_end()) throw AssembleError("unexpected text after the last argument");
    return;
  }
  throw AssembleError("unknown operation '" + std::string(name) + "' for target " +
                      std::string(table.target));
}

}  // namespace

std::vector<std::uint8_t> assemble_program(const OpTable& table, std::string_view source) {
  std::vector<std::uint8_t> bytes;
  std::size_t line_number = 0;
  while (!source.empty()) {
    ++line_number;
    const std::size_t end = source.find('\n');
    const std::string_view line = source.substr(0, end);
    source = end == std::string_view::npos ? std::string_view{} : source.substr(end + 1);
    try {
      assemble_line(table, line, bytes);
    } catch (const AssembleError& error) {
      throw AssembleError("line " + std::to_string(line_number) + ": " + error.what());
    }
  }
  return bytes;
}

}  // namespace memsoak::fuzz
