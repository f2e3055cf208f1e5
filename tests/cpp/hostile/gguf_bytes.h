// Writes GGUF bytes field by field, so hostile tests and the fuzz seed tool can state exactly
// which header value is absurd (a count, a dimension, an offset) while everything else stays
// valid. Independent of the reader and of tools/gguf_writer on purpose: a bug shared by the
// reader and the writer would otherwise cancel out.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_reader.h"

namespace smollm::hostile {

class GgufBytes {
public:
    std::vector<uint8_t> out;

    void u8(uint8_t v) { out.push_back(v); }
    void u32(uint32_t v) { raw(&v, 4); }
    void u64(uint64_t v) { raw(&v, 8); }
    void f32(float v) { raw(&v, 4); }
    void str(std::string_view s) {
        u64(s.size());
        raw(s.data(), s.size());
    }
    void raw(const void* p, size_t n) {
        const uint8_t* b = static_cast<const uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    }
    void pad_to(uint64_t alignment) {
        while (out.size() % alignment) out.push_back(0);
    }
};

// One metadata entry, already serialised (type id + value bytes), so any value can be stated.
struct KvEntry {
    std::string key;
    std::vector<uint8_t> typed_value;   // u32 type followed by the value
};

struct TensorEntry {
    std::string name;
    std::vector<uint64_t> ne;
    uint32_t type = 0;
    std::vector<uint8_t> data;    // bytes written into the data section
    // When set, written as the tensor's offset instead of the computed one (and `data` is not
    // laid out), to state hostile offsets.
    bool raw_offset = false;
    uint64_t offset = 0;
};

inline std::vector<uint8_t> typed_u32(uint32_t v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::UINT32));
    b.u32(v);
    return b.out;
}
inline std::vector<uint8_t> typed_u64(uint64_t v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::UINT64));
    b.u64(v);
    return b.out;
}
inline std::vector<uint8_t> typed_f32(float v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::FLOAT32));
    b.f32(v);
    return b.out;
}
inline std::vector<uint8_t> typed_bool(bool v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::BOOL));
    b.u8(v ? 1 : 0);
    return b.out;
}
inline std::vector<uint8_t> typed_str(std::string_view s) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::STRING));
    b.str(s);
    return b.out;
}
inline std::vector<uint8_t> typed_str_array(const std::vector<std::string>& v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::ARRAY));
    b.u32(static_cast<uint32_t>(GgufValueType::STRING));
    b.u64(v.size());
    for (const auto& s : v) b.str(s);
    return b.out;
}
inline std::vector<uint8_t> typed_i32_array(const std::vector<int32_t>& v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::ARRAY));
    b.u32(static_cast<uint32_t>(GgufValueType::INT32));
    b.u64(v.size());
    for (int32_t x : v) b.raw(&x, 4);
    return b.out;
}
inline std::vector<uint8_t> typed_f32_array(const std::vector<float>& v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(GgufValueType::ARRAY));
    b.u32(static_cast<uint32_t>(GgufValueType::FLOAT32));
    b.u64(v.size());
    for (float x : v) b.f32(x);
    return b.out;
}

// Serialises a parsed value again (used to copy a real file's tokenizer metadata).
inline void write_value_body(GgufBytes& b, const GgufValue& v) {
    switch (v.type) {
        case GgufValueType::UINT8: case GgufValueType::BOOL: b.u8(static_cast<uint8_t>(v.u64)); break;
        case GgufValueType::INT8: b.u8(static_cast<uint8_t>(v.i64)); break;
        case GgufValueType::UINT16: { uint16_t x = static_cast<uint16_t>(v.u64); b.raw(&x, 2); break; }
        case GgufValueType::INT16: { int16_t x = static_cast<int16_t>(v.i64); b.raw(&x, 2); break; }
        case GgufValueType::UINT32: b.u32(static_cast<uint32_t>(v.u64)); break;
        case GgufValueType::INT32: { int32_t x = static_cast<int32_t>(v.i64); b.raw(&x, 4); break; }
        case GgufValueType::UINT64: b.u64(v.u64); break;
        case GgufValueType::INT64: b.raw(&v.i64, 8); break;
        case GgufValueType::FLOAT32: b.f32(static_cast<float>(v.f64)); break;
        case GgufValueType::FLOAT64: b.raw(&v.f64, 8); break;
        case GgufValueType::STRING: b.str(v.str); break;
        case GgufValueType::ARRAY: {
            b.u32(static_cast<uint32_t>(v.elem_type));
            b.u64(v.array_len());
            if (v.elem_type == GgufValueType::STRING) {
                for (const auto& s : v.strings) b.str(s);
            } else if (v.elem_type == GgufValueType::ARRAY) {
                for (const auto& a : v.arrays) write_value_body(b, a);
            } else if (v.elem_type == GgufValueType::FLOAT32 || v.elem_type == GgufValueType::FLOAT64) {
                for (double d : v.floats) {
                    GgufValue e;
                    e.type = v.elem_type;
                    e.f64 = d;
                    write_value_body(b, e);
                }
            } else {
                for (int64_t i : v.ints) {
                    GgufValue e;
                    e.type = v.elem_type;
                    e.u64 = static_cast<uint64_t>(i);
                    e.i64 = i;
                    write_value_body(b, e);
                }
            }
            break;
        }
    }
}

