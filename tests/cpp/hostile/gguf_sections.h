// Where the sections of a real GGUF file begin, found by walking the format with our own
// minimal code (not the reader under test): magic, version, counts, each metadata entry,
// each tensor info, the data section and each tensor's bytes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace smollm::hostile {

class SectionWalker {
public:
    SectionWalker(const uint8_t* p, uint64_t n) : p_(p), n_(n) {}

    // Ascending, unique offsets in [0, n].
    std::vector<uint64_t> boundaries() {
        std::vector<uint64_t> marks = {0, 4, 8, 16};
        pos_ = 8;
        const uint64_t n_tensors = u64();
        const uint64_t n_kv = u64();
        marks.push_back(pos_);
        uint64_t alignment = 32;
        for (uint64_t i = 0; i < n_kv; ++i) {
            marks.push_back(pos_);
            const std::string key = str();
            const uint32_t type = u32();
            if (key == "general.alignment" && type == 4) {
                alignment = u32();
            } else {
                skip_value(type);
            }
        }
        std::vector<std::pair<uint64_t, uint64_t>> data;   // relative offset, bytes
        for (uint64_t i = 0; i < n_tensors; ++i) {
            marks.push_back(pos_);
            str();
            const uint32_t n_dims = u32();
            uint64_t elems = 1;
            for (uint32_t d = 0; d < n_dims; ++d) elems *= u64();
            const uint32_t type = u32();
            const uint64_t offset = u64();
            data.emplace_back(offset, tensor_bytes(type, elems));
        }
        marks.push_back(pos_);
        const uint64_t data_offset = (pos_ + alignment - 1) / alignment * alignment;
        marks.push_back(data_offset);
        for (const auto& [offset, bytes] : data) {
            marks.push_back(data_offset + offset);
            marks.push_back(data_offset + offset + bytes);
        }
        marks.push_back(n_);
        std::sort(marks.begin(), marks.end());
        marks.erase(std::unique(marks.begin(), marks.end()), marks.end());
        marks.erase(std::remove_if(marks.begin(), marks.end(), [&](uint64_t m) { return m > n_; }), marks.end());
        data_end_ = data_offset;
        for (const auto& [offset, bytes] : data) data_end_ = std::max(data_end_, data_offset + offset + bytes);
        return marks;
    }

    // End of the last tensor's bytes: a cut before it loses data.
    uint64_t data_end() const { return data_end_; }

private:
    const uint8_t* p_;
    uint64_t n_;
    uint64_t pos_ = 0;
    uint64_t data_end_ = 0;

    void need(uint64_t k) {
        if (k > n_ - pos_) throw std::runtime_error("section walker: file ends inside the header");
    }
    uint32_t u32() {
        need(4);
        uint32_t v;
        std::memcpy(&v, p_ + pos_, 4);
        pos_ += 4;
        return v;
    }
    uint64_t u64() {
        need(8);
        uint64_t v;
        std::memcpy(&v, p_ + pos_, 8);
        pos_ += 8;
        return v;
    }
    std::string str() {
        const uint64_t len = u64();
        need(len);
        std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
        pos_ += len;
        return s;
    }
    void skip_value(uint32_t type) {
        static const uint64_t kScalarBytes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
        if (type == 8) {
            str();
        } else if (type == 9) {
            const uint32_t elem = u32();
            const uint64_t count = u64();
            for (uint64_t i = 0; i < count; ++i) skip_value(elem);
        } else if (type < 13) {
            need(kScalarBytes[type]);
            pos_ += kScalarBytes[type];
        } else {
            throw std::runtime_error("section walker: unknown value type");
        }
    }
    // Block geometry of the types the shared files hold (ggml's table).
    static uint64_t tensor_bytes(uint32_t type, uint64_t elems) {
        struct Geometry { uint32_t type, block_elems, block_bytes; };
        static const Geometry kTable[] = {
            {0, 1, 4}, {1, 1, 2}, {2, 32, 18}, {3, 32, 20}, {6, 32, 22}, {7, 32, 24}, {8, 32, 34},
            {10, 256, 84}, {11, 256, 110}, {12, 256, 144}, {13, 256, 176}, {14, 256, 210},
            {20, 32, 18}, {23, 256, 136}, {30, 1, 2},
        };
        for (const auto& g : kTable)
            if (g.type == type) return elems / g.block_elems * g.block_bytes;
        throw std::runtime_error("section walker: tensor type " + std::to_string(type) + " not in its table");
    }
};

}  // namespace smollm::hostile
