# Certificate input and keystore decode/encode (preload/core/cert.c, keystore.c, jks.c, p12.c).
set(ks_dir ${CMAKE_CURRENT_LIST_DIR})

# Fixtures made at test time with OpenSSL.
add_library(ks_test_util STATIC ${ks_dir}/ks_test_util.c)
target_include_directories(ks_test_util PUBLIC ${ks_dir})
target_link_libraries(ks_test_util PUBLIC trustshim_core OpenSSL::Crypto PRIVATE trustshim_flags)

ts_unit_test(keystore_cert ${ks_dir}/test_cert.c)
target_link_libraries(keystore_cert PRIVATE ks_test_util)

ts_unit_test(keystore_formats ${ks_dir}/test_keystore.c)
target_link_libraries(keystore_formats PRIVATE ks_test_util)

# The test driver for the script tests (found as $TS_BUILD_DIR/bin/ks_tool).
add_executable(ks_tool ${ks_dir}/ks_tool.c)
target_link_libraries(ks_tool PRIVATE trustshim_core trustshim_flags)

ts_script_test(keystore_jdk_encoded keystore/jdk_encoded.sh)
ts_script_test(keystore_jdk_cacerts keystore/jdk_cacerts.sh)
ts_script_test(keystore_jdk_store keystore/jdk_store.sh)

ts_unit_test(keystore_store ${ks_dir}/test_store.c)
target_link_libraries(keystore_store PRIVATE mf_test_util)

ts_unit_test(keystore_golden ${ks_dir}/test_golden.c)
target_compile_definitions(keystore_golden PRIVATE KS_GOLDEN_DIR="${ks_dir}/golden")

# The core's OpenSSL use leaves the process's default context, error queue and configuration alone.
ts_unit_test(keystore_ossl_private ${ks_dir}/test_ossl_private.c)
target_link_libraries(keystore_ossl_private PRIVATE ks_test_util ${CMAKE_DL_LIBS})

# The PEM decoder against OpenSSL's PEM_read_bio, which it replaced.
ts_unit_test(keystore_pem ${ks_dir}/test_pem.c)

# SHA-1 and SHA-256 (sha.c), both paths, against FIPS 180-4's vectors and OpenSSL.
ts_unit_test(keystore_sha ${ks_dir}/test_sha.c)
