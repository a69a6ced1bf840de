// io/output: JSON parses back (NaN -> null), CSV layout, atomic writes (the other kinds of
// output path: test_output_paths.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

#include "json_reader.hpp"
#include "support.hpp"
#include "synctur/io/output.hpp"

namespace fs = std::filesystem;
using namespace synctur::io;
using synctur::test::Json;
using synctur::test::parse_json;

namespace {

const std::string kBase = synctur::test::kQuickstartToml;

fs::path temp_dir(const std::string& name) {
  return synctur::test::fresh_temp_dir("synctur_test_output_" + name);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(Output, NumbersRoundTrip) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-30, 30);
  for (int i = 0; i < 10000; ++i) {
    const double v = std::pow(10.0, u(rng)) * (i % 2 ? -1 : 1) / 3.0;
    EXPECT_EQ(std::stod(format_number(v)), v);
  }
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(INFINITY), "inf");
  EXPECT_EQ(format_number(-INFINITY), "-inf");
  EXPECT_EQ(json_number(std::nan("")), "null");
  EXPECT_EQ(json_number(-INFINITY), "null");
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(Output, JsonPointParsesBack) {
  const Config cfg = parse_config(kBase, "in.toml", {"drive.phi=0.25"});
  synctur::Results r;
  r.set("P_A", -0.123456789012345678);
  r.set("Q_PA", std::nan(""));
  r.set("eta", INFINITY);
  r.set("tiny", 1e-300);
  r.set_text("note", "a \"quoted\" text");
  std::ostringstream os;
  Provenance prov;
  prov.command = "theory";
  prov.input = "in.toml";
  prov.overrides = cfg.overrides;
  write_json_point(os, prov, cfg, r);
  const Json j = parse_json(os.str());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.begin().key(), "command");
  EXPECT_EQ(j.at("command"), "theory");
  EXPECT_EQ(j.at("version"), SYNCTUR_VERSION);
  EXPECT_EQ(j.at("input"), "in.toml");
  ASSERT_EQ(j.at("overrides").size(), 1u);
  EXPECT_EQ(j.at("overrides")[0], "drive.phi=0.25");
  const Json& p = j.at("parameters");
  EXPECT_EQ(p.at("drive").at("phi"), 0.25);
  EXPECT_EQ(p.at("system").at("omega_B"), 0.6);
  EXPECT_EQ(p.at("theory").at("omega_threshold").is_boolean(), true);
  EXPECT_EQ(p.at("response").at("points"), 601);
  EXPECT_EQ(j.at("P_A"), -0.123456789012345678);  // exact round trip
  EXPECT_EQ(j.at("Q_PA").is_null(), true);
  EXPECT_EQ(j.at("eta").is_null(), true);
  EXPECT_EQ(j.at("tiny"), 1e-300);
  EXPECT_EQ(j.at("note"), "a \"quoted\" text");
}

// simulation.cutoff_band = "auto" is echoed as the number it resolved to; the rule that chose
// it follows when the rule set the step (not at the quick start, whose head is unchanged).
TEST(Output, JsonHeadEchoesTheResolvedCutoffBand) {
  const auto head = [](const Config& cfg) {
    std::ostringstream os;
    write_json_point(os, Provenance{}, cfg, synctur::Results{});
    return parse_json(os.str()).at("parameters").at("simulation");
  };
  const Json q = head(parse_config(kBase, "in.toml"));
  EXPECT_EQ(q.at("cutoff_band"), 6.0);
  EXPECT_FALSE(q.contains("cutoff_band_rule"));
  const Json w = head(parse_config(kBase, "in.toml", {"driven_bath.cutoff=1000"}));
  EXPECT_EQ(w.at("cutoff_band"), 0.0);
  EXPECT_EQ(w.at("cutoff_band_rule"),
            "auto: simulation.bias = \"correct\" removes the band and step offsets and the w_c "
            "term costs more than 2x (n = 12000 steps per period with the w_c term, 122 without): "
            "0");
}

