# Emscripten build: the engine twice (multi-threaded with pthreads, single-threaded), each
# linked with web/ into an ES module for the npm package, plus the test suites run under node.
set(SMOLLM_WASM_COMPILE -msimd128 -fexceptions)
# Memory grows geometrically (+20%) by default, which past 480 MB means up to 96 MB more than
# asked for: the loader grows memory once to the planned size instead, and any later growth
# may overshoot by at most 8 MiB, so peak memory stays within file + KV cache + 64 MiB.
# DYNAMIC_EXECUTION=0: Embind builds its invokers without eval/new Function, so the demo's
# Content-Security-Policy needs no 'unsafe-eval' (only 'wasm-unsafe-eval', in the worker).
set(SMOLLM_WASM_LINK
    -fexceptions
    -sDYNAMIC_EXECUTION=0
    -sALLOW_MEMORY_GROWTH=1
    -sMEMORY_GROWTH_GEOMETRIC_CAP=8388608
    -sMAXIMUM_MEMORY=4GB
    -sINITIAL_MEMORY=33554432
    -sTOTAL_STACK=1048576)
set(SMOLLM_WEB_SUFFIX "")
if(SMOLLM_RELAXED_SIMD)
  include(${CMAKE_SOURCE_DIR}/cmake/relaxed_simd.cmake)
endif()

function(smollm_engine_variant name threaded)
  add_library(${name} STATIC ${SMOLLM_ENGINE_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${SMOLLM_WARNINGS})
  target_compile_options(${name} PUBLIC ${SMOLLM_WASM_COMPILE})
  target_link_options(${name} PUBLIC ${SMOLLM_WASM_LINK})
  if(threaded)
    target_compile_options(${name} PUBLIC -pthread)
    target_link_options(${name} PUBLIC -pthread -Wno-pthreads-mem-growth)
  else()
    target_compile_definitions(${name} PUBLIC SMOLLM_NO_THREADS=1)
  endif()
endfunction()

smollm_engine_variant(smollm_engine_mt ON)
smollm_engine_variant(smollm_engine_st OFF)

# The web modules: web/*.cpp (Embind glue) on top of each engine variant.
find_program(NODE_EXECUTABLE node REQUIRED)
set(SMOLLM_WEB_OUT ${CMAKE_SOURCE_DIR}/js/wasm)
file(GLOB SMOLLM_WEB_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/*.cpp)
if(SMOLLM_WEB_SOURCES)
  foreach(variant mt st)
    set(target smollm_web_${variant})
    add_executable(${target} ${SMOLLM_WEB_SOURCES})
    target_link_libraries(${target} PRIVATE smollm_engine_${variant})
    target_compile_options(${target} PRIVATE ${SMOLLM_WARNINGS})
    target_link_options(${target} PRIVATE
        -lembind
        -sMODULARIZE=1
        -sEXPORT_ES6=1
        -sEXPORT_NAME=createSmolLMModule
        -sENVIRONMENT=web,worker,node
        -sEXPORTED_RUNTIME_METHODS=['HEAPU8']
        -sEXPORTED_FUNCTIONS=['_malloc','_free']
        # dlmalloc (the default) never asks sbrk for 2 GiB or more at once, so a GGUF file
        # over 2 GiB (one buffer) could not be allocated; emmalloc can allocate up to 4 GB.
        # The engine allocates only at load, so emmalloc's slower small allocations cost
        # nothing per token.
        -sMALLOC=emmalloc
        # A library, not a program: under Node, no process-wide 'uncaughtException' /
        # 'unhandledRejection' handlers per instance, whose closures kept every module (and
        # its wasm memory) alive after unload (tests/js/package/memory.test.mjs).
        -sNODEJS_CATCH_EXIT=0
        -sNODEJS_CATCH_REJECTION=0)
    # js/wasm/<module>.js.symbols: wasm function index -> C++ name, for the indices a trap's
    # EngineCrashedError carries (tools/wasm-frames.mjs). Not published. emcc writes it with
    # binaryen, which cannot read the relaxed build's modules (cmake/relaxed_simd.cmake):
    # that build keeps wasm-ld's names and tools/wasm-symbol-map.mjs moves them out.
    if(SMOLLM_RELAXED_SIMD)
      target_link_options(${target} PRIVATE --profiling-funcs)
      add_custom_command(TARGET ${target} POST_BUILD
          COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/wasm-symbol-map.mjs
              ${SMOLLM_WEB_OUT}/smollm-${variant}${SMOLLM_WEB_SUFFIX}.wasm
              ${SMOLLM_WEB_OUT}/smollm-${variant}${SMOLLM_WEB_SUFFIX}.js.symbols
          VERBATIM)
    else()
      target_link_options(${target} PRIVATE --emit-symbol-map)
    endif()
    if(variant STREQUAL "mt")
      # The engine's thread pool starts its pthreads inside Engine::load and waits for them
      # without returning to the event loop, so the Workers must exist before: the JS passes
      # the pool size it needs as Module.pthreadPoolSize when it creates the module.
      # STRICT=2 makes a thread beyond the pool fail to start (a clear error) instead of
      # deadlocking the load.
      target_link_options(${target} PRIVATE -sPTHREAD_POOL_SIZE=Module.pthreadPoolSize
          -sPTHREAD_POOL_SIZE_STRICT=2)
      # The pool worker script's text as a module (js/scripts/worker-text.mjs says why).
      set(stem ${SMOLLM_WEB_OUT}/smollm-${variant}${SMOLLM_WEB_SUFFIX})
      add_custom_command(OUTPUT ${stem}.worker-text.js
          COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/js/scripts/worker-text.mjs
              ${stem}.worker.js ${stem}.worker-text.js
          DEPENDS ${target} ${CMAKE_SOURCE_DIR}/js/scripts/worker-text.mjs
          VERBATIM)
      add_custom_target(${target}_worker_text ALL DEPENDS ${stem}.worker-text.js)
    endif()
    set_target_properties(${target} PROPERTIES
        OUTPUT_NAME smollm-${variant}${SMOLLM_WEB_SUFFIX}
        SUFFIX ".js"
        RUNTIME_OUTPUT_DIRECTORY ${SMOLLM_WEB_OUT})
  endforeach()
endif()

if(SMOLLM_BUILD_TESTS)
  include(${CMAKE_SOURCE_DIR}/cmake/tests.cmake)
  # Node 20's global fetch makes this emcc's loader think it is in a browser; the flag turns
  # it off so the module reads its .wasm from disk. NODERAWFS lets tests read ../shared.
  smollm_add_test_suites(wasm smollm_engine_mt "${NODE_EXECUTABLE};--no-experimental-fetch"
      "-sNODERAWFS=1;-sEXIT_RUNTIME=1;-sPTHREAD_POOL_SIZE=8;-sPTHREAD_POOL_SIZE_STRICT=2;-pthread")
endif()
