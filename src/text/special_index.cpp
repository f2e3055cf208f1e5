#include "text/special_index.h"

#include <algorithm>

namespace smollm {

SpecialTokenIndex::SpecialTokenIndex(const StringList& texts, const std::vector<int32_t>& priority,
                                     const std::vector<bool>& countable_always)
    : texts_(texts), priority_(priority), countable_always_(countable_always) {
    by_text_.reserve(priority_.size());
    for (uint32_t rank = 0; rank < priority_.size(); ++rank) {
        // An empty text matches nowhere (and would match everywhere without moving on).
        if (!text_of(rank).empty()) by_text_.push_back(rank);
    }
    // The ranks are distinct, so the order is total and the same on every platform.
    std::sort(by_text_.begin(), by_text_.end(), [&](uint32_t a, uint32_t b) {
        const int c = text_of(a).compare(text_of(b));
        return c != 0 ? c < 0 : a < b;
    });
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
