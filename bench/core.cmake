# bench_core: the trust core's speed (build the served cacerts: ts_store_build; manifest
# parse and certificate loading) for 10, 1,000 and 10,000 manifest certificates.
# Run build/bin/bench_core; it prints a table.  Not a ctest.
add_executable(bench_core ${CMAKE_CURRENT_LIST_DIR}/bench_core.c)
target_link_libraries(bench_core PRIVATE trustshim_core trustshim_flags OpenSSL::Crypto)
