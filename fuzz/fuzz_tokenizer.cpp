// Fuzz target: the SmolLM2 byte-level BPE tokenizer. The first byte picks what the rest is:
// text to encode (plain or with special-token parsing), or token ids to decode, whole and
// through the streaming detokenizer.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "text/tokenizer.h"

using smollm::fuzz::all_bytes_have_tokens;
using smollm::fuzz::is_valid_utf8;
using smollm::fuzz::shared_tokenizer;

namespace {

std::string stream_detokenize(const smollm::Tokenizer& tok, const std::vector<int32_t>& ids) {
    smollm::StreamDetokenizer stream(tok);
    std::string out;
    for (int32_t id : ids) {
        const std::string piece = stream.push(id);
        // A piece never ends inside a character: the held bytes wait for the next token.
        FUZZ_CHECK(is_valid_utf8(piece));
        out += piece;
    }
    const std::string tail = stream.flush();
    FUZZ_CHECK(is_valid_utf8(tail));
    FUZZ_CHECK(stream.flush().empty());
    return out + tail;
}

void check_encode(std::string_view text, bool parse_special) {
    const smollm::Tokenizer& tok = shared_tokenizer();
    const std::vector<int32_t> ids = tok.encode(text, parse_special);
    bool any_control = false;
    for (int32_t id : ids) {
        FUZZ_CHECK(id >= 0 && id < tok.n_vocab());
        any_control = any_control || tok.is_control(id);
    }
    if (!parse_special) FUZZ_CHECK(!any_control);
    if (!is_valid_utf8(text) || !all_bytes_have_tokens(text)) return;
    FUZZ_CHECK(text.empty() == ids.empty());
    // Byte-level BPE loses nothing: valid UTF-8 comes back exactly (issue 5's round trip).
    FUZZ_CHECK(tok.decode(ids.data(), ids.size(), parse_special) == text);
    if (!any_control) FUZZ_CHECK(stream_detokenize(tok, ids) == text);
}

void check_decode_ids(const uint8_t* p, size_t n) {
    const smollm::Tokenizer& tok = shared_tokenizer();
    std::vector<int32_t> ids;
    bool any_control = false;
    for (size_t i = 0; i + 1 < n; i += 2) {
        const int32_t id = static_cast<int32_t>((p[i] | (p[i + 1] << 8)) % tok.n_vocab());
        any_control = any_control || tok.is_control(id);
        ids.push_back(id);
    }
    const std::string whole = tok.decode(ids.data(), ids.size(), false);
    tok.decode(ids.data(), ids.size(), true);
    const std::string streamed = stream_detokenize(tok, ids);
    if (!any_control && is_valid_utf8(whole)) FUZZ_CHECK(streamed == whole);
}

// Ids straight from the input: negative, past the vocabulary. A caller (the detokenize CLI, a
// page) can send any number, so an error is fine and a crash is not.
void check_raw_ids(const uint8_t* p, size_t n) {
    const smollm::Tokenizer& tok = shared_tokenizer();
    std::vector<int32_t> ids(n / 4);
    if (!ids.empty()) std::memcpy(ids.data(), p, ids.size() * 4);
    try {
        tok.decode(ids.data(), ids.size(), true);
    } catch (const std::exception&) {
    }
    try {
        smollm::StreamDetokenizer stream(tok);
        for (int32_t id : ids) FUZZ_CHECK(is_valid_utf8(stream.push(id)));
        FUZZ_CHECK(is_valid_utf8(stream.flush()));
    } catch (const std::exception&) {
    }
    for (int32_t id : ids) {
        try {
            tok.token_to_piece(id, true);
            tok.is_control(id);
            tok.is_end_of_generation(id);
        } catch (const std::exception&) {
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    all_bytes_have_tokens("");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t* p = data + 1;
    const size_t n = size - 1;
    const std::string_view text(reinterpret_cast<const char*>(p), n);
    switch (data[0] % 4) {
        case 0: check_encode(text, false); break;
        case 1: check_encode(text, true); break;
        case 2: check_decode_ids(p, n); break;
        case 3: check_raw_ids(p, n); break;
    }
    return 0;
}
