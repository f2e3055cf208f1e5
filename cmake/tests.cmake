# Every folder under tests/cpp/ is one Catch2 suite (all its .cpp files plus the shared main),
# registered with ctest as <prefix>_<folder>. Tests find ../shared through SMOLLM_SHARED_DIR.
find_path(CATCH2_INCLUDE_DIR catch.hpp PATHS /usr/include/catch2 NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
if(NOT CATCH2_INCLUDE_DIR)
  message(FATAL_ERROR "Catch2 v2 not found: apt-get install -y catch2")
endif()

file(GLOB SMOLLM_TEST_SUPPORT_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cpp/support/*.cpp)
# Tests also compile the tools' library code (everything in tools/*/ except main.cpp), e.g. the
# model writer, so they can generate the models they check.
file(GLOB SMOLLM_TOOL_LIB_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tools/*/*.cpp)
list(FILTER SMOLLM_TOOL_LIB_SOURCES EXCLUDE REGEX ".*/main\\.cpp$")

# prefix: name prefix; lib: engine library; runner: command prefix to run a suite (node for
# wasm); link_flags: extra link options.
function(smollm_add_test_suites prefix lib runner link_flags)
  # Catch2's main, the test helpers and the tools' library code are compiled once into a
  # library every suite links, not once per suite (Catch2's main alone takes ~20 s to build).
  set(support ${prefix}_test_support)
  add_library(${support} STATIC ${SMOLLM_TEST_SUPPORT_SOURCES} ${SMOLLM_TOOL_LIB_SOURCES})
  target_include_directories(${support} PUBLIC ${CATCH2_INCLUDE_DIR} ${CMAKE_SOURCE_DIR}/tests/cpp/support ${CMAKE_SOURCE_DIR}/tools)
  target_link_libraries(${support} PUBLIC ${lib})
  target_compile_definitions(${support} PUBLIC SMOLLM_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared"
                                                SMOLLM_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  file(GLOB suite_dirs LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/tests/cpp/*)
  foreach(dir ${suite_dirs})
    if(NOT IS_DIRECTORY ${dir})
      continue()
    endif()
    get_filename_component(suite ${dir} NAME)
    if(suite STREQUAL "support")
      continue()
    endif()
    file(GLOB_RECURSE suite_sources CONFIGURE_DEPENDS ${dir}/*.cpp)
    if(NOT suite_sources)
      continue()
    endif()
    set(target ${prefix}_${suite})
    add_executable(${target} ${suite_sources})
    # Catch2's directory is named on its own (never -I/usr/include: it breaks the wasm sysroot).
    target_link_libraries(${target} PRIVATE ${support})
    if(link_flags)
      target_link_options(${target} PRIVATE ${link_flags})
    endif()
    add_test(NAME ${target} COMMAND ${runner} $<TARGET_FILE:${target}>)
    set_tests_properties(${target} PROPERTIES TIMEOUT 900)
  endforeach()
endfunction()
