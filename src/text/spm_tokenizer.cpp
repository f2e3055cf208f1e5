#include "text/spm_tokenizer.h"

#include <algorithm>
#include <stdexcept>

#include "text/special_partition.h"

namespace smollm {

namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";   // U+2581, SentencePiece's visible space

struct Symbol {
    uint32_t start, len;   // len 0 once merged into its left neighbour
    int32_t prev, next;
};

struct Bigram {
    float score;
    int32_t left, right;
    uint32_t size;
};

// Heap order: highest score first, then leftmost.
struct BigramBefore {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

// UTF-8 sequence length from the lead byte alone (llama.cpp does not validate here: bad bytes
// simply end up as byte tokens).
size_t lead_length(uint8_t b) {
    static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return kLen[b >> 4];
}

}  // namespace

SpmTokenizer::SpmTokenizer(const VocabSpec& spec) : vocab_(spec), pre_name_(spec.pre) {
    if (spec.add_space_prefix) add_space_prefix_ = *spec.add_space_prefix;
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        const char name[6] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
        int32_t id = vocab_.find(std::string_view(name, 6));
        if (id < 0) {
            const char raw = static_cast<char>(b);
            id = vocab_.find(std::string_view(&raw, 1));
        }
        byte_token_[static_cast<size_t>(b)] = id;
    }
}

std::string SpmTokenizer::token_to_piece(int32_t id, bool render_special) const {
    if (!vocab_.valid(id)) {
        throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                std::to_string(vocab_.size()) + ")");
    }
    const uint32_t attr = vocab_.attr(id);
    const std::string_view text = vocab_.text(id);
    if (attr & (kAttrControl | kAttrUnknown)) return render_special ? std::string(text) : std::string();
    if (attr & kAttrUserDefined) return std::string(text);
    if (attr & kAttrNormal) {
        std::string out;
        out.reserve(text.size());
        for (size_t pos = 0; pos < text.size();) {
            if (text.compare(pos, kSpaceMark.size(), kSpaceMark) == 0) {
                out.push_back(' ');
                pos += kSpaceMark.size();
            } else {
                out.push_back(text[pos++]);
            }
        }
        return out;
    }
    if (uint8_t byte = 0; (attr & kAttrByte) && parse_byte_token(text, &byte)) return std::string(1, static_cast<char>(byte));
    return {};
}

std::vector<int32_t> SpmTokenizer::encode(std::string_view text, bool parse_special) const {
    std::vector<int32_t> out;
    std::vector<TextFragment> fragments;
    partition_special(vocab_, text, parse_special, &fragments);
    bool after_special = true;   // the start of the input counts as following a special token
    std::string escaped;
    for (const TextFragment& f : fragments) {
        if (f.token >= 0) {
            out.push_back(f.token);
            after_special = true;
            continue;
        }
        escaped.clear();
        if (add_space_prefix_ && after_special) escaped += kSpaceMark;
        for (const char c : text.substr(f.offset, f.length)) {
            if (c == ' ') {
                escaped += kSpaceMark;
            } else {
                escaped.push_back(c);
            }
        }
        encode_fragment(escaped, &out);
        after_special = false;
    }
    return out;
}

void SpmTokenizer::encode_fragment(std::string_view text, std::vector<int32_t>* out) const {
    std::vector<Symbol> sym;
    for (size_t offs = 0; offs < text.size();) {
        const size_t len = std::min(lead_length(static_cast<uint8_t>(text[offs])), text.size() - offs);
        const int32_t index = static_cast<int32_t>(sym.size());
        sym.push_back({static_cast<uint32_t>(offs), static_cast<uint32_t>(len), index - 1,
                       offs + len == text.size() ? -1 : index + 1});
        offs += len;
    }
    std::vector<Bigram> heap;
    const auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = sym[static_cast<size_t>(left)];
        const uint32_t size = l.len + sym[static_cast<size_t>(right)].len;
        const int32_t id = vocab_.find(text.substr(l.start, size));
        if (id < 0) return;
        heap.push_back({vocab_.score(id), left, right, size});
        std::push_heap(heap.begin(), heap.end(), BigramBefore{});
    };
    for (int32_t i = 1; i < static_cast<int32_t>(sym.size()); ++i) consider(i - 1, i);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), BigramBefore{});
        const Bigram b = heap.back();
        heap.pop_back();
        Symbol& left = sym[static_cast<size_t>(b.left)];
        Symbol& right = sym[static_cast<size_t>(b.right)];
        if (left.len == 0 || right.len == 0 || left.len + right.len != b.size) continue;   // stale
        left.len += right.len;
        right.len = 0;
        left.next = right.next;
        if (right.next >= 0) sym[static_cast<size_t>(right.next)].prev = b.left;
        consider(left.prev, b.left);
        consider(b.left, left.next);
    }
    for (int32_t i = sym.empty() ? -1 : 0; i >= 0; i = sym[static_cast<size_t>(i)].next) {
        const Symbol& s = sym[static_cast<size_t>(i)];
        const std::string_view piece = text.substr(s.start, s.len);
        const int32_t id = vocab_.find(piece);
        if (id >= 0) {
            out->push_back(id);
        } else {
            emit_bytes(piece, out);
        }
    }
}

// Byte fallback. llama.cpp aborts when a byte has no token; we use <unk> (or drop the byte
// when there is none) so hostile text never takes the engine down.
void SpmTokenizer::emit_bytes(std::string_view bytes, std::vector<int32_t>* out) const {
    for (const char c : bytes) {
        const int32_t id = byte_token_[static_cast<uint8_t>(c)];
        if (id >= 0) {
            out->push_back(id);
        } else if (vocab_.unk_id() >= 0) {
            out->push_back(vocab_.unk_id());
        }
    }
}

}  // namespace smollm