inline std::vector<uint8_t> typed_copy(const GgufValue& v) {
    GgufBytes b;
    b.u32(static_cast<uint32_t>(v.type));
    write_value_body(b, v);
    return b.out;
}

// Byte offsets of the header's sections, recorded while writing, for truncation tests.
struct GgufLayout {
    std::vector<uint64_t> boundaries;   // every field/section start, ascending
    uint64_t data_offset = 0;
    uint64_t file_size = 0;
};

struct GgufSpec {
    uint32_t version = 3;
    uint32_t alignment = 32;
    // When set, written instead of the real counts (hostile counts).
    bool override_counts = false;
    uint64_t tensor_count = 0;
    uint64_t kv_count = 0;
    std::vector<KvEntry> kvs;
    std::vector<TensorEntry> tensors;

    void set(std::string key, std::vector<uint8_t> typed_value) {
        for (auto& kv : kvs) {
            if (kv.key == key) {
                kv.typed_value = std::move(typed_value);
                return;
            }
        }
        kvs.push_back({std::move(key), std::move(typed_value)});
    }
    void erase(std::string_view key) {
        for (size_t i = 0; i < kvs.size(); ++i) {
            if (kvs[i].key == key) {
                kvs.erase(kvs.begin() + static_cast<std::ptrdiff_t>(i));
                return;
            }
        }
    }
    TensorEntry* tensor(std::string_view name) {
        for (auto& t : tensors)
            if (t.name == name) return &t;
        return nullptr;
    }
};

inline std::vector<uint8_t> write_gguf(const GgufSpec& spec, GgufLayout* layout = nullptr) {
    GgufBytes b;
    std::vector<uint64_t> marks;
    auto mark = [&] { marks.push_back(b.out.size()); };
    mark();
    b.raw("GGUF", 4);
    mark();
    b.u32(spec.version);
    mark();
    b.u64(spec.override_counts ? spec.tensor_count : spec.tensors.size());
    mark();
    b.u64(spec.override_counts ? spec.kv_count : spec.kvs.size());
    for (const auto& kv : spec.kvs) {
        mark();
        b.str(kv.key);
        mark();
        b.raw(kv.typed_value.data(), kv.typed_value.size());
    }
    // Offsets: each tensor's data aligned inside the data section, in order.
    std::vector<uint64_t> offsets;
    uint64_t cursor = 0;
    for (const auto& t : spec.tensors) {
        if (t.raw_offset) {
            offsets.push_back(t.offset);
            continue;
        }
        cursor = (cursor + spec.alignment - 1) / spec.alignment * spec.alignment;
        offsets.push_back(cursor);
        cursor += t.data.size();
    }
    for (size_t i = 0; i < spec.tensors.size(); ++i) {
        const auto& t = spec.tensors[i];
        mark();
        b.str(t.name);
        mark();
        b.u32(static_cast<uint32_t>(t.ne.size()));
        for (uint64_t d : t.ne) b.u64(d);
        mark();
        b.u32(t.type);
        b.u64(offsets[i]);
    }
    mark();
    b.pad_to(spec.alignment);
    const uint64_t data_offset = b.out.size();
    mark();
    for (size_t i = 0; i < spec.tensors.size(); ++i) {
        const auto& t = spec.tensors[i];
        if (t.raw_offset) continue;
        while (b.out.size() < data_offset + offsets[i]) b.u8(0);
        mark();
        b.raw(t.data.data(), t.data.size());
    }
    mark();
    if (layout) {
        layout->boundaries = marks;
        layout->data_offset = data_offset;
        layout->file_size = b.out.size();
    }
    return std::move(b.out);
}

}  // namespace smollm::hostile
