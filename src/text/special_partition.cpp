#include "text/special_partition.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <stdexcept>

namespace smollm {

namespace {

struct Occurrence {
    uint32_t rank;    // priority of the token: lower wins
    uint32_t start;
    uint32_t length;
};

}  // namespace

// Every occurrence of every special token is found first (one index walk per position); then
// they are taken in the old order, highest priority first and left to right within a token,
// each kept unless it overlaps one already kept. That is what splitting fragment by fragment,
// token by token, did: an occurrence survives exactly when it lies inside one fragment left by
// the higher-priority tokens and after the previous occurrence of its own token.
void partition_special(const Vocab& vocab, std::string_view text, bool parse_special,
                       std::vector<TextFragment>* out, uint64_t* steps) {
    out->clear();
    if (text.empty()) return;
    if (text.size() > UINT32_MAX) throw std::runtime_error("tokenizer: text longer than 4 GiB");
    const SpecialTokenIndex& index = vocab.special_index();
    std::vector<Occurrence> found;
    if (!index.empty()) {
        for (size_t pos = 0; pos < text.size(); ++pos) {
            index.for_each_match(text, pos, parse_special, steps, [&](uint32_t rank, size_t length) {
                found.push_back({rank, static_cast<uint32_t>(pos), static_cast<uint32_t>(length)});
            });
        }
    }
    if (found.empty()) {
        out->push_back({-1, 0, static_cast<uint32_t>(text.size())});
        return;
    }
    std::sort(found.begin(), found.end(), [](const Occurrence& a, const Occurrence& b) {
        return a.rank != b.rank ? a.rank < b.rank : a.start < b.start;
    });
    std::map<uint32_t, const Occurrence*> kept;   // by start; kept spans never overlap
    for (const Occurrence& o : found) {
        if (steps) ++*steps;
        const uint64_t end = static_cast<uint64_t>(o.start) + o.length;
        auto next = kept.lower_bound(o.start);
        if (next != kept.end() && next->first < end) continue;
        if (next != kept.begin()) {
            const Occurrence* prev = std::prev(next)->second;
            if (static_cast<uint64_t>(prev->start) + prev->length > o.start) continue;
        }
        kept.emplace_hint(next, o.start, &o);
    }
    uint32_t pos = 0;
    for (const auto& [start, o] : kept) {
        if (start > pos) out->push_back({-1, pos, start - pos});
        out->push_back({index.id(o->rank), 0, 0});
        pos = start + o->length;
    }
    if (pos < text.size()) out->push_back({-1, pos, static_cast<uint32_t>(text.size() - pos)});
}

}  // namespace smollm
