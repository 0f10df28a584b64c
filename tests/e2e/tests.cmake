# End-to-end tests: real deployments (Tomcat, Jakarta Mail, slapd), the demo,
# install and the Debian package, each on every JDK found (tests/e2e/*.sh).
foreach(_t tomcat mail ldap install deb demo docs)
  ts_script_test(e2e_${_t} e2e/${_t}.sh)
  set_tests_properties(e2e_${_t} PROPERTIES LABELS e2e TIMEOUT 300)
endforeach()
