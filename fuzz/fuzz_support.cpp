#include "fuzz_support.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "gguf/gguf_reader.h"

namespace smollm::fuzz {

bool is_valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const uint8_t c = static_cast<uint8_t>(s[i]);
        size_t len;
        uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > s.size()) return false;
        for (size_t k = 1; k < len; ++k) {
            const uint8_t cc = static_cast<uint8_t>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        i += len;
    }
    return true;
}

namespace {

struct TokenizerHolder {
    std::unique_ptr<GgufFile> header;   // kept alive: the contract does not say the tokenizer copies
    std::unique_ptr<Tokenizer> tokenizer;
};

TokenizerHolder build_tokenizer() {
    const char* env = std::getenv("SMOLLM_FUZZ_MODEL");
    const std::string path = env && *env ? env
        : std::string(SMOLLM_SOURCE_DIR) + "/../shared/golden/models/tiny-py-Q4_K_M.gguf";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "fuzz: cannot open %s (set SMOLLM_FUZZ_MODEL to a SmolLM GGUF)\n", path.c_str());
        std::exit(2);
    }
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // File size unknown (0): the file may hold only the header.
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), 0);
    if (r.status != GgufParseResult::Status::Complete) {
        std::fprintf(stderr, "fuzz: %s: header not parsed: %s\n", path.c_str(),
                     r.status == GgufParseResult::Status::NeedMore ? "need more bytes" : r.error.c_str());
        std::exit(2);
    }
    TokenizerHolder h;
    h.header = std::move(r.file);
    h.tokenizer = Tokenizer::from_gguf(*h.header);
    return h;
}

}  // namespace

const Tokenizer& shared_tokenizer() {
    static const TokenizerHolder holder = build_tokenizer();
    return *holder.tokenizer;
}

bool all_bytes_have_tokens(std::string_view text) {
    static const std::vector<bool> has_token = [] {
        const Tokenizer& tok = shared_tokenizer();
        std::vector<bool> table(256, false);
        for (int32_t id = 0; id < tok.n_vocab(); ++id) {
            if (tok.is_control(id)) continue;
            const std::string piece = tok.token_to_piece(id, false);
            if (piece.size() == 1) table[static_cast<uint8_t>(piece[0])] = true;
        }
        return table;
    }();
    for (char c : text)
        if (!has_token[static_cast<uint8_t>(c)]) return false;
    return true;
}

}  // namespace smollm::fuzz
