# libFuzzer targets for the parsers of untrusted input (docs/fuzzing.md): clang
# only, not ctests (tests/fuzz/campaign.sh runs them; CI for a minute each).
# The core, the CLI's sources and the preload's pure target.c are compiled once
# more, with coverage instrumentation, into one library all targets link.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(fuzz_flags -g -O1 -fno-omit-frame-pointer)
  set(fuzz_src ${CMAKE_SOURCE_DIR}/preload/target.c)
  foreach(lib trustshim_core_obj trustshim_crypto_obj trustshim_core trustshim_cli_lib)
    get_target_property(src ${lib} SOURCES)
    list(FILTER src EXCLUDE REGEX "^\\$<") # trustshim_core's objects: listed by the first two
    get_target_property(dir ${lib} SOURCE_DIR)
    list(TRANSFORM src PREPEND ${dir}/)
    list(APPEND fuzz_src ${src})
  endforeach()
  add_library(ts_fuzz_support STATIC EXCLUDE_FROM_ALL ${fuzz_src})
  target_include_directories(ts_fuzz_support PUBLIC ${CMAKE_SOURCE_DIR}/preload/core
    ${CMAKE_SOURCE_DIR}/preload ${CMAKE_SOURCE_DIR}/tools ${CMAKE_SOURCE_DIR}/tools/fetch)
  target_compile_definitions(ts_fuzz_support PUBLIC _GNU_SOURCE
    PRIVATE TRUSTSHIM_VERSION="${PROJECT_VERSION}")
  target_compile_options(ts_fuzz_support PUBLIC ${fuzz_flags}
    -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(ts_fuzz_support PUBLIC -fsanitize=fuzzer,address,undefined)
  target_link_libraries(ts_fuzz_support PUBLIC PkgConfig::CJSON OpenSSL::SSL OpenSSL::Crypto m)

  # One executable per tests/fuzz/fuzz_<name>.c; `make fuzz` builds them all.
  file(GLOB fuzz_harnesses CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)
  add_custom_target(fuzz)
  foreach(h IN LISTS fuzz_harnesses)
    get_filename_component(t ${h} NAME_WE)
    add_executable(${t} ${h})
    target_link_libraries(${t} PRIVATE ts_fuzz_support)
    add_dependencies(fuzz ${t})
  endforeach()
endif()
