#include "harness/regression.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace memsoak {
namespace {

// A regressor whose part unexplained by the earlier ones is below this share of its own
// spread is numerically a combination of them.
constexpr double kRedundant = 1e-10;

std::vector<double> centred(std::span<const double> values) {
  double mean = 0;
  for (const double value : values) mean += value;
  mean /= static_cast<double>(values.size());
  std::vector<double> result(values.begin(), values.end());
  for (double& value : result) value -= mean;
  return result;
}

double dot(std::span<const double> a, std::span<const double> b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

// The Cholesky factor L (lower, row-major, size x size) of a normal matrix, built one regressor
// at a time so that a redundant one can be skipped.
struct Factor {
  std::size_t size = 0;
  std::vector<double> lower;  // grows with every kept regressor

  double& at(std::size_t row, std::size_t column) { return lower[row * size + column]; }
  double at(std::size_t row, std::size_t column) const { return lower[row * size + column]; }

  // Solves L x = b in place.
  void forward(std::vector<double>& x) const {
    for (std::size_t row = 0; row < x.size(); ++row) {
      for (std::size_t column = 0; column < row; ++column) x[row] -= at(row, column) * x[column];
      x[row] /= at(row, row);
    }
  }
  // Solves L^T x = b in place.
  void backward(std::vector<double>& x) const {
    for (std::size_t row = x.size(); row-- > 0;) {
      for (std::size_t column = row + 1; column < x.size(); ++column) {
        x[row] -= at(column, row) * x[column];
      }
      x[row] /= at(row, row);
    }
  }
};

}  // namespace

double autocorrelation_inflation(std::span<const double> residuals) {
  double lagged = 0, squares = 0;
  for (std::size_t i = 0; i < residuals.size(); ++i) {
    squares += residuals[i] * residuals[i];
    if (i > 0) lagged += residuals[i] * residuals[i - 1];
  }
  const double rho = squares > 0 ? std::clamp(lagged / squares, 0.0, 0.99) : 0;
  return (1 + rho) / (1 - rho);
}

std::vector<std::optional<Coefficient>> least_squares(
    std::span<const std::span<const double>> regressors, std::span<const double> signal) {
  std::vector<std::optional<Coefficient>> result(regressors.size());
  const std::size_t n = signal.size();
  for (const std::span<const double> regressor : regressors) {
    if (regressor.size() != n) {
      throw std::invalid_argument("least_squares: every regressor needs one value per point");
    }
  }
  if (n < regressors.size() + 3) return result;
  const std::vector<double> y = centred(signal);
  std::vector<std::vector<double>> kept;
  std::vector<std::size_t> kept_index;
  Factor factor{regressors.size(), std::vector<double>(regressors.size() * regressors.size())};
  for (std::size_t j = 0; j < regressors.size(); ++j) {
    std::vector<double> x = centred(regressors[j]);
    const double spread = dot(x, x);
    const std::size_t row = kept.size();
    for (std::size_t column = 0; column < row; ++column) {
      double value = dot(x, kept[column]);
      for (std::size_t k = 0; k < column; ++k) value -= factor.at(row, k) * factor.at(column, k);
      factor.at(row, column) = value / factor.at(column, column);
    }
    double pivot = spread;
    for (std::size_t k = 0; k < row; ++k) pivot -= factor.at(row, k) * factor.at(row, k);
    if (!(spread > 0) || pivot <= kRedundant * spread) continue;
    factor.at(row, row) = std::sqrt(pivot);
    kept.push_back(std::move(x));
    kept_index.push_back(j);
  }
  const std::size_t p = kept.size();
  if (p == 0) return result;

  std::vector<double> beta(p);
  for (std::size_t k = 0; k < p; ++k) beta[k] = dot(kept[k], y);
  factor.forward(beta);
  factor.backward(beta);
  std::vector<double> residuals = y;
  for (std::size_t k = 0; k < p; ++k) {
    for (std::size_t i = 0; i < n; ++i) residuals[i] -= beta[k] * kept[k][i];
  }
  const double variance = dot(residuals, residuals) / static_cast<double>(n - p - 1) *
                          autocorrelation_inflation(residuals);
  for (std::size_t k = 0; k < p; ++k) {
    // (X^T X)^-1 at (k, k) is |L^-1 e_k|^2.
    std::vector<double> unit(p);
    unit[k] = 1;
    factor.forward(unit);
    result[kept_index[k]] = Coefficient{beta[k], std::sqrt(variance * dot(unit, unit))};
  }
  return result;
}

}  // namespace memsoak
