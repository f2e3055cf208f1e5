#include "gguf/gguf_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "gguf/utf8_check.h"

namespace smollm {
namespace {

constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;
// Nested arrays recurse; the cap keeps a hostile file from exhausting the (small wasm) stack.
constexpr int kMaxArrayDepth = 8;
// No real header string comes near this; the cap stops a file of unknown size from sending the
// loader after a multi-gigabyte "prefix" because of one forged length.
constexpr uint64_t kMaxStringBytes = 256ull << 20;
// Smallest possible encodings, used to reject counts the remaining bytes could never hold.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;                 // key len, 1-byte key, type, u8
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;  // name len, name, n_dims, ne, type, offset
// What the parsed header may occupy in memory. Arrays expand when parsed (an int8 array x8 as
// int64, float32 x2 as double, each nested array a whole GgufValue), so a header of a few
// hundred MB could take gigabytes. The largest vocabulary the engine runs (2^22 tokens, with
// scores and types) takes about 110 MiB; real ones (<= 262k tokens) under 30 MiB.
constexpr uint64_t kMaxParsedHeaderBytes = 256ull << 20;
// Per-entry overhead of the key and tensor indexes (a hash node and its bucket).
constexpr uint64_t kIndexEntryBytes = 64;
// NeedMore asks for at least this much beyond what it was given so callers never trickle.
constexpr uint64_t kMinGrowth = 64 * 1024;

// Thrown inside the parser to unwind to gguf_parse; never escapes it.
struct NeedMoreStop {
    uint64_t end;
};
struct ErrorStop {
    std::string message;
    bool unsupported = false;
};

uint64_t fixed_size_of(GgufValueType t) {
    switch (t) {
        case GgufValueType::UINT8: case GgufValueType::INT8: case GgufValueType::BOOL: return 1;
        case GgufValueType::UINT16: case GgufValueType::INT16: return 2;
        case GgufValueType::UINT32: case GgufValueType::INT32: case GgufValueType::FLOAT32: return 4;
        case GgufValueType::UINT64: case GgufValueType::INT64: case GgufValueType::FLOAT64: return 8;
        default: return 0;
    }
}

// Smallest encoding of one value of type `t` (for count checks).
uint64_t min_size_of(GgufValueType t) {
    if (t == GgufValueType::STRING) return 8;
    if (t == GgufValueType::ARRAY) return 12;
    return fixed_size_of(t);
}

bool is_valid_value_type(uint32_t raw) { return raw <= static_cast<uint32_t>(GgufValueType::FLOAT64); }

bool is_integer_type(GgufValueType t) {
    switch (t) {
        case GgufValueType::UINT8: case GgufValueType::INT8: case GgufValueType::UINT16:
        case GgufValueType::INT16: case GgufValueType::UINT32: case GgufValueType::INT32:
        case GgufValueType::UINT64: case GgufValueType::INT64: return true;
        default: return false;
    }
}

bool is_unsigned_type(GgufValueType t) {
    return t == GgufValueType::UINT8 || t == GgufValueType::UINT16 || t == GgufValueType::UINT32 ||
           t == GgufValueType::UINT64;
}

bool is_float_type(GgufValueType t) { return t == GgufValueType::FLOAT32 || t == GgufValueType::FLOAT64; }

const char* value_type_name(GgufValueType t) {
    static const char* const kNames[] = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
                                         "bool", "string", "array", "uint64", "int64", "float64"};
    const uint32_t i = static_cast<uint32_t>(t);
    return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "invalid";
}

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

uint64_t GgufValue::array_len() const {
    if (type != GgufValueType::ARRAY) return 0;
    switch (elem_type) {
        case GgufValueType::STRING: return strings.size();
        case GgufValueType::ARRAY: return arrays.size();
        case GgufValueType::FLOAT32: case GgufValueType::FLOAT64: return floats.size();
        default: return ints.size();
    }
}

// Reads the header front to back from a prefix. Every read first proves the bytes exist:
// inside `available` it proceeds, inside the known file size it asks for more, beyond the
// file it fails naming the field and offset.
class GgufParser {
public:
    GgufParser(const uint8_t* data, uint64_t available, uint64_t file_size)
        : data_(data), available_(file_size ? std::min(available, file_size) : available),
          file_size_(file_size) {}

