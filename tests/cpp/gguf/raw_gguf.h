// Byte-level GGUF encoder for reader tests: it writes exactly what it is told, including
// things a correct writer never would (bad magic, forged counts, overlapping offsets), and
// records where each section and field starts so tests can truncate or patch there.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace smollm::test {

class RawGguf {
public:
    std::vector<uint8_t> bytes;

    size_t size() const { return bytes.size(); }

    void u8(uint8_t v) { bytes.push_back(v); }
    void u32(uint32_t v) { put(&v, 4); }
    void u64(uint64_t v) { put(&v, 8); }
    void i32(int32_t v) { put(&v, 4); }
    void f32(float v) { put(&v, 4); }
    void f64(double v) { put(&v, 8); }
    void str(const std::string& s) {
        u64(s.size());
        put(s.data(), s.size());
    }
    void raw(const void* p, size_t n) { put(p, n); }

    // magic + version + counts.
    void header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
        raw("GGUF", 4);
        u32(version);
        u64(n_tensors);
        u64(n_kv);
    }
    void kv_u32(const std::string& key, uint32_t v) {
        str(key);
        u32(4);
        u32(v);
    }
    void kv_string(const std::string& key, const std::string& v) {
        str(key);
        u32(8);
        str(v);
    }
    // Returns the byte offset of the tensor's data-offset field (for patching).
    size_t tensor_info(const std::string& name, const std::vector<uint64_t>& ne, uint32_t type, uint64_t offset) {
        str(name);
        u32(static_cast<uint32_t>(ne.size()));
        for (uint64_t d : ne) u64(d);
        u32(type);
        const size_t at = size();
        u64(offset);
        return at;
    }
    void pad_to(uint64_t alignment) {
        while (bytes.size() % alignment) bytes.push_back(0);
    }
    void zeros(size_t n) { bytes.insert(bytes.end(), n, 0); }

    void patch_u64(size_t at, uint64_t v) { std::memcpy(bytes.data() + at, &v, 8); }
    void patch_u32(size_t at, uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }

private:
    void put(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
    }
};

}  // namespace smollm::test
