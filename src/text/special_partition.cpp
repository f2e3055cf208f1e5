#include "text/special_partition.h"

#include <stdexcept>

namespace smollm {

void partition_special(const Vocab& vocab, std::string_view text, bool parse_special,
                       std::vector<TextFragment>* out, std::vector<TextFragment>* scratch) {
    out->clear();
    if (text.empty()) return;
    if (text.size() > UINT32_MAX) throw std::runtime_error("tokenizer: text longer than 4 GiB");
    out->push_back({-1, 0, static_cast<uint32_t>(text.size())});
    for (const int32_t id : vocab.special_tokens()) {
        if (!parse_special && (vocab.attr(id) & (kAttrControl | kAttrUnknown))) continue;
        const std::string_view special = vocab.text(id);
        if (text.find(special) == std::string_view::npos) continue;
        scratch->clear();
        for (const TextFragment& f : *out) {
            if (f.token >= 0) {
                scratch->push_back(f);
                continue;
            }
            const std::string_view region = text.substr(0, static_cast<size_t>(f.offset) + f.length);
            size_t pos = f.offset;
            for (size_t m; (m = region.find(special, pos)) != std::string_view::npos;) {
                if (m > pos) scratch->push_back({-1, static_cast<uint32_t>(pos), static_cast<uint32_t>(m - pos)});
                scratch->push_back({id, 0, 0});
                pos = m + special.size();
            }
            if (pos < region.size()) {
                scratch->push_back({-1, static_cast<uint32_t>(pos), static_cast<uint32_t>(region.size() - pos)});
            }
        }
        out->swap(*scratch);
    }
}

}  // namespace smollm
