# The trustshim CLI: unit tests of its pure parts, and script tests of every
# command against a real build, real JDKs and servers on 127.0.0.1.
ts_unit_test(cli_unit ${CMAKE_CURRENT_LIST_DIR}/test_cli.c)
target_link_libraries(cli_unit PRIVATE trustshim_cli_lib)

foreach(t basic edit concurrency fetch render exec check_verify verify_java strict docs import manage ber)
  ts_script_test(cli_${t} cli/${t}.sh)
  set_tests_properties(cli_${t} PROPERTIES LABELS cli TIMEOUT 300)
endforeach()
