#include "text/bpe_tokenizer.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "text/byte_level.h"
#include "text/special_partition.h"
#include "text/unicode.h"

namespace smollm {

namespace {

struct Symbol {
    int32_t id;       // interned symbol: a token id, or >= n_vocab for merge-only strings, -1 unknown
    uint32_t start;   // bytes [start, start + len) of the word
    uint32_t len;     // 0 once merged into its left neighbour
    int32_t prev, next;
};

struct Bigram {
    int32_t rank;
    int32_t left, right;   // symbol indices
    int32_t left_id, right_id, merged_id;
};

// Heap order: lowest rank first, then leftmost (llama.cpp's tie-break).
struct BigramAfter {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};

}  // namespace

struct BpeTokenizer::Scratch {
    std::vector<TextFragment> fragments;
    std::vector<uint32_t> cps;
    std::vector<uint8_t> flags;
    std::vector<uint32_t> ends, ends_tmp;
    std::string word;
    std::string encoded;
    std::vector<Symbol> symbols;
    std::vector<Bigram> heap;
};

BpeTokenizer::BpeTokenizer(const VocabSpec& spec) : vocab_(spec), pre_name_(spec.pre) {
    pre_ = pre_tokenizer_for_name(spec.pre, &ignore_merges_);
    if (spec.merges.empty()) throw std::runtime_error("tokenizer metadata: tokenizer.ggml.merges is missing or empty");

    // Strings that only merges mention get ids past the vocabulary, so a merge whose result is
    // not a token still happens (its bytes fall back to single-byte tokens afterwards).
    const int32_t n_vocab = vocab_.size();
    std::unordered_map<std::string, int32_t> extra;
    const auto intern = [&](std::string_view text) -> int32_t {
        const int32_t id = vocab_.find(text);
        if (id >= 0) return id;
        auto [it, inserted] = extra.emplace(std::string(text), n_vocab + static_cast<int32_t>(extra.size()));
        return it->second;
    };
    merges_.reserve(spec.merges.size());
    // One buffer for every merged text: this loop runs ~50k times while a model loads.
    std::string joined;
    for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
        const std::string_view m = spec.merges[rank];
        const size_t space = m.find(' ', 1);
        if (space == std::string_view::npos) continue;   // a malformed entry can never match a symbol pair
        const std::string_view left = m.substr(0, space), right = m.substr(space + 1);
        if (right.empty()) continue;
        const int32_t l = intern(left), r = intern(right);
        joined.assign(left).append(right);
        const int32_t merged = intern(joined);
        merges_.insert(l, r, {static_cast<int32_t>(rank), merged});
    }
    for (int b = 0; b < 256; ++b) {
        const std::string& text = byte_level::byte_to_text(static_cast<uint8_t>(b));
        const int32_t id = vocab_.find(text);
        const auto it = extra.find(text);
        byte_symbol_[static_cast<size_t>(b)] = id >= 0 ? id : (it != extra.end() ? it->second : -1);
    }

    piece_offsets_.reserve(static_cast<size_t>(n_vocab) + 1);
    pieces_.reserve(vocab_.text_bytes());   // decoding never lengthens a token's text
    piece_offsets_.push_back(0);
    for (int32_t id = 0; id < n_vocab; ++id) {
        const uint32_t attr = vocab_.attr(id);
        const std::string_view text = vocab_.text(id);
        if (attr & (kAttrControl | kAttrUnknown | kAttrUserDefined)) {
            pieces_ += text;
        } else if (attr & kAttrNormal) {
            byte_level::append_decoded_text(&pieces_, text);
        } else if (uint8_t byte = 0; (attr & kAttrByte) && parse_byte_token(text, &byte)) {
            pieces_.push_back(static_cast<char>(byte));
        }
        piece_offsets_.push_back(static_cast<uint32_t>(pieces_.size()));
    }
}

