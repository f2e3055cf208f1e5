// GPT-2's byte-level alphabet: every byte maps to one printable code point, so a byte-level
// BPE vocabulary stores arbitrary bytes as text. Printable Latin-1 bytes map to themselves;
// the other 68 bytes map to U+0100 upwards, in byte order.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace smollm::byte_level {

// The code point byte b is written as in vocabulary text.
uint32_t byte_to_codepoint(uint8_t b);
// The UTF-8 text of that code point (1 or 2 bytes).
const std::string& byte_to_text(uint8_t b);
// The byte a code point stands for, or -1 when it is not part of the alphabet.
int codepoint_to_byte(uint32_t cp);

// Vocabulary text -> raw bytes. Code points outside the alphabet are kept as their UTF-8
// (a malformed vocabulary then still decodes to something readable instead of nothing).
std::string decode_text(std::string_view token_text);
// The same, appended to *out (no temporary string).
void append_decoded_text(std::string* out, std::string_view token_text);

}  // namespace smollm::byte_level
