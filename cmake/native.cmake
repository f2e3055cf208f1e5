# Native build: the engine library, the tools and the test suites, for fast iteration.
find_package(Threads REQUIRED)

add_library(smollm_engine STATIC ${SMOLLM_ENGINE_SOURCES})
target_include_directories(smollm_engine PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_options(smollm_engine PRIVATE ${SMOLLM_WARNINGS})
target_link_libraries(smollm_engine PUBLIC Threads::Threads)
if(SMOLLM_SANITIZE)
  target_compile_options(smollm_engine PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(smollm_engine PUBLIC -fsanitize=address,undefined)
endif()

# Each folder under tools/ with a main.cpp is one native command-line tool named after the folder;
# tools/common (no main.cpp) is code every tool shares, compiled into each.
file(GLOB SMOLLM_TOOL_COMMON_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tools/common/*.cpp)
file(GLOB SMOLLM_TOOL_DIRS LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/tools/*)
foreach(dir ${SMOLLM_TOOL_DIRS})
  if(EXISTS ${dir}/main.cpp)
    get_filename_component(tool ${dir} NAME)
    # main.cpp plus the folder's other files (its library part, which tests compile too).
    file(GLOB tool_sources CONFIGURE_DEPENDS ${dir}/*.cpp)
    add_executable(${tool} ${tool_sources} ${SMOLLM_TOOL_COMMON_SOURCES})
    target_include_directories(${tool} PRIVATE ${CMAKE_SOURCE_DIR}/tools)
    target_link_libraries(${tool} PRIVATE smollm_engine)
    target_compile_options(${tool} PRIVATE ${SMOLLM_WARNINGS})
  endif()
endforeach()

if(SMOLLM_BUILD_TESTS)
  include(${CMAKE_SOURCE_DIR}/cmake/tests.cmake)
  smollm_add_test_suites(native smollm_engine "" "")
  include(${CMAKE_SOURCE_DIR}/cmake/js_tests.cmake)
endif()
