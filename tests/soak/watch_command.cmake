# Runs `memsoak watch` once over a command and checks its exit code and the verdict it wrote.
# Invoked by CTest as
#   cmake -DMEMSOAK=... -DEXPECT_EXIT=REGEX -DEXPECT_VERDICT=REGEX -DOUT=DIR
#         "-DARGS=--duration 20s ..." "-DCOMMAND=program args" [-DEXPECT_END=REGEX]
#         [-DEXPECT_MEMORY=agent|rss] -P watch_command.cmake
# EXPECT_MEMORY checks how the watch read the process's memory (the series header's `memory`);
# when it was the agent, verdict.json must tell what the agent cost.
file(REMOVE_RECURSE "${OUT}")
separate_arguments(ARGS UNIX_COMMAND "${ARGS}")
separate_arguments(COMMAND UNIX_COMMAND "${COMMAND}")
execute_process(
  COMMAND "${MEMSOAK}" watch --out "${OUT}" ${ARGS} -- ${COMMAND}
  RESULT_VARIABLE exit_code
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors)
string(REGEX REPLACE "served [0-9]+\n" "" output "${output}")  # the service's own lines
message("${output}")
include("${CMAKE_CURRENT_LIST_DIR}/sanitizer_report.cmake")
fail_on_sanitizer_report("${errors}")
if(NOT exit_code MATCHES "^(${EXPECT_EXIT})$")
  message(FATAL_ERROR "memsoak watch exited ${exit_code}, expected ${EXPECT_EXIT}\n${errors}")
endif()
file(READ "${OUT}/verdict.json" verdict_json)
string(JSON verdict GET "${verdict_json}" verdict)
if(NOT verdict MATCHES "^(${EXPECT_VERDICT})$")
  message(FATAL_ERROR "verdict ${verdict}, expected ${EXPECT_VERDICT}")
endif()
string(JSON reason GET "${verdict_json}" run end_reason)
if(DEFINED EXPECT_END AND NOT reason MATCHES "^(${EXPECT_END})$")
  message(FATAL_ERROR "the watch ended by ${reason}, expected ${EXPECT_END}")
endif()
file(STRINGS "${OUT}/series.jsonl" header LIMIT_COUNT 1)
string(JSON memory GET "${header}" memory)
if(DEFINED EXPECT_MEMORY AND NOT memory STREQUAL EXPECT_MEMORY)
  message(FATAL_ERROR "the watch read memory by ${memory}, expected ${EXPECT_MEMORY}\n${errors}")
endif()
if(memory STREQUAL "agent")
  # What the agent cost is told whenever it answered.
  string(JSON readings GET "${verdict_json}" run watched agent_cost readings)
  if(NOT readings GREATER 0)
    message(FATAL_ERROR "the agent answered, yet verdict.json counts ${readings} readings")
  endif()
endif()
string(JSON elapsed GET "${verdict_json}" run elapsed_s)
message("verdict ${verdict} (end: ${reason} at ${elapsed} s) as expected")
