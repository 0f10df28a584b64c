# libFuzzer target for the keystore and certificate parsers; clang only, not a
# ctest (run it by hand: see tests/fuzz/fuzz_keystore.c).  The parsers' sources
# are compiled into it with coverage instrumentation.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(fuzz_core ${CMAKE_SOURCE_DIR}/preload/core)
  add_executable(fuzz_keystore ${CMAKE_CURRENT_LIST_DIR}/fuzz_keystore.c
    ${fuzz_core}/ts_error.c ${fuzz_core}/cert.c ${fuzz_core}/keystore.c
    ${fuzz_core}/jks.c ${fuzz_core}/p12.c)
  target_include_directories(fuzz_keystore PRIVATE ${fuzz_core})
  target_compile_definitions(fuzz_keystore PRIVATE _GNU_SOURCE)
  target_compile_options(fuzz_keystore PRIVATE -g -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_keystore PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_keystore PRIVATE OpenSSL::Crypto)
endif()
