#include "tokenize_tool/gguf_header_file.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace smollm {

std::unique_ptr<GgufFile> read_gguf_header(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error(path + ": cannot open");
    const uint64_t file_size = static_cast<uint64_t>(in.tellg());
    std::vector<uint8_t> bytes;
    uint64_t want = std::min<uint64_t>(file_size, 1u << 20);
    while (true) {
        const size_t have = bytes.size();
        bytes.resize(want);
        in.seekg(static_cast<std::streamoff>(have));
        in.read(reinterpret_cast<char*>(bytes.data() + have), static_cast<std::streamsize>(want - have));
        if (static_cast<uint64_t>(in.gcount()) != want - have) throw std::runtime_error(path + ": read failed");
        GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), file_size);
        if (r.status == GgufParseResult::Status::Complete) return std::move(r.file);
        if (r.status == GgufParseResult::Status::Error) throw std::runtime_error(path + ": " + r.error);
        if (want >= file_size) throw std::runtime_error(path + ": header does not fit in the file");
        want = std::min<uint64_t>(file_size, std::max<uint64_t>(r.bytes_needed, want * 2));
    }
}

}  // namespace smollm
