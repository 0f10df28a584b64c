# Issue 8's contract, judged by the JDK on a corpus of keystores nobody wrote by
# hand (made by corpus_generate in the build tree, shared through a ctest
# fixture): JdkView's view of each store without and with the library, for the
# right, a wrong, no and an unknown password, and for `trustshim render`; and a
# TLS client whose trust store is a key store.
ts_script_test(corpus_generate corpus/generate.sh)
set_tests_properties(corpus_generate PROPERTIES FIXTURES_SETUP ts_corpus LABELS corpus TIMEOUT 900)
foreach(mode right wrong none unknown render)
  ts_script_test(corpus_contract_${mode} corpus/contract.sh ${mode})
  set_tests_properties(corpus_contract_${mode} PROPERTIES FIXTURES_REQUIRED ts_corpus LABELS corpus TIMEOUT 900)
endforeach()
ts_script_test(corpus_judge_selftest corpus/selftest.sh)
set_tests_properties(corpus_judge_selftest PROPERTIES FIXTURES_REQUIRED ts_corpus LABELS corpus TIMEOUT 600)
ts_script_test(corpus_keystore_as_truststore corpus/keytls.sh)
set_tests_properties(corpus_keystore_as_truststore PROPERTIES LABELS corpus TIMEOUT 600)