    std::unique_ptr<GgufFile> parse() {
        auto file = std::make_unique<GgufFile>();
        file->file_size = file_size_;
        parse_magic();
        file->version = parse_version();
        const uint64_t n_tensors = parse_count("tensor count", kMinTensorInfoBytes);
        const uint64_t n_kv = parse_count("metadata count", kMinKvBytes);
        parse_metadata(*file, n_kv);
        file->alignment = read_alignment(*file);
        parse_tensor_infos(*file, n_tensors);
        if (pos_ > UINT64_MAX - (file->alignment - 1)) fail("data section", pos_, "offset overflows 64 bits");
        file->data_offset = (pos_ + file->alignment - 1) / file->alignment * file->alignment;
        place_tensor_data(*file);
        return file;
    }

private:
    const uint8_t* data_;
    uint64_t available_;
    uint64_t file_size_;
    uint64_t pos_ = 0;
    uint64_t parsed_bytes_ = 0;   // memory the parsed header holds so far (estimate from above)

    // Counts `bytes` of memory about to be allocated for `field`; past the cap, the header is
    // refused before the allocation happens.
    void charge(uint64_t bytes, const std::string& field, uint64_t at) {
        if (bytes > kMaxParsedHeaderBytes - std::min(parsed_bytes_, kMaxParsedHeaderBytes)) {
            fail(field, at, "the parsed header would take more than " + std::to_string(kMaxParsedHeaderBytes >> 20) +
                                " MiB of memory (the limit; arrays expand when parsed): not a model this engine can load");
        }
        parsed_bytes_ += bytes;
    }
    void charge_items(uint64_t count, uint64_t item_bytes, const std::string& field, uint64_t at) {
        charge(count > kMaxParsedHeaderBytes / item_bytes ? UINT64_MAX : count * item_bytes, field, at);
    }

    [[noreturn]] static void fail(const std::string& field, uint64_t offset, const std::string& why) {
        throw ErrorStop{field + " at byte " + std::to_string(offset) + ": " + why};
    }
    // A well-formed file this reader does not read (another GGUF version or byte order).
    [[noreturn]] static void unsupported(const std::string& field, uint64_t offset, const std::string& why) {
        throw ErrorStop{field + " at byte " + std::to_string(offset) + ": " + why, true};
    }

    // Makes sure `n` bytes at pos_ are readable.
    // `suffix` completes the field's name in an error; it is joined only on failure, since
    // string arrays read ~100k lengths and building a label for each was measurable.
    void need(uint64_t n, const std::string& field, std::string_view suffix = {}) {
        if (n > UINT64_MAX - pos_)
            fail(field + std::string(suffix), pos_, "length " + std::to_string(n) + " overflows the file offset");
        const uint64_t end = pos_ + n;
        if (file_size_ && end > file_size_)
            fail(field + std::string(suffix), pos_, "needs " + std::to_string(n) + " bytes but the file ends at byte " +
                                                        std::to_string(file_size_) + " (truncated)");
        if (end > available_) throw NeedMoreStop{end};
    }

    // Rejects `count` items of at least `min_bytes` each when the rest of the file (or, when
    // the size is unknown, 64-bit arithmetic) cannot hold them.
    void check_count_fits(uint64_t count, uint64_t min_bytes, const std::string& field, uint64_t at) {
        if (min_bytes != 0 && count > UINT64_MAX / min_bytes)
            fail(field, at, "count " + std::to_string(count) + " is impossibly large");
        if (file_size_) {
            const uint64_t remaining = file_size_ - std::min(pos_, file_size_);
            if (count * min_bytes > remaining)
                fail(field, at, "count " + std::to_string(count) + " needs at least " +
                                    std::to_string(count * min_bytes) + " bytes but only " +
                                    std::to_string(remaining) + " remain in the file (truncated or corrupt)");
        }
    }

