# Included by the scripts that run memsoak as a program: a sanitizer's report fails the test
# whatever the exit code, since a test that accepts either verdict (exit 0 or 1) would
# otherwise pass an ASan report (exit 1); TSan's reports also end the process with exit 66.
function(fail_on_sanitizer_report errors)
  if(errors MATCHES "(WARNING|ERROR): [A-Za-z]*Sanitizer|runtime error: ")
    message(FATAL_ERROR "a sanitizer reported:\n${errors}")
  endif()
endfunction()
