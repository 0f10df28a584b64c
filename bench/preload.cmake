# bench_preload: the cost of libtrustshim.so on the hot path (open+close and
# stat of a path that is not a target) and of serving (first vs later opens).
# bench/run.sh runs it with and without the library and prints the table.
add_executable(bench_preload ${CMAKE_CURRENT_LIST_DIR}/bench_preload.c ${CMAKE_SOURCE_DIR}/preload/target.c)
target_include_directories(bench_preload PRIVATE ${CMAKE_SOURCE_DIR}/preload)
target_link_libraries(bench_preload PRIVATE trustshim_flags ${CMAKE_DL_LIBS})
