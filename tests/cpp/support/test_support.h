// Helpers every suite shares: where ../shared is, reading files, skipping when data is absent.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <catch.hpp>

namespace smollm::test {

// Absolute path of a file under ../shared (SMOLLM_SHARED_DIR can override it at run time).
std::string shared_path(const std::string& relative);
bool file_exists(const std::string& path);
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_file_text(const std::string& path);
// A scratch directory for files a test writes (created on first use).
std::string temp_path(const std::string& name);

}  // namespace smollm::test

// Skips the rest of the test case, loudly, when a ../shared file is missing (Catch2 v2 has no
// SKIP): the warning names the file so a reader knows what did not run.
#define SMOLLM_REQUIRE_SHARED(relative)                                                        \
    do {                                                                                       \
        if (!::smollm::test::file_exists(::smollm::test::shared_path(relative))) {             \
            WARN("SKIPPED: " << ::smollm::test::shared_path(relative)                          \
                             << " is missing (tests read reference data from ../shared)");     \
            return;                                                                            \
        }                                                                                      \
    } while (0)
