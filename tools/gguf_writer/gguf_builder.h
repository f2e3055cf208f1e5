// Writes GGUF v3 (or v2) files: metadata of every value type, tensors with their data, each
// tensor aligned. Inputs are validated as the reader would (keys, shapes, sizes), so a file
// the builder writes always parses. Tensor bytes may be produced lazily at write time, which
// keeps a multi-gigabyte model from being held in memory at once.
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <unordered_set>
#include <vector>

#include "gguf/gguf_reader.h"
#include "gguf/gguf_types.h"

namespace smollm::tools {

class GgufBuilder {
public:
    // Fills `dst` with exactly `n_bytes` bytes of tensor data.
    using TensorProducer = std::function<void(uint8_t* dst, uint64_t n_bytes)>;

    explicit GgufBuilder(uint32_t version = 3);

    // Sets the data alignment and records it as general.alignment (u32), as llama.cpp does
    // when it departs from the default of 32. A nonzero power of two.
    void set_alignment(uint32_t alignment);

    void add_u8(const std::string& key, uint8_t v);
    void add_i8(const std::string& key, int8_t v);
    void add_u16(const std::string& key, uint16_t v);
    void add_i16(const std::string& key, int16_t v);
    void add_u32(const std::string& key, uint32_t v);
    void add_i32(const std::string& key, int32_t v);
    void add_u64(const std::string& key, uint64_t v);
    void add_i64(const std::string& key, int64_t v);
    void add_f32(const std::string& key, float v);
    void add_f64(const std::string& key, double v);
    void add_bool(const std::string& key, bool v);
    void add_string(const std::string& key, const std::string& v);
    void add_string_array(const std::string& key, const std::vector<std::string>& v);
    void add_i32_array(const std::string& key, const std::vector<int32_t>& v);
    void add_f32_array(const std::string& key, const std::vector<float>& v);
    // Any value, including arrays of any element type and nested arrays (GgufValue as the
    // reader returns it; integer arrays are written with the width elem_type names).
    void add_value(const std::string& key, const GgufValue& v);

    // `ne` lists dimensions innermost first (ne[0] = row length), 1 to 4 of them.
    void add_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& ne,
                    std::vector<uint8_t> data);
    void add_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& ne,
                    TensorProducer producer);

    size_t tensor_count() const { return tensors_.size(); }
    size_t metadata_count() const { return n_kv_; }

    // Throws std::runtime_error when the stream fails or a producer throws.
    void write(std::ostream& out) const;
    void write_file(const std::string& path) const;
    std::vector<uint8_t> to_bytes() const;

private:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> ne;
        uint64_t n_bytes;
        std::vector<uint8_t> data;   // empty when `producer` makes the bytes
        TensorProducer producer;
    };

    void begin_kv(const std::string& key, GgufValueType type);
    void put_value_body(const GgufValue& v, int depth);
    void put_string(std::string_view s);
    template <typename T>
    void put(T v);
    uint64_t check_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& ne) const;

    uint32_t version_;
    uint64_t alignment_ = 32;
    std::vector<uint8_t> kv_bytes_;   // encoded metadata, in insertion order
    uint64_t n_kv_ = 0;
    std::unordered_set<std::string> keys_;
    std::unordered_set<std::string> tensor_names_;
    std::vector<Tensor> tensors_;
};

}  // namespace smollm::tools
