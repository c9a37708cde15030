# Sanitizer flags for the whole tree, chosen by MEMSOAK_SANITIZE (set by the presets).
set(MEMSOAK_SANITIZE "" CACHE STRING "'' (none), 'address' (ASan+UBSan) or 'thread' (TSan)")

if(MEMSOAK_SANITIZE STREQUAL "address")
  set(memsoak_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                              -fno-omit-frame-pointer)
elseif(MEMSOAK_SANITIZE STREQUAL "thread")
  set(memsoak_sanitizer_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT MEMSOAK_SANITIZE STREQUAL "")
  message(FATAL_ERROR "MEMSOAK_SANITIZE='${MEMSOAK_SANITIZE}': use '', 'address' or 'thread'")
endif()

if(memsoak_sanitizer_flags)
  add_compile_options(${memsoak_sanitizer_flags})
  add_link_options(${memsoak_sanitizer_flags})
endif()
