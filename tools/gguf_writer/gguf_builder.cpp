#include "gguf_writer/gguf_builder.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "gguf/utf8_check.h"

namespace smollm::tools {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint64_t int_width(GgufValueType t) {
    switch (t) {
        case GgufValueType::UINT8: case GgufValueType::INT8: case GgufValueType::BOOL: return 1;
        case GgufValueType::UINT16: case GgufValueType::INT16: return 2;
        case GgufValueType::UINT32: case GgufValueType::INT32: return 4;
        case GgufValueType::UINT64: case GgufValueType::INT64: return 8;
        default: return 0;
    }
}

}  // namespace

GgufBuilder::GgufBuilder(uint32_t version) : version_(version) {
    if (version != 2 && version != 3) throw std::invalid_argument("GgufBuilder: version must be 2 or 3");
}

template <typename T>
void GgufBuilder::put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    kv_bytes_.insert(kv_bytes_.end(), b, b + sizeof(T));
}

void GgufBuilder::put_string(std::string_view s) {
    put<uint64_t>(s.size());
    kv_bytes_.insert(kv_bytes_.end(), s.begin(), s.end());
}

void GgufBuilder::begin_kv(const std::string& key, GgufValueType type) {
    if (key.empty()) throw std::invalid_argument("GGUF metadata key is empty");
    if (!utf8_is_valid(key)) throw std::invalid_argument("GGUF metadata key is not valid UTF-8");
    if (!keys_.insert(key).second) throw std::invalid_argument("duplicate GGUF metadata key '" + key + "'");
    put_string(key);
    put<uint32_t>(static_cast<uint32_t>(type));
    ++n_kv_;
}

void GgufBuilder::set_alignment(uint32_t alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw std::invalid_argument("GGUF alignment " + std::to_string(alignment) + " is not a power of two");
    alignment_ = alignment;
    add_u32("general.alignment", alignment);
}

void GgufBuilder::add_u8(const std::string& k, uint8_t v) { begin_kv(k, GgufValueType::UINT8), put(v); }
void GgufBuilder::add_i8(const std::string& k, int8_t v) { begin_kv(k, GgufValueType::INT8), put(v); }
void GgufBuilder::add_u16(const std::string& k, uint16_t v) { begin_kv(k, GgufValueType::UINT16), put(v); }
void GgufBuilder::add_i16(const std::string& k, int16_t v) { begin_kv(k, GgufValueType::INT16), put(v); }
void GgufBuilder::add_u32(const std::string& k, uint32_t v) { begin_kv(k, GgufValueType::UINT32), put(v); }
void GgufBuilder::add_i32(const std::string& k, int32_t v) { begin_kv(k, GgufValueType::INT32), put(v); }
void GgufBuilder::add_u64(const std::string& k, uint64_t v) { begin_kv(k, GgufValueType::UINT64), put(v); }
void GgufBuilder::add_i64(const std::string& k, int64_t v) { begin_kv(k, GgufValueType::INT64), put(v); }
void GgufBuilder::add_f32(const std::string& k, float v) { begin_kv(k, GgufValueType::FLOAT32), put(v); }
void GgufBuilder::add_f64(const std::string& k, double v) { begin_kv(k, GgufValueType::FLOAT64), put(v); }
void GgufBuilder::add_bool(const std::string& k, bool v) { begin_kv(k, GgufValueType::BOOL), put<uint8_t>(v ? 1 : 0); }

void GgufBuilder::add_string(const std::string& k, const std::string& v) {
    begin_kv(k, GgufValueType::STRING);
    put_string(v);
}

void GgufBuilder::add_string_array(const std::string& k, const std::vector<std::string>& v) {
    begin_kv(k, GgufValueType::ARRAY);
    put<uint32_t>(static_cast<uint32_t>(GgufValueType::STRING));
    put<uint64_t>(v.size());
    for (const auto& s : v) put_string(s);
}

