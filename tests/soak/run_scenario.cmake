# Runs `memsoak run` once and checks its exit code and the verdict it wrote: a soak test of one
# scenario under one allocator. Invoked by CTest as
#   cmake -DMEMSOAK=... -DSCENARIO=... -DALLOCATOR=... -DEXPECT_EXIT=REGEX -DEXPECT_VERDICT=REGEX
#         -DOUT=DIR "-DARGS=--duration 20s ..." -P run_scenario.cmake
# EXPECT_VERDICT=as-listed expects the verdict the scenario table gives this allocator
# (`memsoak list`), which the run records in verdict.json.
# An allocator that is not installed skips the test (the message matches SKIP_REGULAR_EXPRESSION).
# Every run also writes its JUnit file (--junit), which must count its failure as the exit does.
file(REMOVE_RECURSE "${OUT}")
file(REMOVE "${OUT}.junit.xml")
get_filename_component(out_parent "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${out_parent}")
separate_arguments(ARGS UNIX_COMMAND "${ARGS}")
execute_process(
  COMMAND "${MEMSOAK}" run --scenario "${SCENARIO}" --allocator "${ALLOCATOR}" --out "${OUT}"
          --junit "${OUT}.junit.xml" ${ARGS}
  RESULT_VARIABLE exit_code
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors)
message("${output}")
if(errors MATCHES "is not installed")
  message("SKIP: ${errors}")
  return()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/sanitizer_report.cmake")
fail_on_sanitizer_report("${errors}")
if(NOT exit_code MATCHES "^(${EXPECT_EXIT})$")
  message(FATAL_ERROR "memsoak run exited ${exit_code}, expected ${EXPECT_EXIT}\n${errors}")
endif()
file(READ "${OUT}.junit.xml" junit)
if(exit_code EQUAL 1)
  set(junit_counts "tests=\"1\" failures=\"1\" errors=\"0\"")
elseif(exit_code EQUAL 0)
  set(junit_counts "tests=\"1\" failures=\"0\" errors=\"0\"")
else()
  set(junit_counts "tests=\"1\" failures=\"0\" errors=\"1\"")
endif()
string(FIND "${junit}" "<testsuite name=\"memsoak.run\" ${junit_counts}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "exit ${exit_code}, but the JUnit file does not count it (${junit_counts}):\n${junit}")
endif()
file(READ "${OUT}/verdict.json" verdict_json)
string(JSON verdict GET "${verdict_json}" verdict)
if(EXPECT_VERDICT STREQUAL "as-listed")
  string(JSON EXPECT_VERDICT GET "${verdict_json}" run expected_verdict)
  if(EXPECT_VERDICT STREQUAL "")
    message(FATAL_ERROR "the scenario table lists no verdict for ${SCENARIO} on ${ALLOCATOR}")
  endif()
endif()
if(NOT verdict MATCHES "^(${EXPECT_VERDICT})$")
  message(FATAL_ERROR "verdict ${verdict}, expected ${EXPECT_VERDICT}")
endif()
string(JSON reason GET "${verdict_json}" run end_reason)
string(JSON elapsed GET "${verdict_json}" run elapsed_s)
message("verdict ${verdict} (end: ${reason} at ${elapsed} s) as expected")
