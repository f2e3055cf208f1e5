#include "text/token_index.h"

#include <algorithm>
#include <cstring>

namespace smollm {

namespace {

uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

size_t table_size_for(size_t n) {
    size_t size = 16;
    while (size < n * 2) size <<= 1;
    return size;
}

}  // namespace

uint64_t TokenIndex::hash(std::string_view text) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ text.size();
    size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        h = mix(h ^ w);
    }
    uint64_t tail = 0;
    std::memcpy(&tail, text.data() + i, text.size() - i);
    return mix(h ^ tail ^ (static_cast<uint64_t>(text.size() - i) << 56));
}

TokenIndex::TokenIndex(const StringList& texts) : texts_(texts) {
    slots_.assign(table_size_for(texts.size()), -1);
    mask_ = slots_.size() - 1;
    for (size_t id = 0; id < texts.size(); ++id) {
        uint64_t i = hash(texts[id]) & mask_;
        while (slots_[i] >= 0 && texts_[static_cast<size_t>(slots_[i])] != texts[id]) i = (i + 1) & mask_;
        if (slots_[i] >= 0) earlier_.emplace_back(static_cast<int32_t>(id), slots_[i]);   // ids rise: sorted
        slots_[i] = static_cast<int32_t>(id);
    }
}

std::vector<int32_t> TokenIndex::find_all(std::string_view text) const {
    std::vector<int32_t> ids;
    for (int32_t id = find(text); id >= 0;) {
        ids.push_back(id);
        const auto it = std::lower_bound(earlier_.begin(), earlier_.end(), std::pair<int32_t, int32_t>(id, INT32_MIN));
        id = it != earlier_.end() && it->first == id ? it->second : -1;
    }
    return ids;
}

int32_t TokenIndex::find(std::string_view text) const {
    uint64_t i = hash(text) & mask_;
    while (true) {
        const int32_t id = slots_[i];
        if (id < 0) return -1;
        if (texts_[static_cast<size_t>(id)] == text) return id;
        i = (i + 1) & mask_;
    }
}

void PairTable::reserve(size_t n) {
    slots_.assign(table_size_for(n), Slot{0, {0, 0}, false});
    mask_ = slots_.size() - 1;
    size_ = 0;
}

void PairTable::insert(int32_t left, int32_t right, Value value) {
    if ((size_ + 1) * 2 > slots_.size()) {
        std::vector<Slot> old = std::move(slots_);
        reserve(old.size());
        for (const Slot& s : old) {
            if (s.used) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu), s.value);
        }
    }
    const uint64_t k = key(left, right);
    uint64_t i = mix(k) & mask_;
    while (slots_[i].used) {
        if (slots_[i].key == k) return;
        i = (i + 1) & mask_;
    }
    slots_[i] = Slot{k, value, true};
    ++size_;
}

const PairTable::Value* PairTable::find(int32_t left, int32_t right) const {
    if (slots_.empty()) return nullptr;
    const uint64_t k = key(left, right);
    uint64_t i = mix(k) & mask_;
    while (slots_[i].used) {
        if (slots_[i].key == k) return &slots_[i].value;
        i = (i + 1) & mask_;
    }
    return nullptr;
}

}  // namespace smollm
