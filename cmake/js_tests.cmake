# Every *.test.mjs file under tests/js/, tests/parity/, tests/browser/ and tests/types/ is one
# ctest entry, js_<folder>_<file> (e.g. js_parity_logits, js_browser_cache_first-load-memory;
# js_types_types: the type check and the public API's type test), running `node --test` on it
# from the repo root with the native tools' paths in the environment. One entry per file, not
# per folder: ctest then reports each file's time, and `ctest -j2` can run a long file beside
# short ones instead of waiting on a folder's slowest. They need the wasm modules in js/wasm/
# (built by the wasm build) and the native tools of this build. The spec reporter keeps the
# log short (a line a test, failures in full at the end), so a CI page that shows only part of
# the log still shows the error. `ctest -R '^js_parity_'` still runs a whole folder.
find_program(NODE_EXECUTABLE node REQUIRED)
file(GLOB_RECURSE SMOLLM_JS_TEST_FILES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/js/*.test.mjs
     ${CMAKE_SOURCE_DIR}/tests/parity/*.test.mjs
     ${CMAKE_SOURCE_DIR}/tests/browser/*.test.mjs
     ${CMAKE_SOURCE_DIR}/tests/types/*.test.mjs)
list(SORT SMOLLM_JS_TEST_FILES)

# Seconds each long file took in a CI-like run (2 busy cores, see tools/run.sh): ctest starts
# the costliest first (COST), so under -j2 the last minutes are not one long file running
# alone. Files not listed take under ~40 s. ctest keeps measured times in
# Testing/Temporary/CTestCostData.txt and prefers those once it has them.
set(SMOLLM_JS_TEST_COST
    parity_perplexity 160 browser_reliability_reliability 215 browser_package_relaxed-simd 60
    browser_package_package 45 parity_logits 300 parity_greedy 60 parity_grammar_package 60
    parity_grammar_pattern 55 parity_grammar 20 browser_cache_first-load-memory 80
    browser_demo_demo_chat 55 browser_demo_demo_errors 50 browser_demo_demo_ui 30
    browser_demo_markdown_dom 25 browser_vite_vite 40 js_lifecycle_lifecycle 60
    js_writer_llama_cpp_accepts_writer 56 js_cli_cli 30 browser_demo_demo_structured 60
    browser_demo_demo_memory 40 browser_demo_demo_long_chat 90)

foreach(f ${SMOLLM_JS_TEST_FILES})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/tests ${f})
  string(REGEX REPLACE "\\.test\\.mjs$" "" rel ${rel})
  string(REPLACE "/" "_" key ${rel})
  set(name js_${key})
  add_test(NAME ${name} COMMAND ${NODE_EXECUTABLE} --test --test-concurrency=1 --test-reporter=spec ${f}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES TIMEOUT 900 ENVIRONMENT
      "SMOLLM_BUILD_DIR=${CMAKE_BINARY_DIR};SMOLLM_GGUF_WRITER=${CMAKE_BINARY_DIR}/gguf_writer;SMOLLM_TOKENIZE_TOOL=${CMAKE_BINARY_DIR}/tokenize_tool;SMOLLM_NATIVE_TOOL=${CMAKE_BINARY_DIR}/smollm_native")
  list(FIND SMOLLM_JS_TEST_COST ${key} at)
  if(at GREATER -1)
    math(EXPR at "${at} + 1")
    list(GET SMOLLM_JS_TEST_COST ${at} cost)
    set_tests_properties(${name} PROPERTIES COST ${cost})
  endif()
  # The demo suites serve the built demo (demo/dist, demo/build.mjs): the build runs first, as
  # a test of its own (below), so a broken build fails by name rather than inside a test.
  if(rel MATCHES "^(browser/demo|js/demo)/")
    list(APPEND SMOLLM_DEMO_DIST_TESTS ${name})
  endif()
endforeach()
if(SMOLLM_DEMO_DIST_TESTS)
  add_test(NAME js_demo_build COMMAND ${NODE_EXECUTABLE} demo/build.mjs WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(js_demo_build PROPERTIES FIXTURES_SETUP demo_dist TIMEOUT 300 COST 1000)
  set_tests_properties(${SMOLLM_DEMO_DIST_TESTS} PROPERTIES FIXTURES_REQUIRED demo_dist)
endif()