void GgufBuilder::add_i32_array(const std::string& k, const std::vector<int32_t>& v) {
    begin_kv(k, GgufValueType::ARRAY);
    put<uint32_t>(static_cast<uint32_t>(GgufValueType::INT32));
    put<uint64_t>(v.size());
    for (int32_t x : v) put(x);
}

void GgufBuilder::add_f32_array(const std::string& k, const std::vector<float>& v) {
    begin_kv(k, GgufValueType::ARRAY);
    put<uint32_t>(static_cast<uint32_t>(GgufValueType::FLOAT32));
    put<uint64_t>(v.size());
    for (float x : v) put(x);
}

void GgufBuilder::add_value(const std::string& k, const GgufValue& v) {
    begin_kv(k, v.type);
    put_value_body(v, 0);
}

void GgufBuilder::put_value_body(const GgufValue& v, int depth) {
    switch (v.type) {
        case GgufValueType::UINT8: put<uint8_t>(static_cast<uint8_t>(v.u64)); return;
        case GgufValueType::BOOL: put<uint8_t>(v.u64 ? 1 : 0); return;
        case GgufValueType::UINT16: put<uint16_t>(static_cast<uint16_t>(v.u64)); return;
        case GgufValueType::UINT32: put<uint32_t>(static_cast<uint32_t>(v.u64)); return;
        case GgufValueType::UINT64: put<uint64_t>(v.u64); return;
        case GgufValueType::INT8: put<int8_t>(static_cast<int8_t>(v.i64)); return;
        case GgufValueType::INT16: put<int16_t>(static_cast<int16_t>(v.i64)); return;
        case GgufValueType::INT32: put<int32_t>(static_cast<int32_t>(v.i64)); return;
        case GgufValueType::INT64: put<int64_t>(v.i64); return;
        case GgufValueType::FLOAT32: put<float>(static_cast<float>(v.f64)); return;
        case GgufValueType::FLOAT64: put<double>(v.f64); return;
        case GgufValueType::STRING: put_string(v.str); return;
        case GgufValueType::ARRAY: break;
    }
    // The reader refuses deeper nesting; refuse to write what it would not read.
    if (depth >= 8) throw std::invalid_argument("GGUF arrays nested deeper than 8 levels");
    put<uint32_t>(static_cast<uint32_t>(v.elem_type));
    put<uint64_t>(v.array_len());
    switch (v.elem_type) {
        case GgufValueType::STRING:
            for (const auto& s : v.strings) put_string(s);
            return;
        case GgufValueType::ARRAY:
            for (const auto& a : v.arrays) put_value_body(a, depth + 1);
            return;
        case GgufValueType::FLOAT32:
            for (double d : v.floats) put<float>(static_cast<float>(d));
            return;
        case GgufValueType::FLOAT64:
            for (double d : v.floats) put<double>(d);
            return;
        default: {
            const uint64_t w = int_width(v.elem_type);
            for (int64_t x : v.ints) {
                uint8_t b[8];
                std::memcpy(b, &x, 8);  // little-endian: the low `w` bytes are the narrow value
                kv_bytes_.insert(kv_bytes_.end(), b, b + w);
            }
            return;
        }
    }
}

uint64_t GgufBuilder::check_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& ne) const {
    if (name.empty() || !utf8_is_valid(name)) throw std::invalid_argument("GGUF tensor name is empty or not UTF-8");
    if (tensor_names_.count(name)) throw std::invalid_argument("duplicate GGUF tensor '" + name + "'");
    if (ne.empty() || ne.size() > 4)
        throw std::invalid_argument("tensor '" + name + "' must have 1 to 4 dimensions");
    const GgmlTypeInfo* info = ggml_type_info(type);
    if (!info) throw std::invalid_argument("tensor '" + name + "' has an unknown type");
    uint64_t n = 1;
    for (uint64_t d : ne) {
        if (d == 0 || d > static_cast<uint64_t>(INT64_MAX) / n)
            throw std::invalid_argument("tensor '" + name + "' has a zero or overflowing dimension");
        n *= d;
    }
    if (ne[0] % info->block_elems != 0)
        throw std::invalid_argument("tensor '" + name + "': row length " + std::to_string(ne[0]) +
                                    " is not a multiple of " + std::string(info->name) + "'s block size " +
                                    std::to_string(info->block_elems));
    uint64_t bytes = 0;
    if (!ggml_bytes_for(type, n, &bytes)) throw std::invalid_argument("tensor '" + name + "' is too large");
    return bytes;
}

