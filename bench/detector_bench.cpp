// Analysis time against series length: the detector fed N one-second samples and asked for
// its verdict, up to a week (604800 samples), and the cost of parsing one series line (what
// `memsoak analyze` adds per sample). The samples come from SeriesGenerator, computed before
// timing; the loop only copies them into one reused SeriesSample.
#include <benchmark/benchmark.h>

#include <vector>

#include "harness/detector.h"
#include "tests/support/series_generator.h"

namespace memsoak {
namespace {

struct Columns {
  std::vector<double> t_s, queries, docs, rss, live;
};

Columns generate(std::size_t samples) {
  GeneratorParams params;
  params.duration_s = static_cast<double>(samples - 1);
  params.sawtooth_bytes = 4.0 * 1024 * 1024;
  params.batch_rate_per_s = 1.0 / 3600;
  params.batch_bytes = 40.0 * 1024 * 1024;
  Columns columns;
  SeriesGenerator generator(params);
  while (const auto record = generator.next()) {
    const auto* sample = std::get_if<SeriesSample>(&*record);
    if (!sample) continue;
    columns.t_s.push_back(sample->t_s);
    columns.queries.push_back(sample->work.at("queries"));
    columns.docs.push_back(sample->work.at("docs"));
    columns.rss.push_back(sample->memory.rss_bytes);
    columns.live.push_back(*sample->memory.allocator.live_bytes);
  }
  return columns;
}

void BM_AnalyseSeries(benchmark::State& state) {
  const Columns columns = generate(static_cast<std::size_t>(state.range(0)));
  SeriesSample sample;
  sample.work = {{"queries", 0}, {"docs", 0}};
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    Detector detector;
    for (std::size_t i = 0; i < columns.t_s.size(); ++i) {
      sample.t_s = columns.t_s[i];
      sample.work["queries"] = columns.queries[i];
      sample.work["docs"] = columns.docs[i];
      sample.memory.rss_bytes = columns.rss[i];
      sample.memory.allocator.live_bytes = columns.live[i];
      detector.add(sample);
    }
    benchmark::DoNotOptimize(detector.finish());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AnalyseSeries)
    ->Arg(3600)
    ->Arg(86400)
    ->Arg(604800)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_ParseSampleLine(benchmark::State& state) {
  const std::string line =
      R"({"type":"sample","t_s":12345.0,"work":{"queries":98765432,"docs":24691358},)"
      R"("rss_bytes":158334976,"allocator":{"live_bytes":141557760,"active_bytes":145000000,)"
      R"("resident_bytes":150000000}})";
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    benchmark::DoNotOptimize(parse_series_record(line));
  }
}
BENCHMARK(BM_ParseSampleLine);

}  // namespace
}  // namespace memsoak
