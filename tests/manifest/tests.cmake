# The manifest, merge and file I/O (preload/core/manifest*.c, merge.c, fileio.c).
set(mf_dir ${CMAKE_CURRENT_LIST_DIR})

# Certificates made at test time with OpenSSL.
add_library(mf_test_util STATIC ${mf_dir}/mf_util.c)
target_include_directories(mf_test_util PUBLIC ${mf_dir})
target_link_libraries(mf_test_util PUBLIC trustshim_core OpenSSL::Crypto PRIVATE trustshim_flags)

ts_unit_test(manifest_parse ${mf_dir}/test_manifest.c)
target_link_libraries(manifest_parse PRIVATE mf_test_util)
target_compile_definitions(manifest_parse PRIVATE MF_TEST_DIR="${mf_dir}")

ts_unit_test(manifest_merge ${mf_dir}/test_merge.c)
target_link_libraries(manifest_merge PRIVATE mf_test_util)

ts_unit_test(manifest_fileio ${mf_dir}/test_fileio.c)
target_link_libraries(manifest_fileio PRIVATE mf_test_util)
