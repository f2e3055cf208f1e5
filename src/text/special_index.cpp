#include "text/special_index.h"

#include <algorithm>

namespace smollm {

namespace {

// The first 8 bytes, big-endian, zero-padded: comparing these compares the texts' first 8
// bytes in byte order, with a shorter text first, so only equal prefixes need the texts.
uint64_t prefix_key(std::string_view s) {
    uint64_t key = 0;
    for (size_t i = 0; i < 8; ++i) key = (key << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0u);
    return key;
}

}  // namespace

SpecialTokenIndex::SpecialTokenIndex(const StringList& texts, const std::vector<int32_t>& priority,
                                     const std::vector<bool>& countable_always)
    : texts_(texts), priority_(priority), countable_always_(countable_always) {
    // Sorting 4M ranks through their texts (three scattered reads a side per comparison) took
    // seconds; the keys keep most comparisons inside one array.
    struct Keyed {
        uint64_t prefix;
        uint32_t rank;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(priority_.size());
    for (uint32_t rank = 0; rank < priority_.size(); ++rank) {
        // An empty text matches nowhere (and would match everywhere without moving on).
        if (!text_of(rank).empty()) keyed.push_back({prefix_key(text_of(rank)), rank});
    }
    // The ranks are distinct, so the order is total and the same on every platform.
    std::sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) {
        if (a.prefix != b.prefix) return a.prefix < b.prefix;
        const int c = text_of(a.rank).compare(text_of(b.rank));
        return c != 0 ? c < 0 : a.rank < b.rank;
    });
    by_text_.reserve(keyed.size());
    for (const Keyed& k : keyed) by_text_.push_back(k.rank);
}

uint32_t SpecialTokenIndex::bound(uint32_t lo, uint32_t hi, size_t depth, unsigned char c, bool after,
                                  uint64_t* steps) const {
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        const unsigned char m = static_cast<unsigned char>(text_of(by_text_[mid])[depth]);
        if (steps) ++*steps;
        if (after ? m <= c : m < c) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

}  // namespace smollm
