# libFuzzer targets for the core's untrusted-input parsers; clang only, not
# ctests (run them by hand: see the comment at the top of each source).  The
# core's sources are compiled into them with coverage instrumentation.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(fuzz_core ${CMAKE_SOURCE_DIR}/preload/core)
  set(fuzz_common ${fuzz_core}/ts_error.c ${fuzz_core}/cert.c ${fuzz_core}/keystore.c
    ${fuzz_core}/jks.c ${fuzz_core}/p12.c ${fuzz_core}/manifest.c ${fuzz_core}/fileio.c
    ${fuzz_core}/merge.c ${fuzz_core}/jserial.c ${fuzz_core}/ossl_legacy.c ${fuzz_core}/store.c)
  add_executable(fuzz_keystore ${CMAKE_CURRENT_LIST_DIR}/fuzz_keystore.c ${fuzz_common})
  add_executable(fuzz_manifest ${CMAKE_CURRENT_LIST_DIR}/fuzz_manifest.c ${fuzz_common})
  foreach(t fuzz_keystore fuzz_manifest)
    target_link_libraries(${t} PRIVATE PkgConfig::CJSON)
    target_include_directories(${t} PRIVATE ${fuzz_core})
    target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
    target_compile_options(${t} PRIVATE -g -fsanitize=fuzzer,address,undefined)
    target_link_options(${t} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${t} PRIVATE OpenSSL::Crypto)
  endforeach()
endif()
