# Every dependency comes from a Debian 12 package (ci/install-deps.sh); nothing is downloaded.
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(fmt REQUIRED)
if(MEMSOAK_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