    // Reserving from a count is safe only up to what the bytes in hand could hold.
    uint64_t safe_reserve(uint64_t count, uint64_t min_bytes) const {
        const uint64_t in_hand = available_ > pos_ ? available_ - pos_ : 0;
        return std::min(count, in_hand / std::max<uint64_t>(min_bytes, 1));
    }

    template <typename T>
    T read_raw() {
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    uint64_t read_u64(const std::string& field, std::string_view suffix = {}) {
        need(8, field, suffix);
        return read_raw<uint64_t>();
    }
    uint32_t read_u32(const std::string& field) {
        need(4, field);
        return read_raw<uint32_t>();
    }

    // The string's bytes in the input (valid while the input is).
    std::string_view read_string_view(const std::string& field) {
        const uint64_t at = pos_;
        const uint64_t len = read_u64(field, " length");
        if (len > kMaxStringBytes)
            fail(field + " length", at, "string of " + std::to_string(len) + " bytes exceeds the " +
                                            std::to_string(kMaxStringBytes >> 20) + " MiB limit");
        need(len, field);
        const std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
        pos_ += len;
        return s;
    }

    std::string read_string(const std::string& field) { return std::string(read_string_view(field)); }

    void parse_magic() {
        static const uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
        const uint64_t have = std::min<uint64_t>(available_, 4);
        // A wrong first byte is an error even before all four have arrived.
        if (std::memcmp(data_, kMagic, have) != 0) {
            std::string shown;
            for (uint64_t i = 0; i < have; ++i) {
                const uint8_t c = data_[i];
                shown += (c >= 0x20 && c < 0x7f) ? std::string(1, static_cast<char>(c)) : "\\x" + hex_byte(c);
            }
            fail("magic", 0, "expected \"GGUF\", found \"" + shown + "\" (not a GGUF file)");
        }
        need(4, "magic");
        pos_ = 4;
    }

    static std::string hex_byte(uint8_t c) {
        static const char kHex[] = "0123456789abcdef";
        return std::string{kHex[c >> 4], kHex[c & 15]};
    }

    uint32_t parse_version() {
        const uint64_t at = pos_;
        const uint32_t version = read_u32("version");
        if (version == 1)
            unsupported("version", at, "GGUF version 1 is not supported (only versions 2 and 3 are); re-convert the model");
        if (version == 2 || version == 3) return version;
        // A byte-swapped small number means the file was written big-endian.
        const uint32_t swapped = (version >> 24) | ((version >> 8) & 0xff00) | ((version << 8) & 0xff0000) | (version << 24);
        if (swapped >= 1 && swapped <= 3)
            unsupported("version", at, "big-endian GGUF files are not supported (version reads as " + std::to_string(version) + ")");
        unsupported("version", at, "unsupported GGUF version " + std::to_string(version) + " (only versions 2 and 3 are)");
    }

    uint64_t parse_count(const std::string& field, uint64_t min_item_bytes) {
        const uint64_t at = pos_;
        const uint64_t count = read_u64(field);
        check_count_fits(count, min_item_bytes, field, at);
        return count;
    }

    void parse_metadata(GgufFile& file, uint64_t n_kv) {
        file.metadata.reserve(safe_reserve(n_kv, kMinKvBytes));
        file.key_index_.reserve(safe_reserve(n_kv, kMinKvBytes));
        for (uint64_t i = 0; i < n_kv; ++i) {
            const uint64_t key_at = pos_;
            const std::string field = "metadata key #" + std::to_string(i);
            std::string key = read_string(field);
            if (key.empty()) fail(field, key_at, "empty key");
            if (!utf8_is_valid(key)) fail(field, key_at, "key is not valid UTF-8");
            if (file.key_index_.count(key)) fail("metadata key '" + key + "'", key_at, "duplicate key");
            // The key is held twice: in its entry and in the index.
            charge(sizeof(GgufKeyValue) + 2 * key.size() + kIndexEntryBytes, field, key_at);
            if (key == "general.alignment") alignment_at_ = pos_;
            GgufKeyValue kv;
            kv.value = read_typed_value("metadata '" + key + "'", 0);
            file.key_index_.emplace(key, file.metadata.size());
            kv.key = std::move(key);
            file.metadata.push_back(std::move(kv));
        }
    }

    GgufValueType read_value_type(const std::string& field) {
        const uint64_t at = pos_;
        const uint32_t raw = read_u32(field + " type");
        if (!is_valid_value_type(raw)) fail(field + " type", at, "unknown value type " + std::to_string(raw));
        return static_cast<GgufValueType>(raw);
    }

    GgufValue read_typed_value(const std::string& field, int depth) {
        const GgufValueType type = read_value_type(field);
        GgufValue v;
        v.type = type;
        if (type == GgufValueType::STRING) {
            const uint64_t at = pos_;
            v.str = read_string(field);
            charge(v.str.size(), field, at);
        } else if (type == GgufValueType::ARRAY) {
            read_array(v, field, depth);
        } else {
            need(fixed_size_of(type), field);
            read_scalar_into(v, type);
        }
        return v;
    }

    // Decodes one fixed-size scalar at pos_ (bytes already checked) into the matching field.
    void read_scalar_into(GgufValue& v, GgufValueType type) {
        switch (type) {
            case GgufValueType::UINT8: v.u64 = read_raw<uint8_t>(); break;
            case GgufValueType::BOOL: v.u64 = read_raw<uint8_t>() != 0; break;
            case GgufValueType::UINT16: v.u64 = read_raw<uint16_t>(); break;
            case GgufValueType::UINT32: v.u64 = read_raw<uint32_t>(); break;
            case GgufValueType::UINT64: v.u64 = read_raw<uint64_t>(); break;
            case GgufValueType::INT8: v.i64 = read_raw<int8_t>(); break;
            case GgufValueType::INT16: v.i64 = read_raw<int16_t>(); break;
            case GgufValueType::INT32: v.i64 = read_raw<int32_t>(); break;
            case GgufValueType::INT64: v.i64 = read_raw<int64_t>(); break;
            case GgufValueType::FLOAT32: v.f64 = read_raw<float>(); break;
            case GgufValueType::FLOAT64: v.f64 = read_raw<double>(); break;
            default: break;
        }
    }

    int64_t read_int_element(GgufValueType type) {
        switch (type) {
            case GgufValueType::UINT8: return read_raw<uint8_t>();
            case GgufValueType::BOOL: return read_raw<uint8_t>() != 0;
            case GgufValueType::UINT16: return read_raw<uint16_t>();
            case GgufValueType::UINT32: return read_raw<uint32_t>();
            case GgufValueType::UINT64: return static_cast<int64_t>(read_raw<uint64_t>());
            case GgufValueType::INT8: return read_raw<int8_t>();
            case GgufValueType::INT16: return read_raw<int16_t>();
            case GgufValueType::INT32: return read_raw<int32_t>();
            default: return read_raw<int64_t>();
        }
    }

    void read_array(GgufValue& v, const std::string& field, int depth) {
        if (depth >= kMaxArrayDepth)
            fail(field, pos_, "arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
        v.elem_type = read_value_type(field + " element");
        const uint64_t count_at = pos_;
        const uint64_t count = read_u64(field + " array length");
        const uint64_t min_elem = min_size_of(v.elem_type);
        check_count_fits(count, min_elem, field + " array length", count_at);
        const uint64_t reserve = safe_reserve(count, min_elem);
        switch (v.elem_type) {
            case GgufValueType::STRING:
                // The end offsets, then each string's bytes as they are read.
                charge_items(count, sizeof(size_t), field + " array length", count_at);
                v.strings.reserve(reserve);
                for (uint64_t i = 0; i < count; ++i) {
                    const uint64_t at = pos_;
                    const std::string_view text = read_string_view(field);
                    charge(text.size(), field, at);
                    v.strings.push_back(text);
                }
                break;
            case GgufValueType::ARRAY:
                charge_items(count, sizeof(GgufValue), field + " array length", count_at);
                v.arrays.reserve(reserve);
                for (uint64_t i = 0; i < count; ++i) {
                    GgufValue inner;
                    inner.type = GgufValueType::ARRAY;
                    read_array(inner, field + "[" + std::to_string(i) + "]", depth + 1);
                    v.arrays.push_back(std::move(inner));
                }
                break;
            case GgufValueType::FLOAT32:
            case GgufValueType::FLOAT64:
                need(count * min_elem, field);
                charge_items(count, sizeof(double), field + " array length", count_at);
                v.floats.resize(count);
                for (uint64_t i = 0; i < count; ++i)
                    v.floats[i] = v.elem_type == GgufValueType::FLOAT32 ? read_raw<float>() : read_raw<double>();
                break;
            default:
                need(count * min_elem, field);
                charge_items(count, sizeof(int64_t), field + " array length", count_at);
                v.ints.resize(count);
                for (uint64_t i = 0; i < count; ++i) v.ints[i] = read_int_element(v.elem_type);
                break;
        }
    }

    uint64_t read_alignment(const GgufFile& file) {
        const GgufValue* v = file.find("general.alignment");
        if (!v) return kDefaultAlignment;
        const std::string field = "metadata 'general.alignment'";
        uint64_t a = 0;
        if (!file.get_u64("general.alignment", &a))
            fail(field, alignment_at_, std::string("expected an unsigned integer, got ") + value_type_name(v->type));
        if (!is_power_of_two(a) || a > (1ull << 30))
            fail(field, alignment_at_, "alignment " + std::to_string(a) + " is not a nonzero power of two up to 2^30");
        return a;
    }

    void parse_tensor_infos(GgufFile& file, uint64_t n_tensors) {
        file.tensors.reserve(safe_reserve(n_tensors, kMinTensorInfoBytes));
        file.tensor_index_.reserve(safe_reserve(n_tensors, kMinTensorInfoBytes));
        for (uint64_t i = 0; i < n_tensors; ++i) {
            GgufTensorInfo t;
            const uint64_t name_at = pos_;
            const std::string field = "tensor #" + std::to_string(i) + " name";
            t.name = read_string(field);
            if (t.name.empty()) fail(field, name_at, "empty tensor name");
            if (!utf8_is_valid(t.name)) fail(field, name_at, "tensor name is not valid UTF-8");
            if (file.tensor_index_.count(t.name)) fail("tensor '" + t.name + "' name", name_at, "duplicate tensor name");
            charge(sizeof(GgufTensorInfo) + 2 * t.name.size() + kIndexEntryBytes + sizeof(uint64_t), field, name_at);
            const std::string tfield = "tensor '" + t.name + "'";
            read_tensor_shape(t, tfield);
            read_tensor_type(t, tfield);
            const uint64_t off_at = pos_;
            t.offset = read_u64(tfield + " offset");
            if (t.offset % file.alignment != 0)
                fail(tfield + " offset", off_at,
                     "data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                         std::to_string(file.alignment));
            tensor_offset_pos_.push_back(off_at);
            file.tensor_index_.emplace(t.name, file.tensors.size());
            file.tensors.push_back(std::move(t));
        }
    }

    void read_tensor_shape(GgufTensorInfo& t, const std::string& tfield) {
        const uint64_t dims_at = pos_;
        t.n_dims = read_u32(tfield + " n_dims");
        if (t.n_dims < 1 || t.n_dims > kMaxDims)
            fail(tfield + " n_dims", dims_at, "dimension count " + std::to_string(t.n_dims) + " is outside 1..4");
        uint64_t n_elements = 1;
        for (uint32_t d = 0; d < t.n_dims; ++d) {
            const uint64_t ne_at = pos_;
            const uint64_t ne = read_u64(tfield + " ne[" + std::to_string(d) + "]");
            if (ne == 0) fail(tfield + " ne[" + std::to_string(d) + "]", ne_at, "dimension is zero");
            // ggml counts elements in int64_t.
            if (ne > static_cast<uint64_t>(INT64_MAX) / n_elements)
                fail(tfield + " ne[" + std::to_string(d) + "]", ne_at,
                     "element count overflows (dimension " + std::to_string(ne) + ")");
            n_elements *= ne;
            t.ne[d] = ne;
        }
        t.n_elements = n_elements;
        shape_pos_ = dims_at;
    }

    void read_tensor_type(GgufTensorInfo& t, const std::string& tfield) {
        const uint64_t type_at = pos_;
        const uint32_t raw = read_u32(tfield + " type");
        const GgmlTypeInfo* info = ggml_type_info(raw);
        if (!info) fail(tfield + " type", type_at, "unknown ggml type " + std::to_string(raw));
        t.type = info->type;
        if (t.ne[0] % info->block_elems != 0)
            fail(tfield + " shape", shape_pos_,
                 "row length " + std::to_string(t.ne[0]) + " is not a multiple of " + std::string(info->name) +
                     "'s block size " + std::to_string(info->block_elems));
        if (!ggml_bytes_for(t.type, t.n_elements, &t.n_bytes))
            fail(tfield + " shape", shape_pos_, "byte size overflows 64 bits");
    }

    void place_tensor_data(GgufFile& file) {
        const uint64_t room = file_size_ ? (file_size_ > file.data_offset ? file_size_ - file.data_offset : 0)
                                         : UINT64_MAX;
        std::vector<size_t> order(file.tensors.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return file.tensors[a].offset < file.tensors[b].offset; });
        uint64_t prev_end = 0;
        const GgufTensorInfo* prev = nullptr;
        for (size_t i : order) {
            const GgufTensorInfo& t = file.tensors[i];
            const std::string field = "tensor '" + t.name + "' offset";
            const uint64_t at = tensor_offset_pos_[i];
            if (t.n_bytes > UINT64_MAX - t.offset) fail(field, at, "data end overflows 64 bits");
            const uint64_t end = t.offset + t.n_bytes;
            if (end > room)
                fail(field, at,
                     "data [" + std::to_string(t.offset) + ", " + std::to_string(end) +
                         ") lies outside the data section of " + std::to_string(room) + " bytes (file of " +
                         std::to_string(file_size_) + " bytes, data section at byte " +
                         std::to_string(file.data_offset) + ")");
            if (prev && t.offset < prev_end)
                fail(field, at,
                     "data [" + std::to_string(t.offset) + ", " + std::to_string(end) + ") overlaps tensor '" +
                         prev->name + "' which ends at " + std::to_string(prev_end));
            prev_end = std::max(prev_end, end);
            prev = &t;
        }
        file.data_size = prev_end;
    }

    std::vector<uint64_t> tensor_offset_pos_;  // file offset of each tensor's offset field
    uint64_t shape_pos_ = 0;                   // file offset of the current tensor's n_dims
    uint64_t alignment_at_ = 0;                // file offset of general.alignment's value
};

GgufParseResult gguf_parse(const uint8_t* data, uint64_t available, uint64_t file_size) {
    GgufParseResult result;
    try {
        GgufParser parser(data, available, file_size);
        result.file = parser.parse();
        result.status = GgufParseResult::Status::Complete;
    } catch (const NeedMoreStop& more) {
        // Ask for the item in hand and then some (doubling), so a caller that waits for exactly
        // bytes_needed re-parses O(log n) times rather than once per item.
        const uint64_t grow = available + std::max(available, kMinGrowth);
        uint64_t needed = std::max(more.end, grow < available ? UINT64_MAX : grow);
        if (file_size) needed = std::min(needed, file_size);
        needed = std::max(needed, more.end);
        result.status = GgufParseResult::Status::NeedMore;
        result.bytes_needed = needed;
    } catch (const ErrorStop& err) {
        result.status = GgufParseResult::Status::Error;
        result.error = err.message;
        result.unsupported = err.unsupported;
    }
    return result;
}

const GgufValue* GgufFile::find(std::string_view key) const {
    auto it = key_index_.find(std::string(key));
    return it == key_index_.end() ? nullptr : &metadata[it->second].value;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(std::string(name));
    return it == tensor_index_.end() ? nullptr : &tensors[it->second];
}

bool GgufFile::get_string(std::string_view key, std::string* out) const {
    const GgufValue* v = find(key);
    if (!v || v->type != GgufValueType::STRING) return false;
    *out = v->str;
    return true;
}

bool GgufFile::get_u64(std::string_view key, uint64_t* out) const {
    const GgufValue* v = find(key);
    if (!v || !is_integer_type(v->type)) return false;
    if (is_unsigned_type(v->type)) {
        *out = v->u64;
        return true;
    }
    if (v->i64 < 0) return false;
    *out = static_cast<uint64_t>(v->i64);
    return true;
}

bool GgufFile::get_i64(std::string_view key, int64_t* out) const {
    const GgufValue* v = find(key);
    if (!v || !is_integer_type(v->type)) return false;
    if (is_unsigned_type(v->type)) {
        if (v->u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
        *out = static_cast<int64_t>(v->u64);
        return true;
    }
    *out = v->i64;
    return true;
}

bool GgufFile::get_f64(std::string_view key, double* out) const {
    const GgufValue* v = find(key);
    if (!v) return false;
    if (is_float_type(v->type)) {
        *out = v->f64;
        return true;
    }
    if (!is_integer_type(v->type)) return false;
    *out = is_unsigned_type(v->type) ? static_cast<double>(v->u64) : static_cast<double>(v->i64);
    return true;
}

bool GgufFile::get_bool(std::string_view key, bool* out) const {
    const GgufValue* v = find(key);
    if (!v || v->type != GgufValueType::BOOL) return false;
    *out = v->u64 != 0;
    return true;
}

const StringList* GgufFile::get_string_array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v || v->type != GgufValueType::ARRAY || v->elem_type != GgufValueType::STRING) return nullptr;
    return &v->strings;
}

const std::vector<int64_t>* GgufFile::get_int_array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v || v->type != GgufValueType::ARRAY) return nullptr;
    if (!is_integer_type(v->elem_type) && v->elem_type != GgufValueType::BOOL) return nullptr;
    return &v->ints;
}

const std::vector<double>* GgufFile::get_float_array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v || v->type != GgufValueType::ARRAY || !is_float_type(v->elem_type)) return nullptr;
    return &v->floats;
}

std::string GgufFile::architecture() const {
    std::string arch;
    get_string("general.architecture", &arch);
    return arch;
}

bool GgufFile::arch_u64(std::string_view suffix, uint64_t* out) const {
    const std::string arch = architecture();
    if (arch.empty()) return false;
    return get_u64(arch + "." + std::string(suffix), out);
}

bool GgufFile::arch_f64(std::string_view suffix, double* out) const {
    const std::string arch = architecture();
    if (arch.empty()) return false;
    return get_f64(arch + "." + std::string(suffix), out);
}

}  // namespace smollm
