// The reference reader for `backprop-bench wire`: simdjson (Debian libsimdjson-dev) reading the
// same nested matrix file and copying every number into one row-major buffer, as the service's
// reader does. Prints one JSON line per mode (DOM and on-demand) with the median of REPEATS runs.
// Built and run by bench/run.sh:  g++ -O3 -std=c++17 wire.cpp -lsimdjson -o simdjson-wire
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace simdjson;

static double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [REPEATS]\n", argv[0]);
    return 2;
  }
  int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  padded_string json;
  if (padded_string::load(argv[1]).get(json)) return 1;
  std::vector<double> out;
  size_t rows = 0, columns = 0;

  // DOM: parse the whole document into simdjson's tape, then walk it into the buffer.
  std::vector<double> dom_times;
  dom::parser parser;
  for (int r = 0; r < repeats; r++) {
    double t = now();
    dom::element doc;
    if (parser.parse(json).get(doc)) return 1;
    out.clear();
    rows = 0;
    for (dom::element row : doc.get_array()) {
      columns = 0;
      for (dom::element x : row.get_array()) {
        out.push_back(double(x));
        columns++;
      }
      rows++;
    }
    dom_times.push_back(now() - t);
  }

  // On demand: numbers parsed as the walk reaches them.
  std::vector<double> od_times;
  ondemand::parser od;
  for (int r = 0; r < repeats; r++) {
    double t = now();
    ondemand::document doc = od.iterate(json);
    out.clear();
    for (ondemand::array row : doc.get_array()) {
      for (double x : row) out.push_back(x);
    }
    od_times.push_back(now() - t);
  }
  double mb = double(json.size()) / 1e6;
  std::printf("{\"bench\":\"simdjson-wire\",\"mode\":\"dom\",\"bytes\":%zu,\"parse_mb_s\":%.1f,\"elements\":%zu,"
              "\"implementation\":\"%s\"}\n",
              json.size(), mb / median(dom_times), out.size(), get_active_implementation()->name().c_str());
  std::printf("{\"bench\":\"simdjson-wire\",\"mode\":\"ondemand\",\"bytes\":%zu,\"parse_mb_s\":%.1f,\"elements\":%zu,"
              "\"implementation\":\"%s\"}\n",
              json.size(), mb / median(od_times), out.size(), get_active_implementation()->name().c_str());
  (void)rows;
  (void)columns;
  return 0;
}
