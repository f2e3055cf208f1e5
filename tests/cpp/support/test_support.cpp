#include "test_support.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace smollm::test {

std::string shared_path(const std::string& relative) {
    const char* env = std::getenv("SMOLLM_SHARED_DIR");
    std::string base = env && *env ? env : SMOLLM_SHARED_DIR;
    return base + "/" + relative;
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string read_file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string temp_path(const std::string& name) {
    const char* env = std::getenv("SMOLLM_TEST_TMP");
    std::string dir = env && *env ? env : "/tmp/smollm-tests";
    ::mkdir(dir.c_str(), 0755);
    return dir + "/" + name;
}

}  // namespace smollm::test
