#include "smollm_native/model_files.h"

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace smollm::tools {

namespace {

Engine::FileBuffer read_one(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    if (size <= 0) {
        std::fclose(f);
        throw std::runtime_error(path + " is empty");
    }
    Engine::FileBuffer buf;
    buf.bytes = static_cast<uint8_t*>(std::malloc(static_cast<size_t>(size)));
    buf.size = static_cast<uint64_t>(size);
    if (!buf.bytes || std::fread(buf.bytes, 1, buf.size, f) != buf.size) {
        std::free(buf.bytes);
        std::fclose(f);
        throw std::runtime_error("cannot read " + path);
    }
    std::fclose(f);
    return buf;
}

}  // namespace

std::vector<Engine::FileBuffer> read_model_files(const std::string& path) {
    std::vector<std::string> paths{path};
    std::smatch m;
    static const std::regex kSplit("^(.*)-00001-of-([0-9]{5})\\.gguf$");
    if (std::regex_match(path, m, kSplit)) {
        const int n = std::atoi(m[2].str().c_str());
        char suffix[32];
        for (int i = 2; i <= n; ++i) {
            std::snprintf(suffix, sizeof(suffix), "-%05d-of-%05d.gguf", i, n);
            paths.push_back(m[1].str() + suffix);
        }
    }
    std::vector<Engine::FileBuffer> parts;
    try {
        for (const std::string& p : paths) parts.push_back(read_one(p));
    } catch (...) {
        free_model_files(parts);
        throw;
    }
    return parts;
}

void free_model_files(std::vector<Engine::FileBuffer>& parts) {
    for (Engine::FileBuffer& p : parts) std::free(p.bytes);
    parts.clear();
}

std::unique_ptr<Engine> load_engine_from_path(const std::string& path, const EngineOptions& options) {
    std::vector<Engine::FileBuffer> parts = read_model_files(path);
    try {
        return Engine::load(parts, options);
    } catch (...) {
        free_model_files(parts);
        throw;
    }
}

}  // namespace smollm::tools
