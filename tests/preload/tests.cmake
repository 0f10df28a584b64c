# Tests of libtrustshim.so (preload/).  Script tests run the real JDKs (every
# one ts_jdks finds), keytool and openssl s_server under the library.
set(ts_pl ${CMAKE_CURRENT_LIST_DIR})

ts_unit_test(test_preload_target ${ts_pl}/test_target.c ${CMAKE_SOURCE_DIR}/preload/target.c)
target_include_directories(test_preload_target PRIVATE ${CMAKE_SOURCE_DIR}/preload)
# The build lock of shim.c (with the libc table it needs), outside the library.
ts_unit_test(test_preload_lock ${ts_pl}/test_lock.c ${CMAKE_SOURCE_DIR}/preload/shim.c
  ${CMAKE_SOURCE_DIR}/preload/libc.c ${CMAKE_SOURCE_DIR}/preload/target.c)
target_include_directories(test_preload_lock PRIVATE ${CMAKE_SOURCE_DIR}/preload)
target_link_libraries(test_preload_lock PRIVATE ${CMAKE_DL_LIBS})

# C helpers: calls every exported function; a library whose constructor opens a keystore.
find_package(Threads REQUIRED)
add_executable(ts_preload_probe ${ts_pl}/probe.c)
target_link_libraries(ts_preload_probe PRIVATE trustshim_flags ${CMAKE_DL_LIBS} Threads::Threads)
add_library(ts_preload_ctor SHARED ${ts_pl}/ctor_lib.c)
target_link_libraries(ts_preload_ctor PRIVATE trustshim_flags)
add_executable(ts_preload_ctor_main ${ts_pl}/ctor_main.c)
target_link_libraries(ts_preload_ctor_main PRIVATE ts_preload_ctor trustshim_flags)

foreach(t symbols libc secure passthrough keytool https pkcs12 allegra targets concurrency faults trustpath
    freshness passwords allegra_flow synth_cache convert writeback crypto)
  ts_script_test(preload_${t} preload/${t}.sh)
endforeach()
set_tests_properties(preload_concurrency preload_faults preload_https PROPERTIES TIMEOUT 600)

# Process lifecycle: fork while building, signal handlers, a FIFO at the master's number, dlclose.
add_executable(ts_preload_lifecycle ${ts_pl}/lifecycle.c)
target_link_libraries(ts_preload_lifecycle PRIVATE trustshim_flags pthread ${CMAKE_DL_LIBS})
foreach(m fork signal fifo dlclose)
  ts_script_test(preload_lifecycle_${m} preload/lifecycle.sh ${m})
endforeach()
set_tests_properties(preload_lifecycle_fork PROPERTIES TIMEOUT 300)
