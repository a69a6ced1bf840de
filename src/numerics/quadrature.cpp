#include "synctur/numerics/quadrature.hpp"

#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>

namespace synctur::detail {

const GK21& GK21::get() {
  static const GK21 table = [] {
    GK21 t{};
    const auto& a = boost::math::quadrature::gauss_kronrod<double, 21>::abscissa();
    const auto& w = boost::math::quadrature::gauss_kronrod<double, 21>::weights();
    const auto& ga = boost::math::quadrature::gauss<double, 10>::abscissa();
    const auto& gw = boost::math::quadrature::gauss<double, 10>::weights();
    for (int i = 0; i < 11; ++i) {
      t.x[i] = a[i];
      t.wk[i] = w[i];
      t.wg[i] = 0.0;
      for (size_t j = 0; j < ga.size(); ++j)
        if (ga[j] == a[i]) t.wg[i] = gw[j];
    }
    return t;
  }();
  return table;
}

std::vector<double> clean_breakpoints(std::vector<double> b) {
  std::erase_if(b, [](double x) { return !std::isfinite(x); });
  std::sort(b.begin(), b.end());
  std::vector<double> out;
  for (double x : b) {
    if (!out.empty() && std::abs(x - out.back()) <= 1e-13 * std::max(1.0, std::abs(x))) continue;
    out.push_back(x);
  }
  return out;
}

}  // namespace synctur::detail