TEST(Output, JsonTableWithSweepParsesBack) {
  const Config cfg = parse_config(
      kBase +
          "[sweep]\nx = { key = \"Tbar\", from = 0.1, to = 0.2, points = 2 }\ndT_over_Tbar = 1.8\n",
      "in.toml");
  std::vector<synctur::Results> res(2);
  res[0].set("P_A", 1.0);
  res[1].set("P_A", std::nan(""));
  res[1].set("extra", 2.0);
  const Table t = results_table({"drive.Omega", "Tbar"}, {{1.0, 0.1}, {2.0, 0.2}}, res);
  std::ostringstream os;
  write_json_table(os, Provenance{"theory", "v", "in.toml", {}}, cfg, t, true);
  const Json j = parse_json(os.str());
  EXPECT_EQ(j.at("version"), "v");
  const Json& sw = j.at("sweep");
  EXPECT_EQ(sw.at("points"), 2);
  EXPECT_EQ(sw.at("axes")[0].at("key"), "Tbar");
  EXPECT_EQ(sw.at("axes")[0].at("values")[1], 0.2);
  EXPECT_EQ(sw.at("dT_over_Tbar"), 1.8);
  ASSERT_EQ(j.at("columns").size(), 4u);
  EXPECT_EQ(j.at("columns")[3], "extra");
  const auto& pts = j.at("points");
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].at("Tbar"), 0.1);
  EXPECT_EQ(pts[0].at("extra").is_null(), true);  // missing in row 0
  EXPECT_EQ(pts[1].at("P_A").is_null(), true);    // NaN
  EXPECT_EQ(pts[1].at("extra"), 2.0);
  // The layout (unchanged since the hand-written writer): objects one key per line, arrays of
  // numbers and the objects inside arrays on one line, doubles as "1" not "1.0", NaN as null.
  const std::string text = os.str();
  for (const char* piece :
       {"{\n  \"command\": \"theory\",\n  \"version\": \"v\",\n",
        "\n  \"overrides\": [],\n  \"parameters\": {\n    \"system\": {\n      \"mass\": 1,\n",
        "\n    \"axes\": [\n      {\"name\": \"x\", \"key\": \"Tbar\", \"scale\": \"linear\", "
        "\"from\": 0.1, \"to\": 0.2, \"points\": 2, \"values\": [0.1, 0.2]}\n    ],\n",
        "\n  \"columns\": [\"drive.Omega\", \"Tbar\", \"P_A\", \"extra\"],\n  \"points\": [\n    "
        "{\"drive.Omega\": 1, \"Tbar\": 0.1, \"P_A\": 1, \"extra\": null},\n    {",
        "\"extra\": 2}\n  ]\n}\n"})
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\nnot in\n" << text;
}

TEST(Output, CsvLayout) {
  std::vector<synctur::Results> res(3);
  for (int i = 0; i < 3; ++i) {
    res[i].set("P_A", 0.5 * i);
    res[i].set("Q_PA", i == 1 ? std::nan("") : 2.0);
  }
  res[2].set_text("msg", "a, b");
  const Table t =
      results_table({"drive.Omega", "static_bath.gamma"}, {{1, 10}, {2, 10}, {3, 10}}, res);
  std::ostringstream os;
  write_csv(os, Provenance{"theory", "9.9", "in.toml", {"drive.r=1"}}, t);
  std::istringstream in(os.str());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "# synctur 9.9 theory in.toml --set drive.r=1");
  EXPECT_EQ(lines[1], "drive.Omega,static_bath.gamma,P_A,Q_PA,msg");
  EXPECT_EQ(lines[2], "1,10,0,2,nan");
  EXPECT_EQ(lines[3], "2,10,0.5,nan,nan");
  EXPECT_EQ(lines[4], "3,10,1,2,\"a, b\"");
}

TEST(Output, AtomicWriteReplacesOnlyOnSuccess) {
  const fs::path d = temp_dir("atomic");
  const fs::path f = d / "out.csv";
  write_output(f.string(), [](std::ostream& os) { os << "first\n"; });
  EXPECT_EQ(slurp(f), "first\n");
  // A failing writer leaves the old content and no temporary file.
  EXPECT_THROW(write_output(f.string(),
                            [](std::ostream& os) {
                              os << "half";
                              throw std::runtime_error("boom");
                            }),
               std::runtime_error);
  EXPECT_EQ(slurp(f), "first\n");
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d)) ++n;
  EXPECT_EQ(n, 1);
}

TEST(Output, AtomicWriteCreatesNothingWhenTheWriterFails) {
  const fs::path d = temp_dir("nothing");
  const fs::path f = d / "never.json";
  EXPECT_THROW(write_output(f.string(),
                            [](std::ostream& os) {
                              os << std::string(1 << 20, 'x');
                              throw std::runtime_error("boom");
                            }),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(f));
  EXPECT_TRUE(fs::is_empty(d));
  // A missing directory is refused naming the file, and creates nothing.
  try {
    write_output((d / "no" / "such.csv").string(), [](std::ostream& os) { os << "x"; });
    ADD_FAILURE();
  } catch (const OutputPathError& e) {
    EXPECT_NE(std::string(e.what()).find("such.csv"), std::string::npos);
  }
  EXPECT_TRUE(fs::is_empty(d));
}
