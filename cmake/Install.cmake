# `cmake --install BUILD --prefix P`: the public headers under P/include/memsoak/, the harness
# library, the fuzz kit and its replay main, the memsoak command with the libraries it preloads, and the CMake package
# (P/lib/cmake/memsoak/). The command and its libraries go together into P/lib/memsoak/, since
# memsoak finds them beside its own binary; P/bin/memsoak links to it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

configure_file(${PROJECT_SOURCE_DIR}/include/memsoak/version.h.in
               ${PROJECT_BINARY_DIR}/include/memsoak/version.h @ONLY)
target_include_directories(memsoak_harness
                           PUBLIC $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
                                  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(FILES ${PROJECT_SOURCE_DIR}/include/memsoak/soak.h
              ${PROJECT_SOURCE_DIR}/include/memsoak/gtest.h
              ${PROJECT_SOURCE_DIR}/include/memsoak/fuzz.h
              ${PROJECT_BINARY_DIR}/include/memsoak/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/memsoak)
target_include_directories(memsoak_fuzz_core INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(memsoak_harness PROPERTIES EXPORT_NAME harness)
set_target_properties(memsoak_fuzz_core PROPERTIES EXPORT_NAME fuzz_core)
set_target_properties(memsoak_fuzz_kit PROPERTIES EXPORT_NAME fuzz_kit)
set_target_properties(memsoak_fuzz_replay PROPERTIES EXPORT_NAME fuzz_replay)
install(TARGETS memsoak_harness memsoak_fuzz_core memsoak_fuzz_kit memsoak_fuzz_replay
        EXPORT memsoakTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT memsoakTargets NAMESPACE memsoak::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/memsoak)

set(memsoak_tool_dir ${CMAKE_INSTALL_LIBDIR}/memsoak)
install(TARGETS memsoak RUNTIME DESTINATION ${memsoak_tool_dir})
foreach(library memsoak_counted_glibc memsoak_agent)
  if(TARGET ${library} AND NOT MEMSOAK_SANITIZE)
    install(TARGETS ${library} LIBRARY DESTINATION ${memsoak_tool_dir})
  endif()
endforeach()
install(CODE "
  file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  file(CREATE_LINK \"../${memsoak_tool_dir}/memsoak\"
       \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/memsoak\" SYMBOLIC)")

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/memsoakConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/memsoakConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/memsoak
                              PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/memsoakConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/memsoakConfig.cmake
              ${PROJECT_BINARY_DIR}/memsoakConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/memsoak)
