// Token text -> id lookup without allocating: an open-addressing table over the vocabulary's
// own strings, queried with string_views (the tokenizers look up millions of substrings).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gguf/string_list.h"

namespace smollm {

class TokenIndex {
public:
    // `texts` must outlive the index. When a text repeats, the highest id wins (as in llama.cpp,
    // whose map is filled in id order).
    explicit TokenIndex(const StringList& texts);
    int32_t find(std::string_view text) const;   // -1 when absent
    // Every id whose text is `text`, highest first (empty when absent): repeated texts are rare,
    // and their lower ids are kept aside (earlier_) so the lookup stays a hash probe.
    std::vector<int32_t> find_all(std::string_view text) const;

    static uint64_t hash(std::string_view text);

private:
    const StringList& texts_;
    std::vector<int32_t> slots_;   // token id or -1; size is a power of two
    uint64_t mask_ = 0;
    // (id, the next lower id with the same text), sorted by id: one entry per repeat.
    std::vector<std::pair<int32_t, int32_t>> earlier_;
};

// (left symbol, right symbol) -> (merge rank, merged symbol), open addressing on a 64-bit key.
class PairTable {
public:
    struct Value {
        int32_t rank;
        int32_t merged;
    };
    void reserve(size_t n);
    // Keeps the first value inserted for a key (llama.cpp's merge map keeps the first rank).
    void insert(int32_t left, int32_t right, Value value);
    const Value* find(int32_t left, int32_t right) const;

private:
    static uint64_t key(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
    }
    struct Slot {
        uint64_t key;
        Value value;
        bool used;
    };
    std::vector<Slot> slots_;
    uint64_t mask_ = 0;
    size_t size_ = 0;
};

}  // namespace smollm
