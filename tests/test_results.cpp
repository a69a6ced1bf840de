// Tests of results.hpp: the byte image that moves Results between processes is exact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "synctur/numerics/results.hpp"

using namespace synctur;

TEST(Results, SerializeRoundTripIsBitExact) {
  Results r;
  r.set("P_A", -1.0 / 3.0, 1e-300);
  r.set("nan", std::numeric_limits<double>::quiet_NaN());
  r.set("neg_zero", -0.0);
  r.set("denormal", 4.9e-324);
  r.set_text("warnings", std::string("a; b\0c", 6));
  r.set_text("", "");
  const Results q = Results::deserialize(r.serialize());
  ASSERT_EQ(q.numbers().size(), r.numbers().size());
  for (std::size_t i = 0; i < r.numbers().size(); ++i) {
    EXPECT_EQ(q.numbers()[i].first, r.numbers()[i].first);
    const double a = r.numbers()[i].second, b = q.numbers()[i].second;
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << r.numbers()[i].first;
  }
  EXPECT_EQ(q.texts(), r.texts());
  EXPECT_EQ(q.serialize(), r.serialize());
}

TEST(Results, DeserializeRefusesMalformedImages) {
  Results r;
  r.set("x", 1.0);
  const std::string b = r.serialize();
  for (std::size_t n = 0; n < b.size(); ++n)
    EXPECT_THROW(Results::deserialize(b.substr(0, n)), std::invalid_argument) << "length " << n;
  EXPECT_THROW(Results::deserialize(b + "x"), std::invalid_argument);
  EXPECT_NO_THROW(Results::deserialize(b));
}
