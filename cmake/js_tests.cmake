# Every folder holding *.test.mjs files under tests/js/, tests/parity/, tests/browser/ and
# tests/types/ (js_types: the type check and the public API's type test) is one
# ctest entry running `node --test` on it, from the repo root, with the native tools' paths in
# the environment. They need the wasm modules in js/wasm/ (built by the wasm build) and the
# native tools of this build. The spec reporter keeps the log short (a line a test, failures
# in full at the end), so a CI page that shows only part of the log still shows the error.
find_program(NODE_EXECUTABLE node REQUIRED)
file(GLOB_RECURSE SMOLLM_JS_TEST_FILES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/js/*.test.mjs
     ${CMAKE_SOURCE_DIR}/tests/parity/*.test.mjs
     ${CMAKE_SOURCE_DIR}/tests/browser/*.test.mjs
     ${CMAKE_SOURCE_DIR}/tests/types/*.test.mjs)
set(SMOLLM_JS_TEST_DIRS "")
foreach(f ${SMOLLM_JS_TEST_FILES})
  get_filename_component(d ${f} DIRECTORY)
  list(APPEND SMOLLM_JS_TEST_DIRS ${d})
endforeach()
list(REMOVE_DUPLICATES SMOLLM_JS_TEST_DIRS)
foreach(d ${SMOLLM_JS_TEST_DIRS})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/tests ${d})
  string(REPLACE "/" "_" name ${rel})
  file(GLOB files ${d}/*.test.mjs)
  add_test(NAME js_${name} COMMAND ${NODE_EXECUTABLE} --test --test-concurrency=1 --test-reporter=spec ${files}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(js_${name} PROPERTIES TIMEOUT 900 ENVIRONMENT
      "SMOLLM_BUILD_DIR=${CMAKE_BINARY_DIR};SMOLLM_GGUF_WRITER=${CMAKE_BINARY_DIR}/gguf_writer;SMOLLM_TOKENIZE_TOOL=${CMAKE_BINARY_DIR}/tokenize_tool;SMOLLM_NATIVE_TOOL=${CMAKE_BINARY_DIR}/smollm_native")
endforeach()