void GgufBuilder::add_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& ne,
                             std::vector<uint8_t> data) {
    const uint64_t bytes = check_tensor(name, type, ne);
    if (data.size() != bytes)
        throw std::invalid_argument("tensor '" + name + "': " + std::to_string(data.size()) + " bytes given, " +
                                    std::to_string(bytes) + " expected");
    tensor_names_.insert(name);
    tensors_.push_back(Tensor{name, type, ne, bytes, std::move(data), nullptr});
}

void GgufBuilder::add_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& ne,
                             TensorProducer producer) {
    const uint64_t bytes = check_tensor(name, type, ne);
    if (!producer) throw std::invalid_argument("tensor '" + name + "': no data producer");
    tensor_names_.insert(name);
    tensors_.push_back(Tensor{name, type, ne, bytes, {}, std::move(producer)});
}

void GgufBuilder::write(std::ostream& out) const {
    std::vector<uint8_t> head;
    auto put_head = [&head](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        head.insert(head.end(), b, b + n);
    };
    put_head("GGUF", 4);
    put_head(&version_, 4);
    const uint64_t n_tensors = tensors_.size();
    put_head(&n_tensors, 8);
    put_head(&n_kv_, 8);
    head.insert(head.end(), kv_bytes_.begin(), kv_bytes_.end());
    uint64_t offset = 0;
    for (const Tensor& t : tensors_) {
        const uint64_t len = t.name.size();
        put_head(&len, 8);
        put_head(t.name.data(), t.name.size());
        const uint32_t n_dims = static_cast<uint32_t>(t.ne.size());
        put_head(&n_dims, 4);
        for (uint64_t d : t.ne) put_head(&d, 8);
        const uint32_t type = static_cast<uint32_t>(t.type);
        put_head(&type, 4);
        put_head(&offset, 8);
        offset = align_up(offset + t.n_bytes, alignment_);
    }
    head.resize(align_up(head.size(), alignment_), 0);
    out.write(reinterpret_cast<const char*>(head.data()), static_cast<std::streamsize>(head.size()));

    std::vector<uint8_t> scratch;
    static const uint8_t kZeros[64] = {};
    for (const Tensor& t : tensors_) {
        const uint8_t* bytes = t.data.data();
        if (t.producer) {
            scratch.assign(t.n_bytes, 0);
            t.producer(scratch.data(), t.n_bytes);
            bytes = scratch.data();
        }
        out.write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(t.n_bytes));
        for (uint64_t pad = align_up(t.n_bytes, alignment_) - t.n_bytes; pad > 0;) {
            const uint64_t n = pad < sizeof(kZeros) ? pad : sizeof(kZeros);
            out.write(reinterpret_cast<const char*>(kZeros), static_cast<std::streamsize>(n));
            pad -= n;
        }
    }
    if (!out) throw std::runtime_error("writing the GGUF stream failed");
}

void GgufBuilder::write_file(const std::string& path) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot create " + path);
    write(out);
    out.close();
    if (!out) throw std::runtime_error("writing " + path + " failed (disk full?)");
}

std::vector<uint8_t> GgufBuilder::to_bytes() const {
    std::ostringstream ss(std::ios::binary);
    write(ss);
    const std::string s = ss.str();
    return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace smollm::tools