std::string BpeTokenizer::token_to_piece(int32_t id, bool render_special) const {
    if (!vocab_.valid(id)) {
        throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                std::to_string(vocab_.size()) + ")");
    }
    if (!render_special && (vocab_.attr(id) & (kAttrControl | kAttrUnknown))) return {};
    const size_t i = static_cast<size_t>(id);
    return pieces_.substr(piece_offsets_[i], piece_offsets_[i + 1] - piece_offsets_[i]);
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool parse_special) const {
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 4);
    Scratch s;
    partition_special(vocab_, text, parse_special, &s.fragments);
    for (const TextFragment& f : s.fragments) {
        if (f.token >= 0) {
            out.push_back(f.token);
        } else {
            encode_text(text.substr(f.offset, f.length), s, &out);
        }
    }
    return out;
}

void BpeTokenizer::encode_text(std::string_view text, Scratch& s, std::vector<int32_t>* out) const {
    s.cps.clear();
    s.flags.clear();
    for (size_t pos = 0; pos < text.size();) {
        const uint32_t cp = unicode::decode_utf8(text, &pos);
        s.cps.push_back(cp);
        s.flags.push_back(unicode::codepoint_flags(cp));
    }
    pre_tokenize(pre_, s.cps.data(), s.flags.data(), s.cps.size(), &s.ends, &s.ends_tmp);
    uint32_t begin = 0;
    for (const uint32_t end : s.ends) {
        s.word.clear();
        for (uint32_t i = begin; i < end; ++i) unicode::append_utf8(&s.word, s.cps[i]);
        encode_word(s.word, s, out);
        begin = end;
    }
}

void BpeTokenizer::encode_word(std::string_view bytes, Scratch& s, std::vector<int32_t>* out) const {
    if (ignore_merges_) {
        s.encoded.clear();
        for (const char c : bytes) s.encoded += byte_level::byte_to_text(static_cast<uint8_t>(c));
        const int32_t whole = vocab_.find(s.encoded);
        if (whole >= 0) {
            out->push_back(whole);
            return;
        }
    }
    auto& sym = s.symbols;
    auto& heap = s.heap;
    sym.clear();
    heap.clear();
    const int32_t n = static_cast<int32_t>(bytes.size());
    for (int32_t i = 0; i < n; ++i) {
        sym.push_back({byte_symbol_[static_cast<uint8_t>(bytes[static_cast<size_t>(i)])], static_cast<uint32_t>(i), 1,
                       i - 1, i + 1 < n ? i + 1 : -1});
    }
    const auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const int32_t l = sym[static_cast<size_t>(left)].id, r = sym[static_cast<size_t>(right)].id;
        if (l < 0 || r < 0) return;
        const PairTable::Value* v = merges_.find(l, r);
        if (!v) return;
        heap.push_back({v->rank, left, right, l, r, v->merged});
        std::push_heap(heap.begin(), heap.end(), BigramAfter{});
    };
    for (int32_t i = 1; i < n; ++i) consider(i - 1, i);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), BigramAfter{});
        const Bigram b = heap.back();
        heap.pop_back();
        Symbol& left = sym[static_cast<size_t>(b.left)];
        Symbol& right = sym[static_cast<size_t>(b.right)];
        if (left.len == 0 || right.len == 0 || left.id != b.left_id || right.id != b.right_id) continue;   // stale
        left.id = b.merged_id;
        left.len += right.len;
        right.len = 0;
        left.next = right.next;
        if (right.next >= 0) sym[static_cast<size_t>(right.next)].prev = b.left;
        consider(left.prev, b.left);
        consider(b.left, left.next);
    }
    for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = sym[static_cast<size_t>(i)].next) {
        const Symbol& x = sym[static_cast<size_t>(i)];
        if (x.id >= 0 && x.id < vocab_.size()) {
            out->push_back(x.id);
        } else {
            emit_unmerged(bytes.substr(x.start, x.len), out);
        }
    }
}

// A final symbol that is not a token: llama.cpp looks up each byte of its vocabulary text as a
// one-byte token and drops the bytes that have none.
void BpeTokenizer::emit_unmerged(std::string_view bytes, std::vector<int32_t>* out) const {
    for (const char b : bytes) {
        for (const char c : byte_level::byte_to_text(static_cast<uint8_t>(b))) {
            const int32_t id = vocab_.find(std::string_view(&c, 1));
            if (id >= 0) out->push_back(id);
        }
    }
}

}  // namespace smollm
